/* A YASR plugin: the rows of a SELECT result that hold date-typed values, on a time axis.
 *
 * A row's span runs from the start of its earliest date value to the end of its latest one, at
 * each value's precision (xsd:gYear is a whole year, xsd:gYearMonth a month, xsd:date a day), so
 * ?date "1918-08"^^xsd:gYearMonth draws August 1918 and ?earliest/?latest draw the range between
 * them. Built with DOM calls only (no HTML strings), styled by query.css.
 */
(function () {
  "use strict";

  var XSD = "http://www.w3.org/2001/XMLSchema#";
  var SVG_NS = "http://www.w3.org/2000/svg";
  var DAY = 86400000;
  var MAX_ROWS = 2000;
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  /* ms since the epoch of y-m-d UTC (month m from 0, may overflow into the next years). */
  function utc(y, m, d) {
    y += Math.floor(m / 12);
    m = ((m % 12) + 12) % 12;
    var date = new Date(Date.UTC(2000, m, d));
    date.setUTCFullYear(y); // Date.UTC maps years 0-99 to 1900-1999
    return date.getTime();
  }

  /* {start, end} in ms for a date-typed literal binding, or null. */
  function parseDate(b) {
    if (!b || (b.type !== "literal" && b.type !== "typed-literal") || !b.datatype) return null;
    if (b.datatype.indexOf(XSD) !== 0) return null;
    var type = b.datatype.slice(XSD.length);
    var v = String(b.value).trim();
    var m;
    if (type === "gYear" && (m = /^(-?\d{4,})/.exec(v))) {
      var y = +m[1];
      return { start: utc(y, 0, 1), end: utc(y + 1, 0, 1) - 1 };
    }
    if (type === "gYearMonth" && (m = /^(-?\d{4,})-(\d{2})/.exec(v))) {
      return { start: utc(+m[1], +m[2] - 1, 1), end: utc(+m[1], +m[2], 1) - 1 };
    }
    if ((type === "date" || type === "dateTime" || type === "dateTimeStamp") &&
        (m = /^(-?\d{4,})-(\d{2})-(\d{2})/.exec(v))) {
      var start = utc(+m[1], +m[2] - 1, +m[3]);
      return { start: start, end: start + DAY - 1 };
    }
    return null;
  }

  function shortIri(iri, prefixes) {
    for (var name in prefixes) {
      var ns = prefixes[name];
      if (ns && iri.indexOf(ns) === 0 && iri.length > ns.length) return name + ":" + iri.slice(ns.length);
    }
    return iri;
  }

  function display(b, prefixes) {
    if (!b) return "";
    return b.type === "uri" ? shortIri(b.value, prefixes) : String(b.value);
  }

  function Timeline(yasr) {
    this.yasr = yasr;
    this.priority = 5;
    this.label = "Timeline";
    this.hideFromSelection = false;
  }

  Timeline.prototype.rows = function () {
    var results = this.yasr.results;
    if (!results) return [];
    var vars = results.getVariables() || [];
    var bindings = results.getBindings() || [];
    var prefixes = this.yasr.getPrefixes ? this.yasr.getPrefixes() : {};
    var rows = [];
    for (var i = 0; i < bindings.length && rows.length < MAX_ROWS; i++) {
      var binding = bindings[i];
      var start = Infinity;
      var end = -Infinity;
      var labelVar = null;
      var details = [];
      for (var j = 0; j < vars.length; j++) {
        var cell = binding[vars[j]];
        if (!cell) continue;
        var span = parseDate(cell);
        if (span) {
          start = Math.min(start, span.start);
          end = Math.max(end, span.end);
        } else if (labelVar === null || (cell.type !== "uri" && binding[labelVar].type === "uri")) {
          labelVar = vars[j]; // prefer a literal (a label) over an IRI
        }
        details.push("?" + vars[j] + " " + display(cell, prefixes));
      }
      if (start === Infinity) continue;
      var link = null;
      for (var k = 0; k < vars.length; k++) {
        var c = binding[vars[k]];
        if (c && c.type === "uri") {
          link = c.value;
          break;
        }
      }
      rows.push({
        start: start,
        end: end,
        label: labelVar ? display(binding[labelVar], prefixes) : "row " + (i + 1),
        link: link,
        details: details.join("\n"),
      });
    }
    rows.sort(function (a, b) {
      return a.start - b.start || a.end - b.end;
    });
    return rows;
  };

  Timeline.prototype.canHandleResults = function () {
    return this.rows().length > 0;
  };

  function ticks(min, max) {
    var spanDays = (max - min) / DAY;
    var out = [];
    var d = new Date(min);
    if (spanDays > 62) {
      var steps = [1, 2, 3, 6, 12, 24, 60, 120, 240, 600];
      var months = spanDays / 30.4;
      var step = steps[steps.length - 1];
      for (var i = 0; i < steps.length; i++) {
        if (months / steps[i] <= 12) {
          step = steps[i];
          break;
        }
      }
      var y = d.getUTCFullYear();
      var m = d.getUTCMonth();
      m = Math.ceil(m / step) * step;
      if (step >= 12) {
        var ys = step / 12;
        y = Math.ceil((y + (d.getUTCMonth() || d.getUTCDate() > 1 ? 1 : 0)) / ys) * ys;
        m = 0;
      }
      for (var t = utc(y, m, 1); t <= max; ) {
        if (t >= min) {
          var td = new Date(t);
          out.push({
            t: t,
            label: step >= 12 || td.getUTCMonth() === 0
              ? String(td.getUTCFullYear())
              : MONTHS[td.getUTCMonth()] + (step <= 3 && td.getUTCMonth() !== 0 ? "" : " " + td.getUTCFullYear()),
          });
        }
        m += step;
        t = utc(y, m, 1);
      }
    } else {
      var dayStep = spanDays > 28 ? 7 : spanDays > 10 ? 2 : 1;
      for (var s = utc(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()); s <= max; s += dayStep * DAY) {
        if (s >= min) {
          var sd = new Date(s);
          out.push({ t: s, label: sd.getUTCDate() + " " + MONTHS[sd.getUTCMonth()] });
        }
      }
    }
    return out;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  Timeline.prototype.draw = function () {
    var rows = this.rows();
    var container = el("div", "kg-timeline");
    if (!rows.length) {
      container.appendChild(el("p", "kg-empty", "No date-typed values in these results."));
      this.yasr.resultsEl.appendChild(container);
      return;
    }
    var min = rows[0].start;
    var max = -Infinity;
    rows.forEach(function (r) {
      max = Math.max(max, r.end);
    });
    var pad = Math.max((max - min) * 0.02, DAY);
    min -= pad;
    max += pad;
    var width = max - min;
    function pct(t) {
      return ((t - min) / width) * 100;
    }
    var base = document.getElementById("yasgui");
    var baseIri = base ? base.dataset.base : "";

    var axis = el("div", "kg-tl-row kg-tl-axis");
    axis.appendChild(el("div", "kg-tl-label", rows.length + " dated row" + (rows.length === 1 ? "" : "s")));
    var axisTrack = el("div", "kg-tl-track");
    var gridTicks = ticks(min, max);
    gridTicks.forEach(function (tick) {
      var mark = el("span", "kg-tl-tick", tick.label);
      mark.style.left = pct(tick.t) + "%";
      axisTrack.appendChild(mark);
    });
    axis.appendChild(axisTrack);
    container.appendChild(axis);

    rows.forEach(function (row) {
      var line = el("div", "kg-tl-row");
      var label = el("div", "kg-tl-label");
      var local = row.link && baseIri && row.link.indexOf(baseIri) === 0 &&
        /^(id|source|quantity)\//.test(row.link.slice(baseIri.length));
      if (local) {
        var a = el("a", null, row.label);
        a.href = "/" + row.link.slice(baseIri.length);
        label.appendChild(a);
      } else {
        label.textContent = row.label;
      }
      label.title = row.details;
      line.appendChild(label);
      var track = el("div", "kg-tl-track");
      gridTicks.forEach(function (tick) {
        var grid = el("span", "kg-tl-grid");
        grid.style.left = pct(tick.t) + "%";
        track.appendChild(grid);
      });
      var left = pct(row.start);
      var right = pct(row.end);
      var bar = el("span", right - left < 0.6 ? "kg-tl-point" : "kg-tl-bar");
      bar.style.left = left + "%";
      if (right - left >= 0.6) bar.style.width = right - left + "%";
      bar.title = row.label + "\n" + row.details;
      track.appendChild(bar);
      line.appendChild(track);
      container.appendChild(line);
    });
    this.yasr.resultsEl.appendChild(container);
  };

  Timeline.prototype.getIcon = function () {
    var svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 16 16");
    svg.setAttribute("width", "16");
    svg.setAttribute("height", "16");
    svg.setAttribute("aria-hidden", "true");
    [["1", "8", "15", "8"], ["4", "5", "4", "11"], ["9", "5", "9", "11"], ["13", "6", "13", "10"]].forEach(
      function (c) {
        var line = document.createElementNS(SVG_NS, "line");
        line.setAttribute("x1", c[0]);
        line.setAttribute("y1", c[1]);
        line.setAttribute("x2", c[2]);
        line.setAttribute("y2", c[3]);
        line.setAttribute("stroke", "currentColor");
        line.setAttribute("stroke-width", "1.6");
        svg.appendChild(line);
      }
    );
    return svg;
  };

  Timeline.prototype.destroy = function () {};

  Timeline.parseDate = parseDate;
  window.KGTimeline = Timeline;
})();
