/* The directory's map (Leaflet + Leaflet.markercluster): QPV and PAC outlines from the
   territories API, markers of organisations and places from the directory's GeoJSON
   endpoint, reloaded for the visible area when the map moves. Data comes from a
   json_script element: no inline script (Content-Security-Policy 'self'). */
(function () {
  "use strict";

  var FRANCE = [[50.55, 2.75], [50.78, 3.25]]; // Métropole Européenne de Lille
  var STYLES = {
    qpv: { color: "#b3261e", weight: 2, fillOpacity: 0.12 },
    pac: { color: "#7a4e00", weight: 2, fillOpacity: 0.12, dashArray: "4 3" }
  };

  function text(tag, value) {
    var element = document.createElement(tag);
    element.textContent = value;
    return element;
  }

  function popup(properties) {
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = properties.fiche;
    link.textContent = properties.organisation;
    var title = document.createElement("strong");
    title.appendChild(link);
    box.appendChild(title);
    if (properties.type === "lieu") { box.appendChild(text("div", "Lieu : " + properties.nom)); }
    box.appendChild(text("div", properties.organisation_type + (properties.commune ? ", " + properties.commune : "")));
    return box;
  }

  function setUp(element) {
    var source = document.getElementById(element.getAttribute("data-directory-map"));
    var status = document.getElementById("directory-map-status");
    if (!source || typeof L === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    var map = L.map(element, { scrollWheelZoom: false, zoomControl: false, maxZoom: 19 });
    L.control.zoom({ zoomInTitle: "Zoom avant", zoomOutTitle: "Zoom arrière" }).addTo(map);
    map.attributionControl.setPrefix(false);
    if (data.tileUrl) {
      L.tileLayer(data.tileUrl, { maxZoom: 19, attribution: data.attribution }).addTo(map);
    }
    map.fitBounds(FRANCE);
    Object.keys(data.outlineUrls || {}).forEach(function (kind) {
      fetch(data.outlineUrls[kind], { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (collection) {
          if (!collection || !collection.features) { return; }
          L.geoJSON(collection, {
            style: STYLES[kind],
            interactive: false
          }).addTo(map);
        })
        .catch(function () { /* outlines are context only */ });
    });
    var clusters = typeof L.markerClusterGroup === "function"
      ? L.markerClusterGroup({ chunkedLoading: true, showCoverageOnHover: false })
      : L.layerGroup();
    clusters.addTo(map);
    var pending = null;

    function say(value) { if (status) { status.textContent = value; } }

    function load() {
      var b = map.getBounds();
      var bbox = [b.getSouth(), b.getWest(), b.getNorth(), b.getEast()].map(function (n) { return n.toFixed(4); }).join(",");
      var url = data.markersUrl + (data.markersUrl.indexOf("?") < 0 ? "?" : "&") + "bbox=" + bbox;
      if (pending) { pending.abort(); }
      pending = new AbortController();
      say("Chargement des points…");
      fetch(url, { credentials: "same-origin", signal: pending.signal })
        .then(function (r) { return r.json(); })
        .then(function (collection) {
          clusters.clearLayers();
          var layers = (collection.features || []).map(function (feature) {
            var c = feature.geometry.coordinates;
            var label = feature.properties.type === "lieu" ? feature.properties.nom + " (" + feature.properties.organisation + ")" : feature.properties.organisation;
            return L.marker([c[1], c[0]], { title: label, alt: label, keyboard: false }).bindPopup(popup(feature.properties));
          });
          if (clusters.addLayers) { clusters.addLayers(layers); } else { layers.forEach(function (l) { clusters.addLayer(l); }); }
          var shown = layers.length.toLocaleString("fr-FR");
          if (collection.truncated) {
            say(shown + " points affichés sur " + collection.total.toLocaleString("fr-FR") + " dans cette zone : zoomez ou filtrez pour les voir tous.");
          } else {
            say(shown + " point" + (layers.length > 1 ? "s" : "") + " dans cette zone.");
          }
        })
        .catch(function (error) {
          if (error.name !== "AbortError") { say("Les points n'ont pas pu être chargés."); }
        });
    }

    map.on("moveend", load);
    load();
  }

  document.querySelectorAll("[data-directory-map]").forEach(setUp);
})();
