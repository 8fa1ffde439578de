// « Utiliser ma position » (core/place_input.html): progressive enhancement of the
// address field. The button shows only when the browser offers geolocation; the
// position goes into the hidden lat/lon fields, which the server prefers to the
// address. Typing an address again forgets the position. Without JavaScript, the
// address alone works.
(function () {
  "use strict";
  function attach(box) {
    if (box.dataset.placeReady) return;
    box.dataset.placeReady = "1";
    var button = box.querySelector("[data-place-locate]");
    var address = box.querySelector("[data-place-address]");
    var status = box.querySelector("[data-place-status]");
    var lat = box.querySelector("input[name$='lat']");
    var lon = box.querySelector("input[name$='lon']");
    if (!button || !lat || !lon || !("geolocation" in navigator)) return;
    button.hidden = false;
    address.addEventListener("input", function () {
      lat.value = "";
      lon.value = "";
    });
    button.addEventListener("click", function () {
      status.textContent = "Recherche de votre position…";
      button.disabled = true;
      navigator.geolocation.getCurrentPosition(
        function (position) {
          lat.value = position.coords.latitude.toFixed(6);
          lon.value = position.coords.longitude.toFixed(6);
          address.value = "";
          var metres = Math.round(position.coords.accuracy || 0);
          status.textContent = "Position trouvée" +
            (metres ? " (à " + metres.toLocaleString("fr-FR") + "\u00a0m près)" : "") + ".";
          button.disabled = false;
          if (box.hasAttribute("data-submit") && address.form) address.form.requestSubmit();
        },
        function () {
          status.textContent = "Position indisponible : indiquez plutôt une adresse.";
          button.disabled = false;
        },
        { enableHighAccuracy: false, timeout: 10000, maximumAge: 60000 }
      );
    });
  }
  document.querySelectorAll("[data-place-input]").forEach(attach);
})();
