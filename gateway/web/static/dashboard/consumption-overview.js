// Tenant Management → Consumption: the plan line, the three overview tiles and the status chips.

import { el } from "./dom.js";
import { credits, integer } from "./format.js";

export function planLine(plan) {
  if (!plan) return null;
  const rollover = {
    NONE: "unused credits do not roll over",
    FULL: "unused credits roll over",
    CAPPED: `unused credits roll over, up to ${credits(plan.rolloverCap)}`,
  }[plan.rollover] || plan.rollover;
  return el("p", { class: "muted plan", "data-testid": "plan", text: `Plan: ${credits(plan.interviewCreditsPerPeriod)} credits per billing period, starting on day ${plan.billingAnchorDay} of each month; ${rollover}.` });
}

function tile(label, value, raw, testid, ...extra) {
  return el(
    "section",
    { class: "card tile" },
    el("span", { class: "metric-label", text: label }),
    el("span", { class: "metric-value", "data-testid": testid, data: { value: raw }, text: value }),
    ...extra,
  );
}

export function overview(data) {
  const a = data.allocation;
  const parts = [
    ["Plan allocation", a.included],
    ["Rolled over", a.rolledOver],
    ["Purchased", a.purchased],
  ];
  return el(
    "div",
    { class: "cards three" },
    tile("Total interviews", integer(data.totalInterviews), String(data.totalInterviews), "total-interviews", el("span", { class: "muted", text: "completed or partially completed" })),
    tile("Credits used", credits(data.creditsUsed), data.creditsUsed, "credits-used", el("span", { class: "muted", text: `of ${credits(a.total)} available this billing period` })),
    tile(
      "Remaining balance",
      credits(data.remainingBalance),
      data.remainingBalance,
      "remaining-balance",
      el("dl", { class: "allocation", "data-testid": "allocation" },
        parts.map(([label, value]) => [el("dt", { text: label }), el("dd", { data: { value }, text: credits(value) })]),
        el("dt", { class: "total", text: "Total allocation" }),
        el("dd", { class: "total", data: { value: a.total }, text: credits(a.total) }),
        el("dt", { text: "Used" }),
        el("dd", { data: { value: data.creditsUsed }, text: "−" + credits(data.creditsUsed) })),
    ),
  );
}

const STATUS_LABELS = {
  INVITED: "Invited",
  STARTED: "Started",
  PARTIALLY_COMPLETED: "Partially completed",
  COMPLETED: "Completed",
  SIMULATION: "Simulation",
};

export function statusRow(rows) {
  return el(
    "div",
    { class: "pills statuses", "data-testid": "statuses" },
    rows.map((row) =>
      el("div", { class: "reason", "data-testid": "status", data: { status: row.status, count: String(row.count), value: row.creditsUsed } },
        el("span", { class: "reason-label", text: STATUS_LABELS[row.status] || row.status }),
        el("span", { class: "reason-value", text: integer(row.count) }),
        el("span", { class: "muted", text: `${credits(row.creditsUsed)} credits` })),
    ),
  );
}

