// Builds every page under src/ (a folder with main.js and index.html) into dist/<page>/, served at /<page>/.
//
//   npm ci --no-audit --no-fund --ignore-scripts && npm run build
//
// esbuild bundles each page's main.js with the CSS it imports (leaflet.css included) and the images that CSS
// and the code refer to (Leaflet's marker and layer images); file names carry a content hash, so a CDN can
// cache them for ever, and index.html is written with the hashed names. Nothing is fetched at run time: the
// pages load only their own files and the API of the same origin.
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

import { LANGUAGES, MESSAGES as SHARED_MESSAGES } from "./src/shared/messages.js";

const here = dirname(fileURLToPath(import.meta.url));
const source = join(here, "src");
const dist = join(here, "dist");

/** The pages: every folder of src/ with a main.js and an index.html (shared/ is code they import). */
export function pages() {
  return readdirSync(source, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .filter((name) => existsSync(join(source, name, "main.js")) && existsSync(join(source, name, "index.html")))
    .sort();
}

/** Every UI string exists in every language, with the same {placeholders}: a missing one fails the build.
 * `MESSAGES` is the shared table, or a page's own (src/<page>/messages.js), whose keys must not clash with it. */
function checkMessages(MESSAGES = SHARED_MESSAGES, where = "shared") {
  const problems = [];
  const placeholders = (text) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort().join(",");
  // A string, or plural forms ({one, few, many, other}) each with the same placeholders.
  const forms = (message) => (typeof message === "string" ? [message] : Object.values(message ?? {}));
  for (const [key, english] of Object.entries(MESSAGES.en)) {
    const expected = placeholders(forms(english)[0]);
    for (const language of LANGUAGES) {
      const message = MESSAGES[language]?.[key];
      const texts = forms(message);
      if (!texts.length || texts.some((text) => typeof text !== "string" || !text.trim())) {
        problems.push(`${language}: missing "${key}"`);
      } else if (typeof message === "object" && typeof message.other !== "string") {
        problems.push(`${language}: "${key}" has no "other" plural form`);
      } else if (texts.some((text) => placeholders(text) !== expected)) {
        problems.push(`${language}: placeholders of "${key}"`);
      }
    }
  }
  for (const language of LANGUAGES) {
    for (const key of Object.keys(MESSAGES[language] ?? {})) {
      if (!(key in MESSAGES.en)) problems.push(`${language}: "${key}" is not an English key`);
    }
  }
  if (MESSAGES !== SHARED_MESSAGES) {
    for (const key of Object.keys(MESSAGES.en ?? {})) {
      if (key in SHARED_MESSAGES.en) problems.push(`en: "${key}" is also a shared key`);
    }
  }
  if (problems.length) throw new Error(`UI strings incomplete (${where}):\n  ${problems.join("\n  ")}`);
}

/** A page's own UI strings, if it has src/<page>/messages.js (exporting MESSAGES), checked like the shared ones. */
async function checkPageMessages(page) {
  const file = join(source, page, "messages.js");
  if (!existsSync(file)) return;
  const { MESSAGES } = await import(pathToFileURL(file).href);
  checkMessages(MESSAGES, page);
}

/** The <head> lines every page shares (src/shared/head.html without its leading comment). */
function sharedHead() {
  return readFileSync(join(source, "shared", "head.html"), "utf8")
    .replace(/^<!--[\s\S]*?-->\s*/, "")
    .trim();
}

/**
 * A piece of markup pages share: `%PARTIAL:name key=value ...%` in a page's index.html is src/shared/name.html
 * (without its leading comment) with each {{key}} replaced by its value (values have no spaces).
 */
function partial(page, name, parameters) {
  const file = join(source, "shared", `${name}.html`);
  if (!existsSync(file)) throw new Error(`${page}/index.html: no partial src/shared/${name}.html`);
  const values = Object.fromEntries(
    parameters
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map((pair) => pair.split("=", 2)),
  );
  const markup = readFileSync(file, "utf8")
    .replace(/^<!--[\s\S]*?-->\s*/, "")
    .trim()
    .replace(/\{\{(\w+)\}\}/g, (match, key) => {
      if (!(key in values)) throw new Error(`${page}/index.html: partial ${name} needs ${key}=...`);
      return values[key];
    });
  return markup;
}

async function buildPage(page) {
  const out = join(dist, page);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const result = await build({
    entryPoints: { main: join(source, page, "main.js") },
    bundle: true,
    format: "esm",
    target: ["es2022"],
    minify: true,
    sourcemap: "linked",
    legalComments: "linked",
    outdir: out,
    entryNames: "[name]-[hash]",
    assetNames: "assets/[name]-[hash]",
    publicPath: `/${page}/`,
    loader: { ".png": "file", ".svg": "file" },
    metafile: true,
    absWorkingDir: here,
    logLevel: "warning",
  });
  const outputs = Object.entries(result.metafile.outputs);
  const entry = outputs.find(([, output]) => output.entryPoint);
  if (!entry) throw new Error(`${page}: esbuild wrote no entry point`);
  const script = relative(out, join(here, entry[0]));
  const style = entry[1].cssBundle ? relative(out, join(here, entry[1].cssBundle)) : null;
  let html = readFileSync(join(source, page, "index.html"), "utf8");
  html = html.replace("%HEAD%", sharedHead());
  html = html.replace(/%PARTIAL:([a-z][a-z0-9-]*)((?: [A-Za-z]+=[^\s%]+)*)%/g, (_, name, parameters) =>
    partial(page, name, parameters),
  );
  html = html.replaceAll("%MAIN_JS%", `/${page}/${script}`);
  html = html.replaceAll("%MAIN_CSS%", style ? `/${page}/${style}` : "");
  if (html.includes("%")) {
    const leftover = html.match(/%[A-Z_]+%/);
    if (leftover) throw new Error(`${page}/index.html: unknown placeholder ${leftover[0]}`);
  }
  writeFileSync(join(out, "index.html"), html);
  const bytes = outputs.reduce((sum, [, output]) => sum + output.bytes, 0);
  console.log(`built /${page}/ (${outputs.length} files, ${Math.round(bytes / 1024)} KiB)`);
  const shell = outputs
    .map(([file]) => `/${page}/${relative(out, join(here, file))}`)
    .filter((url) => !url.endsWith(".map") && !url.endsWith(".LEGAL.txt"));
  await buildServiceWorker(page, out, [`/${page}/index.html`, ...shell], html);
}

/**
 * A page's service worker, if it has src/<page>/sw.js: bundled to dist/<page>/sw.js under that fixed name (a
 * worker's URL must not change), told the files of the page's shell (`__KOBAN_SHELL__`, to keep for offline use)
 * and a version made of their hashed names and index.html (`__KOBAN_VERSION__`), so a new build replaces the
 * worker and its cache.
 */
async function buildServiceWorker(page, out, shell, html) {
  const entry = join(source, page, "sw.js");
  if (!existsSync(entry)) return;
  const version = createHash("sha256").update(shell.join("\n")).update(html).digest("hex").slice(0, 16);
  await build({
    entryPoints: [entry],
    bundle: true,
    format: "iife",
    target: ["es2022"],
    minify: true,
    outfile: join(out, "sw.js"),
    define: { __KOBAN_SHELL__: JSON.stringify(shell), __KOBAN_VERSION__: JSON.stringify(version) },
    absWorkingDir: here,
    logLevel: "warning",
  });
  console.log(`built /${page}/sw.js (shell of ${shell.length} files, version ${version})`);
}

checkMessages();
for (const page of pages()) await checkPageMessages(page);
for (const page of pages()) await buildPage(page);
writeFileSync(join(dist, ".built"), `${new Date().toISOString()}\n`);
