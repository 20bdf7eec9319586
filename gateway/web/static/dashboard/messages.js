// The shell's messages: the organization line, a page's error panel and the passing banner.

import { UiError } from "./api.js";
import { code, el, panel } from "./dom.js";

export function showOrg(org) {
  document.getElementById("org").textContent = `${org.name} · ${org.timeZone}`;
}

export function showError(root, head, error) {
  const known = error instanceof UiError;
  const kind = known && error.kind === "token" ? "info" : "error";
  root.replaceChildren(
    head,
    panel(kind, known ? error.title : "Something went wrong while drawing this page.", known ? error.detail : String(error?.message || error)),
  );
}

let messageTimer = null;
export function showMessage(error) {
  const box = document.getElementById("message");
  const known = error instanceof UiError;
  box.replaceChildren(el("strong", { text: known ? error.title : "Something went wrong." }), " ", ...(known ? code(error.detail) : []));
  box.hidden = false;
  clearTimeout(messageTimer);
  messageTimer = setTimeout(() => {
    box.hidden = true;
  }, 15_000);
}
