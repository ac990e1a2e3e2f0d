/* Leadsource utm-debug.js: the "test and verify" helper. utm.js loads it only in debug mode
 * (?leadsource_debug=1 in the address, or data-debug on the script tag). It reports to the
 * console what was captured, what is stored, which forms will be filled, and why anything
 * is missing. The service replaces CONFIG with the tenant's settings when it serves this,
 * the script's options (the parts this site's utm.js was built with) among them. It works
 * with every variant: without the API it reads the script's storage itself. */
((config) => {
  try {
    const api = window.Leadsource;
    const con = window.console;
    if (!api || !con) return;
    const script = document.querySelector('script[src*="/utm.js"]');
    const base = script ? script.src.split(/[?#]/)[0].slice(0, -7) : '';
    const data = script ? script.dataset : {};
    const has = (name) => Object.hasOwn(data, name);
    const options = (config && config.options) || [];
    // The storage format: [touches, visitor id, latest page view, cookie domain], each touch
    // an array of these slots, the time in ms last.
    const SLOTS = 'utm_source utm_medium utm_campaign utm_term utm_content utm_id gclid gbraid wbraid dclid msclkid fbclid li_fat_id ttclid twclid epik rdt_cid sccid yclid referrer landing_page at'.split(' ');
    const named = (touch) => {
      if (!Array.isArray(touch)) return null;
      const out = {};
      SLOTS.forEach((key, i) => { if (touch[i] != null) out[key] = key === 'at' ? new Date(touch[i]).toISOString() : touch[i]; });
      return out;
    };
    const read = () => {
      let raw = null;
      try {
        raw = localStorage.getItem('leadsource');
      } catch (e) { /* blocked */ }
      if (!raw) {
        const match = document.cookie.match(/(^|; )leadsource=([^;]*)/);
        raw = match && decodeURIComponent(match[2]);
      }
      try {
        const state = JSON.parse(raw);
        return Array.isArray(state) && Array.isArray(state[0]) ? state[0].map(named).filter(Boolean) : null;
      } catch (e) {
        return null;
      }
    };
    const touches = api.touches ? api.touches() : (() => {
      const history = read() || [];
      const campaign = (t) => Object.keys(t).some((k) => k !== 'landing_page' && k !== 'at');
      return { first: history[0] || null, latest: history[history.length - 1] || null, lastNonDirect: history.filter(campaign).pop() || null, history, stored: history.length > 0 };
    })();
    const problems = [];
    const notes = [];
    const log = (...args) => con.log('%c[leadsource]', 'color:#1849a9;font-weight:bold', ...args);

    // What the address carries, and parameters that look like misspelled UTM names.
    const known = 'source medium campaign term content id'.split(' ').map((k) => 'utm_' + k);
    const url = new URL(location.href);
    const hash = url.hash.slice(1);
    const seen = [...url.searchParams.keys(), ...new URLSearchParams(hash.slice(hash.indexOf('?') + 1)).keys()];
    for (const key of seen) {
      const lower = key.toLowerCase();
      const squashed = lower.replace(/[^a-z]/g, '');
      if (!known.includes(lower) && /^utm|^ut?m?_?(source|medium|campaign|term|content)/.test(squashed)) {
        const guess = known.find((k) => k.replace('_', '') === squashed) || known.find((k) => squashed.includes(k.slice(4, 7)));
        problems.push(`The address has "${key}", which is not a UTM parameter${guess ? `: did you mean "${guess}"?` : '.'}`);
      }
    }
    if (!seen.some((key) => known.includes(key.toLowerCase()))) {
      notes.push('This page was opened without UTM parameters; the touches below come from earlier visits (or none).');
    }

    // Storage and privacy.
    let storage = 'localStorage';
    try {
      localStorage.getItem('leadsource');
    } catch (e) {
      storage = 'cookie only (localStorage is blocked)';
    }
    const consentMode = options.includes('consent') && data.consent !== 'off';
    if (navigator.webdriver) {
      problems.push('navigator.webdriver is set (an automated browser): nothing is stored.');
    } else if (consentMode && (navigator.globalPrivacyControl || navigator.doNotTrack == '1')) {
      problems.push('The browser sends Global Privacy Control or Do Not Track, and this site\'s script is in consent mode: nothing is stored.');
    } else if (!consentMode && has('consent') && data.consent !== 'off') {
      problems.push('The tag has data-consent, but this site\'s script has no consent mode, so consent can never be given: nothing is stored. Turn on the "consent" script option for the tenant, or remove data-consent.');
    } else if (!touches.stored && consentMode) {
      problems.push('This site\'s script is in consent mode and Leadsource.consent(true) has not been called: nothing is stored yet; forms still get this page\'s touch.');
    } else if (!touches.stored) {
      problems.push('Nothing is stored: the browser refuses both localStorage and cookies for this site.');
    } else {
      notes.push(`Stored in ${storage}, and in a cookie on ${document.cookie.includes('leadsource=') ? 'this site' : '(no cookie: cookies blocked?)'}.`);
    }
    if (!touches.first) problems.push('No first touch: the script has not recorded a visit yet.');

    // The service's view: UTM data transfer, this site's origin and the script's options.
    if (config) {
      notes.push(`This site's utm.js has ${options.length ? 'these options: ' + options.join(', ') : 'no options (the default script)'}.`);
      if (!config.utm_transfer) problems.push(`UTM data transfer is off for tenant "${config.tenant}": submissions are stored without campaign data. An administrator turns it on with \`leadsource tenant update ${config.tenant} --utm-transfer on\`.`);
      if (config.origin_allowed === false) problems.push(`This site (${location.origin}) is not among the tenant's allowed origins: its form posts will be refused.`);
    }

    // Forms: ours get hidden fields; others get values in inputs they already have.
    const forms = [...document.forms].map((form) => {
      const action = new URL(form.getAttribute('action') || '', location.href).href;
      const ours = base && action.startsWith(base + '/forms/');
      const inputs = [...form.querySelectorAll('input[name]')].map((el) => el.name)
        .filter((name) => /^(first_)?(utm_|gclid|gbraid|wbraid|dclid|msclkid|fbclid|li_fat_id|ttclid|twclid|epik|rdt_cid|sccid|yclid|referrer|landing_page)|^ls_/.test(name));
      return { form: form.id || form.getAttribute('name') || action, 'posts to Leadsource': !!ours, 'inputs filled by name': inputs.join(', ') || '-' };
    });
    if (config && !options.includes('inputs') && forms.some((f) => !f['posts to Leadsource'] && f['inputs filled by name'] !== '-')) {
      problems.push('Some forms have inputs named like utm_source or first_utm_source, but this site\'s script does not fill inputs by name: turn on the "inputs" script option for the tenant.');
    }
    if (!forms.length) notes.push('No forms on this page yet (forms added later are filled too).');
    else if (!forms.some((f) => f['posts to Leadsource'] || f['inputs filled by name'] !== '-')) {
      problems.push(`None of this page's forms posts to ${base}/forms/ or has inputs named utm_source, first_utm_source, gclid, ...: none will carry campaign data.`);
    }

    con.groupCollapsed ? con.groupCollapsed('[leadsource] debug report') : log('debug report');
    log('first touch', touches.first);
    log('latest touch', touches.latest);
    log('latest non-direct touch', touches.lastNonDirect);
    log('history', touches.history);
    if (forms.length && con.table) con.table(forms);
    notes.forEach((note) => log(note));
    problems.forEach((problem) => con.warn('[leadsource]', problem));
    if (!problems.length) log('Everything needed is in place.');
    if (con.groupEnd) con.groupEnd();
  } catch (e) { /* never break the page, even in debug mode */ }
})(/*CONFIG*/null);
