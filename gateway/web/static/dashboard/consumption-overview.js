// Tenant Management → Consumption: the plan line, the three overview tiles and the status chips.

import { el } from "./dom.js";
import { credits, formatDay, integer, subtractDecimal } from "./format.js";

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

// `scope` (consumption-page.js) says whether the figures are a billing period's or a range's:
// allocation and balance belong to a billing period, so a range shows those of the billing
// period holding its last day, and says so.
export function overview(data, scope) {
  const a = data.allocation;
  const parts = [
    ["Plan allocation", a.included],
    ["Rolled over", a.rolledOver],
    ["Purchased", a.purchased],
  ];
  // For a billing period this is the period's own use; for a range, the use of the billing
  // period the balance belongs to (allocation − balance), not the range's.
  const used = scope.billing ? data.creditsUsed : subtractDecimal(a.total, data.remainingBalance);
  const usedNote = scope.billing
    ? `of ${credits(a.total)} available ${scope.current ? "this" : "that"} billing period`
    : `over ${scope.label}, across billing periods`;
  const balanceNote = scope.billing
    ? null
    : el("p", { class: "muted small", "data-testid": "balance-scope", text: `Allocations and balances are per billing period: these are of the billing period holding ${formatDay(scope.lastDay)}${scope.current ? ", the one in progress" : ""}.` });
  return el(
    "div",
    { class: "cards three" },
    tile("Total interviews", integer(data.totalInterviews), String(data.totalInterviews), "total-interviews", el("span", { class: "muted", text: "completed or partially completed" })),
    tile("Credits used", credits(data.creditsUsed), data.creditsUsed, "credits-used", el("span", { class: "muted", "data-testid": "credits-used-scope", text: usedNote })),
    tile(
      scope.current ? "Remaining balance" : "Remaining balance at its end",
      credits(data.remainingBalance),
      data.remainingBalance,
      "remaining-balance",
      balanceNote,
      el("dl", { class: "allocation", "data-testid": "allocation" },
        parts.map(([label, value]) => [el("dt", { text: label }), el("dd", { data: { value }, text: credits(value) })]),
        el("dt", { class: "total", text: "Total allocation" }),
        el("dd", { class: "total", data: { value: a.total }, text: credits(a.total) }),
        el("dt", { text: scope.billing ? "Used" : "Used in that billing period" }),
        el("dd", { data: { value: used }, text: "−" + credits(used) }),
        el("dt", { class: "total", text: "Remaining balance" }),
        el("dd", { class: "total", data: { value: data.remainingBalance }, text: credits(data.remainingBalance) })),
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
    // Statuses are stages an interview goes through, not kinds of interview.
    el("p", { class: "muted small status-note", "data-testid": "status-note", text: "An interview counts in each status it reached in the period, so the counts overlap: one partially completed and then completed is in both, and once in Total interviews. The credits do add up to Credits used." }),
  );
}

