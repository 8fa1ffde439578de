// A filter box above a long <select multiple> (territories grouped by commune): typing
// hides the options and groups that do not match (accents and case ignored); selected
// options always stay visible. Without JavaScript the plain select works.
(function () {
  "use strict";
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  document.querySelectorAll("[data-filter-for]").forEach(function (box) {
    var select = document.getElementById(box.dataset.filterFor);
    var input = box.querySelector("input");
    if (!select || !input) return;
    box.hidden = false;
    input.addEventListener("input", function () {
      var wanted = fold(input.value.trim());
      select.querySelectorAll("optgroup").forEach(function (group) {
        var groupMatches = fold(group.label).indexOf(wanted) !== -1;
        var any = false;
        group.querySelectorAll("option").forEach(function (option) {
          var show = !wanted || groupMatches || option.selected ||
            fold(option.textContent).indexOf(wanted) !== -1;
          option.hidden = !show;
          any = any || show;
        });
        group.hidden = !any;
      });
    });
  });
})();
