// Alerts: the organization's alert rules and webhook endpoints, for members with alerts:manage.
// Every change is one mutation followed by one query that redraws the panel from the API.

import { showAlertsTab } from "./alerts-banner.js";
import { endpointsCard } from "./alerts-endpoints.js";
import { forbiddenOn, graphql, refusalText, UiError } from "./api.js";
import { card, el, fill } from "./dom.js";
import { credits } from "./format.js";
import { showError, showMessage, showOrg } from "./messages.js";

const PANEL_QUERY = `query AlertsPanel {
  viewer { permissions }
  organization {
    name
    timeZone
    alertRules { id kind name thresholds unit withinDays memberId tier openingId enabled }
    webhookEndpoints {
      id url description eventTypes enabled disabledReason
      deliveries(first: 3) {
        totalCount
        edges { node { id eventType status attempts lastResponseCode lastError createdAt } }
      }
    }
  }
}`;
const RULE_FIELDS = "id kind name thresholds unit withinDays memberId tier openingId enabled";
const CREATE_RULE = `mutation CreateAlertRule($input: AlertRuleInput!) { createAlertRule(input: $input) { ${RULE_FIELDS} } }`;
const UPDATE_RULE = `mutation UpdateAlertRule($id: ID!, $input: AlertRuleInput!) { updateAlertRule(id: $id, input: $input) { ${RULE_FIELDS} } }`;
const DELETE_RULE = "mutation DeleteAlertRule($id: ID!) { deleteAlertRule(id: $id) }";

export const KIND_LABELS = {
  CREDITS_REMAINING_BELOW: "Credits remaining below",
  RUNS_OUT_BEFORE_PERIOD_END: "Runs out before the period ends",
  AI_CREDITS_ABOVE: "AI credits above",
  OPENING_CREDITS_ABOVE: "Opening's credits above",
};

const panelState = { data: null, secret: null, serial: 0 };

export async function loadAlertsPanel() {
  const serial = ++panelState.serial;
  const root = document.getElementById("alerts");
  if (!panelState.data) root.replaceChildren(head(), el("p", { class: "loading", text: "Loading…" }));
  try {
    const body = await graphql(PANEL_QUERY, {});
    if (serial !== panelState.serial) return;
    const org = body.data.organization;
    showAlertsTab((body.data.viewer?.permissions || []).includes("alerts:manage"));
    if (!org || !org.alertRules || !org.webhookEndpoints) {
      throw forbiddenOn(body, "alertRules") || forbiddenOn(body, "webhookEndpoints")
        ? new UiError("forbidden", "You can't manage alerts.", "Alert rules and webhook endpoints need the `alerts:manage` permission (Account Admin and Admin roles).")
        : new UiError("http", "The gateway answered without this page's data.", body.errors?.[0]?.message || "");
    }
    showOrg(org);
    panelState.data = org;
    render();
  } catch (error) {
    if (serial !== panelState.serial) return;
    panelState.data = null;
    showError(root, head(), error);
  }
}

// A change, then the panel again; the secret of a new endpoint stays shown until the next change.
async function change(query, variables, { keepSecret = false, secretOf = null } = {}) {
  const body = await graphql(query, variables);
  if (body.errors?.length) throw new UiError("http", "The gateway refused this change.", body.errors[0].message);
  if (secretOf) panelState.secret = secretOf(body.data);
  else if (!keepSecret) panelState.secret = null;
  await loadAlertsPanel();
}

function head() {
  return el("div", { class: "page-head" }, el("div", {}, el("h2", { text: "Alerts" }), el("p", { class: "muted", text: "Rules on your figures, sent as signed webhooks" })));
}

function render() {
  const org = panelState.data;
  fill(
    document.getElementById("alerts"),
    head(),
    el(
      "div",
      { class: "cards two" },
      rulesCard(org.alertRules),
      endpointsCard(org.webhookEndpoints, { secret: panelState.secret, change, button }),
    ),
  );
}

export function ruleThresholds(rule) {
  if (rule.kind === "RUNS_OUT_BEFORE_PERIOD_END") return rule.withinDays == null ? "any day before the end" : `within ${rule.withinDays} days`;
  const suffix = rule.unit === "PERCENT" ? " %" : "";
  return rule.thresholds.map((value) => credits(value) + suffix).join(", ");
}

function ruleScope(rule) {
  if (rule.openingId) return `opening ${rule.openingId}`;
  if (rule.memberId) return `member ${rule.memberId}`;
  if (rule.tier) return `tier ${rule.tier}`;
  return "organization";
}

// An update replaces every setting: the rule's own, with `enabled` changed.
function ruleInput(rule, enabled) {
  const { kind, name, thresholds, unit, withinDays, memberId, tier, openingId } = rule;
  return { kind, name, thresholds, unit, withinDays, memberId, tier, openingId, enabled };
}

