// The coverage map: one circle per area at its centre, sized by searches and
// coloured by the share that found someone in person with a place free. The
// page works without it: the table, the filters and the CSV say it all.
(function () {
  "use strict";

  var mapEl = document.getElementById("coverage-map");
  var dataEl = document.getElementById("coverage-map-data");
  if (!mapEl || !dataEl || !window.L) return;
  var data = JSON.parse(dataEl.textContent);
  if (!data.areas.length) return;

  // Shown only once scripts run, so Leaflet can measure it.
  mapEl.classList.add("map-ready");
  // Thousands of circles draw faster on one canvas than as SVG elements.
  // Quarter zoom steps: a country fits the box snugly rather than at the next whole level.
  var map = L.map(mapEl, {scrollWheelZoom: false, preferCanvas: true, zoomSnap: 0.25});
  var tiles = mapEl.getAttribute("data-tile-url");
  if (tiles) {
    L.tileLayer(tiles, {maxZoom: 18, attribution: mapEl.getAttribute("data-tile-attribution")}).addTo(map);
  }
  var colours = {};
  data.bands.forEach(function (b) { colours[b.band] = b.colour; });

  // Area, not radius, grows with searches; an area with too few is the smallest.
  var largest = Math.max(data.largest, 1);
  var radius = function (searches) {
    return searches === null ? 4 : 4 + 20 * Math.sqrt(searches / largest);
  };
  var line = function (parent, text) {
    var p = document.createElement("p");
    p.textContent = text;
    parent.appendChild(p);
  };

  // Each area is a short list, in the order "columns" names.
  var at = {};
  data.columns.forEach(function (name, i) { at[name] = i; });
  var areas = data.areas.map(function (row) {
    var area = {};
    Object.keys(at).forEach(function (name) { area[name] = row[at[name]]; });
    return area;
  });

  var bounds = {}, searched = {};
  // Largest first, so small circles stay on top and can be reached.
  areas.sort(function (a, b) { return (b.searches || 0) - (a.searches || 0); })
    .forEach(function (area) {
      var known = area.band !== null;
      var circle = L.circleMarker([area.lat, area.lon], {
        radius: radius(area.searches), weight: 1, color: "#1d2433",
        fillColor: known ? colours[area.band] : "#ffffff", fillOpacity: known ? 0.8 : 0.6,
        dashArray: known ? null : "3 3"
      }).addTo(map);
      var popup = document.createElement("div");
      popup.className = "coverage-popup";
      var heading = document.createElement("strong");
      heading.textContent = area.label;
      popup.appendChild(heading);
      line(popup, "Searches: " + area.searches_text);
      if (area.searches !== null) {
        line(popup, "Found someone in person: " +
          (area.share !== null ? area.share + "%" : area.found_text));
        line(popup, "Unmet: " + area.unmet_text);
        if (area.requests_text) line(popup, "Requests: " + area.requests_text);
      }
      line(popup, "Supporters there: " + area.supporters + ", " + area.places_free + " free places");
      circle.bindPopup(popup);
      circle.bindTooltip(area.label + ": " + area.searches_text + " searches");
      var c = area.country;
      bounds[c] = bounds[c] || L.latLngBounds([]);
      bounds[c].extend([area.lat, area.lon]);
      searched[c] = (searched[c] || 0) + (area.searches || 0);
    });

  // Great Britain and the US are an ocean apart: show one, and offer the other.
  var countries = Object.keys(bounds).sort(function (a, b) { return searched[b] - searched[a]; });
  var controls = document.getElementById("coverage-map-controls");
  var fit = function (country) {
    // Room for the largest circles around the edge.
    map.fitBounds(bounds[country], {padding: [32, 32], maxZoom: 11});
    controls.querySelectorAll("button").forEach(function (b) {
      b.setAttribute("aria-pressed", b.getAttribute("data-fit") === country ? "true" : "false");
    });
  };
  if (countries.length > 1) {
    controls.hidden = false;
    controls.querySelectorAll("button").forEach(function (b) {
      b.addEventListener("click", function () { fit(b.getAttribute("data-fit")); });
    });
  }
  fit(countries[0]);
  mapEl.setAttribute("data-circles", String(areas.length));
})();
