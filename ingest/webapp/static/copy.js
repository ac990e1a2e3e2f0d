/*! Leadsource copy buttons: ours, version 1.0.0, license MIT.
 * A button with data-copy="ID" copies the value of the field with that id. Without this
 * script the buttons stay hidden and the read-only fields can be selected by hand. */
(function () {
  "use strict";
  var buttons = document.querySelectorAll("button[data-copy]");
  Array.prototype.forEach.call(buttons, function (button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      field.select();
      var done = function () {
        button.textContent = "Copied";
        setTimeout(function () { button.textContent = "Copy"; }, 2000);
      };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(field.value).then(done, function () {});
      } else {
        try { document.execCommand("copy"); done(); } catch (e) { /* selected: copy by hand */ }
      }
    });
  });
})();
