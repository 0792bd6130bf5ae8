// Progressive enhancement for the search page (and the home page's place
// box): the forms and results work without any of this. Adds place
// suggestions, "use my location", a needs filter and the map.
(function () {
  "use strict";

  var where = document.getElementById("where");
  var lat = document.getElementById("lat");
  var lon = document.getElementById("lon");
  var locate = document.getElementById("use-location");

  // Typing a place replaces a position from "use my location".
  if (where && lat && lon) {
    where.addEventListener("input", function () { lat.value = ""; lon.value = ""; });
  }

  // --- Place suggestions (combobox pattern) --------------------------------
  // Every place box that names its list (aria-controls) and asks for them
  // (data-place-suggestions): the search form's and the home page's.
  var suggestPlaces = function (input, list) {
    var timer = null, active = -1, items = [];
    var close = function () {
      list.hidden = true; list.innerHTML = ""; items = []; active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    };
    var choose = function (i) {
      if (i < 0 || i >= items.length) return;
      input.value = items[i].label.split(",")[0];
      close();
    };
    var highlight = function (i) {
      var options = list.querySelectorAll("[role=option]");
      options.forEach(function (o, n) { o.setAttribute("aria-selected", n === i ? "true" : "false"); });
      active = i;
      if (options[i]) input.setAttribute("aria-activedescendant", options[i].id);
    };
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var q = input.value.trim();
      if (q.length < 2) { close(); return; }
      timer = setTimeout(function () {
        fetch("/api/v1/places?q=" + encodeURIComponent(q), {headers: {Accept: "application/json"}})
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (places) {
            if (input.value.trim() !== q) return;
            close();
            items = places;
            places.forEach(function (p, i) {
              var li = document.createElement("li");
              li.id = list.id + "-option-" + i;
              li.setAttribute("role", "option");
              li.setAttribute("aria-selected", "false");
              li.textContent = p.label;
              li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(i); });
              list.appendChild(li);
            });
            if (places.length) {
              list.hidden = false;
              input.setAttribute("aria-expanded", "true");
            }
          })
          .catch(close);
      }, 150);
    });
    input.addEventListener("keydown", function (e) {
      if (list.hidden) return;
      if (e.key === "ArrowDown") { e.preventDefault(); highlight(Math.min(active + 1, items.length - 1)); }
      else if (e.key === "ArrowUp") { e.preventDefault(); highlight(Math.max(active - 1, 0)); }
      else if (e.key === "Enter" && active >= 0) { e.preventDefault(); choose(active); }
      else if (e.key === "Escape") { close(); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 100); });
  };
  if (window.fetch) {
    document.querySelectorAll("input[data-place-suggestions]").forEach(function (input) {
      var list = document.getElementById(input.getAttribute("aria-controls"));
      if (list) suggestPlaces(input, list);
    });
  }

  // --- Use my location ------------------------------------------------------
  // Shown only where it can work: with scripts, and a browser that may ask for
  // the position (a secure page). The point goes into the link rounded to two
  // decimals (about a kilometre): a shared search names a neighbourhood, not a
  // home, and distances are given in whole kilometres anyway.
  if (locate && where && navigator.geolocation && window.isSecureContext) {
    var idle = locate.textContent;
    var problem = document.getElementById("locate-error");
    locate.hidden = false;
    locate.addEventListener("click", function () {
      locate.disabled = true;
      locate.textContent = locate.getAttribute("data-busy") || idle;
      if (problem) problem.hidden = true;
      navigator.geolocation.getCurrentPosition(function (pos) {
        lat.value = pos.coords.latitude.toFixed(2);
        lon.value = pos.coords.longitude.toFixed(2);
        where.value = "";  // the page names the area searched from
        locate.form.submit();
      }, function () {
        locate.disabled = false;
        locate.textContent = idle;
        if (problem) problem.hidden = false;
        where.focus();
      }, {timeout: 10000, maximumAge: 600000});
    });
  }

  // --- Needs filter -----------------------------------------------------------
  var filter = document.getElementById("needs-filter");
  if (filter) {
    filter.hidden = false;
    filter.addEventListener("input", function () {
      var term = filter.value.trim().toLowerCase();
      document.querySelectorAll(".needs .choice").forEach(function (label) {
        label.hidden = term && label.textContent.toLowerCase().indexOf(term) === -1;
      });
    });
  }

  // --- Map ----------------------------------------------------------------------
  var mapEl = document.getElementById("map");
  var dataEl = document.getElementById("map-data");
  if (mapEl && dataEl && window.L) {
    var data = JSON.parse(dataEl.textContent);
    // The map is hidden until scripts run; show it first so Leaflet can measure it.
    mapEl.classList.add("map-ready");
    var map = L.map(mapEl, {scrollWheelZoom: false});
    var tiles = mapEl.getAttribute("data-tile-url");
    if (tiles) {
      L.tileLayer(tiles, {maxZoom: 18, attribution: mapEl.getAttribute("data-tile-attribution")}).addTo(map);
    }
    // The map shows the search radius and who can meet in person inside it
    // (and, when few are near, the nearest beyond it); online supporters,
    // who could be anywhere, have no place on it.
    map.setView([data.origin.lat, data.origin.lon], 10);  // a view first: circles project on it
    var circle = L.circle([data.origin.lat, data.origin.lon], {
      radius: data.radius_km * 1000, color: "#0b5fa5", weight: 2, fillOpacity: 0.04,
      interactive: false
    }).addTo(map);
    var bounds = circle.getBounds();
    // The searched place stays on top of the supporters' pins.
    map.createPane("origin").style.zIndex = 650;
    L.circleMarker([data.origin.lat, data.origin.lon],
      {radius: 8, color: "#d9480f", fillOpacity: 0.9, pane: "origin"})
      .bindTooltip(data.origin.tooltip).addTo(map);
    data.areas.forEach(function (area) {
      var names = area.supporters.map(function (s) { return s.name; }).join(", ");
      var where = area.near || area.place || "";
      // Pins of the nearest beyond the radius are paler than those inside it.
      var marker = L.marker([area.lat, area.lon], {
        title: where + ": " + names,
        alt: (area.beyond ? "Nearest supporters beyond the radius, near " : "Supporters near ") +
          where,
        opacity: area.beyond ? 0.55 : 1
      }).addTo(map);
      var popup = document.createElement("div");
      var heading = document.createElement("strong");
      heading.textContent = "Near " + (area.near || "") + (area.place ? " (" + area.place + ")" : "");
      popup.appendChild(heading);
      var ul = document.createElement("ul");
      area.supporters.forEach(function (s) {
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = "/supporters/" + s.id;
        a.textContent = s.name;
        li.appendChild(a);
        ul.appendChild(li);
      });
      popup.appendChild(ul);
      marker.bindPopup(popup);
      bounds.extend([area.lat, area.lon]);
    });
    map.fitBounds(bounds, {padding: [20, 20], maxZoom: 13});
  }
})();
