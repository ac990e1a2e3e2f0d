// Build tracker/dist from tracker/src: utm.js minified with terser once for every combination
// of its optional parts (variants.mjs; a switched-off part is removed as dead code), and
// utm-debug.js copied as it is (loaded only in debug mode, and the service fills in its
// /*CONFIG*/ placeholder). dist/build.json records the source's hash and each output's options,
// hash and size, so the service can find a tenant's variant and tests/test_tracker_build.py can
// tell when a committed build is stale or was edited by hand, without needing Node.
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { minify } from "terser";
import { minifyVariant } from "./minify.mjs";
import { fileOf, OPTIONS, variants } from "./variants.mjs";

const here = new URL(".", import.meta.url);
const dist = new URL("dist/", here);
const sha256 = (text) => createHash("sha256").update(text).digest("hex");

// Nothing stale is left behind: every utm*.js in dist is rewritten or removed.
mkdirSync(dist, { recursive: true });
for (const name of readdirSync(dist)) if (/^utm.*\.js$/.test(name)) rmSync(new URL(name, dist));

const source = readFileSync(new URL("src/utm.js", here), "utf8");
const manifest = { source_sha256: sha256(source), options: Object.keys(OPTIONS), variants: {} };
for (const options of variants()) {
  const code = (await minifyVariant(source, options)) + "\n";
  const name = fileOf(options);
  writeFileSync(new URL(name, dist), code);
  manifest.variants[name] = { options, sha256: sha256(code), bytes: Buffer.byteLength(code) };
  console.log(`${name}: ${Buffer.byteLength(code)} bytes`);
}

const debug = readFileSync(new URL("src/utm-debug.js", here), "utf8");
writeFileSync(new URL("utm-debug.js", dist), debug);
manifest["utm-debug.js"] = { source_sha256: sha256(debug), sha256: sha256(debug), bytes: Buffer.byteLength(debug) };
writeFileSync(new URL("build.json", dist), JSON.stringify(manifest, null, 2) + "\n");
