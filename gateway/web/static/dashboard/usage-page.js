// Settings → Usage: the page's state, its loading, its head (period tabs), the BYOK notice and the
// summary tile; the breakdowns and the activity log are their own modules.

import { alertsBanner } from "./alerts-banner.js";
import { documentText, embedded, forbiddenOn, graphql, UiError } from "./api.js";
import { el, fill, tabs } from "./dom.js";
import { credits, integer, isPositive, money, periodLabel, plural } from "./format.js";
import { showError, showMessage, showOrg } from "./messages.js";
import { activityCard } from "./usage-activity.js";
import { modelCard, reasonCard, userCard } from "./usage-cards.js";

const PROVIDER_NAMES = { ANTHROPIC: "Anthropic", OPENAI: "OpenAI" };
const PROVIDER_DASHBOARDS = { ANTHROPIC: "Anthropic Console", OPENAI: "OpenAI Platform" };
const BY_USER_QUERY = `query UsageByUser($period: PeriodInput!, $first: Int!) {
  organization {
    usage(period: $period) {
      byUser(first: $first) {
        totalCount
        nodes { displayName member { id email } creditsCharged estimatedCostUsd calls share }
      }
    }
  }
}`;

export const usage = {
  period: "THIS_MONTH",
  data: null,
  edges: [],
  pageInfo: null,
  allUsers: null,
  showAll: false,
  loadingMore: false,
  activityProblem: null,
  trend: null,
  // From when the log's calls are kept (retention): null until asked, false when all are.
  keptSince: null,
  serial: 0,
};

async function loadTrend() {
  try {
    const body = await graphql(await documentText("usageTrendQuery"), {});
    return body.data?.organization?.usage?.summary?.trend ?? null;
  } catch {
    return null;
  }
}

export async function loadUsage() {
  const serial = ++usage.serial;
  const root = document.getElementById("usage");
  usage.data = null;
  usage.allUsers = null;
  usage.showAll = false;
  usage.activityProblem = null;
  usage.keptSince = null;
  root.replaceChildren(usageHead(), el("p", { class: "loading", text: "Loading…" }));
  try {
    const query = await documentText("usageQuery");
    // This month's pill compares with the same point of last month: its own small document,
    // sent beside the page's (a refusal of it only leaves the pill out).
    // Embedded, the token runs only the documents it lists: the page's own trend serves.
    const trend = usage.period === "THIS_MONTH" && !embedded() ? loadTrend() : Promise.resolve(null);
    const body = await graphql(query, { period: { preset: usage.period } });
    const samePoint = await trend;
    if (serial !== usage.serial) return;
    usage.trend = samePoint;
    const org = body.data.organization;
    if (!org || !org.usage) {
      const forbidden = forbiddenOn(body, "usage");
      throw forbidden
        ? new UiError("forbidden", "You don't have access to AI usage.", "Viewing AI usage needs the `credits:view` permission (Admin, Staffing and Interviewer roles).")
        : new UiError("http", "The gateway answered without this page's data.", body.errors?.[0]?.message || "");
    }
    showOrg(org);
    usage.data = org;
    usage.edges = org.usage.activity.edges;
    usage.pageInfo = org.usage.activity.pageInfo;
    renderUsage();
    askKeptSince(serial);
  } catch (error) {
    if (serial !== usage.serial) return;
    showError(root, usageHead(), error);
  }
}

function usageHead() {
  const data = usage.data?.usage;
  return el(
    "div",
    { class: "page-head" },
    el("div", {}, el("h2", { text: "Usage" }), data ? el("p", { class: "muted", "data-testid": "usage-period", text: periodLabel(data.start, data.end) }) : null),
    tabs(
      "Period",
      [["THIS_MONTH", "This month"], ["LAST_MONTH", "Last month"]],
      usage.period,
      (value) => {
        usage.period = value;
        loadUsage();
      },
      "usage-periods",
    ),
  );
}

function renderUsage() {
  const org = usage.data;
  const data = org.usage;
  const root = document.getElementById("usage");
  // Spend is shown in credits, or as the estimated cost when the period has no credit spend.
  const inCost = !isPositive(data.summary.creditsCharged) && isPositive(data.summary.estimatedCostUsd);
  const valueOf = (row) => (inCost ? row.estimatedCostUsd : row.creditsCharged);
  const show = (row) => (inCost ? money(row.estimatedCostUsd) : credits(row.creditsCharged));
  fill(
    root,
    usageHead(),
    alertsBanner("usage", usage.serial),
    data.byokNotice ? byokNotice(data.byokNotice, data.summary) : null,
    summaryTile(data),
    el(
      "div",
      { class: "cards three" },
      reasonCard(data, valueOf, show, inCost),
      userCard(data, valueOf, show, inCost, { showAll: usage.showAll, allUsers: usage.allUsers, onToggle: toggleUsers, embedded: embedded() }),
      modelCard(data, valueOf, show, inCost),
    ),
    activityCard(org, { edges: usage.edges, pageInfo: usage.pageInfo, loadingMore: usage.loadingMore, problem: usage.activityProblem, keptSince: usage.keptSince, onLoadMore: loadMoreActivity }),
  );
}

