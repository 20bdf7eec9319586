// The reference dashboard: Settings → Usage and Tenant Management → Consumption, drawn from the
// gateway's public GraphQL API with the exact documents of shared/design/queries.
// Plain DOM, no dependencies; every number is formatted from the API's exact decimal strings.

const TOKEN_KEY = "usage-dashboard.token";
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const LONG_MONTHS = [
  "January", "February", "March", "April", "May", "June",
  "July", "August", "September", "October", "November", "December",
];
const USER_COLOURS = ["#4f46e5", "#0ea5e9", "#10b981", "#f59e0b", "#ef4444", "#8b5cf6", "#ec4899"];
const PROVIDER_DASHBOARDS = { ANTHROPIC: "Anthropic Console", OPENAI: "OpenAI Platform" };
const TOKEN_HELP =
  "Get one with `usage-gateway token --org ORG --member MEMBER` (`make run` prints a dashboard " +
  "link that carries one), then paste it above.";

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
const PLAN_QUERY = `query PlanInterviewCredits($roles: Int!, $candidates: Int!, $completionRate: Float!, $buffer: Float!) {
  planInterviewCredits(rolesPerMonth: $roles, candidatesPerRole: $candidates, completionRate: $completionRate, buffer: $buffer) {
    expectedInterviews
    creditsNeeded
    creditsWithBuffer
  }
}`;

// ---------------------------------------------------------------------------------------------
// Formatting: exact decimal strings in, text for people out (thousands separators, ≤ 2 decimals).

function roundDecimal(value, places) {
  let text = String(value ?? "0").trim();
  const negative = text.startsWith("-");
  if (negative || text.startsWith("+")) text = text.slice(1);
  let [whole, fraction = ""] = text.split(".");
  whole = whole.replace(/^0+(?=\d)/, "") || "0";
  if (fraction.length > places) {
    const roundUp = fraction.charCodeAt(places) - 48 >= 5;
    fraction = fraction.slice(0, places);
    if (roundUp) {
      const digits = (whole + fraction).split("").map(Number);
      let k = digits.length - 1;
      while (k >= 0 && digits[k] === 9) digits[k--] = 0;
      if (k < 0) digits.unshift(1);
      else digits[k] += 1;
      const joined = digits.join("");
      whole = joined.slice(0, joined.length - places) || "0";
      fraction = joined.slice(joined.length - places);
    }
  }
  return { negative, whole, fraction };
}

