/*
 * Find My Coaching Support: the embeddable search widget.
 *
 *   <script src="https://<service>/widget.js" data-key="..." async></script>
 *   <div data-coaching-support data-where="LS6 3QS" data-radius="25"
 *        data-roles="mentor" data-event-groups="jumps" data-lang="cy"></div>
 *
 * Renders a search form and results inside a Shadow DOM, so the host page's
 * CSS cannot reach in and ours cannot leak out: the only doors are the
 * --fmcs-* custom properties and the ::part() names listed in the README.
 * No framework, no cookies (every request omits credentials), no request to
 * anyone but the service. Divs added later render by themselves (or by
 * FindMyCoachingSupport.start()). On the service's own iframe page (/embed)
 * it also reports its height to the parent page, by postMessage to the one
 * origin the server allowed.
 *
 * Every string the visitor reads is written _("English") or
 * ngettext("{n} singular", "{n} plural", n), literal strings only, so the
 * service's one catalogue holds them; the config answer sends the
 * translations for the widget's data-lang.
 */
(function () {
  "use strict";

  const script = document.currentScript ||
    document.querySelector('script[data-key][src$="widget.js"]');
  if (!script || !window.fetch || !Element.prototype.attachShadow) return;
  const BASE = script.src.replace(/\/widget\.js(?:[?#].*)?$/, "");
  const KEY = script.getAttribute("data-key") || "";
  const SERVICE = "Find My Coaching Support";
  const SELECTOR = "[data-coaching-support]";
  const HEIGHT = "fmcs-widget:height";
  const HELLO = "fmcs-widget:hello";
  const MAX_RADIUS_KM = 500;  // the search's own limits
  const MAX_LIMIT = 50;
  const LIMIT = 5;  // results shown at first, and added by each "Show more"
  // The languages offered, each with the lang attribute it sets (BCP 47).
  const LANGS = {en: "en-GB", cy: "cy"};

  // Lengths in px only: rem would follow the host page's root font size.
  // Colours, font, radius and sizes come from the host's --fmcs-* properties
  // (custom properties inherit into a shadow tree; nothing else does).
  const CSS = `
:host{all:initial!important;display:block!important;max-width:var(--fmcs-max-width,720px)!important;
 direction:ltr!important;unicode-bidi:isolate!important;visibility:visible!important;
 font-size:16px!important;line-height:1.5!important;text-align:left!important;
 font-family:var(--fmcs-font,system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif)!important;
 color:var(--fmcs-text,#1d2433)!important}
:host([hidden]){display:none!important}
:host::before,:host::after{content:none!important;display:none!important}
:host::first-line,:host::first-letter{all:inherit!important}
*,*::before,*::after{box-sizing:border-box}
.w{--a:var(--fmcs-accent,#0b5fa5);--on:var(--fmcs-on-accent,#fff);--tx:var(--fmcs-text,#1d2433);
 --bg:var(--fmcs-background,#fff);--ln:var(--fmcs-border,#d5dbe3);--r:var(--fmcs-radius,10px);
 --mu:var(--fmcs-muted,#4f5b6d);position:relative;background:var(--bg);border:1px solid var(--ln);
 border-radius:var(--r);padding:16px;color:var(--tx)}
h2,h3,h4,p,ol,ul,dl,dd,fieldset,legend{margin:0;padding:0}
.t{font-size:20px;line-height:1.3;font-weight:700}
.sub,.by,.where,dt{color:var(--mu)}
.sub{font-size:15px;margin-top:2px}
form{margin-top:12px}
.row{display:flex;flex-wrap:wrap;gap:10px;align-items:flex-end}
.fld{display:flex;flex-direction:column;gap:4px;min-width:0}
.grow{flex:1 1 260px}
label,legend,summary{font-size:15px;font-weight:700}
input,select,button{font:inherit;margin:0}
input[type=text],select{color:var(--tx);background:var(--bg);border:2px solid #6b7789;
 border-radius:calc(var(--r)*.6);height:44px;padding:0 10px;width:100%}
input[aria-invalid=true]{border-color:#a4121b}
.btn{color:var(--on);background:var(--a);border:2px solid var(--a);border-radius:calc(var(--r)*.6);
 min-height:44px;padding:0 20px;font-weight:700;cursor:pointer}
.btn:hover{filter:brightness(.85)}
.more{margin-top:10px;color:var(--a);background:var(--bg);border-color:var(--a)}
:focus-visible{outline:3px solid var(--a);outline-offset:2px}
.err{color:#a4121b;font-weight:600;margin-top:6px}
details{margin-top:10px}
summary{cursor:pointer;color:var(--a);padding:4px 0}
fieldset{border:0;margin-top:8px}
.opts{display:flex;flex-wrap:wrap;gap:0 18px}
.ch{display:flex;align-items:center;gap:8px;font-weight:400;min-height:32px}
.ch input{width:18px;height:18px;flex:none;accent-color:var(--a)}
.vh{position:absolute;width:1px;height:1px;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);
 white-space:nowrap;border:0;padding:0}
.out{margin-top:16px}
.out:empty{display:none}
.rh{font-size:18px;line-height:1.3}
.rh:focus{outline:none}
.note{background:#fff8e6;color:#1d2433;border:1px solid #f0d48a;border-radius:8px;padding:10px 12px;
 margin-top:10px;font-size:15px}
.sc{max-height:var(--fmcs-max-height,640px);overflow-y:auto;margin-top:10px;padding:0 3px 3px}
.sc:empty{display:none}
.list{list-style:none;display:grid;gap:10px;margin-top:10px}
.card{border:1px solid var(--ln);border-radius:var(--r);padding:12px 14px;background:var(--bg)}
.wait{border-style:dashed}
.ct{font-size:17px;line-height:1.3}
a{color:var(--a)}
a:hover{text-decoration-thickness:2px}
.where{font-size:15px}
.badges{list-style:none;display:flex;flex-wrap:wrap;gap:6px;margin:8px 0}
.b{border-radius:999px;padding:1px 9px;font-size:13px;font-weight:600;border:1px solid transparent}
.role{background:#e7f0fa;color:#08467a}
.online{background:#eef7ee;color:#1b5e2f}
.free{background:#e9f6ec;color:#14652e;border-color:#9fd3ae}
.full{background:#fff3e0;color:#7a4a00;border-color:#f0c27a}
.facts{display:grid;gap:2px;font-size:15px}
.facts div{display:flex;flex-wrap:wrap;gap:0 8px}
dt{font-weight:600}
.why{border-top:1px solid var(--ln);margin-top:8px;padding-top:6px;font-size:15px}
.wt{font-weight:700}
.reasons{padding-left:20px;list-style:disc}
.c .badges{margin:4px 0}
.c .facts{display:flex;flex-wrap:wrap;gap:0 14px}
.c .why{border:0;margin-top:2px;padding:0}
.c .wt,.c .reasons,.c .reasons li{display:inline}
.c .wt::after{content:": "}
.c .reasons{padding:0}
.c .reasons li+li::before{content:" · "}
.fh{font-size:17px;margin-top:16px}
.all{margin-top:12px}
.alt{color:var(--a);background:none;border:0;padding:0;text-decoration:underline;cursor:pointer}
.by{margin-top:14px;font-size:13px}`;

  let sheet = null;
  function styles(root) {
    // A constructed sheet is shared by every widget on the page and needs no
    // 'unsafe-inline' in the host's CSP; older browsers get a <style>.
    if (root.adoptedStyleSheets !== undefined && window.CSSStyleSheet) {
      try {
        if (!sheet) { sheet = new CSSStyleSheet(); sheet.replaceSync(CSS); }
        root.adoptedStyleSheets = [sheet];
        return;
      } catch (e) { /* fall through */ }
    }
    root.appendChild(h("style", {}, CSS));
  }

  function h(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === false || value == null) continue;
      if (name === "class") node.className = value;
      else node.setAttribute(name, value === true ? "" : value);
    }
    return fill(node, children, true);
  }

  // Put ``children`` (nested arrays, strings, nodes; false and null skipped) in ``node``.
  function fill(node, children, keep) {
    if (!keep) node.replaceChildren();
    for (const child of children.flat(3)) {
      if (child != null && child !== false) node.append(child);
    }
    return node;
  }

  const list = (value) => (value || "").split(",").map((s) => s.trim()).filter(Boolean);
  // "{n} results" with {n} filled in from ``values``.
  const format = (text, values) => text.replace(/\{(\w+)\}/g,
    (whole, name) => (values && name in values ? values[name] : whole));
  // A translated text whose placeholders are nodes (a link, a <strong>): a list of parts.
  const nodes = (text, values) => text.split(/(\{\w+\})/).map((part) => {
    const name = /^\{(\w+)\}$/.exec(part);
    return name && name[1] in values ? values[name[1]] : part;
  });

  async function call(path, params) {
    const query = new URLSearchParams({key: KEY});
    for (const [name, value] of Object.entries(params || {})) {
      for (const v of [].concat(value)) if (v !== "" && v != null) query.append(name, v);
    }
    const response = await fetch(`${BASE}/widget/api/v1/${path}?${query}`,
      {credentials: "omit", headers: {Accept: "application/json"}});
    let body = {};
    try { body = await response.json(); } catch (e) { /* not JSON */ }
    return {status: response.status, ok: response.ok, body,
      retry: response.headers.get("Retry-After")};
  }

  // Unreadable answer: either the service refused this site (no CORS header)
  // or it cannot be reached. An opaque request tells the two apart.
  async function reachable() {
    try {
      await fetch(`${BASE}/widget.js`, {mode: "no-cors", credentials: "omit"});
      return true;
    } catch (e) {
      return false;
    }
  }

  function start(host) {
    host.setAttribute("data-coaching-support-ready", "");
    const data = host.dataset;
    const lang = LANGS[data.lang] ? data.lang : "en";
    // The host page may be in another language: say which one the widget speaks.
    host.setAttribute("lang", LANGS[lang]);
    const root = host.attachShadow({mode: "open"});
    styles(root);

    // The translations arrive with the config; until then, English.
    let messages = {}, plurals = {}, categories = ["one", "other"];
    const rules = window.Intl && Intl.PluralRules ? new Intl.PluralRules(LANGS[lang]) : null;
    const _ = (text, values) => format(messages[text] || text, values);
    function ngettext(one, many, n, values) {
      const forms = plurals[one];
      const i = forms && rules ? categories.indexOf(rules.select(n)) : -1;
      return format(i >= 0 && forms[i] ? forms[i] : n === 1 ? one : many,
        Object.assign({n}, values));
    }

    const embedded = host.hasAttribute("data-embed") &&
      new URL(BASE).origin === location.origin;
    const target = data.target === "_blank" ? "_blank" : embedded ? "_top" : null;
    const rel = target === "_blank" ? "noopener" : null;
    const full = data.cards === "full";
    const limit = Math.min(MAX_LIMIT, Math.max(1, Math.floor(Number(data.limit)) || LIMIT));
    // What a club's page may track: counts and public ids, never what was typed.
    const emit = (name, detail) => host.dispatchEvent(new CustomEvent(`fmcs:${name}`,
      {bubbles: true, composed: true, detail}));

    const live = h("p", {class: "vh", role: "status", "aria-live": "polite", "aria-atomic": "true"});
    const body = h("div", {}, h("p", {class: "sub"}, _("Loading the search…")));
    const title = h("h2", {class: "t", id: "t", part: "title"}, _("Find coaching support"));
    const by = h("p", {class: "by"});
    root.append(h("section", {class: full ? "w" : "w c", lang: LANGS[lang], part: "widget",
      "aria-labelledby": "t"}, title, body, live, by));
    if (embedded) reportHeight(host.getAttribute("data-parent-origin"));

    const link = (href, text, attrs) => h("a", Object.assign({href, target, rel, part: "link"},
      attrs), text);
    const searchLink = (text, params) => link(`${BASE}/search${params ? `?${params}` : ""}`, text);

    function refuse(message) {
      fill(body, [h("p", {class: "note", "data-refusal": true}, message),
        h("p", {class: "all"}, searchLink(_("Search on {service}", {service: SERVICE})))]);
      live.textContent = message;
    }

    call("config", {lang}).then((answer) => {
      if (answer.ok) return build(answer.body);
      return refuse(answer.body.message || _("The search could not load. Please try again later."));
    }, async () => {
      refuse(await reachable()
        ? _("This search cannot be shown on this site: the site is not on its widget key's " +
          "list of allowed sites, or the key is not known.")
        : _("The search could not be reached. Please try again later."));
    });

    function build(config) {
      const catalogue = config.catalogue || {};
      messages = catalogue.messages || {};
      plurals = catalogue.plurals || {};
      categories = catalogue.plural_categories || categories;
      title.textContent = _("Find coaching support");
      const preset = Object.assign({}, config.presets);
      if (data.where) preset.where = data.where;
      if (data.radius) preset.radius_km = Number(data.radius);
      if (data.roles) preset.roles = list(data.roles);
      if (data.eventGroups) preset.event_groups = list(data.eventGroups);
      by.append(...nodes(_("{club} · search by {service}"),
        {club: config.club_name, service: link(`${BASE}/`, SERVICE)}));

      const where = h("input", {type: "text", id: "where", name: "where", maxlength: "100",
        autocomplete: "postal-code", placeholder: _("e.g. LS6 3QS or Leeds"), part: "input"});
      where.value = preset.where || "";
      const radii = config.radius_options.slice();
      const radius = Number(preset.radius_km) || 25;
      if (!radii.includes(radius)) radii.push(radius);
      const option = (km, selected) => h("option", {value: km, selected}, _("{km} km", {km}));
      const select = h("select", {id: "radius", name: "radius_km", part: "input"},
        radii.sort((a, b) => a - b).map((km) => option(km, km === radius)));
      const error = h("p", {class: "err", id: "where-error", hidden: true});
      const boxes = (name, legend, items) => h("fieldset", {},
        h("legend", {}, legend),
        h("div", {class: "opts"}, items.map((item) => h("label", {class: "ch"},
          h("input", {type: "checkbox", name, value: item.key,
            checked: (preset[name] || []).includes(item.key)}), item.name))));
      const chosen = h("span");
      const details = h("details", {},
        h("summary", {}, _("More filters"), chosen),
        boxes("roles", _("Support you are looking for"), config.roles),
        boxes("event_groups", _("Your event groups"), config.event_groups));
      const form = h("form", {role: "search", "aria-label": _("Find coaching support"),
        novalidate: true},
        h("div", {class: "row"},
          h("div", {class: "fld grow"},
            h("label", {for: "where"}, _("Postcode, town or ZIP code")), where),
          h("div", {class: "fld"}, h("label", {for: "radius"}, _("Within")), select),
          h("button", {type: "submit", class: "btn", part: "button"}, _("Search"))),
        error, details);
      const out = h("div", {class: "out"});
      fill(body, [h("p", {class: "sub"},
        _("Verified mentors, coach developers, technical advisors and co-coaches near you.")),
      form, out]);

      let latest = 0;
      const count = () => {
        const n = form.querySelectorAll("input:checked").length;
        chosen.textContent = n ? ` ${ngettext("({n} chosen)", "({n} chosen)", n)}` : "";
      };
      count();
      details.addEventListener("change", count);
      where.addEventListener("input", () => showError(null));
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        search(true);
      });
      if (where.value.trim()) search(false);

      function showError(message) {
        error.hidden = !message;
        error.textContent = message || "";
        if (message) {
          where.setAttribute("aria-invalid", "true");
          where.setAttribute("aria-describedby", "where-error");
        } else {
          where.removeAttribute("aria-invalid");
          where.removeAttribute("aria-describedby");
        }
      }

      async function ask(params) {
        try {
          return await call("search", Object.assign({limit, lang}, params));
        } catch (e) {
          return {status: 0, body: {}};
        }
      }

      async function search(byUser) {
        const params = {
          where: where.value.trim(),
          radius_km: select.value,
          roles: [...form.querySelectorAll("input[name=roles]:checked")].map((i) => i.value),
          event_groups: [...form.querySelectorAll("input[name=event_groups]:checked")]
            .map((i) => i.value),
        };
        if (!params.where) {
          showError(_("Enter a postcode, town or ZIP code."));
          if (byUser) where.focus();
          return;
        }
        const mine = ++latest;
        live.textContent = _("Searching…");
        const answer = await ask(params);
        if (mine !== latest) return;
        if (answer.ok) {
          showError(null);
          show(answer.body, params, byUser, mine);
          const counts = answer.body.counts;
          emit("search", {count: answer.body.total, in_person: counts.in_person,
            online: counts.online});
        } else if (answer.status === 403) {
          refuse(answer.body.message);
        } else {
          const errors = answer.body.errors || {};
          const message = answer.status === 429
            ? ngettext("Too many searches on this site just now: please try again in {n} second.",
              "Too many searches on this site just now: please try again in {n} seconds.",
              Number(answer.retry) || 60)
            : answer.status === 0 ? _("The search could not be reached. Please try again.")
              : (errors.where || errors.radius_km || [])[0] || answer.body.message;
          showError(message);
          live.textContent = message;
          if (byUser) where.focus();
        }
      }

      // The search's anonymous reference rides on profile links, so a request
      // sent from there counts as following a widget search.
      let searchRef = null;

      function show(result, params, byUser, mine) {
        searchRef = result.demand_ref;
        const near = result.origin.label;
        const counts = result.counts;
        const km = _("{km} km", {km: Math.round(result.radius_km * 10) / 10});
        // Who can meet in person leads; online supporters are a section of their own.
        const title = result.mode === "online"
          ? ngettext("{n} online supporter for {place}", "{n} online supporters for {place}",
            counts.online, {place: near})
          : [ngettext("{n} within {km} of {place}", "{n} within {km} of {place}",
            counts.in_person, {km, place: near}),
          result.mode === "either" && ngettext("{n} online", "{n} online", counts.online)]
            .filter(Boolean).join(" · ");
        const heading = h("h3", {class: "rh", id: "rh", tabindex: "-1"}, title);
        const query = new URLSearchParams();
        for (const [name, value] of Object.entries(params)) {
          for (const v of [].concat(value)) query.append(name, v);
        }
        // "Newport" has several: offer the others, as the search page does.
        const others = (result.origin.alternatives || []).slice(0, 4).map((place) =>
          h("button", {type: "button", class: "alt"}, place));
        others.forEach((button) => button.addEventListener("click", () => {
          where.value = button.textContent;
          search(true);
        }));
        let widen = null;
        if (result.widen && result.widen.radius_km <= MAX_RADIUS_KM) {
          const wider = String(result.widen.radius_km);
          widen = h("button", {type: "button", class: "alt", "data-widen": true},
            _("Widen to {km} km", {km: wider}));
          widen.addEventListener("click", () => {
            if (![...select.options].some((o) => o.value === wider)) {
              select.append(option(wider, false));
            }
            select.value = wider;
            search(true);
          });
        }
        const section = (id, label, cards, attr) => cards.length > 0 && [
          h("h3", {class: "fh", id}, label),
          h("ol", {class: "list", "aria-labelledby": id, [attr]: true}, cards.map(card))];
        const beyond = section("bh", _("Nearest beyond {km}", {km}), result.beyond_radius,
          "data-beyond");
        const online = section("oh", result.mode === "in_person"
          ? _("Online, if you would meet online")
          : _("Online: {n}, best fit first", {n: counts.online}),
        result.online, "data-online");
        const all = h("p", {class: "all"});
        const results = result.results.length > 0 && h("ol", {class: "list", "data-results": true,
          "aria-labelledby": "rh"}, result.results.map(card));
        let shown = result.results.length;
        let page = result.page;
        const more = h("button", {type: "button", class: "btn more", part: "button",
          "data-more": true});
        const update = () => {
          const left = result.total - shown;
          more.hidden = left <= 0 || page >= result.pages;
          more.textContent = ngettext("Show {n} more", "Show {n} more", Math.min(limit, left));
          fill(all, [searchLink(result.total > shown
            ? _("See all {n} on {service}", {n: result.total, service: SERVICE})
            : _("Search on {service}", {service: SERVICE}), query)]);
        };
        update();
        more.addEventListener("click", async () => {
          more.disabled = true;
          const answer = await ask(Object.assign({page: page + 1}, params));
          more.disabled = false;
          if (mine !== latest) return;
          if (!answer.ok || !answer.body.results.length) {
            live.textContent = answer.ok ? "" : _("More results could not be loaded. Please try again.");
            if (answer.ok) page = result.pages;
            return update();
          }
          page = answer.body.page;
          const added = answer.body.results.map(card);
          results.append(...added);
          shown += added.length;
          update();
          live.textContent = ngettext("{n} more shown.", "{n} more shown.", added.length);
          added[0].querySelector("a").focus();
        });
        fill(out, [heading,
          others.length > 0 && h("p", {class: "note"}, nodes(
            _("Showing {place}. Did you mean {places}?"),
            {place: near, places: others.map((b, i) => [i ? ", " : "", b])})),
          result.diagnostics.explanation &&
            h("p", {class: "note"}, result.diagnostics.explanation, widen && [" ", widen]),
          // The lists scroll inside the widget past --fmcs-max-height.
          h("div", {class: "sc", part: "results"}, results, results && more,
            result.mode === "in_person" ? [beyond, online] : [online, beyond]),
          all]);
        let said = `${title}.`;
        if (result.beyond_radius.length) {
          said += ` ${ngettext("The nearest beyond {km} is listed.",
            "The nearest {n} beyond {km} are listed.", result.beyond_radius.length, {km})}`;
        }
        live.textContent = said;
        if (byUser) heading.focus();
      }

      // "Usually replies within 3 days · Active this month", as the service's own cards say;
      // compact cards say it on the line of where they are.
      function responsiveness(s) {
        const days = s.replies_within_days;
        const said = [days && (days === 1 ? _("Usually replies within a day")
          : ngettext("Usually replies within {n} day", "Usually replies within {n} days", days)),
        s.active_this_month && _("Active this month")].filter(Boolean).join(" · ");
        const line = said && h(full ? "p" : "span", {class: "where", "data-responsiveness": true},
          said);
        return full || !line ? line : [" · ", line];
      }

      function card(s) {
        const free = s.availability && s.availability.status === "available";
        const facts = [[_("Event groups"), s.event_groups.map((g) => g.name).join(", ")],
          [_("Qualification"), s.qualification],
          full && [_("Expertise"), s.expertise.map((e) => e.name).join("; ")]]
          .filter((fact) => fact && fact[1])
          .map(([name, value]) => h("div", {}, h("dt", {}, name), h("dd", {}, value)));
        const name = link(`${BASE}/supporters/${s.id}${
          searchRef ? `?ref=${encodeURIComponent(searchRef)}` : ""}`, s.name);
        name.addEventListener("click", () => emit("open", {supporter: s.id}));
        return h("li", {}, h("article", {class: s.waitlist ? "card wait" : "card", part: "card"},
          h("h4", {class: "ct"}, name),
          h("p", {class: "where"},
            s.near && nodes(s.place ? _("near {area} ({place})") : _("near {area}"),
              {area: h("strong", {}, s.near), place: s.place}),
            s.distance_km != null && ` · ${_("{km} km", {km: Math.round(s.distance_km)})}`,
            !full && responsiveness(s)),
          h("ul", {class: "badges", "aria-label": _("Support offered")},
            s.roles.map((r) => h("li", {class: "b role", part: "badge"}, r.name)),
            s.online && h("li", {class: "b online", part: "badge"}, _("Online")),
            free ? h("li", {class: "b free", part: "badge"},
              ngettext("{n} place free", "{n} places free", s.availability.places_free))
              : h("li", {class: "b full", part: "badge"}, _("Full: waitlist"))),
          full && responsiveness(s),
          facts.length > 0 && h("dl", {class: "facts"}, facts),
          s.reasons.length > 0 && h("div", {class: "why"},
            h("p", {class: "wt"}, _("Why this match")),
            h("ul", {class: "reasons"}, s.reasons.map((r) => h("li", {}, r))))));
      }
    }
  }

  // The iframe page tells its parent how tall it is, and nobody else: the
  // parent origin was checked by the server against the key's sites, and a
  // parent asking again ("hello") must come from that origin and window.
  function reportHeight(parentOrigin) {
    if (!parentOrigin || window.parent === window || !window.ResizeObserver) return;
    let last = 0;
    const post = () => {
      const height = Math.ceil(document.body.getBoundingClientRect().height);
      if (height !== last) {
        last = height;
        window.parent.postMessage({type: HEIGHT, height}, parentOrigin);
      }
    };
    new ResizeObserver(post).observe(document.body);
    window.addEventListener("message", (event) => {
      if (event.origin !== parentOrigin || event.source !== window.parent) return;
      if (event.data && event.data.type === HELLO) {
        last = 0;
        post();
      }
    });
  }

  // Render every widget div in ``scope`` (the element itself, or inside it), once each.
  function startAll(scope) {
    const within = scope && scope.querySelectorAll ? scope : document;
    const found = [...within.querySelectorAll(SELECTOR)];
    if (within.matches && within.matches(SELECTOR)) found.unshift(within);
    for (const host of found) {
      if (host.hasAttribute("data-coaching-support-ready") || host.shadowRoot) continue;
      try { start(host); } catch (e) { /* a host that cannot hold a shadow root */ }
    }
  }

  function init() {
    startAll(document);
    // Divs added later (a tab, a page built by a script) render by themselves.
    new MutationObserver((records) => {
      for (const record of records) {
        if (record.type === "attributes") startAll(record.target);
        else record.addedNodes.forEach((node) => node.nodeType === 1 && startAll(node));
      }
    }).observe(document.documentElement, {childList: true, subtree: true, attributes: true,
      attributeFilter: ["data-coaching-support"]});
  }
  window.FindMyCoachingSupport = window.FindMyCoachingSupport || {start: startAll};
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
