// Shows what went wrong in a page's alert region, in words a person can act on; never swallowed.
import { h, fill } from "./dom.js";
import { ApiError } from "./api.js";
import { t } from "./i18n.js";

/** Show `error` (an ApiError or any Error) in `region` (an element with role="alert"). */
export function showError(region, error, context = "") {
  const lines = error instanceof ApiError ? error.lines() : [error?.message || String(error)];
  const heading = context ? t("error.while", { what: context }) : t("error.title");
  const dismiss = () => clearError(region);
  const close = h("button", { type: "button", class: "link", onclick: dismiss }, t("action.dismiss"));
  const body = h("div", { class: "alert-body" }, h("strong", {}, heading), h("ul", {}, lines.map((l) => h("li", {}, l))));
  fill(region, body, close);
  region.hidden = false;
  if (!(error instanceof ApiError)) console.warn(error);
}

export function clearError(region) {
  region.replaceChildren();
  region.hidden = true;
}
