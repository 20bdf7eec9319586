// Tenant Management → Consumption: the page's state, its loading and its head (period tabs);
// the cards are their own modules.

import { alertsBanner } from "./alerts-banner.js";
import { documentText, embedded, forbiddenOn, graphql, UiError } from "./api.js";
import { el, fill, tabs } from "./dom.js";
import { addDays, periodLabel, todayIn } from "./format.js";
import { showError, showMessage, showOrg } from "./messages.js";
import { openingsCard } from "./consumption-openings.js";
import { overview, planLine, statusRow } from "./consumption-overview.js";
import { exportCard, planningCard } from "./consumption-tools.js";
import { forecastCard, trendCard } from "./consumption-trend.js";

export const consumption = {
  period: "CURRENT_BILLING_PERIOD",
  data: null,
  cursors: [null],
  page: 0,
  openings: null,
  granularity: "daily",
  timeZone: null,
  serial: 0,
};

function consumptionPeriod() {
  if (consumption.period !== "LAST_12_MONTHS") return { preset: consumption.period };
  const today = todayIn(consumption.timeZone || undefined);
  const [y, m] = today.split("-").map(Number);
  const first = new Date(Date.UTC(y, m - 12, 1)).toISOString().slice(0, 10);
  return { from: first, to: today };
}

export async function loadConsumption() {
  const serial = ++consumption.serial;
  const root = document.getElementById("consumption");
  consumption.data = null;
  consumption.cursors = [null];
  consumption.page = 0;
  root.replaceChildren(consumptionHead(), el("p", { class: "loading", text: "Loading…" }));
  try {
    const query = await documentText("consumptionQuery");
    const body = await graphql(query, { period: consumptionPeriod() });
    if (serial !== consumption.serial) return;
    const org = body.data.organization;
    if (!org || !org.consumption) {
      const forbidden = forbiddenOn(body, "consumption");
      throw forbidden
        ? new UiError("forbidden", "Only Account Admins can see usage and credit data.", "Your role does not have the `consumption:view` permission; ask an Account Admin of your organization.")
        : new UiError("http", "The gateway answered without this page's data.", body.errors?.[0]?.message || "");
    }
    showOrg(org);
    consumption.timeZone = org.timeZone;
    consumption.data = org;
    consumption.openings = org.consumption.byOpening;
    renderConsumption();
  } catch (error) {
    if (serial !== consumption.serial) return;
    showError(root, consumptionHead(), error);
  }
}

function consumptionHead() {
  const data = consumption.data?.consumption;
  return el(
    "div",
    { class: "page-head" },
    el("div", {}, el("h2", { text: "Consumption" }), data ? el("p", { class: "muted", "data-testid": "consumption-period", text: periodLabel(data.start, data.end) }) : null),
    tabs(
      "Period",
      [["CURRENT_BILLING_PERIOD", "This billing period"], ["PREVIOUS_BILLING_PERIOD", "Last billing period"], ["LAST_12_MONTHS", "Last 12 months"]],
      consumption.period,
      (value) => {
        consumption.period = value;
        loadConsumption();
      },
      "consumption-periods",
    ),
  );
}

// What the figures are about. The API gives a range the allocation, balance and forecast of the
// billing period holding its last day; `current` is whether that period is the one in progress.
function scopeOf(data) {
  const first = data.start.slice(0, 10);
  const lastDay = addDays(data.end, -1);
  const today = todayIn(consumption.timeZone || undefined);
  const billing = data.preset === "CURRENT_BILLING_PERIOD" || data.preset === "PREVIOUS_BILLING_PERIOD";
  const running = first <= today && today <= lastDay;
  return {
    billing,
    running,
    current: billing ? data.preset === "CURRENT_BILLING_PERIOD" : running,
    lastDay,
    label: periodLabel(data.start, data.end),
  };
}

function renderConsumption() {
  const org = consumption.data;
  const data = org.consumption;
  const scope = scopeOf(data);
  const root = document.getElementById("consumption");
  fill(
    root,
    consumptionHead(),
    alertsBanner("consumption", consumption.serial),
    planLine(org.plan),
    overview(data, scope),
    statusRow(data.byStatus),
    el("div", { class: "cards two" }, trendCard(data, { granularity: consumption.granularity, onSelect: selectGranularity, running: scope.running }), forecastCard(data, scope)),
    openingsCard({ openings: consumption.openings, page: consumption.page, onPage: openingsPage }),
    // The calculator and the export send requests an embed token may not: not shown embedded.
    embedded() ? null : el("div", { class: "cards two" }, planningCard(), exportCard(data, consumption.timeZone)),
  );
}

function selectGranularity(value) {
  consumption.granularity = value;
  renderConsumption();
}

async function openingsPage(page) {
  const serial = consumption.serial;
  if (page > consumption.page) consumption.cursors[page] = consumption.openings.pageInfo.endCursor;
  try {
    const query = await documentText("consumptionQuery");
    const body = await graphql(query, { period: consumptionPeriod(), after: consumption.cursors[page] });
    if (serial !== consumption.serial) return;
    consumption.openings = body.data.organization.consumption.byOpening;
    consumption.page = page;
    renderConsumption();
  } catch (error) {
    if (serial === consumption.serial) showMessage(error);
  }
}

