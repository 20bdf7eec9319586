// Active alerts as a banner on the page they concern: the Usage page shows AI-credit alerts, the
// Consumption page interview-credit ones. One query per page load; the API already leaves out the
// alerts on figures the member may not see.

import { embedded, graphql } from "./api.js";
import { el, fill } from "./dom.js";
import { credits, formatDay } from "./format.js";

const ACTIVE_ALERTS_QUERY = `query ActiveAlerts {
  viewer { permissions }
  organization {
    alerts(active: true, first: 100) {
      edges { node { id ruleId kind threshold figure periodStart periodEnd runsOutOn firedAt } }
    }
    alertRules { id unit }
  }
}`;

export const PAGE_KINDS = {
  usage: ["AI_CREDITS_ABOVE"],
  consumption: ["CREDITS_REMAINING_BELOW", "RUNS_OUT_BEFORE_PERIOD_END", "OPENING_CREDITS_ABOVE"],
};

// One holder per page, kept across the page's re-renders (Load more, paging) so that the banner
// is fetched once per load of the page, not once per drawing.
const holders = {};

// alertSentence: the alert's own figures in words, dates as the pages write them ("19 Dec").
export function alertSentence(alert, unit) {
  const threshold = alert.threshold == null ? "" : unit === "PERCENT" ? `${credits(alert.threshold)} % of the allocation` : credits(alert.threshold);
  switch (alert.kind) {
    case "RUNS_OUT_BEFORE_PERIOD_END":
      return `At this pace interview credits run out on ${formatDay(alert.runsOutOn, false)}, before the period ends on ${formatDay(alert.periodEnd, false)}`;
    case "CREDITS_REMAINING_BELOW":
      return `Interview credits remaining are down to ${credits(alert.figure)}, below ${threshold}`;
    case "OPENING_CREDITS_ABOVE":
      return `An opening has used ${credits(alert.figure)} interview credits this billing period, above ${threshold}`;
    case "AI_CREDITS_ABOVE":
      return `AI credits charged this month reached ${credits(alert.figure)}, above ${threshold}`;
    default:
      return `An alert fired on ${formatDay(alert.firedAt, false)}`;
  }
}

// Called from the page's render with the page's load serial: a new serial fetches again.
export function alertsBanner(page, serial) {
  let holder = holders[page];
  if (holder && holder.serial === serial) return holder.node;
  const node = el("div", { class: "alerts-banner", "data-testid": `${page}-alerts`, role: "status", hidden: true });
  holder = holders[page] = { serial, node };
  // An embed token runs only the page documents it lists: no banner, no refused request.
  if (embedded()) node.dataset.loaded = "embedded";
  else loadAlerts(page, holder);
  return node;
}

async function loadAlerts(page, holder) {
  let body;
  try {
    body = await graphql(ACTIVE_ALERTS_QUERY, {});
  } catch {
    // The page's own query already says what is wrong with the token or the gateway.
    holder.node.dataset.loaded = "error";
    return;
  }
  if (holders[page] !== holder) return;
  const org = body.data?.organization;
  showAlertsTab((body.data?.viewer?.permissions || []).includes("alerts:manage"));
  const units = Object.fromEntries((org?.alertRules || []).map((rule) => [rule.id, rule.unit]));
  const alerts = (org?.alerts?.edges || []).map((edge) => edge.node).filter((alert) => PAGE_KINDS[page].includes(alert.kind));
  fill(
    holder.node,
    ...alerts.map((alert) =>
      el("p", { class: "alert-line", "data-testid": "alert", data: { id: alert.id, kind: alert.kind } }, el("strong", { text: "Alert" }), " ", alertSentence(alert, units[alert.ruleId])),
    ),
  );
  holder.node.hidden = alerts.length === 0;
  holder.node.dataset.loaded = String(alerts.length);
}

// The Alerts tab is there only for members who may manage alerts.
export function showAlertsTab(allowed) {
  const tab = document.getElementById("tab-alerts");
  if (tab) tab.hidden = !allowed || embedded();
}
