/*
 * Keyboard shortcuts for the most frequent actions, described in the dialog that "?" opens
 * (templates/partials/shortcuts.html). Each acts on what the page marks:
 *   /        the search field (#site-search)
 *   j, k     the next or previous row of a list (the first link of each row of the main table)
 *   n, p     the next or previous page (a[rel=next], a[rel=prev])
 *   a        acknowledge the alert shown (a button marked data-shortcut="acknowledge")
 *   f        follow or stop following the item shown ([data-shortcut-follow])
 *   r        write a reply in the item's discussion
 * A key typed in a field, or with Ctrl, Alt or Meta, is left to the browser. Progressive
 * enhancement only: every action also has its link or button.
 */
(function () {
  "use strict";

  var dialog = document.getElementById("shortcuts-help");
  var opener = document.getElementById("shortcuts-open");

  function typing(target) {
    if (!target || target === document.body) {
      return false;
    }
    var name = target.tagName;
    return (
      name === "INPUT" ||
      name === "TEXTAREA" ||
      name === "SELECT" ||
      target.isContentEditable
    );
  }

  function rows() {
    var main = document.getElementById("main");
    if (!main) {
      return [];
    }
    var links = [];
    main.querySelectorAll("table tbody tr").forEach(function (row) {
      var link = row.querySelector("a[href]");
      if (link) {
        links.push(link);
      }
    });
    return links;
  }

  function move(step) {
    var links = rows();
    if (!links.length) {
      return false;
    }
    var at = links.indexOf(document.activeElement);
    var next = at === -1 ? (step > 0 ? 0 : links.length - 1) : at + step;
    next = Math.max(0, Math.min(links.length - 1, next));
    links[next].focus();
    links[next].scrollIntoView({ block: "nearest" });
    return true;
  }

  function click(selector) {
    var element = document.querySelector(selector);
    if (!element) {
      return false;
    }
    element.click();
    return true;
  }

  function focus(selector) {
    var element = document.querySelector(selector);
    if (!element) {
      return false;
    }
    element.focus();
    return true;
  }

  function help() {
    if (!dialog || typeof dialog.showModal !== "function") {
      return false;
    }
    if (!dialog.open) {
      dialog.showModal();
    }
    return true;
  }

  var actions = {
    "/": function () { return focus("#site-search"); },
    j: function () { return move(1); },
    k: function () { return move(-1); },
    n: function () { return click("a[rel=next]"); },
    p: function () { return click("a[rel=prev]"); },
    a: function () { return click('[data-shortcut="acknowledge"]'); },
    f: function () { return click("[data-shortcut-follow]"); },
    r: function () { return focus("#discussion textarea"); },
    "?": help
  };

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.altKey || event.metaKey) {
      return;
    }
    if (typing(event.target) || (dialog && dialog.open)) {
      return;
    }
    var action = actions[event.key];
    if (action && action()) {
      event.preventDefault();
    }
  });

  if (dialog && opener && typeof dialog.showModal === "function") {
    opener.hidden = false;
    opener.addEventListener("click", function () {
      dialog.showModal();
    });
    dialog.querySelector("[data-close]").addEventListener("click", function () {
      dialog.close();
    });
    dialog.addEventListener("close", function () {
      opener.focus();
    });
  }
})();
