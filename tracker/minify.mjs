// The terser options for dist/utm*.js, shared by build.mjs and parts.mjs so the sizes parts.mjs
// reports are those of the served build.
import { minify } from "terser";
import { definesOf } from "./variants.mjs";

export const minifyOptions = {
  ecma: 2020,
  compress: { passes: 3 },
  mangle: true,
  format: { comments: false },
};

// One variant: the optional parts it lacks are switched off and removed as dead code.
export const minifyVariant = async (source, options) =>
  (
    await minify(source, {
      ...minifyOptions,
      compress: { ...minifyOptions.compress, global_defs: definesOf(options) },
    })
  ).code;
