// Tenant Management → Consumption: the By opening table, 20 openings a page.

import { el } from "./dom.js";
import { credits, integer } from "./format.js";

// `view` is the page shown (a connection), its index and the pager's handler.
export function openingsCard(view) {
  const connection = view.openings;
  const offset = view.page * 20;
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
    el("div", { class: "table-wrap" }, el("table", { "data-testid": "openings" },
      el("thead", {}, el("tr", {}, ["Job title", "Interviews invited", "Interviews completed", "Credits used"].map((name, index) => el("th", { class: index ? "num" : null, text: name })))),
      el("tbody", {}, rows))),
    el("div", { class: "pager" },
      el("button", { type: "button", class: "ghost", text: "← Previous", disabled: view.page === 0, onclick: () => view.onPage(view.page - 1) }),
      el("button", { type: "button", class: "ghost", "data-testid": "openings-next", text: "Next →", disabled: !connection.pageInfo.hasNextPage, onclick: () => view.onPage(view.page + 1) })),
  );
}

