/*
 * Follow an export on its page: ask for its progress every second, show it, and load the
 * page again once the file is ready. Without JavaScript the page refreshes itself instead.
 */
(function () {
  "use strict";

  var section = document.querySelector("[data-export-status]");
  if (!section || !window.fetch) {
    return;
  }
  var url = section.getAttribute("data-export-status");
  var bar = section.querySelector("progress");
  var text = section.querySelector("[data-export-text]");

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (status) {
        if (!status) {
          window.setTimeout(poll, 3000);
          return;
        }
        if (bar && status.total) {
          bar.max = status.total;
          bar.value = status.progress;
          bar.textContent = status.percent + " %";
        }
        if (text && text.textContent !== status.text) {
          text.textContent = status.text;
        }
        if (status.active) {
          window.setTimeout(poll, 1000);
        } else {
          window.location.reload();
        }
      })
      .catch(function () {
        window.setTimeout(poll, 3000);
      });
  }

  window.setTimeout(poll, 1000);
})();
