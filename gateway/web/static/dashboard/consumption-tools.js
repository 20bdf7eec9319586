// Tenant Management → Consumption: the planning calculator and the CSV / Excel export.

import { authHeaders, graphql, tokenProblem } from "./api.js";
import { card, el, panel } from "./dom.js";
import { addDays, credits, formatDay, formatDecimal, integer, todayIn } from "./format.js";

const PLAN_QUERY = `query PlanInterviewCredits($roles: Int!, $candidates: Int!, $completionRate: Float!, $buffer: Float!) {
  planInterviewCredits(rolesPerMonth: $roles, candidatesPerRole: $candidates, completionRate: $completionRate, buffer: $buffer) {
    expectedInterviews
    creditsNeeded
    creditsWithBuffer
  }
}`;

function numberField(label, name, value, attrs = {}) {
  return el("label", {}, el("span", { text: label }), el("input", { type: "number", name, value: String(value), required: true, ...attrs }));
}

export function planningCard() {
  const result = el("div", { class: "plan-result", "data-testid": "plan-result", "aria-live": "polite" },
    el("p", { class: "muted", text: "Example: 5 roles a month with 50 candidates each. Change the figures and press Calculate." }));
  const form = el(
    "form",
    { class: "planner", "data-testid": "planner" },
    numberField("Roles per month", "roles", 5, { min: 0, step: 1 }),
    numberField("Candidates per role", "candidates", 50, { min: 0, step: 1 }),
    numberField("Completion rate (%)", "completionRate", 100, { min: 0, max: 100, step: "any" }),
    numberField("Buffer (%)", "buffer", 20, { min: 0, step: "any" }),
    el("button", { type: "submit", text: "Calculate" }),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const values = new FormData(form);
    const variables = {
      roles: Number.parseInt(values.get("roles"), 10),
      candidates: Number.parseInt(values.get("candidates"), 10),
      completionRate: Number(values.get("completionRate")) / 100,
      buffer: Number(values.get("buffer")) / 100,
    };
    result.replaceChildren(el("p", { class: "muted", text: "Calculating…" }));
    try {
      const body = await graphql(PLAN_QUERY, variables);
      const plan = body.data.planInterviewCredits;
      result.replaceChildren(
        el("dl", { class: "forecast" },
          el("dt", { text: "Expected interviews" }), el("dd", { data: { value: String(plan.expectedInterviews) }, text: integer(plan.expectedInterviews) }),
          el("dt", { text: "Credits needed" }), el("dd", { data: { value: plan.creditsNeeded }, text: credits(plan.creditsNeeded) }),
          el("dt", { text: `With a ${formatDecimal(String(variables.buffer * 100))}% buffer` }), el("dd", { "data-testid": "plan-with-buffer", data: { value: plan.creditsWithBuffer }, text: credits(plan.creditsWithBuffer) })),
      );
    } catch (error) {
      result.replaceChildren(panel("error", error.title || "The calculation failed.", error.detail || ""));
    }
  });
  return card("Planning", el("p", { class: "muted small", text: "Review past months, account for hiring seasons and keep a buffer for growth." }), form, result);
}

// `timeZone` is the organization's: the export's last day is at most its today.
export function exportCard(data, timeZone) {
  const first = data.start.slice(0, 10);
  const last = addDays(data.end, -1);
  const today = todayIn(timeZone || undefined);
  const status = el("p", { class: "muted small", "data-testid": "export-status", "aria-live": "polite" });
  const from = el("input", { type: "date", name: "from", value: first, required: true });
  const to = el("input", { type: "date", name: "to", value: last < today ? last : today, required: true });
  const button = (format, text) =>
    el("button", { type: "button", "data-testid": `export-${format}`, text, onclick: () => download(format, from.value, to.value, status) });
  // A date input shows the browser's format (12/01/2026 in en-US); its label repeats the day
  // in the page's own ("1 Dec 2026"), and follows the input.
  const dateLabel = (text, input) => {
    const shown = el("span", { class: "day", "data-testid": `export-${input.name}-day` });
    const update = () => shown.replaceChildren(/^\d{4}-\d{2}-\d{2}$/.test(input.value) ? formatDay(input.value) : "");
    input.addEventListener("input", update);
    update();
    return el("label", {}, el("span", {}, `${text} `, shown), input);
  };
  return card(
    "Export",
    el("p", { class: "muted small", text: "One row per day and opening: date, job title, candidate count, credits used and the status breakdown." }),
    el("div", { class: "export" },
      dateLabel("From", from),
      dateLabel("To", to),
      button("csv", "Export CSV"),
      button("xlsx", "Export Excel")),
    status,
  );
}

async function download(format, from, to, status) {
  const problem = tokenProblem();
  if (problem) {
    status.replaceChildren(panel("error", problem.title, problem.detail));
    return;
  }
  status.replaceChildren("Preparing the export…");
  const params = new URLSearchParams({ from, to, format });
  let response;
  try {
    response = await fetch(`/v1/exports/consumption?${params}`, { headers: authHeaders() });
  } catch {
    status.replaceChildren(panel("error", "The gateway can't be reached.", "Check that it is running, then try again."));
    return;
  }
  if (!response.ok) {
    let message = `HTTP ${response.status}`;
    try {
      // /v1 refusals are {"error": {code, message, errors: [{field, message}]}}.
      const error = (await response.json()).error || {};
      const first = error.errors?.[0];
      message = first ? `${first.field}: ${first.message}` : error.message || message;
    } catch {
      // keep the status line
    }
    status.replaceChildren(panel("error", "The export failed.", message));
    return;
  }
  const blob = await response.blob();
  const disposition = response.headers.get("content-disposition") || "";
  const name = /filename="?([^";]+)"?/.exec(disposition)?.[1] || `consumption_${from}_${to}.${format}`;
  const url = URL.createObjectURL(blob);
  const link = el("a", { href: url, download: name, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  status.replaceChildren(`Downloaded ${name}.`);
}

