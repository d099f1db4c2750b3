// Scorecard trend charts: one line chart per metric, drawn from the JSON the page embeds
// (json_script "scorecard-data"), with the target, warning and baseline as dashed lines.
// Progressive enhancement: without JavaScript the same figures are in the tables below.
(function () {
  "use strict";

  const COLOURS = {
    value: "#1d4ed8",
    target: "#166534",
    warning: "#b45309",
    baseline: "#566172",
  };
  const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  function shortDate(iso) {
    const [, month, day] = iso.split("-");
    return `${Number(day)} ${MONTHS[Number(month) - 1]}`;
  }

  function reference(label, value, count, colour, dash) {
    return {
      label: label,
      data: new Array(count).fill(value),
      borderColor: colour,
      borderDash: dash,
      borderWidth: 1.5,
      pointRadius: 0,
      pointHitRadius: 0,
      fill: false,
    };
  }

  function draw(canvas, series) {
    const count = series.labels.length;
    const unit = series.unit === "%" ? "%" : series.unit ? ` ${series.unit}` : "";
    // Long units (cases/person/day) stay in the chart's title, not on every tick.
    const tickUnit = unit.length <= 4 ? unit : "";
    const datasets = [
      {
        label: series.name,
        data: series.values,
        borderColor: COLOURS.value,
        backgroundColor: COLOURS.value,
        borderWidth: 2,
        pointRadius: 0,
        pointHoverRadius: 3,
        spanGaps: true,
        tension: 0.2,
      },
    ];
    if (series.target !== null) datasets.push(reference("Target", series.target, count, COLOURS.target, [6, 4]));
    if (series.warning !== null) datasets.push(reference("Warning", series.warning, count, COLOURS.warning, [2, 3]));
    if (series.baseline !== null) datasets.push(reference("Baseline", series.baseline, count, COLOURS.baseline, [8, 3, 2, 3]));
    return new window.Chart(canvas, {
      type: "line",
      data: { labels: series.labels.map(shortDate), datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { ticks: { maxTicksLimit: 7, autoSkip: true, maxRotation: 0 } },
          y: { ticks: { callback: (v) => `${Number(v).toLocaleString()}${tickUnit}` } },
        },
        plugins: {
          legend: { labels: { boxWidth: 14, boxHeight: 2 } },
          tooltip: {
            callbacks: {
              label: (ctx) => (ctx.parsed.y === null ? null : `${ctx.dataset.label}: ${Number(ctx.parsed.y.toPrecision(4)).toLocaleString()}${unit}`),
            },
          },
        },
      },
    });
  }

  const LEVEL_COLOURS = ["#1d4ed8", "#b45309", "#166534"];

  // The portfolio's trend: one line per level, the weekly share of metrics on target.
  function drawPortfolio(canvas) {
    const source = document.getElementById(canvas.dataset.portfolioChart);
    if (!source) return;
    const data = JSON.parse(source.textContent);
    new window.Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels.map(shortDate),
        datasets: data.series.map((s, i) => ({
          label: s.name,
          data: s.values,
          borderColor: LEVEL_COLOURS[i % LEVEL_COLOURS.length],
          backgroundColor: LEVEL_COLOURS[i % LEVEL_COLOURS.length],
          borderWidth: 2,
          pointRadius: 2,
          spanGaps: true,
        })),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        scales: { y: { min: 0, max: 100, ticks: { callback: (v) => `${v}%` } } },
        plugins: {
          legend: { labels: { boxWidth: 14, boxHeight: 2 } },
          tooltip: { callbacks: { label: (ctx) => `${ctx.dataset.label}: ${ctx.parsed.y}% on target` } },
        },
      },
    });
    canvas.dataset.drawn = "true";
  }

  function init() {
    if (typeof window.Chart === "undefined") return;
    document.querySelectorAll("canvas[data-portfolio-chart]:not([data-drawn])").forEach(drawPortfolio);
    const source = document.getElementById("scorecard-data");
    if (!source) return;
    const charts = JSON.parse(source.textContent);
    document.querySelectorAll("canvas[data-scorecard-chart]:not([data-drawn])").forEach((canvas) => {
      const series = charts[canvas.dataset.scorecardChart];
      if (!series || series.labels.length === 0) {
        canvas.closest("figure")?.classList.add("scorecard-chart-empty");
        return;
      }
      draw(canvas, series);
      canvas.dataset.drawn = "true";
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
  // Parts that htmx swaps in (the portfolio's trend) bring canvases of their own.
  document.addEventListener("htmx:afterSettle", init);
})();
