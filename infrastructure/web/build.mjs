// Builds every page under src/ (a folder with main.js and index.html) into dist/<page>/, served at /<page>/.
//
//   npm ci --no-audit --no-fund --ignore-scripts && npm run build
//
// esbuild bundles each page's main.js with the CSS it imports (leaflet.css included) and the images that CSS
// and the code refer to (Leaflet's marker and layer images); file names carry a content hash, so a CDN can
// cache them for ever, and index.html is written with the hashed names. Nothing is fetched at run time: the
// pages load only their own files and the API of the same origin.
import { build } from "esbuild";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

import { LANGUAGES, MESSAGES } from "./src/shared/messages.js";

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

/** Every UI string exists in every language, with the same {placeholders}: a missing one fails the build. */
function checkMessages() {
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
  if (problems.length) throw new Error(`UI strings incomplete:\n  ${problems.join("\n  ")}`);
}

/** The <head> lines every page shares (src/shared/head.html without its leading comment). */
function sharedHead() {
  return readFileSync(join(source, "shared", "head.html"), "utf8")
    .replace(/^<!--[\s\S]*?-->\s*/, "")
    .trim();
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
  html = html.replaceAll("%MAIN_JS%", `/${page}/${script}`);
  html = html.replaceAll("%MAIN_CSS%", style ? `/${page}/${style}` : "");
  if (html.includes("%")) {
    const leftover = html.match(/%[A-Z_]+%/);
    if (leftover) throw new Error(`${page}/index.html: unknown placeholder ${leftover[0]}`);
  }
  writeFileSync(join(out, "index.html"), html);
  const bytes = outputs.reduce((sum, [, output]) => sum + output.bytes, 0);
  console.log(`built /${page}/ (${outputs.length} files, ${Math.round(bytes / 1024)} KiB)`);
}

checkMessages();
for (const page of pages()) await buildPage(page);
writeFileSync(join(dist, ".built"), `${new Date().toISOString()}\n`);
