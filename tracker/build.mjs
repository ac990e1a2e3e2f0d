// Build tracker/dist from tracker/src: utm.js minified with terser (every byte is served on
// every page of every customer's site), utm-debug.js copied as it is (loaded only in debug
// mode, and the service fills in its /*CONFIG*/ placeholder). dist/build.json records the
// hash of each source and output, so tests/test_tracker_build.py can tell when a committed
// build is stale or was edited by hand, without needing Node.
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { minify } from "terser";
import { minifyOptions } from "./minify.mjs";

const here = new URL(".", import.meta.url);
const sha256 = (text) => createHash("sha256").update(text).digest("hex");
const manifest = {};

for (const [name, minified] of [["utm.js", true], ["utm-debug.js", false]]) {
  const source = readFileSync(new URL(`src/${name}`, here), "utf8");
  let code = source;
  if (minified) {
    const result = await minify(source, minifyOptions);
    code = result.code + "\n";
  }
  writeFileSync(new URL(`dist/${name}`, here), code);
  manifest[name] = { source_sha256: sha256(source), sha256: sha256(code), bytes: Buffer.byteLength(code) };
  console.log(`${name}: ${source.length} -> ${code.length} bytes`);
}
writeFileSync(new URL("dist/build.json", here), JSON.stringify(manifest, null, 2) + "\n");
