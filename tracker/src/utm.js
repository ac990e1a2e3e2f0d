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
 * cookie, this page and storage, another domain's hand-over) is sorting by time. */
((win, doc, nav, loc, history, json, now = Date.now()) => {
  try {
    // Loaded twice (two tags, a tag manager): the first copy does the work.
    if (win.Leadsource) return;

    /* ---- configuration -------------------------------------------------------------- */
    const script = doc.currentScript;
    // Own properties only, here and everywhere: a polluted Object.prototype changes nothing.
    const own = (object, key) => (object && Object.hasOwn(object, key) ? object[key] : undefined);
    const opt = (name) => own(script.dataset, name);
    const base = script.src.split(/[?#]/)[0].slice(0, -7); // without "/utm.js"
    const FORMS = base + '/forms/';
    const KEY = 'leadsource';
    const DAY = 864e5;
    // gclid, gbraid and wbraid first and in this order: only the first present is sent.
    const CLICK = 'gclid gbraid wbraid dclid msclkid fbclid li_fat_id ttclid twclid epik rdt_cid sccid yclid'.split(' ');
    const PARAMS = 'source medium campaign term content id'.split(' ').map((k) => 'utm_' + k).concat(CLICK);
    const FIELDS = [...PARAMS, 'referrer', 'landing_page', 'at'];
    const hostOf = (href) => new URL(href, loc).hostname;
    const listed = (name, host) => (opt(name) || '').split(/[\s,]+/).some((h) => h && ('.' + host).endsWith('.' + h));
    // Storage waits for consent when the tag asks for it; it never happens for automation
    // (unless data-allow-bots, which tests use) nor, with data-respect-dnt, under GPC/DNT.
    const privacy = opt('respectDnt') != null && !!(nav.globalPrivacyControl || nav.doNotTrack == 1);
    const bot = opt('allowBots') == null && nav.webdriver;
    let consent = opt('consent') == null && !privacy;
    const stores = () => consent && !bot;

    /* ---- touches -------------------------------------------------------------------- */
    const time = (touch) => Date.parse(own(touch, 'at')) || 0;
    const randomId = () => [...crypto.getRandomValues(new Uint8Array(12))].map((b) => (b | 256).toString(16).slice(1)).join('');
    const safe = (fn) => (...args) => {
      try {
        return fn(...args);
      } catch (e) { /* the host page comes first */ }
    };

    // Known keys, non-empty strings, bounded; null without a valid time. Everything read
    // from a URL, storage or another domain passes through here. When sending, click ids
    // past their window (data-click-days, default 90) are dropped, and of gclid, gbraid and
    // wbraid only the first is kept.
    const clean = (touch, sending) => {
      const copy = {};
      const expired = sending && now - time(touch) > (opt('clickDays') || 90) * DAY;
      let google = 0;
      for (const key of FIELDS) {
        const value = own(touch, key);
        const click = CLICK.indexOf(key);
        if (typeof value == 'string' && value && !(sending && click >= 0 && (expired || (click < 3 && google++)))) {
          copy[key] = value.slice(0, key == 'landing_page' ? 500 : 200);
        }
      }
      return time(copy) ? copy : null;
    };
    const out = (touch) => touch && clean(touch, 1);
    // What makes two touches the same campaign; empty for a direct arrival.
    const campaignOf = (touch) => FIELDS.slice(0, -2).map((key) => own(touch, key) || '').join('');
    // Oldest first, each touch once (two touches of the same millisecond are the same one).
    const merge = (...lists) =>
      lists.flat().map((touch) => clean(touch)).filter(Boolean).sort((a, b) => time(a) - time(b))
        .filter((touch, i, all) => time(touch) != time(all[i - 1]));

    let state = { h: [], v: randomId(), s: 0 };
    const first = () => state.h[0];
    const lastNonDirect = () => state.h.findLast(campaignOf);

    // A new touch: a campaign or another site unlike the latest one, or any arrival after 30
    // minutes without a page view; a reload or a click within the site is not one. Past
    // data-attribution-days (if set) the oldest touches go, so the first touch is replaced.
    // Ten touches are kept, always with the first and the latest non-direct one.
    const arrive = (touch) => {
      const at = time(touch);
      const campaign = campaignOf(touch);
      const h = state.h;
      if (at - state.s > 18e5 || (campaign && campaign != campaignOf(lastNonDirect()))) {
        h.push(touch);
        while (at - time(h[0]) > (opt('attributionDays') || 1e9) * DAY) h.shift();
        if (h[10]) h.splice(h[1] == lastNonDirect() ? 2 : 1, 1);
      }
      state.s = at;
    };

    /* ---- storage: localStorage and a cookie on the registrable domain ---------------- */
    // Cookies can be blocked to the point of throwing: reading and writing never do.
    const cookies = safe(() => doc.cookie);
    const cookie = safe((value, extra) =>
      (doc.cookie = `${value};path=/;SameSite=Lax${extra}${loc.protocol == 'https:' ? ';Secure' : ''}`));
    // The registrable domain: the shortest suffix of the host that takes a cookie, as
    // browsers refuse public suffixes such as co.uk (none for IP addresses). Probing
    // costs synchronous cookie reads, so the answer is kept with the touches and the probe
    // runs once per visitor and domain.
    let domain = opt('cookieDomain');
    const registrable = () => {
      if (domain == null) {
        domain = '';
        const labels = loc.hostname.split('.');
        for (let i = labels.length - 1; --i >= 0 && !domain && !/^[\d.]+$/.test(loc.hostname); ) {
          const candidate = ';domain=' + labels.slice(i).join('.');
          cookie('_lsp=1', candidate);
          if (cookies()?.includes('_lsp=1')) cookie('_lsp=', ';max-age=0' + candidate), (domain = candidate.slice(8));
        }
      }
      return domain;
    };
    const storage = () => {
      try {
        return localStorage;
      } catch (e) { /* blocked */ }
    };
    const parse = (raw) => {
      try {
        // The cookie's value is URI-encoded JSON ("%7B..."), localStorage's plain JSON.
        return JSON.parse(raw[0] == '%' ? decodeURIComponent(raw) : raw);
      } catch (e) { /* unreadable: start afresh */ }
    };

    // localStorage and the cookie restore each other (a new subdomain has only the cookie,
    // a cleared cookie jar only localStorage). What this page learnt before it could read
    // storage (consent came late) is then replayed, so the landing's campaign is kept.
    const load = () => {
      const memory = state;
      const local = parse(storage()?.getItem(KEY));
      const shared = parse(cookies()?.match(/(^|; )leadsource=([^;]*)/)?.[2]);
      state = {
        h: merge(own(local, 'h') || [], own(shared, 'h') || []),
        v: own(shared, 'v') || own(local, 'v') || memory.v,
        s: Math.max(own(local, 's') || 0, own(shared, 's') || 0),
      };
      const known = own(shared, 'd') ?? own(local, 'd');
      if (domain == null && ('.' + loc.hostname).endsWith('.' + known)) domain = known;
      memory.h.forEach(arrive);
    };

    const save = () => {
      if (stores()) {
        state.d = registrable();
        try {
          storage().setItem(KEY, json(state));
        } catch (e) { /* unavailable or full: the cookie carries the rest */ }
        // The first and the latest non-direct touch, if they fit the 4 KB cookie limit.
        const value = encodeURIComponent(json({ ...state, h: [first(), lastNonDirect()] }));
        if (value.length < 4e3) cookie(KEY + '=' + value, ';max-age=34560000;domain=' + state.d);
      }
    };

    /* ---- page views ----------------------------------------------------------------- */
    let lastHref;
    const view = (referrer) => {
      if (loc.href == lastHref) return;
      now = Date.now();
      const url = new URL(loc);
      const params = url.searchParams;
      const passed = params.get('_ls');
      const touch = { referrer, at: new Date(now).toISOString() };
      if (passed != null) {
        // Arrived by a link decorated on another of the site's domains (data-decorate): the
        // same visit goes on, with the other domain's first and latest non-direct touches.
        // They leave the address, so a shared link cannot pass them on.
        params.delete('_ls');
        history.replaceState(history.state, '', (lastHref = url.href));
        const handed = parse(passed);
        state.h = merge(state.h, [own(handed, 'f'), own(handed, 'l')]);
      }
      // Campaign parameters of the query, then of the part after '#' (also a hash route's
      // own '?'). Keys are case-insensitive, values kept as sent (+ is a space, %2B a plus);
      // the first occurrence of a key wins.
      const hash = url.hash.slice(1);
      for (const query of [params, new URLSearchParams(hash.slice(hash.indexOf('?') + 1))]) {
        query.forEach((value, key) => own(touch, (key = key.toLowerCase())) ?? (touch[key] = value));
      }
      touch.landing_page = lastHref = loc.href;
      if (passed == null) arrive(clean(touch));
      state.s = now;
      save();
      scan(doc);
      // Opt-in page views for the campaign reports' sessions and views; text/plain, so no
      // preflight.
      if (opt('pageviews') != null && stores()) nav.sendBeacon(base + '/collect', json({ v: state.v, u: lastHref, r: referrer }));
    };

    /* ---- forms, inputs, iframes, links ---------------------------------------------- */
    const fields = (submissionId) => {
      const touches = state.h.map(out);
      // Dropping the oldest keeps even huge hostile values inside the service's body limit.
      while (json(touches).length > 12e3) touches.shift();
      return {
        ls_submission_id: submissionId || randomId(),
        ls_first_touch: json(out(first())),
        ls_latest_touch: json(out(lastNonDirect())),
        ls_touches: json(touches),
      };
    };

    const decorate = (href, withUtm) => {
      const url = new URL(href, loc);
      const latest = out(lastNonDirect() || first());
      for (const key of withUtm ? PARAMS : []) if (own(latest, key)) url.searchParams.set(key, latest[key]);
      url.searchParams.set('_ls', json({ f: out(first()), l: latest }));
      return url.href;
    };

    // Inputs a customer placed in any form, matched by name: utm_source, gclid, referrer,
    // landing_page and the rest from the latest non-direct touch, first_utm_source and the
    // rest from the first touch, and the ls_ fields. Iframes of our hosted forms, or of
    // hosts listed in data-iframes, get the touches in their address.
    const filled = new WeakMap();
    const SCANNED = 'input[name],iframe[src]';
    const scan = (root) => {
      for (const el of [...root.querySelectorAll(SCANNED), root]) {
        const src = el.src;
        const name = el.name;
        if (el.tagName == 'IFRAME') {
          if (!/[?&]_ls=/.test(src) && (!src.indexOf(FORMS) || listed('iframes', hostOf(src)))) el.src = decorate(src, 1);
        } else if (el.matches?.(SCANNED) && name != 'ls_submission_id') {
          const isFirst = name.startsWith('first_');
          const value = name.startsWith('ls_')
            ? own(fields(1), name)
            : own(out(isFirst ? first() : lastNonDirect() || first()), name.slice(isFirst * 6));
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
    const listen = (type, fn, target = win) => target.addEventListener(type, safe(fn), true);
    listen('submit', (event) => fill(event.target, null, event.submitter));
    listen('formdata', (event) => fill(event.target, event.formData));
    // Links to the site's other domains carry the touches across (data-decorate).
    const onLink = ({ target }) => {
      const link = target.closest('a[href]');
      if (link.hostname != loc.hostname && listed('decorate', link.hostname)) link.href = decorate(link.href);
    };
    listen('mousedown', onLink);
    listen('click', onLink);
    new MutationObserver(safe((records) => {
      for (const record of records) for (const node of record.addedNodes) node.querySelectorAll && scan(node);
    })).observe(doc.documentElement, { childList: true, subtree: true });

    /* ---- single-page apps ----------------------------------------------------------- */
    const navigated = safe(() => view(''));
    for (const name of ['pushState', 'replaceState']) {
      const original = history[name];
      history[name] = function (...args) {
        const result = original.apply(this, args);
        navigated();
        return result;
      };
    }
    listen('popstate', navigated);
    listen('hashchange', navigated);

    /* ---- the one global ------------------------------------------------------------- */
    win.Leadsource = {
      touches: () => ({
        first: out(first()),
        latest: out(state.h.at(-1)),
        lastNonDirect: out(lastNonDirect()),
        history: state.h.map(out),
        stored: stores(),
      }),
      // With data-consent: call with true once the visitor agreed, with false to withdraw.
      consent: safe((granted) => {
        if (consent != (consent = !!granted && !privacy)) {
          if (consent) load();
          else storage()?.removeItem(KEY), cookie(KEY + '=', ';max-age=0;domain=' + registrable());
          save();
        }
      }),
      // Adds the fields to a form element, or sets them on a FormData or URLSearchParams,
      // or returns them as a plain object for a JSON body.
      fill: safe((target = {}) => {
        if (target.tagName) fill(target);
        else for (const [name, value] of Object.entries(fields())) target.set ? target.set(name, value) : (target[name] = value);
        return target;
      }),
    };

    /* ---- start ---------------------------------------------------------------------- */
    const start = safe(() => {
      if (stores()) load();
      // Another site's address: not this site, its subdomains, nor our own hosted pages.
      const referrer = doc.referrer;
      const host = referrer && hostOf(referrer);
      view(host && ![loc.hostname, hostOf(base)].includes(host) && !('.' + host).endsWith('.' + registrable()) ? referrer : '');
      if (opt('debug') != null || /[?&#]leadsource_debug=1/.test(loc)) {
        doc.head.appendChild(doc.createElement('script')).src = base + '/utm-debug.js';
      }
    });
    // A prerendered page is not a visit until the visitor actually sees it.
    if (doc.prerendering) listen('prerenderingchange', start, doc);
    else start();
  } catch (e) { /* the host page comes first */ }
})(window, document, navigator, location, history, JSON.stringify);
