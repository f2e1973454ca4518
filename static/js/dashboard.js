// Draws the dashboard's charts from the numbers the server put in #chart-data.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("chart-data").textContent);
  const accent = "#2f5bea";

  new Chart(document.getElementById("trend-chart"), {
    data: {
      labels: data.trend.labels,
      datasets: [
        { type: "bar", label: "Conversations", data: data.trend.conversations, backgroundColor: "#c7d2fe", yAxisID: "y" },
        { type: "line", label: "First response, median (min)", data: data.trend.frt_minutes, borderColor: accent,
          backgroundColor: accent, spanGaps: true, yAxisID: "minutes" },
      ],
    },
    options: {
      animation: false,
      scales: {
        y: { beginAtZero: true, title: { display: true, text: "conversations" } },
        minutes: { beginAtZero: true, position: "right", grid: { drawOnChartArea: false }, title: { display: true, text: "minutes" } },
      },
    },
  });

  const reasons = document.getElementById("reasons-chart");
  if (reasons) new Chart(reasons, {
    type: "bar",
    data: { labels: data.reasons.labels, datasets: [{ label: "Handoffs", data: data.reasons.counts, backgroundColor: "#fca5a5" }] },
    options: { animation: false, indexAxis: "y", plugins: { legend: { display: false } } },
  });
  document.body.dataset.chartsReady = "true";
})();
