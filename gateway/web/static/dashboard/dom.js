// DOM helpers. No inline style attributes: the page's CSP allows none; widths go through CSSOM.

export function el(tag, props = {}, ...children) {
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

export function fill(node, ...children) {
  node.replaceChildren(...children.filter((child) => child !== null && child !== undefined));
}

const SVG_NS = "http://www.w3.org/2000/svg";
export function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  for (const child of children) {
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function code(text) {
  // `backticks` become <code>.
  return text.split(/(`[^`]+`)/).map((part) =>
    part.startsWith("`") ? el("code", { text: part.slice(1, -1) }) : part,
  );
}

export function panel(kind, title, detail) {
  return el(
    "div",
    { class: `panel ${kind}`, "data-testid": `${kind}-panel`, role: kind === "error" ? "alert" : "status" },
    el("strong", { text: title }),
    detail ? el("p", {}, code(detail)) : null,
  );
}

export function card(title, ...children) {
  return el("section", { class: "card" }, el("h3", { text: title }), ...children);
}

export function tabs(label, options, selected, onSelect, testid) {
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
