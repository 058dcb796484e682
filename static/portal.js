// Small progressive enhancements. Every page works without this file.
(function () {
  "use strict";
  // Disable a form's submit buttons once it is sent, so a double click posts once.
  // (The server is idempotent anyway; this only spares the second request.)
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.hasAttribute("data-allow-resubmit") || form.hasAttribute("data-hx-post")) return;
    var buttons = form.querySelectorAll("button[type=submit], input[type=submit]");
    window.setTimeout(function () {
      buttons.forEach(function (b) { b.disabled = true; });
    }, 0);
  });
  // Coming back with the browser's back button must not leave the buttons disabled.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form button[disabled]:not([data-keep-disabled])").forEach(function (b) {
      b.disabled = false;
    });
  });
})();
// Print buttons on printable pages (account cards, catalog lists): hidden without
// JavaScript, where the browser's own print command does the same.
document.querySelectorAll("[data-print][hidden]").forEach(function (button) {
  button.hidden = false;
});
document.addEventListener("click", function (event) {
  var target = event.target.closest("[data-print]");
  if (!target) return;
  event.preventDefault();
  window.print();
});
