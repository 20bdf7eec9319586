// Settings → Usage: the three breakdown cards (by reason, by user, by model). Each shows credits,
// or the estimated cost when the period has no credit spend (`inCost`).

import { card, el } from "./dom.js";
import { integer, plural } from "./format.js";

// The bar's segments and the list's dots share these colours (classes c0…c6 in style.css).
const USER_COLOURS = ["#4f46e5", "#0ea5e9", "#10b981", "#f59e0b", "#ef4444", "#8b5cf6", "#ec4899"];

export function reasonCard(data, valueOf, show, inCost) {
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

// `view` holds the expanded list once loaded and the toggle's handler.
export function userCard(data, valueOf, show, inCost, view) {
  const byUser = view.showAll && view.allUsers ? view.allUsers : data.byUser;
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
  // An embed token runs only the page's own documents: no "Show all" query of its own.
  if ((count > data.byUser.nodes.length || view.showAll) && !view.embedded) {
    toggle = el("button", {
      type: "button",
      class: "link",
      "data-testid": "user-toggle",
      text: view.showAll ? "Show top 5" : `Show all (${integer(count)})`,
      onclick: (event) => view.onToggle(event.currentTarget),
    });
  }
  return card("By user", count === 0 ? el("p", { class: "muted", text: "No calls in this period." }) : bar, list, toggle);
}

export function modelCard(data, valueOf, show, inCost) {
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

