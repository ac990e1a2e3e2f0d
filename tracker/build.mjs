// Minify tracker/src/*.js into tracker/dist/, each with a banner naming the hash of its
// source, so tests/test_tracker_build.py can tell when a committed build is stale.
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync, readdirSync } from "node:fs";
import { minify } from "terser";

const here = new URL(".", import.meta.url);
const names = readdirSync(new URL("src/", here)).filter((n) => n.endsWith(".js"));

for (const name of names) {
  const source = readFileSync(new URL(`src/${name}`, here), "utf8");
  const hash = createHash("sha256").update(source).digest("hex").slice(0, 16);
  const result = await minify(source, {
    ecma: 2017,
    compress: { passes: 3, unsafe_arrows: false },
    mangle: true,
    format: { comments: false },
  });
  const banner = `/*! Leadsource ${name} src:${hash} */\n`;
  writeFileSync(new URL(`dist/${name}`, here), banner + result.code + "\n");
  console.log(`${name}: ${source.length} -> ${result.code.length} bytes`);
}
