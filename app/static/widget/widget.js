/*
 * Find My Coaching Support: the embeddable search widget.
 *
 *   <script src="https://<service>/widget.js" data-key="..." async></script>
 *   <div data-coaching-support data-where="LS6 3QS" data-radius="25"
 *        data-roles="mentor" data-event-groups="jumps"></div>
 *
 * Renders a search form and results inside a Shadow DOM, so the host page's
 * CSS cannot reach in and ours cannot leak out. No framework, no cookies
 * (every request omits credentials), no request to anyone but the service.
 * On the service's own iframe page (/embed) it also reports its height to
 * the parent page, by postMessage to the one origin the server allowed.
 */
(function () {
  "use strict";

  const script = document.currentScript ||
    document.querySelector('script[data-key][src$="widget.js"]');
  if (!script || !window.fetch || !Element.prototype.attachShadow) return;
  const BASE = script.src.replace(/\/widget\.js(?:[?#].*)?$/, "");
  const KEY = script.getAttribute("data-key") || "";
  const SERVICE = "Find My Coaching Support";
  const HEIGHT = "fmcs-widget:height";
  const HELLO = "fmcs-widget:hello";
  const MAX_RADIUS_KM = 500;  // the search's own limit

  // Lengths in px only: rem would follow the host page's root font size.
  const CSS = `
:host{all:initial!important;display:block!important;max-width:720px!important;
 direction:ltr!important;unicode-bidi:isolate!important;visibility:visible!important;
 font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif!important;
 color:#1d2433!important;text-align:left!important}
:host([hidden]){display:none!important}
*,*::before,*::after{box-sizing:border-box}
.w{position:relative;background:#fff;border:1px solid #d5dbe3;border-radius:10px;padding:16px}
h2,h3,h4,p,ol,ul,dl,dd,fieldset,legend{margin:0;padding:0}
.t{font-size:20px;line-height:1.3;font-weight:700}
.sub,.by,.where,dt{color:#4f5b6d}
.sub{font-size:15px;margin-top:2px}
form{margin-top:12px}
.row{display:flex;flex-wrap:wrap;gap:10px;align-items:flex-end}
.fld{display:flex;flex-direction:column;gap:4px;min-width:0}
.grow{flex:1 1 260px}
label,legend,summary{font-size:15px;font-weight:700}
input,select,button{font:inherit;margin:0}
input[type=text],select{color:#1d2433;background:#fff;border:2px solid #6b7789;border-radius:6px;
 height:44px;padding:0 10px;width:100%}
input[aria-invalid=true]{border-color:#a4121b}
.btn{color:#fff;background:#0b5fa5;border:2px solid #0b5fa5;border-radius:6px;height:44px;
 padding:0 20px;font-weight:700;cursor:pointer}
.btn:hover{background:#084a80}
:focus-visible{outline:3px solid #0b5fa5;outline-offset:2px}
.err{color:#a4121b;font-weight:600;margin-top:6px}
details{margin-top:10px}
summary{cursor:pointer;color:#0b5fa5;padding:4px 0}
fieldset{border:0;margin-top:8px}
.opts{display:flex;flex-wrap:wrap;gap:0 18px}
.ch{display:flex;align-items:center;gap:8px;font-weight:400;min-height:32px}
.ch input{width:18px;height:18px;flex:none}
.vh{position:absolute;width:1px;height:1px;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);
 white-space:nowrap;border:0;padding:0}
.out{margin-top:16px}
.out:empty{display:none}
.rh{font-size:18px;line-height:1.3}
.rh:focus{outline:none}
.note{background:#fff8e6;border:1px solid #f0d48a;border-radius:8px;padding:10px 12px;
 margin-top:10px;font-size:15px}
.list{list-style:none;display:grid;gap:10px;margin-top:10px}
.card{border:1px solid #d5dbe3;border-radius:10px;padding:12px 14px;background:#fff}
.wait{border-style:dashed;background:#fbfbfd}
.ct{font-size:17px;line-height:1.3}
a{color:#0b5fa5}
a:hover{color:#084a80}
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
.why{border-top:1px solid #d5dbe3;margin-top:8px;padding-top:6px;font-size:15px}
.wt{font-weight:700}
.reasons{padding-left:20px;list-style:disc}
.fh{font-size:17px;margin-top:16px}
.all{margin-top:12px}
.alt{color:#0b5fa5;background:none;border:0;padding:0;text-decoration:underline;cursor:pointer}
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

  const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
  const list = (value) => (value || "").split(",").map((s) => s.trim()).filter(Boolean);

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
    const root = host.attachShadow({mode: "open"});
    styles(root);
    const embedded = host.hasAttribute("data-embed") &&
      new URL(BASE).origin === location.origin;
    const live = h("p", {class: "vh", role: "status", "aria-live": "polite", "aria-atomic": "true"});
    const body = h("div", {}, h("p", {class: "sub"}, "Loading the search…"));
    const title = h("h2", {class: "t", id: "t"}, "Find coaching support");
    const by = h("p", {class: "by"});
    root.append(h("section", {class: "w", "aria-labelledby": "t"}, title, body, live, by));
    if (embedded) reportHeight(host.getAttribute("data-parent-origin"));

    const searchLink = (text, params) => h("a", {
      href: `${BASE}/search${params ? `?${params}` : ""}`,
      target: embedded ? "_top" : null}, text);

    function refuse(message) {
      fill(body, [h("p", {class: "note", "data-refusal": true}, message),
        h("p", {class: "all"}, searchLink(`Search on ${SERVICE}`))]);
      live.textContent = message;
    }

    call("config").then((answer) => {
      if (answer.ok) return build(answer.body);
      return refuse(answer.body.message || "The search could not load. Please try again later.");
    }, async () => {
      refuse(await reachable()
        ? "This search cannot be shown on this site: the site is not on its widget key's " +
          "list of allowed sites, or the key is not known."
        : "The search could not be reached. Please try again later.");
    });

    function build(config) {
      const preset = Object.assign({}, config.presets);
      const data = host.dataset;
      if (data.where) preset.where = data.where;
      if (data.radius) preset.radius_km = Number(data.radius);
      if (data.roles) preset.roles = list(data.roles);
      if (data.eventGroups) preset.event_groups = list(data.eventGroups);
      by.append(`${config.club_name} · search by `,
        h("a", {href: `${BASE}/`, target: embedded ? "_top" : null}, SERVICE));

      const where = h("input", {type: "text", id: "where", name: "where", maxlength: "100",
        autocomplete: "postal-code", placeholder: "e.g. LS6 3QS or Leeds"});
      where.value = preset.where || "";
      const radii = config.radius_options.slice();
      const radius = Number(preset.radius_km) || 25;
      if (!radii.includes(radius)) radii.push(radius);
      const select = h("select", {id: "radius", name: "radius_km"},
        radii.sort((a, b) => a - b).map((km) =>
          h("option", {value: km, selected: km === radius}, `${km} km`)));
      const error = h("p", {class: "err", id: "where-error", hidden: true});
      const boxes = (name, legend, items) => h("fieldset", {},
        h("legend", {}, legend),
        h("div", {class: "opts"}, items.map((item) => h("label", {class: "ch"},
          h("input", {type: "checkbox", name, value: item.key,
            checked: (preset[name] || []).includes(item.key)}), item.name))));
      const chosen = h("span");
      const details = h("details", {},
        h("summary", {}, "More filters", chosen),
        boxes("roles", "Support you are looking for", config.roles),
        boxes("event_groups", "Your event groups", config.event_groups));
      const form = h("form", {role: "search", "aria-label": "Find coaching support",
        novalidate: true},
        h("div", {class: "row"},
          h("div", {class: "fld grow"}, h("label", {for: "where"}, "Postcode, town or ZIP code"),
            where),
          h("div", {class: "fld"}, h("label", {for: "radius"}, "Within"), select),
          h("button", {type: "submit", class: "btn"}, "Search")),
        error, details);
      const out = h("div", {class: "out"});
      fill(body, [h("p", {class: "sub"},
        "Verified mentors, coach developers, technical advisors and co-coaches near you."),
      form, out]);

      let latest = 0;
      const count = () => {
        const n = form.querySelectorAll("input:checked").length;
        chosen.textContent = n ? ` (${n} chosen)` : "";
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

      async function search(byUser) {
        const params = {
          where: where.value.trim(),
          radius_km: select.value,
          roles: [...form.querySelectorAll("input[name=roles]:checked")].map((i) => i.value),
          event_groups: [...form.querySelectorAll("input[name=event_groups]:checked")]
            .map((i) => i.value),
        };
        if (!params.where) {
          showError("Enter a postcode, town or ZIP code.");
          if (byUser) where.focus();
          return;
        }
        const mine = ++latest;
        live.textContent = "Searching…";
        let answer;
        try {
          answer = await call("search", Object.assign({limit: 10}, params));
        } catch (e) {
          answer = {status: 0, body: {}};
        }
        if (mine !== latest) return;
        if (answer.ok) {
          showError(null);
          show(answer.body, params, byUser);
        } else if (answer.status === 403) {
          refuse(answer.body.message);
        } else {
          const errors = answer.body.errors || {};
          const message = answer.status === 429
            ? `Too many searches on this site just now: please try again in ${
              plural(Number(answer.retry) || 60, "second")}.`
            : answer.status === 0 ? "The search could not be reached. Please try again."
              : (errors.where || errors.radius_km || [])[0] || answer.body.message;
          showError(message);
          live.textContent = message;
          if (byUser) where.focus();
        }
      }

      // The search's anonymous reference rides on profile links, so a request
      // sent from there counts as following a widget search.
      let searchRef = null;

      function show(result, params, byUser) {
        searchRef = result.demand_ref;
        const near = result.origin.label;
        const counts = result.counts;
        const km = `${Math.round(result.radius_km * 10) / 10} km`;
        // Who can meet in person leads; online supporters are a section of their own.
        const title = result.mode === "online"
          ? `${plural(counts.online, "online supporter")} for ${near}`
          : `${counts.in_person} within ${km} of ${near}` +
            (result.mode === "either" ? ` · ${counts.online} online` : "");
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
            `Widen to ${wider} km`);
          widen.addEventListener("click", () => {
            if (![...select.options].some((o) => o.value === wider)) {
              select.append(h("option", {value: wider}, `${wider} km`));
            }
            select.value = wider;
            search(true);
          });
        }
        const section = (id, label, cards, attr) => cards.length > 0 && [
          h("h3", {class: "fh", id}, label),
          h("ol", {class: "list", "aria-labelledby": id, [attr]: true}, cards.map(card))];
        const beyond = section("bh", `Nearest beyond ${km}`, result.beyond_radius,
          "data-beyond");
        const online = section("oh", result.mode === "in_person"
          ? "Online, if you would meet online" : `Online: ${counts.online}, best fit first`,
        result.online, "data-online");
        fill(out, [heading,
          others.length > 0 && h("p", {class: "note"}, `Showing ${near}. Did you mean `,
            others.map((b, i) => [i ? ", " : "", b]), "?"),
          result.diagnostics.explanation &&
            h("p", {class: "note"}, result.diagnostics.explanation, widen && [" ", widen]),
          result.results.length > 0 && h("ol", {class: "list", "data-results": true,
            "aria-labelledby": "rh"}, result.results.map(card)),
          result.mode === "in_person" ? [beyond, online] : [online, beyond],
          h("p", {class: "all"}, searchLink(
            result.total > result.results.length
              ? `See all ${result.total} on ${SERVICE}` : `Search on ${SERVICE}`, query))]);
        let said = `${title}.`;
        if (result.beyond_radius.length) {
          const n = result.beyond_radius.length;
          said += n === 1 ? ` The nearest beyond ${km} is listed.`
            : ` The nearest ${n} beyond ${km} are listed.`;
        }
        live.textContent = said;
        if (byUser) heading.focus();
      }

      // "Usually replies within 3 days · Active this month", as the service's own cards say.
      function responsiveness(s) {
        const days = s.replies_within_days;
        const said = [days && `Usually replies within ${days === 1 ? "a day" : `${days} days`}`,
          s.active_this_month && "Active this month"].filter(Boolean);
        return said.length > 0 && h("p", {class: "where", "data-responsiveness": true},
          said.join(" · "));
      }

      function card(s) {
        const free = s.availability && s.availability.status === "available";
        const facts = [["Event groups", s.event_groups.map((g) => g.name).join(", ")],
          ["Qualification", s.qualification],
          ["Expertise", s.expertise.map((e) => e.name).join("; ")]]
          .filter(([, value]) => value)
          .map(([name, value]) => h("div", {}, h("dt", {}, name), h("dd", {}, value)));
        return h("li", {}, h("article", {class: s.waitlist ? "card wait" : "card"},
          h("h4", {class: "ct"}, h("a", {href: `${BASE}/supporters/${s.id}${
            searchRef ? `?ref=${encodeURIComponent(searchRef)}` : ""}`,
            target: embedded ? "_top" : null}, s.name)),
          h("p", {class: "where"},
            s.near && ["near ", h("strong", {}, s.near), s.place ? ` (${s.place})` : ""],
            s.distance_km != null && ` · ${Math.round(s.distance_km)} km`),
          h("ul", {class: "badges", "aria-label": "Support offered"},
            s.roles.map((r) => h("li", {class: "b role"}, r.name)),
            s.online && h("li", {class: "b online"}, "Online"),
            free ? h("li", {class: "b free"},
              `${plural(s.availability.places_free, "place")} free`)
              : h("li", {class: "b full"}, "Full: waitlist")),
          responsiveness(s),
          facts.length > 0 && h("dl", {class: "facts"}, facts),
          s.reasons.length > 0 && h("div", {class: "why"},
            h("p", {class: "wt"}, "Why this match"),
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

  function init() {
    document.querySelectorAll("[data-coaching-support]:not([data-coaching-support-ready])")
      .forEach(start);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
