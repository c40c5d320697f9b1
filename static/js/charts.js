// Draws the unit page's trend charts from the JSON the page embeds (json_script), with the
// project's own copy of Chart.js. Everything the charts show is also in the "Show data" tables,
// so the page stays complete without JavaScript.
//
// - The x axis runs from the first date drawn to the last, no further. Its ticks fall on the
//   reporting dates when their labels fit side by side, else on 1 January (every year, or every
//   2, 5 … years, labelled with the year), else on every second, third … reporting date: evenly
//   spaced, level and apart at any width (a linear axis put them at round day numbers: 26/09/2018).
// - A date where no village was reported has y = null: the line breaks there (not reported is
//   never zero, docs/domain.md §1); the page says which dates.
// - The PNG download carries the chart's title, the unit, the date range, the series rule and
//   the source under the chart itself.
(function () {
  "use strict";

  var DAY = 86400000;
  var TICK_GAP = 12;  // pixels between two tick labels at the least
  var YEAR_STEPS = [1, 2, 5, 10, 20, 50];
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

  // The reporting dates: the x of the computed lines (all share them); the published dots'
  // dates when nothing was computed.
  function reportingDates(datasets) {
    var lines = datasets.filter(function (dataset) { return dataset.type === "line"; });
    var source = lines.length && lines[0].data.length ? lines : datasets;
    var seen = {};
    source.forEach(function (dataset) {
      dataset.data.forEach(function (point) { seen[point.x] = true; });
    });
    return Object.keys(seen).map(Number).sort(function (a, b) { return a - b; });
  }

  // A label's width in pixels, in the axis's font, with the gap it needs beside the next one.
  function labelRoom(scale, text) {
    var context = scale.ctx;
    context.save();
    context.font = window.Chart.helpers.toFont(scale.options.ticks.font).string;
    var width = context.measureText(text).width;
    context.restore();
    return width + TICK_GAP;
  }

  // Whether consecutive values (day numbers) are at least `room` pixels apart.
  function apart(values, pixelsPerDay, room) {
    for (var i = 1; i < values.length; i++) {
      if ((values[i] - values[i - 1]) * pixelsPerDay < room) { return false; }
    }
    return true;
  }

  function yearOf(dayNumber) { return new Date(dayNumber * DAY).getUTCFullYear(); }

  function yearStart(year) { return Date.UTC(year, 0, 1) / DAY; }

  // 1 January of every `step`-th year (2016, 2018 …) between min and max, as day numbers.
  function yearStarts(min, max, step) {
    var starts = [];
    for (var year = yearOf(min); yearStart(year) <= max; year++) {
      if (year % step === 0 && yearStart(year) >= min) { starts.push(yearStart(year)); }
    }
    return starts;
  }

  // The x axis's ticks for its width: { values: day numbers, years: labelled by year }.
  function xTicks(scale, dates) {
    var range = scale.max - scale.min;
    if (dates.length < 2 || range <= 0 || !scale.width) { return { values: dates, years: false }; }
    var dateRoom = labelRoom(scale, dateText(dates[0]));
    // Labels at the ends stick out half their width: the plot narrows by that much after.
    var pixelsPerDay = Math.max(scale.width - dateRoom, 1) / range;
    if (apart(dates, pixelsPerDay, dateRoom)) { return { values: dates, years: false }; }
    var yearRoom = labelRoom(scale, String(yearOf(scale.max)));
    var step = YEAR_STEPS.filter(function (years) { return years * 365 * pixelsPerDay >= yearRoom; })[0];
    var starts = step ? yearStarts(scale.min, scale.max, step) : [];
    if (starts.length >= 2) { return { values: starts, years: true }; }
    for (var nth = 2; nth < dates.length; nth++) {
      var some = dates.filter(function (date, index) { return index % nth === 0; });
      if (apart(some, pixelsPerDay, dateRoom)) { return { values: some, years: false }; }
    }
    return { values: [dates[0]], years: false };
  }

  function options(language, range, dates) {
    return {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,  // the box's height is the stylesheet's (.chart-box)
      parsing: true,
      scales: {
        x: { type: "linear", min: range.min, max: range.max, bounds: "data",
             // Chart.js asks again whenever the width changes (a phone turned, a window resized).
             afterBuildTicks: function (scale) {
               var chosen = xTicks(scale, dates);
               scale.yearTicks = chosen.years;
               scale.ticks = chosen.values.map(function (value) { return { value: value }; });
             },
             ticks: { autoSkip: false, maxRotation: 0,
                      callback: function (value) {
                        return this.yearTicks ? String(yearOf(value)) : dateText(value);
                      } } },
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
    var config = {
      data: { datasets: datasets },
      options: options(language, xRange(datasets), reportingDates(datasets))
    };
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
