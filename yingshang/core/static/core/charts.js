/* Draws the charts of a page with Apache ECharts (vendor/echarts/echarts.min.js, loaded before this).
 *
 * Every element with data-chart-options holds the options yingshang/core/charts.py built, as JSON
 * (written by the {% chart %} template tag). No inline script anywhere: this file is the only code.
 * A data point is {value, text[, tip]}: labels and tooltips show the server's `text` ("200,000.00 元"),
 * never a number formatted here. Once drawn, the figure gets the class "is-drawn" and site.css hides
 * its table visually (screen readers still read it); without JavaScript the table is what one sees.
 */
(function () {
  "use strict";

  var charts = [];

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (ch) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[ch];
    });
  }

  function textOf(params) {
    var data = params.data;
    if (data && typeof data === "object" && data.text !== undefined) {
      return data.text;
    }
    return params.value === undefined || params.value === null ? "—" : String(params.value);
  }

  function tooltip(params) {
    var list = Array.isArray(params) ? params : [params];
    if (list.length === 1 && list[0].data && list[0].data.tip) {
      return escapeHtml(list[0].data.tip);
    }
    var lines = [escapeHtml(list[0].name)];
    list.forEach(function (p) {
      lines.push(p.marker + escapeHtml(p.seriesName) + "：" + escapeHtml(textOf(p)));
    });
    return lines.join("<br>");
  }

  function draw(element) {
    if (element.getAttribute("data-chart-drawn") === "yes" || typeof echarts === "undefined") {
      return;
    }
    var option = JSON.parse(element.getAttribute("data-chart-options"));
    element.style.height = (parseInt(element.getAttribute("data-height"), 10) || 320) + "px";
    (option.series || []).forEach(function (series) {
      if (series.label) {
        series.label.formatter = textOf;
      }
    });
    if (option.tooltip) {
      option.tooltip.formatter = tooltip;
    }
    var chart = echarts.init(element, null, { renderer: "svg", locale: "ZH" });
    chart.setOption(option);
    charts.push(chart);
    element.setAttribute("data-chart-drawn", "yes");
    var figure = element.closest("figure");
    if (figure) {
      figure.classList.add("is-drawn");
    }
  }

  function drawAll(root) {
    (root || document).querySelectorAll("[data-chart-options]").forEach(draw);
  }

  document.addEventListener("DOMContentLoaded", function () {
    drawAll(document);
  });
  // Parts of a page replaced by htmx bring their own charts.
  document.addEventListener("htmx:afterSwap", function (event) {
    drawAll(event.target);
  });
  window.addEventListener("resize", function () {
    charts.forEach(function (chart) {
      chart.resize();
    });
  });
})();
