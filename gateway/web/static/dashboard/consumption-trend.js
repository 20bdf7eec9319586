// Tenant Management → Consumption: the usage trend (an inline SVG bar chart, daily, weekly or
// monthly, with the year-over-year comparison) and the forecast.

import { card, el, svg, tabs } from "./dom.js";
import { addDays, credits, formatDay, formatDecimal, isPositive, MONTHS, periodLabel, plural } from "./format.js";

// `view` is the selected granularity and its tabs' handler.
export function trendCard(data, view) {
  const series = data[view.granularity];
  const labelOf = {
    daily: (start) => formatDay(start, false),
    weekly: (start) => `wk ${formatDay(start, false)}`,
    monthly: (start) => `${MONTHS[Number(start.slice(5, 7)) - 1]} ${start.slice(2, 4)}`,
  }[view.granularity];
  const py = data.previousYear;
  let yoy = null;
  if (py) {
    const change = py.creditsChangePercent;
    yoy = el(
      "div",
      { class: "yoy", "data-testid": "year-over-year" },
      el("span", { class: "metric-label", text: "Year over year" }),
      el("p", {},
        `${credits(data.creditsUsed)} credits so far vs ${credits(py.creditsUsed)} in the same period last year (${periodLabel(py.start, addDays(py.end, 1))})`,
        change === null || change === undefined ? "" : " ",
        change === null || change === undefined
          ? null
          : el("span", { class: `pill trend ${change > 0 ? "up" : change < 0 ? "down" : "flat"}`, text: change === 0 ? "flat" : `${change > 0 ? "+" : ""}${change}%` })),
      el("p", { class: "muted", text: `${plural(data.totalInterviews, "interview")} vs ${plural(py.totalInterviews, "interview")} last year` }),
    );
  }
  return card(
    "Usage trend",
    tabs(
      "Granularity",
      [["daily", "Daily"], ["weekly", "Weekly"], ["monthly", "Monthly"]],
      view.granularity,
      view.onSelect,
      "granularity",
    ),
    barChart(series, labelOf),
    yoy,
  );
}

function barChart(series, labelOf) {
  const width = 640;
  const height = 220;
  const values = series.map((bucket) => Number(bucket.creditsUsed));
  const max = Math.max(1, ...values);
  const ticks = [0, 0.5, 1].map((fraction) => formatDecimal(String(max * fraction), { places: 1 }));
  // Room for the longest tick at a phone's larger type (about 11 units a character).
  const pad = { top: 14, right: 8, bottom: 34, left: 14 + 11 * Math.max(...ticks.map((tick) => tick.length)) };
  const step = (width - pad.left - pad.right) / Math.max(series.length, 1);
  const barWidth = Math.max(2, step * 0.7);
  const plotHeight = height - pad.top - pad.bottom;
  // A label every `every` bars; a phone shows only every `sparse`-th bar's (style.css hides
  // the `dense` ones), so that its labels, drawn larger, do not run into each other.
  const every = Math.ceil(series.length / 12);
  const sparse = every * Math.ceil(Math.ceil(series.length / every) / 4);
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img", "aria-label": "Credits used per bucket", "data-testid": "trend-chart" });
  [0, 0.5, 1].forEach((fraction, index) => {
    const y = pad.top + plotHeight * (1 - fraction);
    chart.append(svg("line", { x1: pad.left, x2: width - pad.right, y1: y, y2: y, class: "grid" }));
    chart.append(svg("text", { x: pad.left - 6, y: y + 4, class: "axis y", "text-anchor": "end" }, ticks[index]));
  });
  series.forEach((bucket, index) => {
    const value = values[index];
    const barHeight = (value / max) * plotHeight;
    const x = pad.left + index * step + (step - barWidth) / 2;
    const bar = svg("rect", { x, y: pad.top + plotHeight - barHeight, width: barWidth, height: Math.max(barHeight, value > 0 ? 1 : 0), rx: 2, class: "bar", "data-start": bucket.start, "data-value": bucket.creditsUsed });
    bar.append(svg("title", {}, `${labelOf(bucket.start)}: ${credits(bucket.creditsUsed)} credits, ${plural(bucket.interviewsCompleted, "interview")} completed`));
    chart.append(bar);
    if (index % every === 0) {
      chart.append(svg("text", { x: x + barWidth / 2, y: height - pad.bottom + 20, class: index % sparse === 0 ? "axis x" : "axis x dense", "text-anchor": "middle" }, labelOf(bucket.start)));
    }
  });
  return chart;
}

export function forecastCard(data) {
  const f = data.forecast;
  const current = data.preset === "CURRENT_BILLING_PERIOD";
  const rows = [
    ["Projected credits used", credits(f.projectedCreditsUsed), f.projectedCreditsUsed],
    ["Projected remaining balance", credits(f.projectedRemainingBalance), f.projectedRemainingBalance],
    ["Runs out on", f.runsOutOn ? formatDay(f.runsOutOn) : "Not before the period ends", f.runsOutOn || ""],
    ["Recommended purchase", isPositive(f.recommendedPurchase) ? `${credits(f.recommendedPurchase)} credits` : "None needed", f.recommendedPurchase],
  ];
  return card(
    current ? "Forecast" : "Forecast (actual figures of a past period)",
    el("dl", { class: "forecast", "data-testid": "forecast" },
      rows.map(([label, text, value]) => [el("dt", { text: label }), el("dd", { data: { value }, text })])),
    el("p", { class: "muted small", text: "Based on the last 14 days. The recommendation covers the projected shortfall plus a 20% buffer." }),
  );
}

