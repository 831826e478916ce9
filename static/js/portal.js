/* Portal behaviour: charts from json_script data, re-initialised after htmx swaps.
   No inline scripts anywhere (CSP script-src 'self'): pages pass data with json_script
   elements and data-* attributes, and this file reads them. */
(function () {
  "use strict";

  var PALETTE = {
    primary: "#005ea2",
    primaryLight: "#73b3e7",
    typical: "#71767a",
    critical: "#b50909",
    high: "#c05600",
    elevated: "#936f38",
    low: "#00a91c",
    grid: "#dfe1e2"
  };

  function readJson(id) {
    var el = document.getElementById(id);
    if (!el) return null;
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }

  function baseOptions(extra) {
    var opts = {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: { legend: { position: "bottom", labels: { boxWidth: 14 } } },
      scales: {}
    };
    return Object.assign(opts, extra || {});
  }

  var builders = {
    "score-history": function (data) {
      return {
        type: "line",
        data: {
          labels: data.map(function (p) { return p.date; }),
          datasets: [{
            label: "Risk score (chance of crisis in 90 days)",
            data: data.map(function (p) { return Math.round(p.score * 1000) / 10; }),
            borderColor: PALETTE.primary, backgroundColor: PALETTE.primaryLight,
            pointRadius: 3, tension: 0.2
          }]
        },
        options: baseOptions({
          scales: { y: { min: 0, max: 100, title: { display: true, text: "%" } } }
        })
      };
    },
    "traffic-hour": function (data) {
      var from = data.hours_from === undefined ? 7 : data.hours_from;
      var to = data.hours_to === undefined ? 18 : data.hours_to;
      var hours = data.by_hour.filter(function (h) { return h.hour >= from && h.hour <= to; });
      return {
        type: "bar",
        data: {
          labels: hours.map(function (h) { return h.hour + ":00"; }),
          datasets: [
            { type: "bar", label: "Today", data: hours.map(function (h) { return h.visitors; }),
              backgroundColor: PALETTE.primary },
            { type: "line", label: "Typical " + data.weekday,
              data: hours.map(function (h) { return h.typical; }),
              borderColor: PALETTE.typical, backgroundColor: PALETTE.typical,
              borderDash: [6, 4], pointRadius: 2 }
          ]
        },
        options: baseOptions({ scales: { y: { beginAtZero: true, title: { display: true, text: "Visitors" } } } })
      };
    },
    "traffic-service": function (data) {
      return {
        type: "bar",
        data: {
          labels: data.by_service.map(function (s) { return s.label; }),
          datasets: [
            { label: "Today", data: data.by_service.map(function (s) { return s.visitors; }),
              backgroundColor: PALETTE.primary },
            { label: "Typical " + data.weekday, data: data.by_service.map(function (s) { return s.typical; }),
              backgroundColor: PALETTE.typical }
          ]
        },
        options: baseOptions({ indexAxis: "y", scales: { x: { beginAtZero: true } } })
      };
    },
    "calibration": function (data) {
      var points = data.map(function (b) {
        return { x: Math.round(b.predicted * 1000) / 10, y: Math.round(b.observed * 1000) / 10 };
      });
      return {
        type: "scatter",
        data: {
          datasets: [
            { label: "Observed rate by score group", data: points, showLine: true,
              borderColor: PALETTE.primary, backgroundColor: PALETTE.primary, pointRadius: 4 },
            { label: "Perfect calibration", data: [{ x: 0, y: 0 }, { x: 100, y: 100 }],
              showLine: true, borderColor: PALETTE.typical, borderDash: [6, 4], pointRadius: 0 }
          ]
        },
        options: baseOptions({
          scales: {
            x: { min: 0, max: 100, title: { display: true, text: "Predicted chance (%)" } },
            y: { min: 0, max: 100, title: { display: true, text: "Observed rate (%)" } }
          }
        })
      };
    },
    "drift": function (data) {
      return {
        type: "line",
        data: {
          labels: data.map(function (r) { return r.label; }),
          datasets: [{ label: "Population stability index vs previous run",
            data: data.map(function (r) { return r.psi; }),
            borderColor: PALETTE.primary, backgroundColor: PALETTE.primaryLight, pointRadius: 3 }]
        },
        options: baseOptions({ scales: { y: { beginAtZero: true } } })
      };
    }
  };

  function initCharts(root, onlyNew) {
    if (typeof window.Chart === "undefined") return;
    var canvases = (root || document).querySelectorAll("canvas[data-chart]");
    canvases.forEach(function (canvas) {
      var existing = window.Chart.getChart(canvas);
      if (existing && onlyNew) return;
      if (existing) existing.destroy();
      var build = builders[canvas.dataset.chart];
      var data = readJson(canvas.dataset.chartSource);
      if (!build || data === null) return;
      new window.Chart(canvas, build(data));
    });
  }

  function init() {
    initCharts(document);
    // After any htmx swap (a dashboard refresh, a boosted form), draw the charts that are new;
    // swapped-in canvases are new elements, so nothing is drawn twice.
    document.body.addEventListener("htmx:afterSettle", function () {
      initCharts(document, true);
    });
    // Outreach templates fill the composer (the body is already rendered by the server).
    document.body.addEventListener("change", function (evt) {
      var select = evt.target;
      if (!select.dataset || !select.dataset.smsTemplateFor) return;
      var area = document.getElementById(select.dataset.smsTemplateFor);
      if (area && select.value) {
        area.value = select.value;
        area.dispatchEvent(new Event("input"));
      }
    });
    // Character count of the outreach composer (160 characters is one text message).
    document.querySelectorAll("[data-sms-count]").forEach(function (area) {
      var out = document.getElementById(area.dataset.smsCount);
      var update = function () { if (out) out.textContent = area.value.length + " characters"; };
      area.addEventListener("input", update);
      update();
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
