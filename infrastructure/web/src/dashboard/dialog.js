// The frame both dialogs share (a problem, an alert): a small line above the title, the title, a Close button,
// the region where the API's refusals are shown, then the dialog's own content.
import { fill, h } from "../shared/dom.js";
import { t } from "../shared/i18n.js";

/** Fill `dialog` with its frame around `content`; `titleId` is what the dialog's aria-labelledby names. */
export function fillDialog(dialog, { kicker, title, titleId }, ...content) {
  fill(
    dialog,
    h(
      "form",
      { method: "dialog", class: "dialog-frame", onsubmit: (event) => event.preventDefault() },
      h(
        "header",
        { class: "dialog-header" },
        h("div", {}, h("p", { class: "muted" }, kicker), h("h2", { id: titleId, tabindex: "-1" }, title)),
        h("button", { type: "button", class: "link close", onclick: () => dialog.close() }, t("action.close")),
      ),
      h("div", { class: "dialog-error alert", role: "alert", hidden: true }),
      ...content,
    ),
  );
}
