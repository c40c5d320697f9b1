// Draws the unit page's trend charts from the JSON the page embeds (json_script), with the
// project's own copy of Chart.js. Everything the charts show is also in the "Show data" tables,
// so the page stays complete without JavaScript.
(function () {
  "use strict";

  var DAY = 86400000;
  var COLOURS = { no_members: "#b3261e", joined: "#b26a00", own_cell: "#1b6e3a", members: "#0b4f9c" };

  function readJson(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  // Dates as the site writes them in both languages: 31/12/2017.
  function dateText(dayNumber) {
    var date = new Date(dayNumber * DAY);
    var day = String(date.getUTCDate()).padStart(2, "0");
    var month = String(date.getUTCMonth() + 1).padStart(2, "0");
    return day + "/" + month + "/" + date.getUTCFullYear();
  }

  function numberText(value, language) {
    return new Intl.NumberFormat(language === "en" ? "en-GB" : "vi-VN").format(value);
  }

  function line(label, points, colour) {
    return { type: "line", label: label, data: points, borderColor: colour, backgroundColor: colour,
             pointRadius: 2, borderWidth: 2, tension: 0 };
  }

  function dots(label, points, colour) {
    return { type: "scatter", label: label, data: points, borderColor: colour,
             backgroundColor: "#ffffff", pointRadius: 5, pointBorderWidth: 2, pointStyle: "rectRot" };
  }

  function options(language) {
    return {
      animation: false,
      responsive: true,
      parsing: true,
      scales: {
        x: { type: "linear", ticks: { callback: function (value) { return dateText(value); }, maxTicksLimit: 8 } },
        y: { beginAtZero: true, ticks: { callback: function (value) { return numberText(value, language); } } }
      },
      plugins: {
        tooltip: { callbacks: {
          title: function (items) { return dateText(items[0].parsed.x); },
          label: function (item) { return item.dataset.label + ": " + numberText(item.parsed.y, language); }
        } }
      }
    };
  }

  function draw(canvasId, datasets, language) {
    var canvas = document.getElementById(canvasId);
    if (!canvas) { return null; }
    return new window.Chart(canvas, { data: { datasets: datasets }, options: options(language) });
  }

  function enablePngLinks(charts) {
    document.querySelectorAll("a.chart-png").forEach(function (link) {
      link.addEventListener("click", function () {
        var chart = charts[link.dataset.chart];
        if (chart) { link.href = chart.toBase64Image("image/png", 1); }
      });
    });
  }

  function start() {
    var data = readJson("chart-data");
    var labels = document.getElementById("chart-labels");
    if (!data || !labels || !window.Chart) { return; }
    var text = labels.dataset;
    var language = text.language;
    var published = " (" + text.published + ")";
    var charts = {};
    charts["chart-villages"] = draw("chart-villages", [
      line(text.noMembers, data.computed.no_members, COLOURS.no_members),
      line(text.joined, data.computed.joined, COLOURS.joined),
      line(text.ownCell, data.computed.own_cell, COLOURS.own_cell),
      dots(text.noMembers + published, data.published.villages_no_members, COLOURS.no_members),
      dots(text.joined + published, data.published.villages_joined, COLOURS.joined)
    ], language);
    charts["chart-members"] = draw("chart-members", [
      line(text.members, data.computed.members, COLOURS.members),
      dots(text.members + published, data.published.members, COLOURS.members)
    ], language);
    document.body.dataset.chartsDrawn = "true";
    enablePngLinks(charts);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
