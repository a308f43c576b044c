// The API's findings (POST …/validate, and a refused publication) shown where they belong: each next to the control
// of its JSON pointer (or of the nearest place above it that has one), and all of them in a list at the top whose
// entries take the keyboard to the control.
import { h } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { ancestors } from "./pointer.js";

function targetOf(root, pointer) {
  for (const candidate of ancestors(pointer)) {
    const found = root.querySelector(`[data-pointer="${CSS.escape(candidate)}"]`);
    if (found) return found;
  }
  return null;
}

function reveal(element) {
  for (let node = element; node; node = node.parentElement) {
    if (node.tagName === "DETAILS") node.open = true;
  }
  const control = element.matches("input, select, textarea, button") ? element : element.querySelector("input, select, textarea");
  element.scrollIntoView({ block: "center" });
  (control ?? element).focus?.();
}

/** Show `findings` in the editor `root` and the `summary` list; returns how many stop publication. */
export function showFindings(root, summary, findings) {
  for (const old of root.querySelectorAll(".finding")) old.remove();
  for (const marked of root.querySelectorAll(".has-finding")) marked.classList.remove("has-finding");
  for (const control of root.querySelectorAll('[aria-describedby*="finding-"]')) {
    const kept = control.getAttribute("aria-describedby").split(" ").filter((id) => !id.startsWith("finding-"));
    control.setAttribute("aria-describedby", kept.join(" "));
  }
  const items = findings.map((finding, index) => {
    const target = targetOf(root, finding.pointer);
    const id = `finding-${index}`;
    if (target) {
      target.classList.add("has-finding");
      target.append(
        h("p", { class: `finding ${finding.severity}`, id, dataset: { code: finding.code, pointer: finding.pointer } }, finding.message),
      );
      const control = target.querySelector("input, select, textarea");
      if (control) {
        const described = new Set((control.getAttribute("aria-describedby") ?? "").split(" ").filter(Boolean));
        described.add(id);
        control.setAttribute("aria-describedby", [...described].join(" "));
      }
    }
    const go = h("button", { type: "button", class: "link" }, finding.path || "/");
    go.addEventListener("click", () => {
      const place = targetOf(root, finding.pointer);
      if (place) reveal(place);
    });
    return h(
      "li",
      { class: finding.severity, dataset: { code: finding.code, pointer: finding.pointer } },
      h("span", { class: `badge ${finding.severity === "error" ? "danger" : "warn"}` }, t(`designer.severity.${finding.severity}`)),
      " ",
      go,
      ": ",
      finding.message,
    );
  });
  summary.replaceChildren(...items);
  return findings.filter((finding) => finding.severity === "error").length;
}
