/* The buyer's booking region: show times in the browser's time zone, ask again while routing
   is still naming the rep, and reload the slots when the buyer picks another zone. Without
   JavaScript the page works too (a refresh while waiting, a "Show" button for the zone). */
(function () {
  "use strict";

  function browserZone() {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (error) {
      return "";
    }
  }

  function chosenZone() {
    var params = new URLSearchParams(window.location.search);
    return params.get("tz") || browserZone();
  }

  function load(region, zone) {
    var url = region.dataset.slotsUrl + "?tz=" + encodeURIComponent(zone);
    return fetch(url, { headers: { "X-Requested-With": "fetch" } })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var fresh = holder.querySelector("#booking");
        if (fresh) {
          region.replaceWith(fresh);
          start(fresh, zone);
        }
      });
  }

  function start(region, zone) {
    var select = region.querySelector("select[name=tz]");
    if (select) {
      select.addEventListener("change", function () { load(region, select.value); });
    }
    if (region.dataset.state === "waiting") {
      window.setTimeout(function () { load(region, zone); }, 1000);
    }
  }

  function init() {
    var region = document.getElementById("booking");
    if (region) {
      var zone = chosenZone();
      var select = region.querySelector("select[name=tz]");
      var shown = select ? select.value : "";
      if (zone && zone !== shown && region.dataset.state !== "booked") {
        load(region, zone);  // the first view in the buyer's own zone
      } else {
        start(region, zone);
      }
    }
    var meetingZone = document.getElementById("meeting-tz");
    if (meetingZone) {
      meetingZone.addEventListener("change", function () {
        window.location.search = "?tz=" + encodeURIComponent(meetingZone.value);
      });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
