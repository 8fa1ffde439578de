/* Territory maps (Leaflet). Data comes from a json_script element: no inline script,
   the Content-Security-Policy allows 'self' only. The outlines are drawn even when the
   tiles cannot be loaded (offline). On the perimeter page, a minimal polygon drawing:
   click to add a vertex, "Terminer le tracé" closes the polygon and fills the hidden
   field with a GeoJSON geometry. */
(function () {
  "use strict";

  var STYLES = {
    epci: { color: "#4a4a5a", weight: 2, fill: false, dashArray: "6 4" },
    commune: { color: "#0b4f8a", weight: 1, fillOpacity: 0.04 },
    qpv: { color: "#b3261e", weight: 2, fillOpacity: 0.2 },
    pac: { color: "#7a4e00", weight: 2, fillOpacity: 0.2, dashArray: "4 3" }
  };
  var FRANCE = [[42.3, -4.8], [51.1, 8.2]];

  function readData(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function styleFor(layer) {
    var base = STYLES[layer.kind] || STYLES.commune;
    var style = {};
    Object.keys(base).forEach(function (key) { style[key] = base[key]; });
    if (layer.emphasis) {
      style.weight = 3;
      style.fill = true;
      style.fillOpacity = Math.max(style.fillOpacity || 0, 0.15);
    }
    return style;
  }

  function popup(feature) {
    var props = feature.properties || {};
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = props.url || "#";
    link.textContent = props.name || props.code || "";
    box.appendChild(link);
    return box;
  }

  function setUp(element) {
    var data = readData(element.getAttribute("data-map-source"));
    if (!data || typeof L === "undefined") { return; }
    var map = L.map(element, { scrollWheelZoom: false, zoomControl: false });
    L.control.zoom({ zoomInTitle: "Zoom avant", zoomOutTitle: "Zoom arrière" }).addTo(map);
    map.attributionControl.setPrefix(false);
    if (data.tileUrl) {
      L.tileLayer(data.tileUrl, { maxZoom: 19, attribution: data.attribution }).addTo(map);
    }
    var bounds = L.latLngBounds([]);
    var focus = null;
    var overlays = {};
    (data.layers || []).forEach(function (layer) {
      if (!layer.data || !layer.data.features || !layer.data.features.length) { return; }
      var geo = L.geoJSON(layer.data, {
        style: function () { return styleFor(layer); },
        onEachFeature: function (feature, leafletLayer) { leafletLayer.bindPopup(popup(feature)); }
      }).addTo(map);
      overlays[layer.name] = geo;
      bounds.extend(geo.getBounds());
      if (layer.emphasis) { focus = geo.getBounds(); }
    });
    if (Object.keys(overlays).length > 1) { L.control.layers(null, overlays).addTo(map); }
    if (focus && focus.isValid()) { map.fitBounds(focus, { padding: [24, 24] }); }
    else if (bounds.isValid()) { map.fitBounds(bounds, { padding: [12, 12] }); }
    else { map.fitBounds(FRANCE); }
    if (data.draw) { drawing(map); }
  }

  function drawing(map) {
    var field = document.getElementById("draw-field");
    var status = document.getElementById("draw-status");
    var submit = document.getElementById("draw-submit");
    if (!field) { return; }
    var points = [];
    var closed = false;
    var shape = null;

    function say(text) { if (status) { status.textContent = text; } }

    function redraw() {
      if (shape) { map.removeLayer(shape); shape = null; }
      if (!points.length) { return; }
      var style = { color: "#0b4f8a", weight: 3 };
      shape = (closed ? L.polygon(points, style) : L.polyline(points, style)).addTo(map);
    }

    function update() {
      redraw();
      if (closed) {
        var ring = points.map(function (p) { return [Number(p.lng.toFixed(7)), Number(p.lat.toFixed(7))]; });
        ring.push(ring[0]);
        field.value = JSON.stringify({ type: "Polygon", coordinates: [ring] });
        say("Tracé terminé : " + points.length + " sommets. Vous pouvez l'enregistrer.");
      } else {
        field.value = "";
        say(points.length ? points.length + " point(s) placé(s)." : "Aucun point placé.");
      }
      if (submit) { submit.disabled = !closed; }
    }

    map.on("click", function (event) {
      if (closed) { return; }
      points.push(event.latlng);
      update();
    });
    var finish = document.getElementById("draw-finish");
    var undo = document.getElementById("draw-undo");
    var reset = document.getElementById("draw-reset");
    if (finish) {
      finish.addEventListener("click", function () {
        if (points.length < 3) { say("Placez au moins trois points avant de terminer."); return; }
        closed = true;
        update();
      });
    }
    if (undo) {
      undo.addEventListener("click", function () {
        if (closed) { closed = false; } else { points.pop(); }
        update();
      });
    }
    if (reset) {
      reset.addEventListener("click", function () { points = []; closed = false; update(); });
    }
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var maps = document.querySelectorAll("[data-map-source]");
    for (var i = 0; i < maps.length; i += 1) { setUp(maps[i]); }
  });
})();