// The API's message says usage tracking is not available, above a page of figures: what is
// missing is the provider's bill, not the calls. The notice says what the figures below are.
function byokNotice(notice, summary) {
  const provider = PROVIDER_NAMES[notice.provider] || "your provider";
  const name = PROVIDER_DASHBOARDS[notice.provider] || "your provider's dashboard";
  return el(
    "div",
    { class: "byok", "data-testid": "byok-notice", role: "note" },
    el("strong", { text: `BYOK is active: Ivy uses your own ${provider} key` }),
    el("p", { text: `Calls made with your key use no Intervy credits; ${provider} bills them to you. This page shows them with the tokens Ivy recorded and a cost estimated at list prices, not your bill: the exact token and cost breakdown is in the ${name}.` }),
    summary.byokCalls < summary.calls
      ? el("p", { "data-testid": "byok-mixed", text: `${plural(summary.calls - summary.byokCalls, "call")} of this period ran on Intervy credits and show${summary.calls - summary.byokCalls === 1 ? "s" : ""} in credits.` })
      : null,
    el("a", { href: notice.providerDashboardUrl, target: "_blank", rel: "noopener noreferrer", text: `Open ${name} ↗` }),
  );
}

function summaryTile(data) {
  const summary = data.summary;
  // The same-point pill when it came (UsageTrend), else the page's own: the month so far against
  // the whole of last month. The basis is said in words either way.
  const samePoint = data.preset === "THIS_MONTH" ? usage.trend : null;
  const trend = samePoint ?? (data.preset === "THIS_MONTH" ? summary.trend : null);
  const pill = trend
    ? el("span", { class: `pill trend ${trend.direction.toLowerCase()}`, "data-testid": "trend-pill", text: trend.label.replace(/ vs same point last month$/, " so far vs last month") })
    : null;
  const basisText = samePoint
    ? "so far this month, against last month up to the same day and time"
    : "this month so far, against all of last month";
  const basis = trend ? el("span", { class: "muted small", "data-testid": "trend-basis", text: basisText }) : null;
  const extra = [plural(summary.featureTypeCount, "feature type"), plural(summary.modelTierCount, "model tier")];
  return el(
    "section",
    { class: "card summary", "data-testid": "summary" },
    el(
      "div",
      { class: "metric" },
      el("span", { class: "metric-label", text: "Credits charged" }),
      el("div", { class: "metric-row" },
        el("span", { class: "metric-value", "data-testid": "summary-credits", data: { value: summary.creditsCharged }, text: credits(summary.creditsCharged) }),
        pill, basis),
    ),
    el(
      "div",
      { class: "metric" },
      el("span", { class: "metric-label", text: "Calls" }),
      el("div", { class: "metric-row" },
        el("span", { class: "metric-value", "data-testid": "summary-calls", data: { value: String(summary.calls) }, text: integer(summary.calls) }),
        el("span", { class: "muted", "data-testid": "summary-types", text: extra.join(" · ") })),
    ),
    summary.byokCalls > 0
      ? el(
          "div",
          { class: "metric" },
          el("span", { class: "metric-label", text: "Estimated cost (BYOK)" }),
          el("div", { class: "metric-row" },
            el("span", { class: "metric-value", "data-testid": "summary-cost", data: { value: summary.estimatedCostUsd }, text: money(summary.estimatedCostUsd) }),
            el("span", { class: "muted", text: plural(summary.byokCalls, "BYOK call") })),
        )
      : null,
  );
}

async function toggleUsers(button) {
  if (usage.showAll) {
    usage.showAll = false;
    renderUsage();
    return;
  }
  if (!usage.allUsers) {
    button.disabled = true;
    button.textContent = "Loading…";
    const serial = usage.serial;
    try {
      const first = Math.min(usage.data.usage.byUser.totalCount, 500);
      const body = await graphql(BY_USER_QUERY, { period: { preset: usage.period }, first });
      if (serial !== usage.serial) return;
      usage.allUsers = body.data.organization.usage.byUser;
    } catch (error) {
      if (serial !== usage.serial) return;
      showMessage(error);
      renderUsage();
      return;
    }
  }
  usage.showAll = true;
  renderUsage();
}

// Load more sends the activity log's own document, not the whole page again: a page of rows
// costs a few points instead of the cards' hundreds, and a cursor the gateway refuses (stale,
// of another period, forged) fails only this request: the cards stay and the activity card
// says what happened.
async function loadMoreActivity() {
  if (usage.loadingMore || !usage.pageInfo?.hasNextPage) return;
  const serial = usage.serial;
  usage.loadingMore = true;
  usage.activityProblem = null;
  renderUsage();
  try {
    const query = await documentText("usageActivityQuery");
    const body = await graphql(query, { period: { preset: usage.period }, after: usage.pageInfo.endCursor });
    if (serial !== usage.serial) return;
    const activity = body.data.organization?.usage?.activityPage;
    if (!activity) {
      throw new UiError("http", "The next page of activity could not be loaded.", body.errors?.[0]?.message || "");
    }
    usage.edges = usage.edges.concat(activity.edges);
    usage.pageInfo = activity.pageInfo;
  } catch (error) {
    if (serial !== usage.serial) return;
    usage.activityProblem = error instanceof UiError ? error : new UiError("http", "The next page of activity could not be loaded.", "");
  } finally {
    if (serial === usage.serial) {
      usage.loadingMore = false;
      renderUsage();
      askKeptSince(serial);
    }
  }
}

// A log that ends short of its totalCount lost its older calls to the operator's retention
// (the cards count them from the rollups): ask from when calls are kept, once, to say so.
async function askKeptSince(serial) {
  const total = usage.data?.usage?.activity?.totalCount ?? 0;
  if (usage.keptSince !== null || usage.pageInfo?.hasNextPage || usage.edges.length >= total) return;
  try {
    const query = await documentText("usageKeptQuery");
    const body = await graphql(query, { period: { preset: usage.period } });
    if (serial !== usage.serial) return;
    usage.keptSince = body.data?.organization?.usage?.rawKeptSince || false;
    renderUsage();
  } catch {
    // Only a note under the log: without it the log still shows what it has.
  }
}
