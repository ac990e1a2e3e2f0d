// What each part of the default utm.js costs: the gzip size of the default build without it.
// Each cut replaces a piece of src/utm.js (found by its text: a cut that no longer matches
// fails loudly) so that the part is gone and the rest still parses. The optional parts' costs
// are printed by `scripts/bench tracker`, from the committed builds. Run: node parts.mjs (or
// npm run parts).
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { minifyVariant } from "./minify.mjs";

const source = readFileSync(new URL("src/utm.js", import.meta.url), "utf8");
const cuts = {
  "cookie domain probe": [["      if (domain == null) {\n        domain = '';", "      if (0) {\n        domain = '';"]],
  "debug mode loader": [["        if (opt('debug') != null || /[?&#]leadsource_debug=1/.test(landing)) {", "        if (0) {"]],
  "single-page apps": [["      history[name] = (...args) =>", "      if (0) history[name] = (...args) =>"], ["    listen('popstate', navigated);", ""]],
  "deferred start": [["    for (const type of ['DOMContentLoaded', 'prerenderingchange', 'pagehide']) listen(type, ready);", "    ready();"]],
  "referrer check (subdomains and our hosted pages are no referrers)": [["host && host != hostOf(base) && !under(host, registrable() || loc.hostname) ? referrer : ''", "referrer"]],
  "bounding hidden fields to 12 KB": [["      while (json(sent).length > 12e3) sent.shift();\n", ""]],
  "formaction of the submit button": [["submitter?.getAttribute('formaction') || ", ""]],
  "a tag asking for consent stores nothing without consent mode": [["const waits = CONSENT ? on('consent') : opt('consent') != null;", "const waits = CONSENT && on('consent');"]],
};

const gzipped = async (code) => gzipSync((await minifyVariant(code, [])) + "\n", { level: 9 }).length;
const full = await gzipped(source);
console.log(`utm.js (default) built: ${full} bytes gzip. Without each part:`);
let total = 0;
for (const [part, edits] of Object.entries(cuts)) {
  let code = source;
  for (const [from, to] of edits) {
    if (!code.includes(from)) throw new Error(`parts.mjs: the cut for "${part}" no longer matches src/utm.js: ${from}`);
    code = code.replace(from, to);
  }
  const saved = full - (await gzipped(code));
  total += saved;
  console.log(`  ${String(saved).padStart(4)}  ${part}`);
}
console.log(`  ${String(total).padStart(4)}  all of the above; the rest (touches, storage, our forms) is about ${full - total}`);
