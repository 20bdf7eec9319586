// Talking to the gateway: the token in this tab's session storage, the frontend's documents
// served next to the page, and errors turned into messages a person can act on.

export const TOKEN_KEY = "usage-dashboard.token";
// Set when the page was opened with `#embed=<embed token>` (an iframe on a partner's site).
export const EMBED_KEY = "usage-dashboard.embedded";
const MEMBER_HELP =
  "Get one with `usage-gateway token --org ORG --member MEMBER` (`make run` prints a dashboard " +
  "link that carries one), then paste it above.";
const EMBED_HELP = "Embed tokens are short-lived: reload the page that shows this dashboard to get a new one.";

export function embedded() {
  return sessionStorage.getItem(EMBED_KEY) === "1";
}

function tokenHelp() {
  return embedded() ? EMBED_HELP : MEMBER_HELP;
}

export class UiError extends Error {
  constructor(kind, title, detail = "") {
    super(title);
    this.kind = kind;
    this.title = title;
    this.detail = detail;
  }
}

export function currentToken() {
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

export function tokenProblem() {
  const token = currentToken();
  if (!token) return new UiError("token", "Enter a token to see your organization's numbers.", tokenHelp());
  const expired = expiredAt(token);
  if (expired !== null) {
    const when = new Date(expired * 1000).toISOString().slice(0, 16).replace("T", " ");
    return new UiError("auth", `This token expired on ${when} UTC.`, "Get a new one: " + tokenHelp());
  }
  return null;
}

const documents = {};
export async function documentText(name) {
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

export function authHeaders() {
  return { Authorization: `Bearer ${currentToken()}` };
}

export async function graphql(query, variables) {
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
    throw new UiError("auth", "The gateway refused this token (expired, revoked or invalid).", "Get a new one: " + tokenHelp());
  }
  if (response.status === 429) {
    throw new UiError("rate", "Too many requests for this token.", "Wait a moment, then try again.");
  }
  if (!body || (body.data == null && first)) {
    const codeName = first?.extensions?.code || `HTTP ${response.status}`;
    const failure = new UiError("http", `The gateway answered with an error (${codeName}).`, first?.message || "");
    // The input field a refusal names (e.g. input.openingId): forms show it with the reason.
    failure.field = first?.extensions?.field || "";
    throw failure;
  }
  return body;
}

export function forbiddenOn(body, field) {
  return (body.errors || []).find(
    (error) => error.extensions?.code === "FORBIDDEN" && (error.path || []).includes(field),
  );
}

// A refused change in words for the form that sent it: "Refused: openingId is required by …".
export function refusalText(error) {
  if (!(error instanceof UiError)) return String(error?.message || error);
  if (error.kind !== "http") return `${error.title} ${error.detail}`.trim();
  const field = error.field ? error.field.replace(/^input\./, "") + " " : "";
  return `Refused: ${field}${error.detail || error.title}`;
}
