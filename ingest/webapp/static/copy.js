/* Copy buttons for the Leadsource app: ours, version 1.0.0, MIT licence.
   A button with data-copy="ID" copies the value of the element with that id. The buttons
   are hidden until this script shows them: without it the fields stay selectable. */
(function () {
  "use strict";
  function fallback(field) {
    field.focus();
    field.select();
    try { return document.execCommand("copy"); } catch (e) { return false; }
  }
  function done(button, ok) {
    var text = button.getAttribute("data-label") || button.textContent;
    button.setAttribute("data-label", text);
    button.textContent = ok ? "Copied" : "Select and copy";
    setTimeout(function () { button.textContent = text; }, 2000);
  }
  var buttons = document.querySelectorAll("button[data-copy]");
  Array.prototype.forEach.call(buttons, function (button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var value = field.value;
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(value).then(
          function () { done(button, true); },
          function () { done(button, fallback(field)); }
        );
      } else {
        done(button, fallback(field));
      }
    });
  });
})();