function group(digits) {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

// fixed: always `places` decimals; else none for a whole number, `places` for any other.
export function formatDecimal(value, { places = 2, fixed = false } = {}) {
  const exactFraction = String(value ?? "").split(".")[1] || "";
  const { negative, whole, fraction: raw } = roundDecimal(value, places);
  const fraction = fixed || /[1-9]/.test(exactFraction) ? raw.padEnd(places, "0") : "";
  const zero = /^0*$/.test(whole + raw);
  return (negative && !zero ? "-" : "") + group(whole) + (fraction ? "." + fraction : "");
}

const isPositive = (value) => /[1-9]/.test(String(value ?? "")) && !String(value).startsWith("-");
const credits = (value) => formatDecimal(value);
const integer = (value) => group(String(value ?? 0));

function money(value) {
  const text = formatDecimal(value, { fixed: true });
  return text === "0.00" && isPositive(value) ? "< $0.01" : "$" + text;
}

function plural(count, one, many = one + "s") {
  return `${integer(count)} ${count === 1 ? one : many}`;
}

// "2026-11-27T14:07:04.238000+01:00" is already in the organization's time zone.
function formatWhen(iso) {
  const [day, time = ""] = iso.split("T");
  const [y, m, d] = day.split("-").map(Number);
  return `${d} ${MONTHS[m - 1]} ${y}, ${time.slice(0, 5)}`;
}

function formatDay(isoDay, withYear = true) {
  const [y, m, d] = isoDay.slice(0, 10).split("-").map(Number);
  return withYear ? `${d} ${MONTHS[m - 1]} ${y}` : `${d} ${MONTHS[m - 1]}`;
}

function addDays(isoDay, days) {
  const [y, m, d] = isoDay.slice(0, 10).split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

function todayIn(timeZone) {
  try {
    return new Intl.DateTimeFormat("en-CA", { timeZone }).format(new Date());
  } catch {
    return new Date().toISOString().slice(0, 10);
  }
}

function periodLabel(start, end) {
  const first = start.slice(0, 10);
  const last = addDays(end, -1);
  if (first.slice(8) === "01" && addDays(last, 1).slice(8) === "01" && first.slice(0, 7) === last.slice(0, 7)) {
    return `${LONG_MONTHS[Number(first.slice(5, 7)) - 1]} ${first.slice(0, 4)}`;
  }
  return `${formatDay(first, first.slice(0, 4) !== last.slice(0, 4))} – ${formatDay(last)}`;
}

// ---------------------------------------------------------------------------------------------
// DOM helpers (no inline style attributes: the page's CSP allows none; widths go through CSSOM).

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key === "data") Object.assign(node.dataset, value);
    else if (key === "width") node.style.width = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function fill(node, ...children) {
  node.replaceChildren(...children.filter((child) => child !== null && child !== undefined));
}

const SVG_NS = "http://www.w3.org/2000/svg";
function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  for (const child of children) {
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function code(text) {
  // `backticks` become <code>.
  return text.split(/(`[^`]+`)/).map((part) =>
    part.startsWith("`") ? el("code", { text: part.slice(1, -1) }) : part,
  );
}

function panel(kind, title, detail) {
  return el(
    "div",
    { class: `panel ${kind}`, "data-testid": `${kind}-panel`, role: kind === "error" ? "alert" : "status" },
    el("strong", { text: title }),
    detail ? el("p", {}, code(detail)) : null,
  );
}

function card(title, ...children) {
  return el("section", { class: "card" }, el("h3", { text: title }), ...children);
}

function tabs(label, options, selected, onSelect, testid) {
  return el(
    "div",
    { class: "tabs", role: "tablist", "aria-label": label, "data-testid": testid },
    options.map(([value, text]) =>
      el("button", {
        type: "button",
        role: "tab",
        "aria-selected": String(value === selected),
        data: { value },
        text,
        onclick: () => value !== selected && onSelect(value),
      }),
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// Talking to the gateway.

class UiError extends Error {
  constructor(kind, title, detail = "") {
    super(title);
    this.kind = kind;
    this.title = title;
    this.detail = detail;
  }
}

function currentToken() {
  return sessionStorage.getItem(TOKEN_KEY) || "";
}

// A member JWT that has expired is refused without asking the gateway.
function expiredAt(token) {
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  try {
    const claims = JSON.parse(atob(parts[1].replace(/-/g, "+").replace(/_/g, "/")));
    return typeof claims.exp === "number" && claims.exp * 1000 <= Date.now() ? claims.exp : null;
  } catch {
    return null;
  }
}

function tokenProblem() {
  const token = currentToken();
  if (!token) return new UiError("token", "Enter a token to see your organization's numbers.", TOKEN_HELP);
  const expired = expiredAt(token);
  if (expired !== null) {
    const when = new Date(expired * 1000).toISOString().slice(0, 16).replace("T", " ");
    return new UiError("auth", `This token expired on ${when} UTC.`, "Get a new one: " + TOKEN_HELP);
  }
  return null;
}

const documents = {};
async function documentText(name) {
  if (!documents[name]) {
    const url = document.body.dataset[name];
    documents[name] = fetch(url).then((response) => {
      if (!response.ok) throw new UiError("http", `The page could not load ${url} (${response.status}).`);
      return response.text();
    });
    documents[name].catch(() => delete documents[name]);
  }
  try {
    return await documents[name];
  } catch (error) {
    if (error instanceof UiError) throw error;
    throw new UiError("away", "The gateway can't be reached.", "Check that it is running, then try again.");
  }
}

function authHeaders() {
  return { Authorization: `Bearer ${currentToken()}` };
}

async function graphql(query, variables) {
  const problem = tokenProblem();
  if (problem) throw problem;
  let response;
  try {
    response = await fetch("/graphql", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json", ...authHeaders() },
      body: JSON.stringify({ query, variables }),
    });
  } catch {
    throw new UiError("away", "The gateway can't be reached.", "Check that it is running, then try again.");
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  const first = body?.errors?.[0];
  if (response.status === 401) {
    throw new UiError("auth", "The gateway refused this token (expired, revoked or invalid).", "Get a new one: " + TOKEN_HELP);
  }
  if (response.status === 429) {
    throw new UiError("rate", "Too many requests for this token.", "Wait a moment, then try again.");
  }
  if (!body || (body.data == null && first)) {
    const codeName = first?.extensions?.code || `HTTP ${response.status}`;
    throw new UiError("http", `The gateway answered with an error (${codeName}).`, first?.message || "");
  }
  return body;
}

function forbiddenOn(body, field) {
  return (body.errors || []).find(
    (error) => error.extensions?.code === "FORBIDDEN" && (error.path || []).includes(field),
  );
}

// ---------------------------------------------------------------------------------------------
// Settings → Usage

const usage = {
  period: "THIS_MONTH",
  data: null,
  edges: [],
  pageInfo: null,
  allUsers: null,
  showAll: false,
  loadingMore: false,
  serial: 0,
};

async function loadUsage() {
  const serial = ++usage.serial;
  const root = document.getElementById("usage");
  usage.data = null;
  usage.allUsers = null;
  usage.showAll = false;
  root.replaceChildren(usageHead(), el("p", { class: "loading", text: "Loading…" }));
  try {
    const query = await documentText("usageQuery");
    const body = await graphql(query, { period: { preset: usage.period } });
    if (serial !== usage.serial) return;
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
    data.byokNotice ? byokNotice(data.byokNotice) : null,
    summaryTile(data),
    el(
      "div",
      { class: "cards three" },
      reasonCard(data, valueOf, show, inCost),
      userCard(data, valueOf, show, inCost),
      modelCard(data, valueOf, show, inCost),
    ),
    activityCard(org),
  );
}

function byokNotice(notice) {
  const name = PROVIDER_DASHBOARDS[notice.provider] || "your provider's dashboard";
  return el(
    "div",
    { class: "byok", "data-testid": "byok-notice", role: "note" },
    el("strong", { text: `BYOK is active: Ivy uses your own ${notice.provider === "OPENAI" ? "OpenAI" : notice.provider === "ANTHROPIC" ? "Anthropic" : ""} key`.replace("  ", " ") }),
    el("p", { text: notice.message }),
    el("a", { href: notice.providerDashboardUrl, target: "_blank", rel: "noopener noreferrer", text: `Open ${name} ↗` }),
  );
}

function summaryTile(data) {
  const summary = data.summary;
  const trend = data.preset === "THIS_MONTH" ? summary.trend : null;
  const pill = trend
    ? el("span", { class: `pill trend ${trend.direction.toLowerCase()}`, "data-testid": "trend-pill", text: trend.label })
    : null;
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
        pill),
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

function reasonCard(data, valueOf, show, inCost) {
  const rows = data.byReason;
  return card(
    "By reason",
    rows.length === 0 ? el("p", { class: "muted", text: "No calls in this period." }) : null,
    el(
      "div",
      { class: "pills" },
      rows.map((row) =>
        el(
          "div",
          { class: "reason", "data-testid": "reason", data: { reason: row.reason, value: valueOf(row), calls: String(row.calls) } },
          el("span", { class: "reason-label", text: row.label }),
          el("span", { class: "reason-value", text: show(row) + (inCost ? "" : " credits") }),
          el("span", { class: "muted", text: plural(row.calls, "call") }),
        ),
      ),
    ),
  );
}

function userCard(data, valueOf, show, inCost) {
  const byUser = usage.showAll && usage.allUsers ? usage.allUsers : data.byUser;
  const total = Number(inCost ? data.summary.estimatedCostUsd : data.summary.creditsCharged);
  const shareOf = (row) => (total > 0 ? Number(valueOf(row)) / total : 0);
  const bar = el("div", { class: "stack", "data-testid": "user-bar", role: "img", "aria-label": "Share of each user" });
  let rest = 1;
  byUser.nodes.forEach((row, index) => {
    const share = shareOf(row);
    rest -= share;
    bar.append(el("span", { class: `seg c${index % USER_COLOURS.length}`, title: `${row.displayName}: ${(share * 100).toFixed(1)}%`, width: `${share * 100}%` }));
  });
  if (rest > 0.0005 && total > 0) bar.append(el("span", { class: "seg others", title: "Everyone else", width: `${rest * 100}%` }));
  const list = el(
    "ol",
    { class: "users", "data-testid": "user-list" },
    byUser.nodes.map((row, index) =>
      el(
        "li",
        { "data-testid": "user-row", data: { value: valueOf(row), calls: String(row.calls) } },
        el("span", { class: `dot c${index % USER_COLOURS.length}` }),
        el("span", { class: "who" },
          el("span", { class: "name", text: row.displayName }),
          row.member?.email ? el("span", { class: "muted email", text: row.member.email }) : null),
        el("span", { class: "value", text: show(row) }),
        el("span", { class: "muted calls", text: plural(row.calls, "call") }),
        el("span", { class: "muted share", text: `${(shareOf(row) * 100).toFixed(1)}%` }),
      ),
    ),
  );
  const count = data.byUser.totalCount;
  let toggle = null;
  if (count > data.byUser.nodes.length || usage.showAll) {
    toggle = el("button", {
      type: "button",
      class: "link",
      "data-testid": "user-toggle",
      text: usage.showAll ? "Show top 5" : `Show all (${integer(count)})`,
      onclick: (event) => toggleUsers(event.currentTarget),
    });
  }
  return card("By user", count === 0 ? el("p", { class: "muted", text: "No calls in this period." }) : bar, list, toggle);
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

function modelCard(data, valueOf, show, inCost) {
  return card(
    "By model",
    data.byModel.length === 0 ? el("p", { class: "muted", text: "No calls in this period." }) : null,
    el(
      "ul",
      { class: "bars" },
      data.byModel.map((row) =>
        el(
          "li",
          { "data-testid": "model-bar", data: { value: valueOf(row), calls: String(row.calls), label: row.label } },
          el("div", { class: "bar-head" },
            el("span", { class: "bar-label", text: row.label }),
            el("span", { class: "bar-value", text: `${show(row)}${inCost ? "" : " credits"} · ${plural(row.calls, "call")}` })),
          el("div", { class: "track" }, el("span", { class: "fill", width: `${Math.max(row.relativeToMax * 100, 0.5)}%` })),
        ),
      ),
    ),
  );
}

function activityCard(org) {
  const byok = org.aiBilling?.mode === "BYOK";
  const columns = ["When", "Reason", "User", ...(byok ? ["Model"] : []), "Credits"];
  const body = el("tbody", {}, usage.edges.map(({ node }) => activityRow(node, byok)));
  const info = usage.data.usage.activity;
  let footer;
  if (usage.pageInfo.hasNextPage) {
    footer = el("button", { type: "button", class: "more", "data-testid": "load-more", text: usage.loadingMore ? "Loading…" : "Load more", disabled: usage.loadingMore, onclick: loadMoreActivity });
  } else {
    footer = el("p", { class: "end", "data-testid": "activity-end", text: "End of activity for this period" });
  }
  return el(
    "section",
    { class: "card activity" },
    el("div", { class: "card-head" },
      el("h3", { text: "Recent activity" }),
      el("span", { class: "muted", "data-testid": "activity-count", text: `${integer(usage.edges.length)} of ${plural(info.totalCount, "call")}` })),
    el("table", { "data-testid": "activity" },
      el("thead", {}, el("tr", {}, columns.map((name) => el("th", { text: name, class: name === "Credits" ? "num" : null })))),
      body),
    footer,
  );
}

function activityRow(node, byok) {
  const tokens = node.billingMode === "BYOK";
  return el(
    "tr",
    { "data-testid": "activity-row", data: { id: node.id } },
    el("td", { class: "when", text: formatWhen(node.occurredAt) }),
    el("td", { text: node.reasonLabel }),
    el("td", { class: "who" },
      el("span", { class: "name", text: node.member ? node.member.name : "Unknown user" }),
      node.member ? el("span", { class: "muted email", text: node.member.email }) : null),
    byok ? el("td", { class: "model", text: node.model ? node.model.label : "—" }) : null,
    el("td", { class: "num", text: tokens ? `${integer(node.totalTokens)} tokens` : credits(node.creditsCharged) }),
  );
}

async function loadMoreActivity() {
  if (usage.loadingMore || !usage.pageInfo?.hasNextPage) return;
  const serial = usage.serial;
  usage.loadingMore = true;
  renderUsage();
  try {
    const query = await documentText("usageQuery");
    const body = await graphql(query, { period: { preset: usage.period }, after: usage.pageInfo.endCursor });
    if (serial !== usage.serial) return;
    const activity = body.data.organization.usage.activity;
    usage.edges = usage.edges.concat(activity.edges);
    usage.pageInfo = activity.pageInfo;
  } catch (error) {
    if (serial !== usage.serial) return;
    showMessage(error);
  } finally {
    if (serial === usage.serial) {
      usage.loadingMore = false;
      renderUsage();
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Tenant Management → Consumption

const consumption = {
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

async function loadConsumption() {
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

function renderConsumption() {
  const org = consumption.data;
  const data = org.consumption;
  const root = document.getElementById("consumption");
  fill(
    root,
    consumptionHead(),
    planLine(org.plan),
    overview(data),
    statusRow(data.byStatus),
    el("div", { class: "cards two" }, trendCard(data), forecastCard(data)),
    openingsCard(),
    el("div", { class: "cards two" }, planningCard(), exportCard(data)),
  );
}

function planLine(plan) {
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

function overview(data) {
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

function statusRow(rows) {
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

function trendCard(data) {
  const series = data[consumption.granularity];
  const labelOf = {
    daily: (start) => formatDay(start, false),
    weekly: (start) => `wk ${formatDay(start, false)}`,
    monthly: (start) => `${MONTHS[Number(start.slice(5, 7)) - 1]} ${start.slice(2, 4)}`,
  }[consumption.granularity];
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
      consumption.granularity,
      (value) => {
        consumption.granularity = value;
        renderConsumption();
      },
      "granularity",
    ),
    barChart(series, labelOf),
    yoy,
  );
}

function barChart(series, labelOf) {
  const width = 640;
  const height = 220;
  const pad = { top: 14, right: 8, bottom: 34, left: 40 };
  const values = series.map((bucket) => Number(bucket.creditsUsed));
  const max = Math.max(1, ...values);
  const step = (width - pad.left - pad.right) / Math.max(series.length, 1);
  const barWidth = Math.max(2, step * 0.7);
  const plotHeight = height - pad.top - pad.bottom;
  const every = Math.ceil(series.length / 12);
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img", "aria-label": "Credits used per bucket", "data-testid": "trend-chart" });
  for (const fraction of [0, 0.5, 1]) {
    const y = pad.top + plotHeight * (1 - fraction);
    chart.append(svg("line", { x1: pad.left, x2: width - pad.right, y1: y, y2: y, class: "grid" }));
    chart.append(svg("text", { x: pad.left - 6, y: y + 4, class: "axis", "text-anchor": "end" }, formatDecimal(String(max * fraction), { places: 1 })));
  }
  series.forEach((bucket, index) => {
    const value = values[index];
    const barHeight = (value / max) * plotHeight;
    const x = pad.left + index * step + (step - barWidth) / 2;
    const bar = svg("rect", { x, y: pad.top + plotHeight - barHeight, width: barWidth, height: Math.max(barHeight, value > 0 ? 1 : 0), rx: 2, class: "bar", "data-start": bucket.start, "data-value": bucket.creditsUsed });
    bar.append(svg("title", {}, `${labelOf(bucket.start)}: ${credits(bucket.creditsUsed)} credits, ${plural(bucket.interviewsCompleted, "interview")} completed`));
    chart.append(bar);
    if (index % every === 0) {
      chart.append(svg("text", { x: x + barWidth / 2, y: height - pad.bottom + 16, class: "axis", "text-anchor": "middle" }, labelOf(bucket.start)));
    }
  });
  return chart;
}

function forecastCard(data) {
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

function openingsCard() {
  const connection = consumption.openings;
  const offset = consumption.page * 20;
  const rows = connection.edges.map(({ node }) =>
    el(
      "tr",
      { "data-testid": "opening-row", data: { value: node.creditsUsed } },
      el("td", { text: node.jobTitle }),
      el("td", { class: "num", text: integer(node.interviewsInvited) }),
      el("td", { class: "num", text: integer(node.interviewsCompleted) }),
      el("td", { class: "num", text: credits(node.creditsUsed) }),
    ),
  );
  const shown = connection.edges.length;
  return el(
    "section",
    { class: "card openings" },
    el("div", { class: "card-head" },
      el("h3", { text: "By opening" }),
      el("span", { class: "muted", "data-testid": "openings-range", text: connection.totalCount === 0 ? "No openings with activity" : `${integer(offset + 1)}–${integer(offset + shown)} of ${integer(connection.totalCount)}` })),
    el("table", { "data-testid": "openings" },
      el("thead", {}, el("tr", {}, ["Job title", "Interviews invited", "Interviews completed", "Credits used"].map((name, index) => el("th", { class: index ? "num" : null, text: name })))),
      el("tbody", {}, rows)),
    el("div", { class: "pager" },
      el("button", { type: "button", class: "ghost", text: "← Previous", disabled: consumption.page === 0, onclick: () => openingsPage(consumption.page - 1) }),
      el("button", { type: "button", class: "ghost", "data-testid": "openings-next", text: "Next →", disabled: !connection.pageInfo.hasNextPage, onclick: () => openingsPage(consumption.page + 1) })),
  );
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

function numberField(label, name, value, attrs = {}) {
  return el("label", {}, el("span", { text: label }), el("input", { type: "number", name, value: String(value), required: true, ...attrs }));
}

function planningCard() {
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

function exportCard(data) {
  const first = data.start.slice(0, 10);
  const last = addDays(data.end, -1);
  const today = todayIn(consumption.timeZone || undefined);
  const status = el("p", { class: "muted small", "data-testid": "export-status", "aria-live": "polite" });
  const from = el("input", { type: "date", name: "from", value: first, required: true });
  const to = el("input", { type: "date", name: "to", value: last < today ? last : today, required: true });
  const button = (format, text) =>
    el("button", { type: "button", "data-testid": `export-${format}`, text, onclick: () => download(format, from.value, to.value, status) });
  return card(
    "Export",
    el("p", { class: "muted small", text: "One row per day and opening: date, job title, candidate count, credits used and the status breakdown." }),
    el("div", { class: "export" },
      el("label", {}, el("span", { text: "From" }), from),
      el("label", {}, el("span", { text: "To" }), to),
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
      const body = await response.json();
      message = body.errors?.[0]?.message || body.message || message;
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

// ---------------------------------------------------------------------------------------------
// The shell: token, page tabs, messages.

function showOrg(org) {
  document.getElementById("org").textContent = `${org.name} · ${org.timeZone}`;
}

function showError(root, head, error) {
  const known = error instanceof UiError;
  const kind = known && error.kind === "token" ? "info" : "error";
  root.replaceChildren(
    head,
    panel(kind, known ? error.title : "Something went wrong while drawing this page.", known ? error.detail : String(error?.message || error)),
  );
}

let messageTimer = null;
function showMessage(error) {
  const box = document.getElementById("message");
  const known = error instanceof UiError;
  box.replaceChildren(el("strong", { text: known ? error.title : "Something went wrong." }), " ", ...(known ? code(error.detail) : []));
  box.hidden = false;
  clearTimeout(messageTimer);
  messageTimer = setTimeout(() => {
    box.hidden = true;
  }, 15_000);
}

const pages = { usage: loadUsage, consumption: loadConsumption };
const loaded = new Set();

function selectPage(name, { reload = false } = {}) {
  if (!pages[name]) name = "usage";
  for (const tab of document.querySelectorAll("nav.pages [role=tab]")) {
    tab.setAttribute("aria-selected", String(tab.dataset.page === name));
  }
  for (const section of document.querySelectorAll("main > .page")) section.hidden = section.id !== name;
  if (reload || !loaded.has(name)) {
    loaded.add(name);
    pages[name]();
  }
}

function currentPage() {
  return location.hash.replace("#", "") || "usage";
}

function setToken(token) {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
  document.getElementById("message").hidden = true;
  loaded.clear();
  document.getElementById("org").textContent = "";
  selectPage(currentPage(), { reload: true });
}

function start() {
  // `?token=` (the link `make run` prints) moves into this tab's session storage and leaves the
  // address bar, like GraphiQL's.
  const url = new URL(location.href);
  const fromUrl = url.searchParams.get("token");
  if (fromUrl !== null) {
    if (fromUrl) sessionStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete("token");
    history.replaceState(null, "", url.pathname + url.search + url.hash);
  }
  const input = document.getElementById("token-input");
  input.value = currentToken();
  document.getElementById("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    setToken(input.value.trim());
  });
  document.getElementById("token-forget").addEventListener("click", () => {
    input.value = "";
    setToken("");
  });
  for (const tab of document.querySelectorAll("nav.pages [role=tab]")) {
    tab.addEventListener("click", () => {
      history.replaceState(null, "", `#${tab.dataset.page}`);
      selectPage(tab.dataset.page);
    });
  }
  window.addEventListener("hashchange", () => selectPage(currentPage()));
  window.addEventListener("unhandledrejection", (event) => {
    event.preventDefault();
    showMessage(event.reason);
  });
  selectPage(currentPage());
}

start();
