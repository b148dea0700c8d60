// Charts (Chart.js, vendored) and copy buttons for chat answers, including ones HTMX swaps in.
(function () {
  function drawCharts(root) {
    root.querySelectorAll("canvas.chart:not([data-drawn])").forEach(function (canvas) {
      canvas.setAttribute("data-drawn", "1");
      var spec = JSON.parse(canvas.getAttribute("data-chart"));
      new Chart(canvas, {
        type: spec.type,
        data: { labels: spec.labels, datasets: spec.datasets },
        options: { responsive: true, maintainAspectRatio: false, animation: false },
      });
    });
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var code = button.parentElement.querySelector("code").innerText;
    navigator.clipboard.writeText(code).then(function () { button.textContent = "Copied"; });
  });
  document.addEventListener("DOMContentLoaded", function () { drawCharts(document); });
  document.body.addEventListener("htmx:afterSettle", function (event) { drawCharts(event.target); });
  // Keep the newest message in view.
  document.body.addEventListener("htmx:afterSwap", function (event) {
    var list = document.getElementById("messages");
    if (list && list.contains(event.target)) event.target.scrollIntoView({ block: "end" });
  });
})();
