// Published versions, newest first (who, when, how, why) with a rollback to any earlier one, and the audit trail.
import { tenantPath } from "../shared/api.js";
import { h } from "../shared/dom.js";
import { formatMoment, t } from "../shared/i18n.js";

/**
 * Fill `list` with the tenant's versions and `audit` with its audit trail. `onRollback(version)` is called when
 * the admin asks for one (not offered to read-only sessions, nor for the live version).
 */
export async function showVersions({ api, tenant, list, audit, readOnly, onRollback }) {
  const [versions, trail] = await Promise.all([
    api.get(tenantPath(tenant, "app-config", "versions"), { limit: 25 }),
    api.get(tenantPath(tenant, "app-config", "audit")),
  ]);
  list.replaceChildren(
    ...versions.items.map((version) => {
      const how =
        version.source === "rollback" && version.restored_version
          ? t("designer.rolledBackTo", { version: version.restored_version })
          : t(`designer.source.${version.source}`);
      const rollback = h("button", { type: "button", class: "link" }, t("designer.rollback", { version: version.version }));
      rollback.addEventListener("click", () => onRollback(version.version, rollback));
      return h(
        "li",
        { class: version.live ? "live" : "", dataset: { version: version.version } },
        h("strong", {}, t("designer.version", { version: version.version })),
        version.live ? h("span", { class: "badge ok" }, t("designer.live")) : null,
        h("span", { class: "muted" }, ` · ${formatMoment(version.published_at)} · ${version.published_by} · ${how}`),
        version.note ? h("p", { class: "note" }, version.note) : null,
        readOnly || version.live ? null : rollback,
      );
    }),
  );
  audit.replaceChildren(
    ...trail.items.slice(0, 20).map((entry) =>
      h(
        "li",
        {},
        h("span", { class: "muted" }, formatMoment(entry.at)),
        ` · ${entry.actor} · ${t(`designer.action.${entry.action}`)}`,
        entry.version ? ` · ${t("designer.version", { version: entry.version })}` : "",
        entry.note ? ` · ${entry.note}` : "",
      ),
    ),
  );
  return versions;
}
