/* A rep's open page stays live without a reload (apps/core/pulse.py, apps/sales/views/pulse.py).

   Every few seconds the page asks the pulse URL with the ETag it last saw. A 304 means nothing
   it shows has changed. A 200 carries the navigation counts and the newest unread notices:
   the badges are updated, a "pulse" event on <body> makes each live region re-fetch itself
   from its own URL (so the page, cursor and filters stay as they are), and each notice not
   shown before becomes a toast and, if the rep allowed it and the tab is in the background,
   a browser notification. */
(function () {
  "use strict";

  var body = document.body;
  var url = body.getAttribute("data-pulse-url");
  if (!url) { return; }

  var VISIBLE_EVERY_MS = 3000;   // a routing shows within 5 seconds on the page in front
  var HIDDEN_EVERY_MS = 10000;   // a tab in the background asks less often
  var TOAST_MS = 20000;
  var etag = '"' + body.getAttribute("data-pulse-etag") + '"';
  var since = parseInt(body.getAttribute("data-pulse-since"), 10);
  var shown = {};
  var failures = 0;
  var timer = null;

  function setCount(name, value) {
    if (typeof value !== "number") { return; }
    document.querySelectorAll('[data-live-count="' + name + '"]').forEach(function (holder) {
      var count = holder.querySelector("[data-count]");
      if (count) { count.textContent = String(value); }
      holder.hidden = value === 0;
    });
  }

  function toast(note) {
    var region = document.getElementById("toasts");
    if (!region) { return; }
    var item = document.createElement("div");
    item.className = "toast";
    item.setAttribute("data-toast", String(note.id));
    var title = document.createElement("a");
    title.className = "toast__title";
    title.href = note.url;
    title.textContent = note.title;
    item.appendChild(title);
    if (note.body) {
      var text = document.createElement("p");
      text.className = "toast__body";
      text.textContent = note.body;
      item.appendChild(text);
    }
    var close = document.createElement("button");
    close.type = "button";
    close.className = "toast__close";
    close.setAttribute("aria-label", "Dismiss");
    close.textContent = "×";
    close.addEventListener("click", function () { item.remove(); });
    item.appendChild(close);
    region.appendChild(item);
    var expire = function () {
      if (item.matches(":hover, :focus-within")) { window.setTimeout(expire, 5000); return; }
      item.remove();
    };
    window.setTimeout(expire, TOAST_MS);
  }

  function desktopAlert(note) {
    if (!("Notification" in window) || Notification.permission !== "granted" || !document.hidden) {
      return;
    }
    var alert = new Notification(note.title, { body: note.body || "", tag: "revenue-desk-" + note.id });
    alert.addEventListener("click", function () {
      window.focus();
      window.location.assign(note.url);
    });
  }

  function apply(data) {
    setCount("today", data.today);
    setCount("unread", data.unread);
    if (window.htmx) { window.htmx.trigger(body, "pulse"); }
    (data.news || []).slice().reverse().forEach(function (note) {
      if (shown[note.id]) { return; }
      shown[note.id] = true;
      toast(note);
      desktopAlert(note);
    });
    if (typeof data.now === "number") {
      // notices are announced once (shown{}); the overlap catches one committed a little late
      since = since === null ? data.now - 60 : Math.max(since, data.now - 60);
    }
  }

  function schedule() {
    window.clearTimeout(timer);
    var wait = document.hidden ? HIDDEN_EVERY_MS : VISIBLE_EVERY_MS;
    timer = window.setTimeout(poll, wait * Math.min(1 + failures, 10));
  }

  function poll() {
    fetch(since === null ? url : url + "?since=" + since, {
      headers: { "Accept": "application/json", "If-None-Match": etag },
      credentials: "same-origin",
      cache: "no-store",
      redirect: "manual",
    }).then(function (response) {
      if (response.status === 304) { failures = 0; return; }
      if (response.type === "opaqueredirect" || response.status === 401 || response.status === 403) {
        failures = Infinity;  // signed out or no longer a rep: stop asking
        return;
      }
      if (response.status === 400) {
        // `since` is over a day old (the machine slept): ask for the last minute's news instead
        // of being refused on every poll from now on
        since = null;
        failures += 1;
        return;
      }
      if (!response.ok) { failures += 1; return; }
      failures = 0;
      etag = response.headers.get("ETag") || etag;
      return response.json().then(apply);
    }).catch(function () {
      failures += 1;
    }).then(function () {
      if (failures !== Infinity) { schedule(); }
    });
  }

  function offerAlerts() {
    var holder = document.querySelector("[data-alerts]");
    if (!holder || !("Notification" in window) || Notification.permission !== "default") { return; }
    holder.hidden = false;
    holder.querySelector("[data-alerts-enable]").addEventListener("click", function () {
      Notification.requestPermission().then(function () { holder.hidden = true; });
    });
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) { poll(); }  // back in front: catch up at once
  });
  offerAlerts();
  schedule();
})();
