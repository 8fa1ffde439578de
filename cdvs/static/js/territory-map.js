/* Territory maps (Leaflet). Data comes from a json_script element: no inline script,
   the Content-Security-Policy allows 'self' only. The outlines are drawn even when the
   tiles cannot be loaded (offline). On the perimeter page, a polygon drawing
   kept in a textarea of vertices, so that it can be typed as well as clicked. */
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

  // The vertices live in the textarea, one "latitude, longitude" per line: a click on
  // the map appends a line, typing redraws the shape. The server reads the same lines.
  function drawing(map) {
    var field = document.getElementById("draw-points");
    var status = document.getElementById("draw-status");
    if (!field) { return; }
    var shape = null;

    function say(text) { if (status) { status.textContent = text; } }

    function parse() {
      var points = [];
      field.value.split("\n").forEach(function (line) {
        var m = line.match(/^\s*(-?\d+(?:[.,]\d+)?)\s*[;\s]\s*(-?\d+(?:[.,]\d+)?)\s*$/) ||
          line.match(/^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$/);
        if (m) { points.push([Number(m[1].replace(",", ".")), Number(m[2].replace(",", "."))]); }
      });
      return points;
    }

    function redraw() {
      if (shape) { map.removeLayer(shape); shape = null; }
      var points = parse();
      if (points.length) {
        var style = { color: "#0b4f8a", weight: 3 };
        shape = (points.length >= 3 ? L.polygon(points, style) : L.polyline(points, style)).addTo(map);
      }
      if (points.length >= 3) {
        say(points.length + " sommets : le polygone est fermé, vous pouvez l'enregistrer.");
      } else {
        say(points.length ? points.length + " sommet(s) : trois au moins." : "Aucun sommet.");
      }
    }

    function lines() { return field.value.split("\n").filter(function (l) { return l.trim(); }); }

    map.on("click", function (event) {
      var all = lines();
      all.push(event.latlng.lat.toFixed(6) + ", " + event.latlng.lng.toFixed(6));
      field.value = all.join("\n");
      redraw();
    });
    field.addEventListener("input", redraw);
    var undo = document.getElementById("draw-undo");
    var reset = document.getElementById("draw-reset");
    if (undo) {
      undo.addEventListener("click", function () {
        var all = lines();
        all.pop();
        field.value = all.join("\n");
        redraw();
      });
    }
    if (reset) {
      reset.addEventListener("click", function () { field.value = ""; redraw(); });
    }
    redraw();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var maps = document.querySelectorAll("[data-map-source]");
    for (var i = 0; i < maps.length; i += 1) { setUp(maps[i]); }
  });
})();
