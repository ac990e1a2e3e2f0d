/* Leadsource utm-debug.js: loaded by utm.js in debug mode only. */
(function (config) {
  'use strict';
  try {
    var ls = window.Leadsource;
    if (!ls || !window.console) return;
    console.info('[leadsource] debug', config, ls.touches());
  } catch (e) { /* never break the page */ }
})(/*CONFIG*/null);
