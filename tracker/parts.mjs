// What each part of utm.js costs: the gzip size of the build without it. Each cut replaces
// a piece of src/utm.js (found by its text: a cut that no longer matches fails loudly) so
// that the part is gone and the rest still parses. Run: node parts.mjs (or npm run parts).
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { minify } from "terser";
import { minifyOptions } from "./minify.mjs";

const source = readFileSync(new URL("src/utm.js", import.meta.url), "utf8");
const IFRAMES = "    const framed = (el) => el.tagName == 'IFRAME' &&";
const LINKS = "    listen('mousedown', onLink);\n    listen('click', onLink);";
const cuts = {
  "cross-domain hand-over (_ls: links, iframes, arrival)": [[LINKS, ""], [IFRAMES, "    const framed = (el) => 0 &&"], ["        if (passed) {", "        if (0) {"]],
  "the public API (touches, consent, fill)": [["    win.Leadsource = {", "    win.Leadsource = 1 || {"]],
  "cookie domain probe": [["      if (domain == null) {\n        domain = '';", "      if (0) {\n        domain = '';"]],
  "filling named inputs": [["        } else if (el.matches?.('input[name]') && name != 'ls_submission_id') {", "        } else if (0) {"]],
  "forms and iframes added later (MutationObserver)": [["    new MutationObserver(", "    0 && new MutationObserver("]],
  "debug mode loader": [["        if (opt('debug') != null || /[?&#]leadsource_debug=1/.test(landing)) {", "        if (0) {"]],
  "single-page apps": [["      history[name] = function", "      if (0) history[name] = function"], ["    listen('popstate', navigated);\n    listen('hashchange', navigated);", ""]],
  "page views": [["        if (opt('pageviews') != null && stores()) nav.sendBeacon(", "        if (0) nav.sendBeacon("]],
  "consent API method": [["      consent: safe((granted) => {", "      consent: 0 && safe((granted) => {"]],
  "GPC/DNT": [["    const privacy = opt('respect-dnt') != null && (nav.globalPrivacyControl || nav.doNotTrack == 1);", "    const privacy = 0;"]],
  "deferred start": [["    for (const type of ['DOMContentLoaded', 'prerenderingchange']) listen(type, ready, doc);\n    listen('pagehide', ready);", "    ready();"]],
};

const gzipped = async (code) => gzipSync((await minify(code, minifyOptions)).code + "\n", { level: 9 }).length;
const full = await gzipped(source);
console.log(`utm.js built: ${full} bytes gzip. Without each part:`);
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
console.log(`  ${String(total).padStart(4)}  all of the above; the rest is about ${full - total}`);
