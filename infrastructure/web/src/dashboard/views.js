// The dashboard's views (Overview, Problems, Alerts, Outbox) behind hash routes: #overview, #problems,
// #alerts?alert=<id> (an alert opened), #outbox?alert=<id> (the messages of one alert). The navigation is a list of
// plain links (Tab and Enter, the browser's Back), the current one marked aria-current="page"; after a change of view
// the new view's heading takes the focus, so a screen reader announces where the user is.

/** "#outbox?alert=abc" → { name: "outbox", params: URLSearchParams("alert=abc") }. */
export function parseRoute(hash) {
  const [name, query = ""] = hash.replace(/^#/, "").split("?", 2);
  return { name, params: new URLSearchParams(query) };
}

/** The hash of a view with its parameters (empty ones left out). */
export function routeHash(name, params = {}) {
  const query = new URLSearchParams(Object.entries(params).filter(([, value]) => value));
  return `#${name}${query.size ? `?${query}` : ""}`;
}

/**
 * createViews({ nav, views: { name: { element, heading, show(params, { first }) } }, fallback })
 * Shows the view the address names (else `fallback`), calls its `show` (every time it is shown, and again when
 * only its parameters change), and follows the address from then on. Returns { start(), current(), go(name, params) }.
 */
export function createViews({ nav, views, fallback }) {
  const shown = new Set();
  let active = null;

  function render(moveFocus) {
    let { name, params } = parseRoute(window.location.hash);
    if (!(name in views)) {
      name = fallback;
      params = new URLSearchParams();
      history.replaceState(null, "", window.location.pathname + window.location.search + `#${fallback}`);
    }
    for (const [other, view] of Object.entries(views)) view.element.hidden = other !== name;
    for (const link of nav.querySelectorAll("a[data-view]")) {
      if (link.dataset.view === name) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
    const view = views[name];
    const first = !shown.has(name);
    shown.add(name);
    if (moveFocus && active !== name) view.heading?.focus();
    active = name;
    document.body.dataset.view = name;
    view.show(params, { first });
  }

  return {
    start() {
      window.addEventListener("hashchange", () => render(true));
      // The link of the view already shown shows it again, fresh (its hash does not change).
      nav.addEventListener("click", (event) => {
        const link = event.target.closest("a[data-view]");
        if (link && link.getAttribute("href") === window.location.hash) {
          event.preventDefault();
          render(true);
        }
      });
      render(false);
    },
    current: () => active,
    /** Show the current view again (after a language change). */
    refresh: () => render(false),
    go(name, params = {}) {
      const hash = routeHash(name, params);
      if (window.location.hash === hash) render(true);
      else window.location.hash = hash;
    },
  };
}
