/* Progress of an import run by the worker: asks the server every two seconds
   (JSON), updates the progress bar and the status line, and reloads the page once
   the import is finished to show its result. Static file: the CSP allows 'self'. */
(function () {
  "use strict";

  function start(box) {
    if (box.getAttribute("data-finished") === "1") { return; }
    var url = box.getAttribute("data-progress-url");
    var bar = document.getElementById("import-bar");
    var state = document.getElementById("import-state");
    var percent = document.getElementById("import-percent");
    var lastLabel = "";
    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data) { window.setTimeout(poll, 5000); return; }
          if (bar) { bar.value = data.percent; bar.textContent = data.percent + " %"; }
          if (percent) { percent.textContent = data.percent + " %"; }
          if (data.finished) { window.location.reload(); return; }
          // the live region is spoken only when the phase changes, not at each percent
          if (state && data.status_label !== lastLabel) {
            lastLabel = data.status_label;
            state.textContent = data.status_label;
          }
          window.setTimeout(poll, 2000);
        })
        .catch(function () { window.setTimeout(poll, 5000); });
    }
    window.setTimeout(poll, 1000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("import-progress");
    if (box) { start(box); }
  });
})();
