// WCAG 2 contrast of the theme's text pairs, shown beside the colour pickers as the admin chooses (the API checks
// the same pairs, with the same formula, before it publishes).
const PAIRS = [
  ["text", "background"],
  ["primary", "background"],
  ["on_primary", "primary"],
  ["on_accent", "accent"],
  ["on_danger", "danger"],
];
export const AA = 4.5;

function channel(value) {
  const c = value / 255;
  return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

export function luminance(hex) {
  const match = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(hex ?? "");
  if (!match) return null;
  const digits = match[1].length === 3 ? [...match[1]].map((c) => c + c).join("") : match[1];
  const [r, g, b] = [0, 2, 4].map((start) => parseInt(digits.slice(start, start + 2), 16));
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
}

export function contrast(foreground, background) {
  const a = luminance(foreground);
  const b = luminance(background);
  if (a === null || b === null) return null;
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}

/** [{foreground, background, ratio, passes}] for the theme's colours. */
export function contrastReport(colours) {
  return PAIRS.map(([foreground, background]) => {
    const ratio = contrast(colours?.[foreground], colours?.[background]);
    return { foreground, background, ratio, passes: ratio !== null && ratio >= AA };
  });
}
