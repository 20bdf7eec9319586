// The reference dashboard: Settings → Usage and Tenant Management → Consumption, drawn from the
// gateway's public GraphQL API with the exact documents of shared/design/queries.
// Plain DOM and ES modules, no dependencies; every number is formatted from the API's exact
// decimal strings. This module is the shell: the token, the page tabs and the messages.

import { showAlertsTab } from "./alerts-banner.js";
import { loadAlertsPanel } from "./alerts-panel.js";
import { currentToken, EMBED_KEY, embedded, TOKEN_KEY } from "./api.js";
import { loadConsumption } from "./consumption-page.js";
import { showMessage } from "./messages.js";
import { loadUsage } from "./usage-page.js";

const pages = { usage: loadUsage, consumption: loadConsumption, alerts: loadAlertsPanel };
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
  // A new token shows the Alerts tab again only once the gateway says it may manage alerts.
  showAlertsTab(false);
  selectPage(currentPage(), { reload: true });
}

// `#embed=<token>` (an iframe's address on a partner's site; a fragment never reaches a server's
// logs) moves into this frame's session storage and leaves the address: the page then runs with
// that embed token as its bearer, without the token form, the Alerts tab or GraphiQL.
// `#consumption&embed=<token>` opens the Consumption page.
function takeEmbedToken() {
  const parts = location.hash.replace("#", "").split("&");
  const entry = parts.find((part) => part.startsWith("embed="));
  if (entry !== undefined) {
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(entry.slice("embed=".length)));
    sessionStorage.setItem(EMBED_KEY, "1");
    const page = parts.find((part) => part && !part.includes("="));
    history.replaceState(null, "", location.pathname + location.search + (page ? `#${page}` : ""));
  }
  if (embedded()) {
    document.body.classList.add("embedded");
    for (const id of ["token-form", "tab-alerts"]) document.getElementById(id).hidden = true;
    document.querySelector(".graphiql-link").hidden = true;
  }
}

function start() {
  takeEmbedToken();
  // `?token=` (the link `make run` prints) moves into this tab's session storage and leaves the
  // address bar, like GraphiQL's.
  const url = new URL(location.href);
  const fromUrl = url.searchParams.get("token");
  if (fromUrl !== null) {
    if (fromUrl) sessionStorage.setItem(TOKEN_KEY, fromUrl);
    sessionStorage.removeItem(EMBED_KEY);
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
