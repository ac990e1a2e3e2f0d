/* The live view's updates for the Leadsource app: ours, version 1.0.0, MIT licence.
   Short polling: every few seconds (the number in data-live) it fetches its own page, and
   swaps in the new lists, so the page neither reloads nor loses its scroll; items that were
   not there before are marked. Paused while the tab is hidden. Without this script the page
   reloads itself (a meta refresh inside <noscript>). The fetched page is parsed inertly
   (DOMParser runs no scripts) and was escaped by the server like every page. */
(function () {
  "use strict";
  var root = document.querySelector("[data-live]");
  var status = document.getElementById("live-status");
  if (!root || !status || !window.fetch || !window.DOMParser) return;
  var every = Math.max(2, parseInt(root.getAttribute("data-live"), 10) || 5) * 1000;
  var busy = false;

  function ids(node) {
    var seen = {};
    Array.prototype.forEach.call(node.querySelectorAll("[data-id]"), function (item) {
      seen[item.getAttribute("data-id")] = true;
    });
    return seen;
  }

  function say(text) {
    status.textContent = text;
  }

  function update() {
    if (busy || document.hidden) return;
    busy = true;
    fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var fresh = page.querySelector("[data-live]");
        if (!fresh) {
          say("Not updating: you may have been signed out. Reload the page.");
          return;
        }
        var before = ids(root);
        Array.prototype.forEach.call(fresh.querySelectorAll("[data-id]"), function (item) {
          if (!before[item.getAttribute("data-id")]) item.classList.add("fresh");
        });
        var next = document.importNode(fresh, true);
        root.parentNode.replaceChild(next, root);
        root = next;
        say("Updated at " + new Date().toLocaleTimeString() + ".");
      })
      .catch(function () {
        say("Could not update; trying again in a few seconds.");
      })
      .then(function () {
        busy = false;
      });
  }

  say("Updates every " + every / 1000 + " seconds.");
  window.setInterval(update, every);
  document.addEventListener("visibilitychange", update);
})();
