// The Alerts panel's webhook endpoints: the list with its last deliveries, disable / enable, a
// test event, and the form that adds one and shows its signing secret once.

import { refusalText } from "./api.js";
import { card, el } from "./dom.js";
import { formatWhen, plural } from "./format.js";

const ENDPOINT_FIELDS = "id url description eventTypes enabled disabledReason";
const CREATE_ENDPOINT = `mutation CreateWebhookEndpoint($url: String!, $eventTypes: [WebhookEventType!]!, $description: String!) {
  createWebhookEndpoint(url: $url, eventTypes: $eventTypes, description: $description) { endpoint { ${ENDPOINT_FIELDS} } secret }
}`;
const DISABLE_ENDPOINT = `mutation DisableWebhookEndpoint($id: ID!) { disableWebhookEndpoint(id: $id) { ${ENDPOINT_FIELDS} } }`;
const ENABLE_ENDPOINT = `mutation EnableWebhookEndpoint($id: ID!) { enableWebhookEndpoint(id: $id) { ${ENDPOINT_FIELDS} } }`;
const SEND_TEST = "mutation SendTestWebhook($id: ID!) { sendTestWebhook(id: $id) { id status } }";

export const EVENT_TYPES = {
  CREDITS_REMAINING_BELOW: "credits.remaining_below",
  RUNS_OUT_BEFORE_PERIOD_END: "credits.runs_out_before_period_end",
  AI_CREDITS_ABOVE: "ai_credits.above",
  OPENING_CREDITS_ABOVE: "opening_credits.above",
  WEBHOOK_TEST: "webhook.test",
};

export function deliveryText(node) {
  const answer = node.lastResponseCode ? `HTTP ${node.lastResponseCode}` : node.lastError || "";
  return [EVENT_TYPES[node.eventType] || node.eventType, node.status.toLowerCase(), plural(node.attempts, "attempt"), answer, formatWhen(node.createdAt)].filter(Boolean).join(" · ");
}

export function endpointsCard(endpoints, { secret, change, button }) {
  const rows = endpoints.map((endpoint) =>
    el(
      "li",
      { class: "endpoint", "data-testid": "endpoint-row", data: { id: endpoint.id, enabled: String(endpoint.enabled) } },
      el("div", { class: "endpoint-head" },
        el("code", { class: "endpoint-url", text: endpoint.url }),
        el("span", { class: endpoint.enabled ? "pill flat" : "pill up", "data-testid": "endpoint-state", text: endpoint.enabled ? "Enabled" : `Disabled${endpoint.disabledReason ? ` (${endpoint.disabledReason})` : ""}` })),
      endpoint.description ? el("p", { class: "muted", text: endpoint.description }) : null,
      el("p", { class: "muted small", "data-testid": "endpoint-types", text: endpoint.eventTypes.map((type) => EVENT_TYPES[type] || type).join(", ") }),
      secret && secret.id === endpoint.id
        ? el("div", { class: "secret", "data-testid": "endpoint-secret-box", role: "status" },
            el("strong", { text: "Signing secret, shown this once: copy it now." }),
            el("code", { "data-testid": "endpoint-secret", text: secret.secret }),
            el("span", { class: "muted small", text: "Select it and copy (Ctrl+C); verify every webhook's signature with it." }))
        : null,
      el("ul", { class: "deliveries", "data-testid": "deliveries" },
        endpoint.deliveries.edges.length
          ? endpoint.deliveries.edges.map((edge) => el("li", { "data-testid": "delivery", data: { status: edge.node.status }, text: deliveryText(edge.node) }))
          : el("li", { class: "muted", text: "No delivery yet." })),
      el("div", { class: "actions" },
        button(endpoint.enabled ? "Disable" : "Enable", "endpoint-toggle", () => change(endpoint.enabled ? DISABLE_ENDPOINT : ENABLE_ENDPOINT, { id: endpoint.id })),
        button("Send test", "endpoint-test", () => change(SEND_TEST, { id: endpoint.id }, { keepSecret: true }))),
    ),
  );
  return card(
    "Webhook endpoints",
    endpoints.length ? el("ul", { class: "endpoints", "data-testid": "endpoints" }, rows) : el("p", { class: "muted", "data-testid": "endpoints-empty", text: "No endpoint yet." }),
    endpointForm(change),
  );
}

function endpointForm(change) {
  const url = el("input", { name: "url", type: "url", required: true, placeholder: "https://example.com/webhooks", "data-testid": "endpoint-url-input" });
  const description = el("input", { name: "description", maxlength: "500", "data-testid": "endpoint-description" });
  const boxes = Object.entries(EVENT_TYPES).map(([value, text]) =>
    el("label", { class: "check" }, el("input", { type: "checkbox", name: "eventTypes", value, checked: true }), text),
  );
  const status = el("p", { class: "muted small", "data-testid": "endpoint-status", role: "status" });
  return el(
    "form",
    {
      class: "alert-form",
      "data-testid": "endpoint-form",
      onsubmit: async (event) => {
        event.preventDefault();
        const eventTypes = boxes.map((box) => box.querySelector("input")).filter((box) => box.checked).map((box) => box.value);
        status.textContent = "Saving…";
        // The secret is in this answer only: it is kept for the redraw that follows.
        const secretOf = (data) => ({ id: data.createWebhookEndpoint.endpoint.id, secret: data.createWebhookEndpoint.secret });
        try {
          await change(CREATE_ENDPOINT, { url: url.value.trim(), eventTypes, description: description.value.trim() }, { secretOf });
        } catch (error) {
          status.textContent = refusalText(error);
        }
      },
    },
    el("h4", { text: "New endpoint" }),
    el("div", { class: "form-row" }, el("label", { class: "field wide" }, el("span", { text: "URL" }), url), el("label", { class: "field" }, el("span", { text: "Description" }), description)),
    el("fieldset", { class: "checks" }, el("legend", { text: "Events" }), boxes),
    el("button", { type: "submit", "data-testid": "endpoint-create", text: "Add endpoint" }),
    status,
  );
}
