/* The rep's keyboard shortcuts (help: "?", templates/components.html#shortcut-help).

   j / k select the next / previous lead of the list on the page (queue, Today, pool) and focus
   its link, so Enter opens it; "a" opens the attempt form of the lead on screen, or of the
   selected one; "g" then "t" or "q" go to Today or the queue. A live refresh keeps the
   selection: the same lead is selected again once its row is back. */
(function () {
  "use strict";

  var ROWS = "[data-lead-row]";
  var selectedId = null;
  var pendingG = false;

  function typing(target) {
    return target instanceof HTMLElement &&
      (target.isContentEditable || target.closest("input, textarea, select, [contenteditable]"));
  }

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll(ROWS));
  }

  function mark(row, focus) {
    rows().forEach(function (other) { other.classList.toggle("is-selected", other === row); });
    selectedId = row ? row.getAttribute("data-lead-row") : null;
    if (row && focus) {
      var link = row.querySelector("a[href]");
      if (link) { link.focus(); }
      row.scrollIntoView({ block: "nearest" });
    }
  }

  function move(step) {
    var list = rows();
    if (!list.length) { return; }
    var at = list.findIndex(function (row) { return row.getAttribute("data-lead-row") === selectedId; });
    var next = at === -1 ? (step > 0 ? 0 : list.length - 1) : Math.min(Math.max(at + step, 0), list.length - 1);
    mark(list[next], true);
  }

  function attempt() {
    var form = document.getElementById("attempt-form");
    if (form) {
      form.scrollIntoView({ block: "center" });
      var field = form.querySelector("select, input:not([type=hidden]), textarea");
      if (field) { field.focus(); }
      return;
    }
    var row = selectedId && document.querySelector('[data-lead-row="' + selectedId + '"]');
    var link = row && row.querySelector("a[href]");
    if (link) { window.location.assign(link.href + "#attempt-form"); }
  }

  function help() {
    var dialog = document.getElementById("shortcut-help");
    if (dialog && !dialog.open) { dialog.showModal(); }
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) {
      return;
    }
    var dialog = document.getElementById("shortcut-help");
    if (dialog && dialog.open) { return; }
    var key = event.key;
    if (pendingG) {
      pendingG = false;
      var go = document.querySelector('#shortcut-help a[data-go="' + key + '"]');
      if (go) { event.preventDefault(); window.location.assign(go.href); }
      return;
    }
    if (key === "j" || key === "k") { event.preventDefault(); move(key === "j" ? 1 : -1); }
    else if (key === "a") { event.preventDefault(); attempt(); }
    else if (key === "?") { event.preventDefault(); help(); }
    else if (key === "g") { pendingG = true; window.setTimeout(function () { pendingG = false; }, 1500); }
  });

  document.addEventListener("htmx:afterSwap", function () {
    if (!selectedId) { return; }
    var row = document.querySelector('[data-lead-row="' + selectedId + '"]');
    var hadFocus = document.activeElement === document.body;
    mark(row, hadFocus);
  });

  // arriving from "a" on a list: once the page has settled, put the rep in the attempt form
  window.addEventListener("load", function () {
    if (window.location.hash === "#attempt-form") { attempt(); }
  });
})();
