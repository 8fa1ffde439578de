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
      // while drawing, the outlines take no click: every click places a vertex
      var geo = L.geoJSON(layer.data, {
        interactive: !data.draw,
        style: function () { return styleFor(layer); },
        onEachFeature: function (feature, leafletLayer) {
          if (!data.draw) { leafletLayer.bindPopup(popup(feature)); }
        }
      }).addTo(map);
      overlays[layer.name] = geo;
      bounds.extend(geo.getBounds());
      if (layer.emphasis) { focus = geo.getBounds(); }
    });
    if (Object.keys(overlays).length > 1) { L.control.layers(null, overlays).addTo(map); }
    if (focus && focus.isValid()) { map.fitBounds(focus, { padding: [24, 24] }); }
    else if (bounds.isValid()) { map.fitBounds(bounds, { padding: [12, 12] }); }
    else { map.fitBounds(FRANCE); }
    if (data.draw === "geojson") { drawingGeojson(map); }
    else if (data.draw) { drawing(map); }
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

  // The perimeter lives in a GeoJSON textarea (#draw-geojson): a click on the map adds
  // a vertex, a vertex dragged moves, typing or pasting redraws. The server checks it.
  function drawingGeojson(map) {
    var field = document.getElementById("draw-geojson");
    var status = document.getElementById("draw-status");
    if (!field) { return; }
    var points = [];  // [lat, lon] of the outer ring, not closed
    var shape = null;
    var handles = [];
    var editable = true;

    function say(text) { if (status) { status.textContent = text; } }

    function read() {
      var text = field.value.trim();
      editable = true;
      if (!text) { return []; }
      var doc;
      try { doc = JSON.parse(text); } catch (e) { say("Le texte n'est pas du GeoJSON lisible."); return null; }
      var geometry = doc && doc.type === "Feature" ? doc.geometry : doc;
      if (doc && doc.type === "FeatureCollection" && doc.features && doc.features.length === 1) {
        geometry = doc.features[0].geometry;
      }
      if (!geometry || geometry.type !== "Polygon" || !geometry.coordinates || !geometry.coordinates.length) {
        editable = false;
        return null;
      }
      var ring = geometry.coordinates[0].map(function (xy) { return [xy[1], xy[0]]; });
      if (geometry.coordinates.length > 1) { editable = false; }
      if (ring.length > 1 && ring[0][0] === ring[ring.length - 1][0] && ring[0][1] === ring[ring.length - 1][1]) {
        ring.pop();
      }
      return ring;
    }

    function write() {
      if (!points.length) { field.value = ""; return; }
      var ring = points.map(function (p) { return [Number(p[1].toFixed(6)), Number(p[0].toFixed(6))]; });
      ring.push(ring[0]);
      field.value = JSON.stringify({ type: "Polygon", coordinates: [ring] });
    }

    function draw() {
      if (shape) { map.removeLayer(shape); shape = null; }
      handles.forEach(function (h) { map.removeLayer(h); });
      handles = [];
      if (!points.length) { say("Aucun sommet : cliquez sur la carte pour commencer."); return; }
      var style = { color: "#0b4f8a", weight: 3 };
      shape = (points.length >= 3 ? L.polygon(points, style) : L.polyline(points, style)).addTo(map);
      if (editable) {
        points.forEach(function (p, i) {
          var handle = L.marker(p, {
            draggable: true, keyboard: false, title: "Sommet " + (i + 1), alt: "Sommet " + (i + 1),
            icon: L.divIcon({ className: "draw-vertex", iconSize: [14, 14] })
          }).addTo(map);
          handle.on("drag", function () {
            var ll = handle.getLatLng();
            points[i] = [ll.lat, ll.lng];
            shape.setLatLngs(points);
          });
          handle.on("dragend", function () { write(); draw(); });
          handles.push(handle);
        });
      }
      if (!editable) {
        say("Ce périmètre a plusieurs parties ou des trous : modifiez-le dans le champ ou par un fichier.");
      } else if (points.length >= 3) {
        say(points.length + " sommets : le polygone est fermé, vous pouvez l'enregistrer.");
      } else {
        say(points.length === 1 ? "1 sommet : trois au moins." : points.length + " sommets : trois au moins.");
      }
    }

    function reload() {
      var ring = read();
      if (ring === null) {
        if (shape) { map.removeLayer(shape); shape = null; }
        if (!editable) { say("Ce périmètre a plusieurs parties ou des trous : modifiez-le dans le champ ou par un fichier."); }
        return;
      }
      points = ring;
      draw();
    }

    map.on("click", function (event) {
      if (!editable) { return; }
      points.push([event.latlng.lat, event.latlng.lng]);
      write();
      draw();
    });
    field.addEventListener("input", reload);
    var undo = document.getElementById("draw-undo");
    var reset = document.getElementById("draw-reset");
    if (undo) {
      undo.hidden = false;
      undo.addEventListener("click", function () { points.pop(); write(); draw(); });
    }
    if (reset) {
      reset.hidden = false;
      reset.addEventListener("click", function () { points = []; editable = true; write(); draw(); });
    }
    reload();
    if (shape && points.length >= 3) { map.fitBounds(shape.getBounds(), { padding: [24, 24] }); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var maps = document.querySelectorAll("[data-map-source]");
    for (var i = 0; i < maps.length; i += 1) { setUp(maps[i]); }
  });
})();
