// The terser options for dist/utm.js, shared by build.mjs and parts.mjs so the sizes parts.mjs
// reports are those of the served build.
export const minifyOptions = {
  ecma: 2020,
  compress: { passes: 3 },
  mangle: true,
  format: { comments: false },
};
