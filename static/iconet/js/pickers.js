/*
 * Pickers that find by typing. Progressive enhancement only: without JavaScript every
 * picker is the plain <select> or list of checkboxes it was, and works the same.
 *  - a drop-down of more than 15 choices gets a "Type to find" box above it (an
 *    <input list> with a <datalist> of the same labels): choosing a label chooses it;
 *  - a list of more than 10 checkboxes gets a box that hides the boxes that do not match;
 *  - the "All EU Member States" / "All Schengen states" boxes of a Member States' picker
 *    tick (or untick) their states at once.
 */
(function () {
  "use strict";

  var counter = 0;
  var label = document.documentElement.lang === "fr" ? "Taper pour trouver" : "Type to find";

  function normalise(text) {
    return (text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().trim();
  }

  function finder(before, describedBy) {
    counter += 1;
    var wrapper = document.createElement("div");
    wrapper.className = "picker-finder";
    var id = "picker-finder-" + counter;
    var text = document.createElement("label");
    text.className = "field__hint";
    text.setAttribute("for", id);
    text.textContent = label;
    var input = document.createElement("input");
    input.type = "search";
    input.id = id;
    input.className = "input picker-finder__input";
    input.autocomplete = "off";
    if (describedBy) {
      input.setAttribute("aria-controls", describedBy);
    }
    wrapper.appendChild(text);
    wrapper.appendChild(input);
    before.parentNode.insertBefore(wrapper, before);
    return input;
  }

  document.querySelectorAll("select:not([multiple])").forEach(function (select) {
    if (select.options.length <= 15 || !select.id) {
      return;
    }
    var input = finder(select, select.id);
    var list = document.createElement("datalist");
    list.id = input.id + "-list";
    Array.prototype.forEach.call(select.options, function (option) {
      if (option.value) {
        var entry = document.createElement("option");
        entry.value = option.textContent;
        list.appendChild(entry);
      }
    });
    input.setAttribute("list", list.id);
    input.parentNode.appendChild(list);
    input.addEventListener("input", function () {
      var wanted = normalise(input.value);
      var found = Array.prototype.find.call(select.options, function (option) {
        return option.value && normalise(option.textContent) === wanted;
      });
      if (found) {
        select.value = found.value;
        select.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
  });

  document.querySelectorAll(".fieldset__choices > div[id], .fieldset__choices").forEach(function (group) {
    var boxes = group.querySelectorAll(":scope > div > label > input[type=checkbox], :scope > div > div > label > input[type=checkbox]");
    if (boxes.length <= 10 || group.dataset.pickerDone) {
      return;
    }
    group.dataset.pickerDone = "1";
    var input = finder(group, group.id);
    input.addEventListener("input", function () {
      var wanted = normalise(input.value);
      boxes.forEach(function (box) {
        var row = box.closest("div");
        var shown = !wanted || normalise(box.parentNode.textContent).indexOf(wanted) !== -1;
        row.hidden = !shown;
      });
    });
  });

  document.querySelectorAll("input[data-member-states][value^=all-]").forEach(function (shortcut) {
    var attribute = shortcut.value === "all-eu" ? "data-eu" : "data-schengen";
    shortcut.addEventListener("change", function () {
      document.querySelectorAll('input[name="' + shortcut.name + '"][' + attribute + "]").forEach(
        function (box) {
          box.checked = shortcut.checked;
        }
      );
    });
  });
})();
