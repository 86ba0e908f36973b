/* The sales pages answer a refused action (a 403/409/422 carrying X-Refused) with the form and
   its message; htmx does not swap error responses by default, so let those through in place. */
(function () {
  "use strict";
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (xhr && xhr.status >= 400 && xhr.status < 500 && xhr.getResponseHeader("X-Refused")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();

/* "Copy" on a play step's script or email: copies the filled-in text (and the subject line of
   an email), and says so on the button for a moment. */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("[data-copy]") : null;
    if (!button || !navigator.clipboard) { return; }
    var text = document.querySelector(button.getAttribute("data-copy"));
    var subject = button.getAttribute("data-copy-subject");
    var parts = [];
    if (subject && document.querySelector(subject)) {
      parts.push("Subject: " + document.querySelector(subject).textContent.trim(), "");
    }
    if (text) { parts.push(text.innerText.trim()); }
    navigator.clipboard.writeText(parts.join("\n")).then(function () {
      var label = button.textContent;
      button.textContent = "Copied";
      window.setTimeout(function () { button.textContent = label; }, 2000);
    });
  });
})();
