// Small DOM helpers. Text from the API is only ever set as text (never as HTML), so nothing it carries can run.

/**
 * h("button", { class: "primary", onclick: fn, "aria-label": "..." }, "text", child, ...)
 * Attributes starting with "on" are listeners, `style` and `dataset` take objects; `false`, `null` and
 * `undefined` attributes and children are skipped.
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith("on") && typeof value === "function") element.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(element.dataset, value);
    else if (name === "style") Object.assign(element.style, value); // CSSOM: allowed by the pages' CSP

    else if (value === true) element.setAttribute(name, "");
    else element.setAttribute(name, String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === false || child === null || child === undefined) continue;
    if (Array.isArray(child)) append(element, child);
    else element.append(child instanceof Node ? child : String(child));
  }
}

/** Replace an element's content. */
export function fill(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

export function byId(id) {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing from the page`);
  return element;
}

/**
 * Announce a short message to screen readers and show it for a few seconds. A region with the `popover`
 * attribute is shown in the top layer, so a message stays readable above an open modal dialog.
 */
export function toast(region, message) {
  const item = h("div", { class: "toast" }, message);
  region.append(item);
  if (region.hasAttribute("popover")) {
    if (region.matches(":popover-open")) region.hidePopover();
    region.showPopover(); // again, so that it is above a dialog opened since
  }
  setTimeout(() => {
    item.remove();
    if (!region.childElementCount && region.matches(":popover-open")) region.hidePopover();
  }, 6000);
}
