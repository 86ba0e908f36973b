/* Live SLA countdowns: every element with data-due="<ISO time>" shows the time left, each second.
   The server renders a readable fallback ("in 4 minutes"), so pages work without JavaScript. */
(function () {
  "use strict";

  function pad(n) { return n < 10 ? "0" + n : String(n); }

  function describe(ms) {
    var total = Math.floor(Math.abs(ms) / 1000);
    var days = Math.floor(total / 86400);
    var hours = Math.floor((total % 86400) / 3600);
    var minutes = Math.floor((total % 3600) / 60);
    var seconds = total % 60;
    if (days > 0) { return days + "d " + hours + "h"; }
    if (hours > 0) { return hours + "h " + pad(minutes) + "m"; }
    return minutes + ":" + pad(seconds);
  }

  function tick() {
    var now = Date.now();
    var nodes = document.querySelectorAll("[data-due]");
    for (var i = 0; i < nodes.length; i++) {
      var node = nodes[i];
      var due = Date.parse(node.getAttribute("data-due"));
      if (isNaN(due)) { continue; }
      var left = due - now;
      var overdue = left <= 0;
      node.textContent = overdue ? "Overdue " + describe(left) : describe(left) + " left";
      node.classList.toggle("countdown--overdue", overdue);
      node.classList.toggle("countdown--soon", !overdue && left < 60 * 1000);
    }
  }

  tick();
  window.setInterval(tick, 1000);
  document.addEventListener("htmx:afterSettle", tick);
})();