function rulesCard(rules) {
  const rows = rules.map((rule) =>
    el(
      "tr",
      { "data-testid": "rule-row", data: { id: rule.id, kind: rule.kind, enabled: String(rule.enabled) } },
      el("td", {}, el("span", { class: "rule-name", text: rule.name }), el("span", { class: "muted small", text: ruleScope(rule) })),
      el("td", { text: KIND_LABELS[rule.kind] || rule.kind }),
      el("td", { text: ruleThresholds(rule) }),
      el("td", { text: rule.enabled ? "Enabled" : "Disabled" }),
      el(
        "td",
        {},
        el(
          "div",
          { class: "actions" },
          button(rule.enabled ? "Disable" : "Enable", "rule-toggle", () => change(UPDATE_RULE, { id: rule.id, input: ruleInput(rule, !rule.enabled) })),
          button("Delete", "rule-delete", () => change(DELETE_RULE, { id: rule.id })),
        ),
      ),
    ),
  );
  return card(
    "Alert rules",
    rules.length
      ? el("div", { class: "table-wrap" }, el("table", { "data-testid": "rules" }, el("thead", {}, el("tr", {}, ["Rule", "Kind", "Thresholds", "State", ""].map((text) => el("th", { text })))), el("tbody", {}, rows)))
      : el("p", { class: "muted", "data-testid": "rules-empty", text: "No rule yet." }),
    ruleForm(),
  );
}

function button(text, testid, action) {
  return el("button", {
    type: "button",
    class: "ghost",
    "data-testid": testid,
    text,
    onclick: async (event) => {
      event.currentTarget.disabled = true;
      try {
        await action();
      } catch (error) {
        showMessage(error);
        render();
      }
    },
  });
}

function field(label, control) {
  return el("label", { class: "field" }, el("span", { text: label }), control);
}

function ruleForm() {
  const kind = el("select", { name: "kind", "data-testid": "rule-kind" }, Object.entries(KIND_LABELS).map(([value, text]) => el("option", { value, text })));
  const name = el("input", { name: "name", required: true, maxlength: "200", "data-testid": "rule-name" });
  const thresholds = el("input", { name: "thresholds", placeholder: "e.g. 500, 200", "data-testid": "rule-thresholds" });
  const unit = el("select", { name: "unit", "data-testid": "rule-unit" }, el("option", { value: "AMOUNT", text: "credits" }), el("option", { value: "PERCENT", text: "% of allocation" }));
  const withinDays = el("input", { name: "withinDays", type: "number", min: "0", max: "366", "data-testid": "rule-within" });
  const scope = el("input", { name: "scope", placeholder: "opening or member id", "data-testid": "rule-scope" });
  const status = el("p", { class: "muted small", "data-testid": "rule-status", role: "status" });
  // Only the fields the chosen kind takes are shown.
  const fields = {
    thresholds: field("Thresholds", thresholds),
    unit: field("Unit", unit),
    withinDays: field("Within days (optional)", withinDays),
    scope: field("Opening or member id", scope),
  };
  const showFields = () => {
    fields.thresholds.hidden = fields.unit.hidden = kind.value === "RUNS_OUT_BEFORE_PERIOD_END";
    fields.unit.hidden ||= kind.value !== "CREDITS_REMAINING_BELOW";
    fields.withinDays.hidden = kind.value !== "RUNS_OUT_BEFORE_PERIOD_END";
    fields.scope.hidden = !["AI_CREDITS_ABOVE", "OPENING_CREDITS_ABOVE"].includes(kind.value);
  };
  kind.addEventListener("change", showFields);
  showFields();
  const form = el(
    "form",
    {
      class: "alert-form",
      "data-testid": "rule-form",
      onsubmit: async (event) => {
        event.preventDefault();
        const input = { kind: kind.value, name: name.value.trim() };
        if (!fields.thresholds.hidden) input.thresholds = thresholds.value.split(/[\s,]+/).filter(Boolean);
        if (!fields.unit.hidden) input.unit = unit.value;
        if (!fields.withinDays.hidden && withinDays.value !== "") input.withinDays = Number(withinDays.value);
        if (!fields.scope.hidden && scope.value.trim()) input[kind.value === "OPENING_CREDITS_ABOVE" ? "openingId" : "memberId"] = scope.value.trim();
        status.textContent = "Saving…";
        try {
          await change(CREATE_RULE, { input });
        } catch (error) {
          status.textContent = refusalText(error);
        }
      },
    },
    el("h4", { text: "New rule" }),
    el("div", { class: "form-row" }, field("Kind", kind), field("Name", name), fields.thresholds, fields.unit, fields.withinDays, fields.scope),
    el("button", { type: "submit", "data-testid": "rule-create", text: "Create rule" }),
    status,
  );
  return form;
}
