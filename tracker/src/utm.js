/*! Leadsource utm.js - remembers where a visitor came from and adds it to your forms. */
(function (win, doc) {
  'use strict';
  try {
    // Loaded twice (two tags, a tag manager): the first copy does the work.
    if (win.Leadsource && win.Leadsource.v) return;

    /* ---- configuration: from this script's own URL --------------------------------- */
    var script = doc.currentScript;
    var src = script && script.src;
    var base = src && src.split('?')[0].replace(/\/utm\.js$/, '');
    if (!base) return;
    var formPrefix = base + '/forms/';
    var KEY = 'leadsource';
    var PARAMS = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content', 'utm_id',
      'gclid', 'gbraid', 'wbraid', 'dclid', 'msclkid', 'fbclid', 'li_fat_id', 'ttclid', 'twclid'];
    var MAX_VALUE = 200;
    var MAX_URL = 600;

    /* ---- storage: localStorage, or a first-party cookie where that is unavailable --- */
    function local() {
      try {
        var ls = win.localStorage;
        ls.setItem(KEY + '_t', '1');
        ls.removeItem(KEY + '_t');
        return ls;
      } catch (e) {
        return null;
      }
    }
    var ls = local();

    function readCookie() {
      var parts = doc.cookie ? doc.cookie.split('; ') : [];
      for (var i = 0; i < parts.length; i++) {
        if (parts[i].indexOf(KEY + '=') === 0) return decodeURIComponent(parts[i].slice(KEY.length + 1));
      }
      return null;
    }

    function load() {
      var raw = null;
      try {
        raw = (ls && ls.getItem(KEY)) || readCookie();
        var data = raw && JSON.parse(raw);
        if (data && typeof data === 'object') return data;
      } catch (e) { /* unreadable: start afresh */ }
      return {};
    }

    function save(state) {
      var raw = JSON.stringify(state);
      try {
        if (ls) {
          ls.setItem(KEY, raw);
          return;
        }
      } catch (e) { /* quota or a late failure: fall through to the cookie */ }
      try {
        doc.cookie = KEY + '=' + encodeURIComponent(raw) + '; max-age=34560000; path=/; SameSite=Lax' +
          (win.location.protocol === 'https:' ? '; Secure' : '');
      } catch (e) { /* cookies blocked too: nothing persists, forms still get this page's touch */ }
    }

    /* ---- the touch of this page view ----------------------------------------------- */
    function clip(value, max) {
      return String(value).slice(0, max);
    }

    function readParams() {
      // Keys are case-insensitive; values are kept as sent. The first of a repeated key wins.
      var found = {};
      var any = false;
      var query;
      try {
        query = new URLSearchParams(win.location.search);
      } catch (e) {
        return null;
      }
      query.forEach(function (value, key) {
        key = key.toLowerCase();
        if (PARAMS.indexOf(key) >= 0 && value && !Object.prototype.hasOwnProperty.call(found, key)) {
          found[key] = clip(value, MAX_VALUE);
          any = true;
        }
      });
      return any ? found : null;
    }

    function externalReferrer() {
      var ref = doc.referrer;
      if (!ref) return '';
      try {
        return new URL(ref).hostname === win.location.hostname ? '' : clip(ref, MAX_URL);
      } catch (e) {
        return '';
      }
    }

    var params = readParams();
    var referrer = externalReferrer();
    var touch = params || {};
    touch.landing_page = clip(win.location.href, MAX_URL);
    touch.referrer = referrer;
    touch.at = new Date().toISOString();

    var state = load();
    // The first touch is written once and never replaced.
    if (!state.first) state.first = touch;
    // A campaign or an outside link is a new touch; a direct revisit or a click within the
    // site keeps the latest campaign touch as it was.
    if (params || referrer) state.latest = touch;
    save(state);

    /* ---- forms: add the touches to every form posting to this tenant --------------- */
    function targetsUs(form, submitter) {
      var action = (submitter && submitter.getAttribute && submitter.getAttribute('formaction')) ||
        form.getAttribute('action') || '';
      try {
        return new URL(action, doc.baseURI).href.indexOf(formPrefix) === 0;
      } catch (e) {
        return false;
      }
    }

    function randomId() {
      var bytes = new Uint8Array(16);
      var out = '';
      var crypto = win.crypto;
      for (var i = 0; i < 16; i++) bytes[i] = Math.random() * 256;
      if (crypto && crypto.getRandomValues) crypto.getRandomValues(bytes);
      for (i = 0; i < 16; i++) out += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
      return out;
    }

    function setHidden(form, name, value) {
      var input = form.querySelector('input[name="' + name + '"]');
      if (!input) {
        input = doc.createElement('input');
        input.type = 'hidden';
        input.name = name;
        form.appendChild(input);
      }
      // A resubmission (double click, back and send again) keeps its id, so the server
      // stores it once.
      if (name !== 'ls_submission_id' || !input.value) input.value = value;
    }

    function fields() {
      var current = load();
      var first = current.first || touch;
      return {
        ls_first_touch: JSON.stringify(first),
        ls_latest_touch: current.latest ? JSON.stringify(current.latest) : ''
      };
    }

    function fill(form) {
      var values = fields();
      setHidden(form, 'ls_submission_id', randomId());
      for (var name in values) {
        if (Object.prototype.hasOwnProperty.call(values, name)) setHidden(form, name, values[name]);
      }
    }

    // Capture phase on window: runs before the page's own handlers, for forms that exist now
    // or are added later, and whatever those handlers then do with the form.
    win.addEventListener('submit', function (event) {
      try {
        var form = event.target;
        if (form && form.tagName === 'FORM' && targetsUs(form, event.submitter)) fill(form);
      } catch (e) { /* never break the page's form */ }
    }, true);

    /* ---- the one global ------------------------------------------------------------ */
    win.Leadsource = {
      v: 1,
      touches: function () {
        var current = load();
        return { first: current.first || null, latest: current.latest || null };
      },
      fields: fields
    };
  } catch (e) { /* the host page comes first */ }
})(window, document);
