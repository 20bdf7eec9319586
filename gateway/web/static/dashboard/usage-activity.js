// Settings → Usage: the activity log, 50 calls a page, newest first.

import { el } from "./dom.js";
import { credits, formatWhen, integer, plural } from "./format.js";

// `log` is the rows loaded so far, the last page's info, Load more's state and handler, the
// last Load more's failure (a UiError) if it failed, and from when calls are kept (retention).
export function activityCard(org, log) {
  const byok = org.aiBilling?.mode === "BYOK";
  // The last column holds credits, BYOK calls' token counts, or both: its head says which.
  const { calls, byokCalls } = org.usage.summary;
  const amount = byokCalls === 0 ? "Credits" : byokCalls === calls ? "Tokens" : "Credits / tokens";
  const columns = ["When", "Reason", "User", ...(byok ? ["Model"] : []), amount];
  const body = el("tbody", {}, log.edges.map(({ node }) => activityRow(node, byok)));
  const info = org.usage.activity;
  let footer;
  if (log.pageInfo.hasNextPage) {
    footer = el("button", { type: "button", class: "more", "data-testid": "load-more", text: log.loadingMore ? "Loading…" : "Load more", disabled: log.loadingMore, onclick: log.onLoadMore });
  } else {
    footer = el("p", { class: "end", "data-testid": "activity-end", text: "End of activity for this period" });
  }
  // The period starts before the calls still kept (the operator's retention): say so.
  const kept = log.keptSince && new Date(org.usage.start) < new Date(log.keptSince)
    ? el("p", { class: "muted kept", "data-testid": "activity-kept", text: `Calls before ${formatWhen(log.keptSince)} are no longer kept; the figures above still count them.` })
    : null;
  return el(
    "section",
    { class: "card activity" },
    el("div", { class: "card-head" },
      el("h3", { text: "Recent activity" }),
      el("span", { class: "muted", "data-testid": "activity-count", text: `${integer(log.edges.length)} of ${plural(info.totalCount, "call")}` })),
    // On a phone each row becomes a small block (style.css); the wrapper keeps any table that
    // is still too wide scrolling inside its card, never the page.
    el("div", { class: "table-wrap" },
      el("table", { "data-testid": "activity" },
        el("thead", {}, el("tr", {}, columns.map((name) => el("th", { text: name, class: name === amount ? "num" : null })))),
        body)),
    log.problem
      ? el("p", { class: "activity-problem", role: "alert", "data-testid": "activity-problem" },
          el("strong", { text: log.problem.title }), log.problem.detail ? ` ${log.problem.detail}` : "")
      : null,
    kept,
    footer,
  );
}

function activityRow(node, byok) {
  const tokens = node.billingMode === "BYOK";
  return el(
    "tr",
    { "data-testid": "activity-row", data: { id: node.id } },
    el("td", { class: "when", text: formatWhen(node.occurredAt) }),
    el("td", { class: "what", text: node.reasonLabel }),
    el("td", { class: "who" },
      el("span", { class: "name", text: node.member ? node.member.name : "Unknown user" }),
      node.member ? el("span", { class: "muted email", text: node.member.email }) : null),
    byok ? el("td", { class: "model", text: node.model ? node.model.label : "—" }) : null,
    // data-label names the figure where a phone shows no column heads.
    el("td", { class: "num", data: { label: tokens ? null : "Credits" }, text: tokens ? `${integer(node.totalTokens)} tokens` : credits(node.creditsCharged) }),
  );
}

