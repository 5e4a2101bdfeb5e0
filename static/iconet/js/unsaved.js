/*
 * Warn before leaving a page whose form has unsaved changes.
 * Opt in with <form data-warn-unsaved>. Progressive enhancement only: without
 * JavaScript the form works exactly the same, there is simply no warning.
 */
(function () {
  "use strict";

  var forms = document.querySelectorAll("form[data-warn-unsaved]");
  if (!forms.length || !window.FormData) {
    return;
  }

  function serialise(form) {
    var parts = [];
    new FormData(form).forEach(function (value, name) {
      if (name === "csrfmiddlewaretoken") {
        return;
      }
      if (typeof value === "string") {
        parts.push(name + "=" + value);
      } else if (value && value.name) {
        // A chosen file counts as a change; an empty file input does not.
        parts.push(name + "=file:" + value.name + ":" + value.size);
      }
    });
    return parts.join("&");
  }

  var initial = [];
  var submitting = false;

  Array.prototype.forEach.call(forms, function (form, index) {
    initial[index] = serialise(form);
    form.addEventListener("submit", function () {
      submitting = true;
    });
  });

  function hasChanges() {
    for (var i = 0; i < forms.length; i += 1) {
      if (serialise(forms[i]) !== initial[i]) {
        return true;
      }
    }
    return false;
  }

  window.addEventListener("beforeunload", function (event) {
    if (submitting || !hasChanges()) {
      return undefined;
    }
    // Browsers show their own wording; the text is not displayed.
    event.preventDefault();
    event.returnValue = "";
    return "";
  });

  // Coming back through the history cache: the page is live again.
  window.addEventListener("pageshow", function () {
    submitting = false;
  });
})();
