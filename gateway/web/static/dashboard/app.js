// The reference dashboard: Settings → Usage and Tenant Management → Consumption, drawn from the
// gateway's public GraphQL API with the exact documents of shared/design/queries.
// Plain DOM and ES modules, no dependencies; every number is formatted from the API's exact
// decimal strings. This module is the shell: the token, the page tabs and the messages.

import { showAlertsTab } from "./alerts-banner.js";
import { loadAlertsPanel } from "./alerts-panel.js";
import { currentToken, TOKEN_KEY } from "./api.js";
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
