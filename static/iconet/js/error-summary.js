/*
 * Error summary: move focus to it when a form comes back with errors, so that
 * screen-reader and keyboard users land on the list of problems; a link in the
 * summary then focuses the field it names and scrolls its label into view.
 * Without JavaScript the summary is still shown and its links still jump to the fields.
 */
(function () {
  "use strict";

  var summary = document.querySelector("[data-error-summary]");
  if (!summary) {
    return;
  }

  summary.focus();

  function labelFor(input) {
    var fieldset = input.closest("fieldset");
    if (fieldset) {
      var legend = fieldset.querySelector("legend");
      if (legend) {
        return legend;
      }
    }
    if (input.id) {
      var label = document.querySelector("label[for='" + input.id.replace(/'/g, "\\'") + "']");
      if (label) {
        return label;
      }
    }
    return input;
  }

  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    if (!link) {
      return;
    }
    var input = document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
    if (!input) {
      return;
    }
    event.preventDefault();
    labelFor(input).scrollIntoView();
    input.focus({ preventScroll: true });
  });
})();
