// Tenant Management → Consumption: the usage trend (an inline SVG bar chart, daily, weekly or
// monthly, with the year-over-year comparison) and the forecast.

import { card, el, svg, tabs } from "./dom.js";
import { addDays, credits, formatDay, formatDecimal, isPositive, MONTHS, periodLabel, plural } from "./format.js";

// `view` is the selected granularity, its tabs' handler and whether the period is running.
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
        `${credits(data.creditsUsed)} credits${view.running ? " so far" : ""} vs ${credits(py.creditsUsed)} in the same period last year (${periodLabel(py.start, addDays(py.end, 1))})`,
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

// Axis ticks at a round step (1, 2, 2.5 or 5 times a power of ten), 3 or 4 steps up to the
// first tick at or above the highest bar.
function roundTicks(highest) {
  if (!(highest > 0)) return { step: 1, count: 1 };
  const rough = highest / 4;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((factor) => factor * power).find((candidate) => candidate >= rough);
  return { step, count: Math.max(1, Math.ceil(highest / step - 1e-9)) };
}

// "1.5", not "1.50": a tick shows its round value as it is (thousands grouped).
function tickText(value) {
  const [whole, fraction] = String(Number(value.toFixed(6))).split(".");
  return formatDecimal(whole) + (fraction ? "." + fraction : "");
}

function barChart(series, labelOf) {
  const width = 640;
  const height = 220;
  const values = series.map((bucket) => Number(bucket.creditsUsed));
  const { step: tickStep, count } = roundTicks(Math.max(...values, 0));
  const max = tickStep * count;
  const ticks = Array.from({ length: count + 1 }, (_, index) => tickText(tickStep * index));
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
  ticks.forEach((tick, index) => {
    const y = pad.top + plotHeight * (1 - index / count);
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

// A forecast is of the billing period in progress; a period that is over has none to show.
export function forecastCard(data, scope) {
  if (!scope.current) {
    const which = scope.billing ? "The last billing period" : "The billing period this range ends in";
    return card(
      "Forecast",
      el("p", { class: "muted", "data-testid": "forecast-note", text: `${which} is over: its figures are final, so there is nothing to forecast. Forecasts are for the billing period in progress (This billing period).` }),
    );
  }
  const f = data.forecast;
  const rows = [
    ["Projected credits used", credits(f.projectedCreditsUsed), f.projectedCreditsUsed],
    ["Projected remaining balance", credits(f.projectedRemainingBalance), f.projectedRemainingBalance],
    ["Runs out on", f.runsOutOn ? formatDay(f.runsOutOn) : "Not before the period ends", f.runsOutOn || ""],
    ["Recommended purchase", isPositive(f.recommendedPurchase) ? `${credits(f.recommendedPurchase)} credits` : "None needed", f.recommendedPurchase],
  ];
  return card(
    scope.billing ? "Forecast" : "Forecast for the billing period in progress",
    el("dl", { class: "forecast", "data-testid": "forecast" },
      rows.map(([label, text, value]) => [el("dt", { text: label }), el("dd", { data: { value }, text })])),
    el("p", { class: "muted small", "data-testid": "forecast-basis", text: `${scope.billing ? "" : "To the end of the billing period in progress, not of this range. "}Based on the last 14 days. The recommendation covers the projected shortfall plus a 20% buffer.` }),
  );
}
