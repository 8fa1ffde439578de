// Suggestions for the organisation fields that are text inputs (long lists): while the
// person types, ask the server for matching organisations and fill the input's <datalist>.
(function () {
  "use strict";
  function attach(input) {
    var list = document.getElementById(input.getAttribute("list"));
    var url = input.dataset.suggestionsUrl;
    if (!list || !url) return;
    var timer = null;
    var last = "";
    input.addEventListener("input", function () {
      var query = input.value.trim();
      if (query.length < 2 || query === last || /\[n°\s*\d+\]$/.test(query)) return;
      last = query;
      clearTimeout(timer);
      timer = setTimeout(function () {
        fetch(url + "?q=" + encodeURIComponent(query), {
          credentials: "same-origin",
          headers: { Accept: "application/json" },
        })
          .then(function (response) { return response.ok ? response.json() : []; })
          .then(function (items) {
            list.replaceChildren.apply(list, items.map(function (item) {
              var option = document.createElement("option");
              option.value = item.label;
              return option;
            }));
          })
          .catch(function () { /* no suggestions: the exact name still works */ });
      }, 200);
    });
  }
  document.querySelectorAll("input[data-suggestions-url]").forEach(attach);
})();
