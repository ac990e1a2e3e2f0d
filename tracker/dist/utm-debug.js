/*! Leadsource utm-debug.js src:466870d6c23a8431 */
!function(){"use strict";try{var o=window.Leadsource;if(!o||!window.console)return;console.info("[leadsource] debug",null,o.touches())}catch(o){}}();
