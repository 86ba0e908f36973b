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
