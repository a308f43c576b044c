// The modules that inform: neighbourhood priorities (vote once per device; "you said, we did"), the
// neighbourhood team, and the force's safety advice.
import { tenantPath } from "../shared/api.js";
import { deviceId, rememberVote, votedOn } from "../shared/device.js";
import { h } from "../shared/dom.js";
import { formatNumber } from "../shared/i18n.js";
import { text } from "./text.js";

export function renderPriorities(ctx, module, main) {
  const settings = module.settings;
  const open = h("ol", { class: "priority-list", id: "priorities-open" });
  const answered = h("ol", { class: "priority-list", id: "priorities-answered" });
  main.append(
    h("h1", { id: "view-title", tabindex: "-1" }, module.title),
    h("p", { class: "lead" }, text("priorities.intro")),
    open,
    h("h2", {}, text("priorities.answered")),
    answered,
  );

  function voteButton(priority, voted, count) {
    const button = h("button", { type: "button", class: voted ? "" : "primary", disabled: voted, "aria-pressed": String(voted) }, text(voted ? "priorities.voted_short" : "priorities.vote"));
    button.setAttribute("aria-describedby", `priority-${priority.id}`);
    button.addEventListener("click", async () => {
      if (ctx.preview) return;
      button.disabled = true;
      try {
        const result = await ctx.api.post(tenantPath(ctx.tenant.id, "public", "priorities", priority.id, "votes"), {
          voter: deviceId(),
        });
        rememberVote(ctx.tenant.id, priority.id);
        count.textContent = text("priorities.votes", { count: formatNumber(result.votes) });
        button.textContent = text("priorities.voted_short");
        button.className = "";
        button.setAttribute("aria-pressed", "true");
        ctx.toast(text("priorities.voted"));
      } catch (error) {
        button.disabled = false;
        ctx.fail(error, text("priorities.voting"));
      }
    });
    return button;
  }

  async function load() {
    const reply = await ctx.api.get(tenantPath(ctx.tenant.id, "public", "priorities"));
    const voted = votedOn(ctx.tenant.id);
    const proposed = reply.items.filter((item) => item.status === "proposed").sort((a, b) => b.votes - a.votes);
    const closed = reply.items.filter(
      (item) => item.status !== "proposed" && (settings.show_declined || item.status !== "declined"),
    );
    open.replaceChildren(
      ...(proposed.length
        ? proposed.map((priority) => {
            const count = h("span", { class: "votes", "aria-live": "polite" }, text("priorities.votes", { count: formatNumber(priority.votes) }));
            return h(
              "li",
              { class: "card priority", dataset: { priority: priority.id } },
              h("h3", { id: `priority-${priority.id}` }, priority.title),
              h("p", { class: "muted" }, priority.area_name),
              h("p", {}, priority.description),
              h("div", { class: "vote" }, count, settings.voting ? voteButton(priority, voted.has(priority.id), count) : null),
            );
          })
        : [h("li", { class: "empty" }, text("priorities.none"))]),
    );
    answered.replaceChildren(
      ...(closed.length
        ? closed.map((priority) =>
            h(
              "li",
              { class: `card priority status-${priority.status}`, dataset: { priority: priority.id } },
              h("h3", {}, priority.title),
              h("p", { class: "badge" }, text(`priorities.status_${priority.status}`)),
              priority.commitment ? h("p", {}, h("strong", {}, text(priority.status === "declined" ? "priorities.because" : "priorities.we_will")), " ", priority.commitment) : null,
              priority.outcome ? h("p", {}, h("strong", {}, text("priorities.we_did")), " ", priority.outcome) : null,
            ),
          )
        : [h("li", { class: "empty" }, text("priorities.none_answered"))]),
    );
  }

  load().catch((error) => ctx.fail(error, text("priorities.loading")));
}

export function renderTeam(ctx, module, main) {
  const settings = module.settings;
  const contact = [];
  if (settings.phone) contact.push(h("li", {}, h("a", { href: `tel:${settings.phone.replace(/\s+/g, "")}` }, text("team.call", { phone: settings.phone }))));
  if (settings.email) contact.push(h("li", {}, h("a", { href: `mailto:${settings.email}` }, settings.email)));
  main.append(
    h("h1", { id: "view-title", tabindex: "-1" }, module.title),
    h(
      "section",
      { class: "card team", id: "team" },
      settings.photo ? h("img", { class: "team-photo", src: settings.photo, alt: "" }) : null,
      h("h2", {}, settings.unit_name ?? settings.unit),
      h("p", {}, settings.introduction),
      settings.office_hours ? h("p", {}, h("strong", {}, text("team.hours")), " ", settings.office_hours) : null,
      contact.length ? h("ul", { class: "link-list" }, contact) : null,
    ),
  );
}

function paragraphs(body) {
  return String(body)
    .split(/\n\s*\n/)
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => h("p", {}, part));
}

export function renderSafetyInfo(ctx, module, main, [articleId] = []) {
  const articles = module.settings.articles ?? [];
  const article = articles.find((item) => item.id === articleId);
  if (article) {
    main.append(
      h("p", {}, h("a", { href: ctx.href(module.id) }, "← ", module.title)),
      h(
        "article",
        { class: "article", id: `article-${article.id}` },
        h("h1", { id: "view-title", tabindex: "-1" }, article.title),
        h("p", { class: "lead" }, article.summary),
        h("p", {}, (article.audience ?? []).map((audience) => h("span", { class: "badge" }, text(`article_audience.${audience}`)))),
        paragraphs(article.body),
        article.source ? h("p", { class: "muted" }, text("safety.source"), " ", h("a", { href: article.source, rel: "noopener" }, article.source)) : null,
      ),
    );
    return;
  }
  main.append(
    h("h1", { id: "view-title", tabindex: "-1" }, module.title),
    h(
      "ul",
      { class: "article-list", id: "articles" },
      articles.map((item) =>
        h(
          "li",
          { class: "card" },
          h("h2", {}, h("a", { href: ctx.href(module.id, item.id), dataset: { article: item.id } }, item.title)),
          h("p", {}, item.summary),
        ),
      ),
    ),
  );
}
