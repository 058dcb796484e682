// Learner and catalog pages: the idle-logout warning, arrow keys in the reader (portal.js
// shows the print button). Every page works without this file, and the server enforces the idle limit on
// its own; this only warns before it and lets the reader say "I am still here".
(function () {
  "use strict";

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("data-hx-headers") || "{}")["X-CSRFToken"];
    } catch (e) {
      return null;
    }
  }

  function duration(seconds) {
    if (seconds < 60) return seconds + "秒";
    var rest = seconds % 60;
    return Math.floor(seconds / 60) + "分" + (rest ? rest + "秒" : "");
  }

  function idleWarning() {
    var box = document.getElementById("idle-warning");
    if (!box) return;
    var limit = parseInt(box.getAttribute("data-idle-seconds"), 10) * 1000;
    var warnBefore = Math.min(120000, limit / 4);
    var left = box.querySelector("[data-idle-left]");
    var button = box.querySelector("[data-idle-continue]");
    var deadline, warnTimer, endTimer, ticker;

    function update() {
      left.textContent = duration(Math.max(0, Math.round((deadline - Date.now()) / 1000)));
    }
    function show() {
      update();
      box.hidden = false;
      ticker = window.setInterval(update, 1000);
      button.focus();
    }
    function schedule() {
      window.clearTimeout(warnTimer);
      window.clearTimeout(endTimer);
      window.clearInterval(ticker);
      box.hidden = true;
      deadline = Date.now() + limit;
      warnTimer = window.setTimeout(show, limit - warnBefore);
      // Just after the server's limit: reloading lets the server end the session and say why.
      endTimer = window.setTimeout(function () { window.location.reload(); }, limit + 1500);
    }
    button.addEventListener("click", function () {
      fetch(box.getAttribute("data-keepalive-url"), {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken() || "" }
      }).then(function (response) {
        if (response.status === 204) schedule();
        else window.location.reload();
      }).catch(function () {
        // Offline: keep the warning up; the reload at the deadline tells what happened.
      });
    });
    // A search-as-you-type request is activity too: the server saw it.
    document.body.addEventListener("htmx:afterRequest", schedule);
    schedule();
  }

  function arrowKeys() {
    if (!document.querySelector(".reader")) return;
    document.addEventListener("keydown", function (event) {
      if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
      var target = event.target;
      if (target.closest && target.closest("input, textarea, select, button, [contenteditable]")) return;
      var rel = { ArrowLeft: "prev", ArrowRight: "next" }[event.key];
      var link = rel && document.querySelector('a[rel~="' + rel + '"]');
      if (!link) return;
      event.preventDefault();
      window.location.assign(link.href);
    });
  }

  function revealEnhancements() {
    document.querySelectorAll("[data-js-only]").forEach(function (el) { el.hidden = false; });
  }

  idleWarning();
  arrowKeys();
  revealEnhancements();
})();
