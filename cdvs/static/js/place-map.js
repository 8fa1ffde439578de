/* The place form's map (Leaflet): QPV and PAC outlines, the place's point; a click on
   the map (or a drag of the marker) fills the latitude and longitude fields, and
   typing coordinates moves the marker. Data comes from a json_script element: no
   inline script, the Content-Security-Policy allows 'self' only. */
(function () {
  "use strict";

  var FRANCE = [[42.3, -4.8], [51.1, 8.2]];
  var STYLES = {
    qpv: { color: "#b3261e", weight: 2, fillOpacity: 0.15 },
    pac: { color: "#7a4e00", weight: 2, fillOpacity: 0.15, dashArray: "4 3" },
    commune: { color: "#0b4f8a", weight: 1, fillOpacity: 0.03 }
  };

  function parse(value) {
    var number = parseFloat(String(value || "").replace(/\s/g, "").replace(",", "."));
    return isNaN(number) ? null : number;
  }

  function show(number) { return number.toFixed(6).replace(".", ","); }

  function setUp(element) {
    var source = document.getElementById(element.getAttribute("data-place-map"));
    var latField = document.getElementById(element.getAttribute("data-lat-field"));
    var lonField = document.getElementById(element.getAttribute("data-lon-field"));
    var status = document.getElementById("place-map-status");
    if (!source || !latField || !lonField || typeof L === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    var map = L.map(element, { scrollWheelZoom: false, zoomControl: false });
    L.control.zoom({ zoomInTitle: "Zoom avant", zoomOutTitle: "Zoom arrière" }).addTo(map);
    map.attributionControl.setPrefix(false);
    if (data.tileUrl) {
      L.tileLayer(data.tileUrl, { maxZoom: 19, attribution: data.attribution }).addTo(map);
    }
    var outlines = null;
    var focus = null;
    if (data.outlines && data.outlines.features && data.outlines.features.length) {
      outlines = L.geoJSON(data.outlines, {
        style: function (feature) { return STYLES[feature.properties.kind] || STYLES.qpv; },
        // clicks inside an outline bubble up to the map: they place the point too
        onEachFeature: function (feature, layer) { layer.bindTooltip(feature.properties.name); }
      }).addTo(map);
      focus = outlines.getBounds();
    }
    var marker = null;

    function say(text) { if (status) { status.textContent = text; } }

    function place(lat, lon, pan) {
      if (marker) { marker.setLatLng([lat, lon]); }
      else {
        marker = L.marker([lat, lon], { draggable: true, keyboard: false, title: "Position du lieu", alt: "Position du lieu" }).addTo(map);
        marker.on("dragend", function () {
          var p = marker.getLatLng();
          fill(p.lat, p.lng);
        });
      }
      if (pan) { map.setView([lat, lon], Math.max(map.getZoom() || 0, 16)); }
    }

    function fill(lat, lon) {
      latField.value = show(lat);
      lonField.value = show(lon);
      say("Lieu placé : latitude " + show(lat) + ", longitude " + show(lon) + ". Enregistrez pour le classer.");
    }

    var lat = data.point ? data.point[0] : parse(latField.value);
    var lon = data.point ? data.point[1] : parse(lonField.value);
    if (parse(latField.value) !== null && parse(lonField.value) !== null) {
      lat = parse(latField.value);
      lon = parse(lonField.value);
    }
    if (lat !== null && lon !== null) {
      place(lat, lon, false);
      map.setView([lat, lon], 16);
    } else if (focus && focus.isValid()) {
      map.fitBounds(focus, { padding: [12, 12] });
    } else {
      map.fitBounds(FRANCE);
    }
    map.on("click", function (event) {
      place(event.latlng.lat, event.latlng.lng, false);
      fill(event.latlng.lat, event.latlng.lng);
    });
    function typed() {
      var a = parse(latField.value), o = parse(lonField.value);
      if (a !== null && o !== null) { place(a, o, true); }
    }
    latField.addEventListener("change", typed);
    lonField.addEventListener("change", typed);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var maps = document.querySelectorAll("[data-place-map]");
    for (var i = 0; i < maps.length; i += 1) { setUp(maps[i]); }
  });
})();
