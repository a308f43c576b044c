// The force's theme as CSS custom properties, the accessibility options, and the resident's own display choices
// (high contrast, easier-to-read text, text size: kept on this device).
const CHOICES_KEY = "koban.app.display";

// A 7:1 palette for the high-contrast mode: every text colour on its background is above WCAG AAA.
const HIGH_CONTRAST = {
  background: "#000000",
  text: "#ffffff",
  primary: "#ffeb3b",
  on_primary: "#000000",
  accent: "#80deea",
  on_accent: "#000000",
  danger: "#ff8a80",
  on_danger: "#000000",
};

export function displayChoices() {
  try {
    return { highContrast: false, readingFont: false, textScale: null, ...JSON.parse(localStorage.getItem(CHOICES_KEY)) };
  } catch {
    return { highContrast: false, readingFont: false, textScale: null };
  }
}

export function rememberDisplayChoices(choices) {
  localStorage.setItem(CHOICES_KEY, JSON.stringify(choices));
}

/** Set the theme's colours and the accessibility options on the page (CSSOM: allowed by the pages' CSP). */
export function applyTheme(config, choices = displayChoices()) {
  const root = document.documentElement;
  const options = config.accessibility ?? {};
  const highContrast = Boolean(options.offer_high_contrast && choices.highContrast);
  const colours = highContrast ? HIGH_CONTRAST : config.theme.colours;
  for (const [name, value] of Object.entries(colours)) root.style.setProperty(`--app-${name.replace("_", "-")}`, value);
  const scale = Math.min(2, Math.max(1, Number(choices.textScale ?? options.text_scale ?? 1)));
  root.style.setProperty("--app-text-scale", String(scale));
  root.style.setProperty("--app-touch", `${options.min_touch_target_px ?? 48}px`);
  root.classList.toggle("high-contrast", highContrast);
  root.classList.toggle("reading-font", Boolean(options.offer_dyslexia_font && choices.readingFont));
  root.classList.toggle("reduce-motion", Boolean(options.reduce_motion));
  root.classList.toggle("easy-read", Boolean(options.easy_read));
  document.querySelector('meta[name="theme-color"]')?.setAttribute("content", colours.primary);
  return { highContrast, scale };
}
