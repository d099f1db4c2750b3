// Draws each weekly feedback trend chart from its JSON data (see adoption/partials/feedback_trend.html).
// Without JavaScript the table below each chart carries the same figures. Chart.js is the
// vendored copy; it is loaded here only when the page (a scorecard, say) has not loaded it.
(() => {
  function draw(box) {
    if (box.dataset.drawn) return;
    const source = document.getElementById(box.dataset.feedbackTrend);
    const canvas = box.querySelector("canvas");
    if (!source || !canvas) return;
    const data = JSON.parse(source.textContent);
    box.hidden = false;
    box.dataset.drawn = "1";
    const table = document.getElementById(box.dataset.table);
    if (table) table.open = false;
    new Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels,
        datasets: [
          { label: "Usefulness (1-5)", data: data.usefulness, borderColor: "#1d4ed8", backgroundColor: "#1d4ed8", yAxisID: "score", spanGaps: true },
          { label: "Trust (1-5)", data: data.trust, borderColor: "#166534", backgroundColor: "#166534", borderDash: [6, 3], yAxisID: "score", spanGaps: true },
          { label: "Minutes saved per person", data: data.minutes_saved, borderColor: "#b45309", backgroundColor: "#b45309", borderDash: [2, 2], yAxisID: "minutes", spanGaps: true },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          score: { type: "linear", position: "left", min: 1, max: 5, title: { display: true, text: "Score (1-5)" } },
          minutes: { type: "linear", position: "right", beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: "Minutes saved" } },
        },
      },
    });
  }

  function drawAll() {
    document.querySelectorAll("[data-feedback-trend]").forEach(draw);
  }

  function init() {
    const boxes = document.querySelectorAll("[data-feedback-trend]");
    if (!boxes.length) return;
    if (typeof Chart !== "undefined") {
      drawAll();
      return;
    }
    if (document.querySelector("script[data-feedback-chartjs]")) return;
    const script = document.createElement("script");
    script.src = boxes[0].dataset.chartSrc;
    script.dataset.feedbackChartjs = "1";
    script.addEventListener("load", drawAll);
    document.head.appendChild(script);
  }

  // The trend may arrive with the page or later, swapped in by htmx (the scorecard loads it
  // from the adoption app); this file may then be loaded again, so it sets itself up once.
  if (window.readinessFeedbackTrend) {
    window.readinessFeedbackTrend();
    return;
  }
  window.readinessFeedbackTrend = init;
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
  document.addEventListener("htmx:afterSettle", init);
})();
