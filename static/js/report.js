// Leadership report pages: show the "Print or save as PDF" buttons (hidden without JavaScript,
// where the browser's own Print command does the same) and wire them to window.print().
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("button[data-print]").forEach((button) => {
    button.hidden = false;
    button.addEventListener("click", () => window.print());
  });
});
