// The web app manifest of one force's app, made from its published theme: name, colours, language and icons (the
// theme's icon, else one drawn here in its colours). The files are put in Cache Storage under the app's own URLs
// (/app/<tenant>/manifest.webmanifest, icon-192.png, icon-512.png), where the service worker answers them: the
// manifest comes from the page's own origin, as the content security policy asks, and changes with the theme.
export const GENERATED_CACHE = "koban-app-generated";
const ICON_SIZES = [192, 512];

/** A square PNG icon: the theme's primary colour with the app's initial in its text colour. */
async function drawIcon(size, colours, initial) {
  const canvas = document.createElement("canvas");
  canvas.width = size;
  canvas.height = size;
  const context = canvas.getContext("2d");
  context.fillStyle = colours.primary;
  context.fillRect(0, 0, size, size); // full bleed: the icon is also "maskable"
  context.fillStyle = colours.on_primary;
  context.font = `700 ${Math.round(size * 0.46)}px system-ui, sans-serif`;
  context.textAlign = "center";
  context.textBaseline = "middle";
  context.fillText(initial, size / 2, size * 0.54);
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("no icon"))), "image/png");
  });
}

export function manifestFor(config, base, icons) {
  const colours = config.theme.colours;
  return {
    id: base,
    name: config.name ?? "KOBAN",
    short_name: config.short_name ?? config.name ?? "KOBAN",
    lang: config.locale,
    start_url: base,
    scope: base,
    display: "standalone",
    background_color: colours.background,
    theme_color: colours.primary,
    icons,
  };
}

/**
 * Write the manifest and icons for `config` into Cache Storage and link the manifest from the page. Only once a
 * service worker controls the page (it answers those URLs); returns the manifest's URL, or null.
 */
export async function installManifest(config, tenant) {
  if (!("caches" in window) || !navigator.serviceWorker?.controller) return null;
  const base = `/app/${encodeURIComponent(tenant)}/`;
  const cache = await caches.open(GENERATED_CACHE);
  const initial = [...(config.short_name || config.name || "K").trim()][0]?.toLocaleUpperCase() ?? "K";
  const icons = [];
  for (const size of ICON_SIZES) {
    const url = `${base}icon-${size}.png`;
    const blob = await drawIcon(size, config.theme.colours, initial);
    await cache.put(url, new Response(blob, { headers: { "Content-Type": "image/png" } }));
    icons.push({ src: url, sizes: `${size}x${size}`, type: "image/png", purpose: "any maskable" });
  }
  if (config.theme.icon) icons.unshift({ src: config.theme.icon, sizes: "512x512", type: "image/png", purpose: "any" });
  const url = `${base}manifest.webmanifest`;
  const body = JSON.stringify(manifestFor(config, base, icons));
  await cache.put(url, new Response(body, { headers: { "Content-Type": "application/manifest+json" } }));
  let link = document.querySelector('link[rel="manifest"]');
  if (!link) {
    link = document.createElement("link");
    link.rel = "manifest";
    document.head.append(link);
  }
  link.href = `${url}?v=${encodeURIComponent(String(config.version))}-${config.locale}`;
  return link.href;
}
