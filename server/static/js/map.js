/* A YASR plugin: rows with coordinates, as markers on a world outline (vendored Leaflet).
 *
 * Coordinates are geo:wktLiteral POINT values (GeoSPARQL's default CRS84 order: longitude then
 * latitude, with or without a leading CRS IRI), or a pair of numeric columns named lat/latitude
 * and long/lon/lng/longitude. No tiles: the background is the Natural Earth 1:110m land outline
 * shipped under static/vendor/world/, so the map makes no request beyond this server. The plugin
 * reports that it cannot handle results without coordinates, and the page hides its button.
 */
(function () {
  "use strict";

  var WKT = "http://www.opengis.net/ont/geosparql#wktLiteral";
  var POINT = /^\s*(?:<[^>]*>\s*)?POINT\s*(?:Z\s*|M\s*|ZM\s*)?\(\s*([-+]?[\d.]+(?:e[-+]?\d+)?)\s+([-+]?[\d.]+(?:e[-+]?\d+)?)/i;
  var LAT = /^(lat|latitude)$/i;
  var LON = /^(long|lon|lng|longitude)$/i;
  var SVG_NS = "http://www.w3.org/2000/svg";
  var world = null; // the land outline, fetched once

  function valid(lat, lon) {
    return isFinite(lat) && isFinite(lon) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180;
  }

  function shortIri(iri, prefixes) {
    for (var name in prefixes) {
      var ns = prefixes[name];
      if (ns && iri.indexOf(ns) === 0 && iri.length > ns.length) return name + ":" + iri.slice(ns.length);
    }
    return iri;
  }

  function MapPlugin(yasr) {
    this.yasr = yasr;
    this.priority = 4;
    this.label = "Map";
    this.hideFromSelection = false;
    this.map = null;
  }

  MapPlugin.prototype.points = function () {
    var results = this.yasr.results;
    if (!results) return [];
    var vars = results.getVariables() || [];
    var bindings = results.getBindings() || [];
    var prefixes = this.yasr.getPrefixes ? this.yasr.getPrefixes() : {};
    var latVar = vars.filter(function (v) { return LAT.test(v); })[0];
    var lonVar = vars.filter(function (v) { return LON.test(v); })[0];
    var points = [];
    bindings.forEach(function (binding) {
      var found = [];
      var coordinateVars = {};
      vars.forEach(function (v) {
        var cell = binding[v];
        if (cell && cell.datatype === WKT) {
          var m = POINT.exec(cell.value);
          if (m && valid(+m[2], +m[1])) {
            found.push([+m[2], +m[1]]);
            coordinateVars[v] = true;
          }
        }
      });
      if (latVar && lonVar && binding[latVar] && binding[lonVar]) {
        var lat = parseFloat(binding[latVar].value);
        var lon = parseFloat(binding[lonVar].value);
        if (valid(lat, lon)) {
          found.push([lat, lon]);
          coordinateVars[latVar] = coordinateVars[lonVar] = true;
        }
      }
      if (!found.length) return;
      var label = null;
      var link = null;
      var details = [];
      vars.forEach(function (v) {
        var cell = binding[v];
        if (!cell || coordinateVars[v]) return;
        var text = cell.type === "uri" ? shortIri(cell.value, prefixes) : String(cell.value);
        if (cell.type === "uri" && !link) link = cell.value;
        if (cell.type !== "uri" && label === null) label = text;
        details.push("?" + v + " " + text);
      });
      found.forEach(function (latlon) {
        points.push({ latlng: latlon, label: label || (link ? shortIri(link, prefixes) : ""), link: link, details: details });
      });
    });
    return points;
  };

  MapPlugin.prototype.canHandleResults = function () {
    return !!window.L && this.points().length > 0;
  };

  function popup(point, baseIri) {
    var box = document.createElement("div");
    box.className = "kg-map-popup";
    var title = document.createElement("strong");
    var local = point.link && baseIri && point.link.indexOf(baseIri) === 0 &&
      /^(id|source|quantity)\//.test(point.link.slice(baseIri.length));
    if (local) {
      var a = document.createElement("a");
      a.href = "/" + point.link.slice(baseIri.length);
      a.textContent = point.label;
      title.appendChild(a);
    } else {
      title.textContent = point.label;
    }
    box.appendChild(title);
    point.details.forEach(function (line) {
      var p = document.createElement("div");
      p.textContent = line;
      box.appendChild(p);
    });
    var coords = document.createElement("div");
    coords.className = "kg-map-coords";
    coords.textContent = point.latlng[0].toFixed(4) + ", " + point.latlng[1].toFixed(4);
    box.appendChild(coords);
    return box;
  }

  MapPlugin.prototype.draw = function () {
    var L = window.L;
    var container = document.createElement("div");
    container.className = "kg-map";
    this.yasr.resultsEl.appendChild(container);
    var points = this.points();
    var root = document.getElementById("yasgui");
    var baseIri = root ? root.dataset.base : "";
    var worldUrl = root && root.dataset.world;
    var map = (this.map = L.map(container, {
      attributionControl: false,
      worldCopyJump: true,
      zoomSnap: 0.25,
      minZoom: 1,
      maxZoom: 12,
    }));
    var group = L.featureGroup();
    points.forEach(function (point) {
      L.circleMarker(point.latlng, {
        radius: 6,
        color: "#7a1f1f",
        weight: 1.5,
        fillColor: "#c0392b",
        fillOpacity: 0.85,
      })
        .bindTooltip(point.label)
        .bindPopup(popup(point, baseIri))
        .addTo(group);
    });
    group.addTo(map);
    if (points.length === 1) map.setView(points[0].latlng, 5);
    else map.fitBounds(group.getBounds().pad(0.25), { maxZoom: 7 });

    function outline(data) {
      if (map !== null && data) {
        L.geoJSON(data, {
          interactive: false,
          style: { color: "#8a9aa8", weight: 0.7, fillColor: "#f3f1ea", fillOpacity: 1 },
        }).addTo(map).bringToBack();
      }
    }
    if (world) outline(world);
    else if (worldUrl) {
      fetch(worldUrl)
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          world = data;
          outline(data);
        })
        .catch(function () {});
    }
    window.setTimeout(function () {
      if (map) map.invalidateSize();
    }, 0);
  };

  MapPlugin.prototype.getIcon = function () {
    var svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 16 16");
    svg.setAttribute("width", "16");
    svg.setAttribute("height", "16");
    svg.setAttribute("aria-hidden", "true");
    var path = document.createElementNS(SVG_NS, "path");
    path.setAttribute("d", "M8 1a5 5 0 0 0-5 5c0 3.5 5 9 5 9s5-5.5 5-9a5 5 0 0 0-5-5zm0 7a2 2 0 1 1 0-4 2 2 0 0 1 0 4z");
    path.setAttribute("fill", "currentColor");
    svg.appendChild(path);
    return svg;
  };

  MapPlugin.prototype.destroy = function () {
    if (this.map) {
      this.map.remove();
      this.map = null;
    }
  };

  window.KGMap = MapPlugin;
})();
