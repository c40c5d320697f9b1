// Draws the unit page's trend charts from the JSON the page embeds (json_script), with the
// project's own copy of Chart.js. Everything the charts show is also in the "Show data" tables,
// so the page stays complete without JavaScript.
//
// - The x axis runs from the first date drawn to the last, no further.
// - A date where no village was reported has y = null: the line breaks there (not reported is
//   never zero, docs/domain.md §1); the page says which dates.
// - The PNG download carries the chart's title, the unit, the date range, the series rule and
//   the source under the chart itself.
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
             pointRadius: 2, borderWidth: 2, tension: 0, spanGaps: false };
  }

  function dots(label, points, colour) {
    return { type: "scatter", label: label, data: points, borderColor: colour,
             backgroundColor: "#ffffff", pointRadius: 5, pointBorderWidth: 2, pointStyle: "rectRot" };
  }

  // The first and last x of everything drawn: the axis fits the data.
  function xRange(datasets) {
    var xs = [];
    datasets.forEach(function (dataset) {
      dataset.data.forEach(function (point) { xs.push(point.x); });
    });
    if (!xs.length) { return {}; }
    return { min: Math.min.apply(null, xs), max: Math.max.apply(null, xs) };
  }

  function options(language, range) {
    return {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,  // the box's height is the stylesheet's (.chart-box)
      parsing: true,
      scales: {
        x: { type: "linear", min: range.min, max: range.max, bounds: "data",
             ticks: { callback: function (value) { return dateText(value); }, maxTicksLimit: 6 } },
        y: { beginAtZero: true, ticks: { callback: function (value) { return numberText(value, language); } } }
      },
      plugins: {
        legend: { position: "bottom", labels: { boxWidth: 12, boxHeight: 12, padding: 8 } },
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
    var config = { data: { datasets: datasets }, options: options(language, xRange(datasets)) };
    return new window.Chart(canvas, config);
  }

  // Lines of `text` that fit `width` pixels in the context's font.
  function wrap(context, text, width) {
    var lines = [];
    var current = "";
    text.split(" ").forEach(function (word) {
      var tried = current ? current + " " + word : word;
      if (context.measureText(tried).width > width && current) {
        lines.push(current);
        current = word;
      } else {
        current = tried;
      }
    });
    if (current) { lines.push(current); }
    return lines;
  }

  // The chart on a white card with its title above and where it comes from below.
  function captionedPng(chart, text) {
    var source = chart.canvas;
    var ratio = source.width / source.clientWidth || 1;
    var pad = 12 * ratio;
    var lineHeight = 18 * ratio;
    var card = document.createElement("canvas");
    var context = card.getContext("2d");
    card.width = source.width + 2 * pad;
    context.font = (13 * ratio) + "px sans-serif";
    var head = [source.dataset.title + " · " + text.unit, text.range + " · " + text.rule];
    var foot = wrap(context, text.source, card.width - 2 * pad);
    if (text.gapNote) { foot.unshift(text.gapNote); }
    card.height = source.height + (head.length + foot.length) * lineHeight + 3 * pad;
    context.fillStyle = "#ffffff";
    context.fillRect(0, 0, card.width, card.height);
    context.fillStyle = "#1a1a1a";
    context.textBaseline = "top";
    head.forEach(function (textLine, index) {
      context.font = (index === 0 ? "bold " : "") + (14 * ratio) + "px sans-serif";
      context.fillText(textLine, pad, pad + index * lineHeight);
    });
    var top = pad + head.length * lineHeight + pad / 2;
    context.drawImage(source, pad, top);
    context.font = (12 * ratio) + "px sans-serif";
    foot.forEach(function (textLine, index) {
      context.fillText(textLine, pad, top + source.height + pad / 2 + index * lineHeight);
    });
    return { url: card.toDataURL("image/png"), lines: head.concat(foot) };
  }

  function enablePngLinks(charts, text) {
    document.querySelectorAll("a.chart-png").forEach(function (link) {
      link.addEventListener("click", function () {
        var chart = charts[link.dataset.chart];
        if (!chart) { return; }
        var png = captionedPng(chart, text);
        link.href = png.url;
        link.dataset.caption = png.lines.join("\n");  // what the image says, for the tests
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
    enablePngLinks(charts, text);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
