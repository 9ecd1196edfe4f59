// Growth analytics: revenue (line) and orders (bars) per day, the previous period dashed.
// Chart.js is vendored (portal/static/vendor/chartjs); the series is in cents.
window.addEventListener("load", function () {
  var node = document.getElementById("growth-series");
  var canvas = document.getElementById("growth-chart");
  if (!node || !canvas || !window.Chart) { return; }
  var data = JSON.parse(node.textContent);
  var css = getComputedStyle(document.documentElement);
  var brand = css.getPropertyValue("--brand").trim() || "#5b5bf6";
  var muted = css.getPropertyValue("--muted").trim() || "#64748b";
  var grid = css.getPropertyValue("--border").trim() || "#e4e7ef";
  var lang = document.documentElement.lang || "pt-BR";
  var fmt = new Intl.NumberFormat(lang, {style: "currency", currency: data.currency || "BRL"});
  var money = function (cents) { return fmt.format(cents / 100); };
  var day = new Intl.DateTimeFormat(lang, {day: "2-digit", month: "2-digit"});
  var labels = data.labels.map(function (iso) { return day.format(new Date(iso + "T12:00:00")); });
  new Chart(canvas, {
    data: {labels: labels, datasets: [
      {type: "line", label: data.names.revenue, data: data.revenue, yAxisID: "money",
       borderColor: brand, backgroundColor: brand + "33", fill: true, tension: .3, pointRadius: 2},
      {type: "line", label: data.names.previous, data: data.prev_revenue, yAxisID: "money",
       borderColor: muted, borderDash: [6, 4], pointRadius: 0, tension: .3, fill: false},
      {type: "bar", label: data.names.orders, data: data.orders, yAxisID: "count",
       backgroundColor: brand + "55", borderRadius: 4, maxBarThickness: 18}]},
    options: {animation: false, maintainAspectRatio: false, interaction: {mode: "index", intersect: false},
      plugins: {legend: {labels: {color: muted, boxWidth: 12}},
        tooltip: {callbacks: {label: function (ctx) {
          var v = ctx.parsed.y;
          return ctx.dataset.label + ": " + (ctx.dataset.yAxisID === "money" ? money(v) : v);
        }}}},
      scales: {x: {grid: {display: false}, ticks: {color: muted, maxTicksLimit: 10}},
        money: {position: "left", beginAtZero: true, grid: {color: grid},
                ticks: {color: muted, callback: money}, suggestedMax: 10000},
        count: {position: "right", beginAtZero: true, grid: {display: false},
                ticks: {color: muted, precision: 0}, suggestedMax: 5}}}
  });
  canvas.dataset.drawn = "1";
});
