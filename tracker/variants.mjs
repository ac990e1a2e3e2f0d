// The optional parts of utm.js and the file each combination is built to. Shared by
// build.mjs, parts.mjs and (through dist/build.json) the service, which serves the variant its
// tenant's settings name. The order here is the order of the names in a variant's file name.
export const OPTIONS = {
  pageviews: "PAGEVIEWS",
  consent: "CONSENT",
  inputs: "INPUTS",
  crossdomain: "CROSSDOMAIN",
  api: "API",
};

// Every subset of OPTIONS, the default (no options) first.
export const variants = () => {
  const names = Object.keys(OPTIONS);
  return Array.from({ length: 2 ** names.length }, (_, bits) => names.filter((_, i) => bits & (1 << i)));
};

// utm.js for the default, utm.api+pageviews.js style names for the rest.
export const fileOf = (options) => (options.length ? `utm.${options.join("+")}.js` : "utm.js");

// terser's global_defs for a variant: each switch true or false.
export const definesOf = (options) =>
  Object.fromEntries(Object.entries(OPTIONS).map(([name, flag]) => [flag, options.includes(name)]));
