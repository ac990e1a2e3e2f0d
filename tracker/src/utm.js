/* Leadsource utm.js: remembers where a visitor came from and adds it to the forms they send.
 *
 * This is the source of tracker/dist/utm.js (`scripts/build-tracker`). Every byte is paid for
 * on every page of every customer's site, so the code is terse on purpose and the comments
 * carry the reasons. Configuration comes from data- attributes on the script's own tag;
 * tracker/README.md documents them, the storage format and the public API.
 *
 * The model: the visitor's touches (arrivals with their campaign data), oldest first. The
 * first touch is the oldest, the latest touch the newest, the latest non-direct touch the
 * newest with a campaign or an outside referrer. Merging two lists (localStorage and the
 * cookie, this page and storage, another domain's hand-over) is sorting by time.
 *
 * A site gets only the code it uses. The optional parts are behind build-time switches
 * (PAGEVIEWS, CONSENT, INPUTS, CROSSDOMAIN, API: terser's global_defs), and build.mjs builds
 * every combination into dist/; the service serves the one its tenant's settings name. An
 * included part is on, and a page can switch it off with data-<part>="off". */
((win, doc, nav, loc, history, json, now) => {
  try {
    // Loaded twice (two tags, a tag manager): the first copy does the work.
    if (win.Leadsource) return;

    /* ---- configuration -------------------------------------------------------------- */
    const script = doc.currentScript;
    // Attributes, not dataset: a polluted Object.prototype cannot invent a setting.
    const opt = (name) => script.getAttribute('data-' + name);
    const on = (part) => opt(part) != 'off';
    // Filling inputs the customer placed (INPUTS); touches across the site's domains, to
    // decorated links and iframes (CROSSDOMAIN). Each use names the switch too (`INPUTS &&
    // inputs`): terser drops the code behind a false switch, not behind a false const.
    const inputs = INPUTS && on('inputs');
    const crossing = CROSSDOMAIN && on('crossdomain');
    const base = new URL('.', script.src).href; // ".../t/<tenant>/"
    const FORMS = base + 'forms/';
    const KEY = 'leadsource';
    const DAY = 864e5;
    // A touch is an array in the order of FIELDS: the campaign keys (UTM 0-5, then click ids
    // 6-18, gclid, gbraid and wbraid first: only the first of those three present is kept),
    // referrer (19), landing page (20), and the time (21, ms). Empty slots are null. Code
    // that indexes an array needs no names, and reading a JSON array's items never reaches
    // a prototype.
    const FIELDS = 'utm_source utm_medium utm_campaign utm_term utm_content utm_id gclid gbraid wbraid dclid msclkid fbclid li_fat_id ttclid twclid epik rdt_cid sccid yclid referrer landing_page at'.split(' ');
    const hostOf = (href) => new URL(href, loc).hostname;
    // The host is the domain or one of its subdomains.
    const under = (host, domain) => ('.' + host).endsWith('.' + domain);
    // (An empty name, from extra spaces, matches no host.)
    const listed = (name, host) => opt(name)?.split(/[\s,]+/).some((domain) => under(host, domain));
    const safe = (fn) => (...args) => {
      try {
        return fn(...args);
      } catch { /* the host page comes first */ }
    };
    // Consent mode (the CONSENT part): storage waits for Leadsource.consent(true), and never
    // happens under Global Privacy Control or Do Not Track. A build without it stores nothing
    // on a page whose tag asks for consent (data-consent), as it could never be given there.
    // Automation (navigator.webdriver) never stores.
    const waits = CONSENT ? on('consent') : opt('consent') != null;
    const privacy = CONSENT && waits && (nav.globalPrivacyControl || nav.doNotTrack == 1);
    const bot = nav.webdriver;
    let consent = !waits;
    // A prerendered page is not a visit until the visitor actually sees it.
    const stores = () => consent && !bot && !doc.prerendering;

    /* ---- touches -------------------------------------------------------------------- */
    const randomId = () => crypto.getRandomValues(new Uint32Array(4)).join('-');

    // Known slots, non-empty strings, bounded; null without a valid time. Everything read
    // from a URL, storage or another domain passes through here. Click ids past their
    // window (data-click-days, default 90) are dropped, and of gclid, gbraid and wbraid only
    // the first is kept (Google Ads takes one).
    const clean = (touch) => {
      let google = 0;
      const at = +new Date(touch?.[21]);
      return at ? FIELDS.map((key, i, value) => (i > 20 ? at : typeof (value = touch[i]) == 'string' && value && !(i > 5 && i < 19 && (now - at > (opt('click-days') || 90) * DAY || (i < 9 && google++))) ? value.slice(0, i > 19 ? 500 : 200) : null)) : null;
    };
    // A touch as sent and as the API gives it: the non-empty values by name, the ISO time.
    const out = (touch) => {
      let copy = null;
      if (touch) {
        copy = {};
        FIELDS.map((key, i) => touch[i] && (copy[key] = touch[i]));
        copy.at = new Date(touch[21]).toISOString();
      }
      return copy;
    };
    // What makes two touches the same campaign; empty for a direct arrival.
    const campaignOf = (touch) => touch?.slice(0, 20).join('');
    // Oldest first, each touch once (two touches of the same millisecond are the same one).
    const merge = (...lists) =>
      lists.flat().map(clean).filter((touch) => touch).sort((a, b) => a[21] - b[21])
        .filter((touch, i, all) => touch[21] != all[i - 1]?.[21]);

    // The state: the touches, the visitor's random id (made when first stored), the time of
    // the latest page view, and the cookie domain (data-cookie-domain, or found by the probe).
    let touches = [];
    let visitor;
    let seen = 0;
    let domain = opt('cookie-domain');
    const latest = () => touches.findLast(campaignOf);

    // A new touch: a campaign or another site unlike the latest one, or any arrival after 30
    // minutes without a page view; a reload or a click within the site is not one. Past
    // data-attribution-days (if set) the oldest touches go, so the first touch is replaced.
    // Ten touches are kept, always with the first and the latest non-direct one.
    const arrive = (touch) => {
      const at = touch[21];
      const campaign = campaignOf(touch);
      if (at - seen > 18e5 || (campaign && campaign != campaignOf(latest()))) {
        const h = whole();
        h.push(touch);
        while (at - h[0][21] > (opt('attribution-days') || 1e9) * DAY) h.shift();
        if (h[10]) h.splice(h[1] == latest() ? 2 : 1, 1);
      }
      seen = at;
    };

    /* ---- storage: localStorage and a cookie on the registrable domain ---------------- */
    // Either can be blocked to the point of throwing: reading and writing never do.
    const local = safe((method, value) => localStorage[method](KEY, value));
    const cookies = safe(() => doc.cookie);
    const cookie = safe((value, domain) =>
      (doc.cookie = `${value};path=/;SameSite=Lax;domain=${domain}${loc.protocol == 'https:' ? ';Secure' : ''}`));
    // The registrable domain: the shortest suffix of the host that takes a cookie, as
    // browsers refuse public suffixes such as co.uk (an IP address takes one only as a
    // whole). Probing costs synchronous cookie reads, so the answer is kept with the
    // touches and the probe runs once per visitor and domain.
    const registrable = () => {
      if (domain == null) {
        domain = '';
        const labels = loc.hostname.split('.');
        for (let i = labels.length - 1; !domain && i--; ) {
          const candidate = labels.slice(i).join('.');
          cookie('_lsp=1', candidate);
          if (cookies()?.includes('_lsp=1')) cookie('_lsp=;max-age=0', (domain = candidate));
        }
      }
      return domain;
    };
    const parse = (raw) => {
      try {
        // The cookie's value is URI-encoded JSON ("%5B..."), localStorage's plain JSON.
        // Nothing stored is no exception: a first exception costs V8 a millisecond.
        return raw && JSON.parse(raw[0] == '%' ? decodeURIComponent(raw) : raw);
      } catch { /* unreadable: start afresh */ }
    };

    // Stored: [touches, visitor id, latest page view, cookie domain]. The cookie, read on
    // every page, holds what a page view needs: the first and the latest non-direct touch
    // and the rest. localStorage holds the whole history; every storage call is a
    // synchronous round trip to another process, so it is read only when the whole history
    // is needed (a new touch, a form, the API) or the cookie is missing, and written only
    // after it was read. Either restores the other: a new subdomain has only the cookie, a
    // cleared cookie jar only localStorage.
    const absorb = (stored) => {
      // Destructuring reads an array's own items only.
      const [h, v, s, d] = Array.isArray(stored) ? stored : [];
      touches = merge(touches, h);
      visitor ||= v;
      if (s > seen) seen = s;
      if (domain == null && under(loc.hostname, d)) domain = d;
    };
    // With `repair`, what was read is written straight back, so a missing or corrupt copy
    // is mended even on a page that has nothing new to store.
    let wholeRead;
    const whole = (repair) => {
      if (!wholeRead && stores()) {
        wholeRead = 1;
        absorb(parse(local('getItem')));
        if (repair) save();
      }
      return touches;
    };
    // What this page learnt before it could read storage (consent came late) is replayed,
    // so the landing's campaign is kept.
    const load = () => {
      const memory = touches;
      const shared = parse(cookies()?.match(/(^|; )leadsource=([^;]*)/)?.[2]);
      touches = [];
      absorb(shared);
      if (!shared) whole();
      memory.map(arrive);
    };

    const save = () => {
      if (stores()) {
        visitor ||= randomId();
        registrable();
        if (wholeRead) local('setItem', json([touches, visitor, seen, domain]));
        // An empty cookie when the touches do not fit its 4 KB (hostile values): the next
        // page then reads localStorage.
        const value = encodeURIComponent(json([[touches[0], latest()], visitor, seen, domain]));
        cookie(KEY + '=' + (value.length < 4e3 ? value : '') + ';max-age=34560000', domain);
      }
    };

    /* ---- page views ----------------------------------------------------------------- */
    let lastHref, pending;
    const view = (referrer, href = loc.href) => {
      if (href != lastHref) {
        let passed;
        const touch = [...Array(19), referrer, (lastHref = href), (now = Date.now())];
        // Campaign parameters of the query, then of the part after '#' (also a hash route's
        // own '?'): '?' and '#' separate pairs as '&' does. Keys are case-insensitive, values
        // kept as sent (+ is a space, %2B a plus); the first occurrence of a key wins.
        new URLSearchParams(href.replace(/[?#]/g, '&')).forEach((value, key) =>
          CROSSDOMAIN && crossing && key == '_ls' ? (passed = parse(value)) : ~(key = FIELDS.indexOf(key.toLowerCase())) && (touch[key] ??= value));
        if (CROSSDOMAIN && crossing && passed) {
          // Arrived by a link decorated on another of the site's domains (data-decorate):
          // the same visit goes on, with the other domain's first and latest non-direct
          // touches. They leave the address, so a shared link cannot pass them on.
          if (href == loc.href) history.replaceState(history.state, '', (lastHref = href.replace(/[?&]_ls=[^&#]*/, '')));
          touches = merge(whole(), passed);
        } else arrive(clean(touch));
        seen = now;
        save();
        if ((INPUTS && inputs) || (CROSSDOMAIN && crossing)) scan();
        // Page views (the PAGEVIEWS part) for the campaign reports' sessions and views;
        // text/plain, so no preflight. In consent mode the page's view waits for consent.
        if (PAGEVIEWS && on('pageviews')) (pending = () => stores() && nav.sendBeacon(base + 'collect', json({ v: visitor, u: lastHref, r: referrer })))();
      }
    };

    /* ---- forms, inputs, iframes, links ---------------------------------------------- */
    // The hidden fields. Touches go in the storage format (arrays; the service reads it),
    // which spares every build the code that names each value.
    const fields = (submissionId) => {
      const sent = [...whole(1)];
      // Dropping the oldest keeps even huge hostile values inside the service's body limit.
      while (json(sent).length > 12e3) sent.shift();
      const hidden = {
        ls_submission_id: submissionId || randomId(),
        ls_first_touch: json(touches[0] || null),
        ls_latest_touch: json(latest() || null),
        ls_touches: json(sent),
      };
      // With page views on, the visitor id ties the lead to its sessions (and lets a
      // privacy request erase them).
      if (PAGEVIEWS) hidden.ls_visitor_id = visitor || '';
      return hidden;
    };

    // The other domain's or the iframe's address with the first and latest non-direct
    // touches in _ls and, for iframes, the latest campaign's parameters.
    const decorate = (href, withUtm) => {
      const url = new URL(href, loc);
      const l = latest() || touches[0];
      FIELDS.map((key, i) => withUtm && i < 19 && l[i] && url.searchParams.set(key, l[i]));
      url.searchParams.set('_ls', json([touches[0], l]));
      return url.href;
    };

    // Inputs a customer placed in any form, matched by name: utm_source, gclid, referrer,
    // landing_page and the rest from the latest non-direct touch, first_utm_source and the
    // rest from the first touch, and the ls_ fields. Iframes of our hosted forms, or of
    // hosts listed in data-iframes, get the touches in their address.
    const filled = INPUTS && new WeakMap();
    const framed = (el) => CROSSDOMAIN && crossing && el.tagName == 'IFRAME' && !/[?&]_ls=/.test(el.src) && (!el.src.indexOf(FORMS) || listed('iframes', hostOf(el.src)));
    const scan = () => {
      for (const el of doc.querySelectorAll('input[name],iframe[src]')) {
        const name = el.name;
        if (framed(el)) {
          el.src = decorate(el.src, 1);
        } else if (INPUTS && inputs && el.tagName == 'INPUT' && name != 'ls_submission_id') {
          const isFirst = name.startsWith('first_');
          // A touch's value by its slot; the time (slot 21) is no input's.
          const slot = FIELDS.indexOf(name.slice(isFirst * 6));
          const value = name.startsWith('ls_') ? ((values) => Object.hasOwn(values, name) && values[name])(fields(1)) : slot < 21 && (isFirst ? touches[0] : latest() || touches[0])?.[slot];
          // Never overwrite what the page or the visitor put there; refresh what we put.
          if (value && (!el.value || filled.get(el) == el.value)) filled.set(el, (el.value = value));
        }
      }
    };

    // Hidden fields in a form posting to this tenant. Capture phase on window, so before
    // the page's own handlers, for forms present now or added later; `formdata` also
    // catches forms a page sends itself with new FormData(form). A resubmission keeps its
    // id, so it is stored once.
    const fill = (form, formData, submitter) => {
      const find = (name) => form.querySelector(`input[name=${name}]`);
      if (!new URL(submitter?.getAttribute('formaction') || form.getAttribute('action') || '', loc).href.indexOf(FORMS)) {
        const values = fields(find('ls_submission_id')?.value);
        for (const name of Object.keys(values)) {
          const el = find(name) || form.appendChild(doc.createElement('input'));
          el.type = 'hidden';
          el.name = name;
          formData?.set(name, (el.value = values[name]));
        }
      }
    };
    const listen = (type, fn) => win.addEventListener(type, safe(fn), true);
    listen('submit', (event) => fill(ready(event.target), null, event.submitter));
    listen('formdata', (event) => fill(ready(event.target), event.formData));
    // Links to the site's other domains carry the touches across (data-decorate).
    const onLink = ({ target }) => {
      const link = ready(target).closest('a[href]');
      if (listed('decorate', link.hostname)) link.href = decorate(link.href);
    };
    if (CROSSDOMAIN && crossing) {
      listen('mousedown', onLink);
      listen('click', onLink);
    }

    /* ---- single-page apps ----------------------------------------------------------- */
    const navigated = safe(() => view(ready('')));
    for (const name of ['pushState', 'replaceState']) {
      const original = history[name];
      // Both return nothing; one that throws (another origin's address) changed nothing.
      history[name] = (...args) => {
        original.apply(history, args);
        navigated();
      };
    }
    // A fragment navigation fires popstate too (before hashchange), in every current browser.
    listen('popstate', navigated);

    /* ---- the one global ------------------------------------------------------------- */
    // Always there (a second copy of the tag sees it and stops); its methods only in builds
    // with the API (touches, fill) or consent mode (consent).
    const api = (win.Leadsource = {});
    if (API && on('api')) {
      api.touches = () => {
        const history = whole(ready(1)).map(out);
        return { first: history[0], latest: history.at(-1), lastNonDirect: out(latest()), history, stored: stores() };
      };
      // Adds the fields to a form element, or sets them on a FormData or URLSearchParams,
      // or returns them as a plain object for a JSON body.
      api.fill = safe((target = {}) => {
        if (ready(target).tagName) fill(target);
        else for (const [name, value] of Object.entries(fields())) target.set ? target.set(name, value) : (target[name] = value);
        return target;
      });
    }
    // In consent mode: call with true once the visitor agreed, with false to withdraw.
    if (CONSENT) {
      api.consent = safe((granted) => {
        if (ready(consent) != (consent = !!granted && !privacy)) {
          if (consent) load();
          else local('removeItem'), cookie(KEY + '=;max-age=0', domain);
          save();
          if (PAGEVIEWS) pending?.();
        }
      });
    }

    /* ---- start ---------------------------------------------------------------------- */
    // All the work with storage waits until the page's parser has moved on, or for the
    // first moment it is needed (a form sent, a link followed, the API, a navigation): the
    // tag in <head> blocks the page only to take the address, before a router rewrites it,
    // and to set up the listeners. ready(x) returns x, so a caller can wrap what it was
    // going to use anyway.
    const landing = loc.href;
    let started;
    const ready = (pass) => {
      if (!started && !doc.prerendering) {
        started = 1;
        if (stores()) load();
        // Another site's address: not this site, its subdomains, nor our own hosted pages.
        const referrer = doc.referrer;
        const host = referrer && hostOf(referrer);
        view(host && host != hostOf(base) && !under(host, registrable() || loc.hostname) ? referrer : '', landing);
        if (opt('debug') != null || /[?&#]leadsource_debug=1/.test(landing)) {
          doc.head.appendChild(doc.createElement('script')).src = base + 'utm-debug.js';
        }
      }
      return pass;
    };
    // Forms, inputs and iframes added to the page. An iframe in the page's HTML starts loading
    // as the parser adds it, before any script can change its address: one to decorate
    // starts the work at once, so it is sent to the decorated address straight away.
    if ((INPUTS && inputs) || (CROSSDOMAIN && crossing)) new MutationObserver(safe(() => (started || [...doc.querySelectorAll('iframe')].some(framed)) && scan(ready()))).observe(doc, { childList: true, subtree: true });
    // A prerendered page starts when the visitor actually sees it, any other page when its
    // document is parsed (before its load event), or when the visitor leaves it first. (The
    // document's events pass the window's capture listeners too.)
    for (const type of ['DOMContentLoaded', 'prerenderingchange', 'pagehide']) listen(type, ready);
  } catch { /* the host page comes first */ }
})(window, document, navigator, location, history, JSON.stringify, Date.now());
