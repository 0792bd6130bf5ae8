"""The widget on a club's site: another origin (another port on 127.0.0.1) than the service."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

CITY_CENTRE = dict(latitude=53.7960, longitude=-1.5470, postcode="LS1 4DY", outward_code="LS1",
                   place_label="Leeds")
BRADFORD = dict(latitude=53.7950, longitude=-1.7520, postcode="BD1 1HY", outward_code="BD1",
                place_label="Bradford")

# Written to break any widget that lets the page's CSS in: global resets,
# !important on every element, huge fonts, right-to-left, odd box sizes.
HOSTILE_CSS = """
html { font-size: 40px !important; line-height: 3 !important; }
*, *::before, *::after {
  all: unset !important; display: block !important; font-size: 40px !important;
  color: red !important; background: yellow !important; font-family: serif !important;
  line-height: 2 !important; letter-spacing: 3px !important; text-transform: uppercase !important;
  padding: 7px !important; margin: 9px !important; border: 3px solid lime !important;
  box-sizing: content-box !important; direction: rtl !important; text-align: right !important;
  visibility: visible !important; --anything: red !important;
}
div { padding: 50px !important; }
[data-coaching-support] { width: 200px !important; height: 100px !important;
  font-size: 60px !important; overflow: hidden !important; display: inline !important;
  padding: 30px !important; }
input, button, select, label, legend, h2, h3, h4, a, ol, ul, li, p, section, form, article {
  all: revert !important; font-size: 50px !important; width: 90px !important; }
[data-coaching-support]::before { content: "INJECTED" !important; display: block !important;
  height: 200px !important; }
*::after { content: "AFTER" !important; display: block !important; height: 50px !important; }
[data-coaching-support]::first-line { font-size: 60px !important; color: red !important; }
[data-coaching-support]::first-letter { font-size: 90px !important; float: left !important; }
"""


class ClubSite:
    """A club's web site: pages served by a tiny HTTP server on its own port."""

    def __init__(self):
        self.pages: dict[str, str] = {}
        self.headers: dict[str, dict[str, str]] = {}
        pages, headers = self.pages, self.headers

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                path = self.path.split("?")[0]
                body = pages.get(path)
                if body is None:
                    self.send_error(404)
                    return
                data = body.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                for name, value in headers.get(path, {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def page(self, path: str, body: str, *, css: str = "", lang: str = "en",
             headers: dict[str, str] | None = None) -> str:
        self.headers[path] = dict(headers or {})
        self.pages[path] = (
            f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>Leeds City AC</title>{f'<style>{css}</style>' if css else ''}</head>"
            f"<body><main><h1>Leeds City AC</h1><p>Find a coach to learn from.</p>{body}"
            "</main></body></html>")
        return self.origin + path

    def close(self):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)


@pytest.fixture
def club_site():
    site = ClubSite()
    yield site
    site.close()


@pytest.fixture
def population(make_user, make_supporter):
    def named(name, **fields):
        return make_supporter(user=make_user(roles=["supporter"], name=name), **fields)

    return {
        "near_mentor": named("Nia Near", roles=["mentor"], **CITY_CENTRE),
        "advisor": named("Tom Technical", roles=["technical_advisor"], **CITY_CENTRE),
        "far_mentor": named("Faye Further", roles=["mentor"], **BRADFORD),
    }


def script_embed(service: str, key: str, **presets) -> str:
    attributes = "".join(f' data-{name.replace("_", "-")}="{value}"'
                         for name, value in presets.items())
    return (f'<script src="{service}/widget.js" data-key="{key}" async></script>'
            f"<div data-coaching-support{attributes}></div>")


WIDGET = "[data-coaching-support]"


def card_names(page) -> list[str]:
    return page.locator(f"{WIDGET} [data-results] .ct").all_inner_texts()


def test_widget_on_a_club_site_searches_with_its_presets(
        live_server, club_site, page, population, make_widget_key, check_accessibility,
        screenshot):
    key = make_widget_key(allowed_origins=[club_site.origin],
                          presets={"where": "LS6 3QS", "radius_km": 25})
    url = club_site.page("/coaching", script_embed(live_server.url, key.key, radius=10,
                                                   roles="mentor"))
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(url)

    # The presets (the key's place, the page's radius and role) fill the form and search.
    widget = page.locator(WIDGET)
    status = widget.locator("[role=status]")
    page.wait_for_function(
        "() => document.querySelector('[data-coaching-support]').shadowRoot"
        ".querySelector('[role=status]').textContent.includes('of LS6 3QS')")
    assert widget.locator("#where").input_value() == "LS6 3QS"
    assert widget.locator("#radius").input_value() == "10"
    assert widget.locator("input[name=roles][value=mentor]").is_checked()
    assert widget.locator("summary").inner_text() == "More filters (1 chosen)"
    assert card_names(page) == ["Nia Near"]
    assert page.locator(f"{WIDGET} [data-beyond] .ct").all_inner_texts() == ["Faye Further"]
    assert widget.locator(".rh").inner_text() == "1 within 10 km of LS6 3QS · 0 online"
    said = status.inner_text()
    assert said.startswith("1 within 10 km of LS6 3QS · 0 online.") and "beyond 10 km" in said
    first = widget.locator("[data-results] .card").first
    assert "4 km away" in first.locator(".reasons").inner_text()
    assert first.locator(".where").inner_text() == "near LS1 (Leeds) · 4 km"
    link = first.locator(".ct a")
    # The search's anonymous reference rides along, for a request that may follow it.
    address, _, ref = link.get_attribute("href").partition("?ref=")
    assert address == f"{live_server.url}/supporters/{population['near_mentor'].id}" and ref
    assert widget.locator("h2").inner_text() == "Find coaching support"
    check_accessibility(page, context=WIDGET)
    screenshot(page, "widget-club-site-desktop")

    # Keyboard only: a new place, Enter, and focus moves to the announced results.
    widget.locator("#where").focus()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("BD1 1HY")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.querySelector('[data-coaching-support]').shadowRoot"
        ".querySelector('[role=status]').textContent.includes('of BD1 1HY')")
    assert status.inner_text().startswith("1 within 10 km of BD1 1HY · 0 online.")
    assert card_names(page) == ["Faye Further"]
    focused = page.evaluate("() => document.querySelector('[data-coaching-support]')"
                            ".shadowRoot.activeElement.textContent")
    assert focused == "1 within 10 km of BD1 1HY · 0 online"
    # Few are near: the next stop is the offer to widen, then the first supporter.
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.querySelector('[data-coaching-support]')"
                         ".shadowRoot.activeElement.textContent") == "Widen to 15 km"
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.querySelector('[data-coaching-support]')"
                         ".shadowRoot.activeElement.textContent") == "Faye Further"

    # A filter chosen by keyboard: open "More filters", tick Technical advisor.
    widget.locator("summary").focus()
    page.keyboard.press("Enter")
    widget.locator("input[name=roles][value=mentor]").focus()
    page.keyboard.press("Space")  # untick mentor
    widget.locator("input[name=roles][value=technical_advisor]").focus()
    page.keyboard.press("Space")
    widget.locator("#where").fill("LS6 3QS")
    widget.locator("#where").press("Enter")
    page.wait_for_function(
        "() => document.querySelector('[data-coaching-support]').shadowRoot"
        ".querySelector('[role=status]').textContent.includes('of LS6 3QS')")
    assert card_names(page) == ["Tom Technical"]

    # A place with several namesakes offers the others.
    widget.locator("#where").fill("Newport")
    widget.locator("#where").press("Enter")
    widget.locator(".alt", has_text="Newport, England (PO30)").click()
    page.wait_for_function(
        "() => document.querySelector('[data-coaching-support]').shadowRoot"
        ".querySelector('[role=status]').textContent.includes('(PO30)')")
    assert widget.locator("#where").input_value() == "Newport, England (PO30)"

    # Nothing but the club's site and the service; no cookies anywhere.
    assert requests and all(u.startswith((club_site.origin, live_server.url)) for u in requests)
    assert page.context.cookies() == []


def measure(page) -> dict:
    return page.evaluate("""() => {
      const root = document.querySelector('[data-coaching-support]').shadowRoot;
      const size = (selector) => {
        const box = root.querySelector(selector).getBoundingClientRect();
        return [box.width, box.height];
      };
      const style = getComputedStyle(root.querySelector('.ct a'));
      const host = root.host.getBoundingClientRect();
      return {
        host: [host.width, host.height], widget: size('section'), form: size('form'),
        input: size('#where'), title: size('.t'),
        button: size('.btn'), heading: size('.rh'), card: size('.card'),
        reasons: size('.reasons'),
        link: [style.fontSize, style.color, style.fontFamily, style.textTransform],
        pseudo: ['::before', '::after'].map((p) => getComputedStyle(root.host, p).content),
      };
    }""")


def test_host_page_css_cannot_change_the_widget(live_server, club_site, page, phone_page,
                                                population, make_widget_key, screenshot):
    key = make_widget_key(allowed_origins=[club_site.origin])
    embed = script_embed(live_server.url, key.key, where="LS6 3QS", radius=25)
    plain = club_site.page("/plain", embed)
    hostile = club_site.page("/hostile", embed, css=HOSTILE_CSS)
    sizes = {}
    for name, url in (("plain", plain), ("hostile", hostile)):
        page.goto(url)
        page.locator(f"{WIDGET} .card").first.wait_for()
        sizes[name] = measure(page)
    screenshot(page, "widget-hostile-host-css")
    assert sizes["plain"]["link"] == sizes["hostile"]["link"]
    assert sizes["plain"]["link"][0] == "17px"
    # Nothing the page generates before, after or over the widget's first line gets in.
    assert sizes["hostile"]["pseudo"] == ["none", "none"]
    for part in ("host", "widget", "title", "form", "input", "button", "heading", "card",
                 "reasons"):
        (width, height), other = sizes["plain"][part], sizes["hostile"][part]
        assert abs(width - other[0]) <= 1 and abs(height - other[1]) <= 1, (
            f"{part}: {width}x{height} on a plain page, {other[0]}x{other[1]} on a hostile one")
    # The page's own elements did take the hostile styles: the test page is really hostile.
    assert page.evaluate("getComputedStyle(document.querySelector('h1')).fontSize") == "40px"

    # On a phone the widget fits the screen, without sideways scrolling.
    phone_page.goto(plain)
    phone_page.locator(f"{WIDGET} .card").first.wait_for()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    assert phone_page.locator(f"{WIDGET} form .btn").bounding_box()["height"] >= 44
    screenshot(phone_page, "widget-club-site-phone")


def test_refused_sites_and_revoked_keys_get_a_clear_message(
        live_server, club_site, page, make_widget_key, screenshot):
    elsewhere = make_widget_key(allowed_origins=["https://www.another-club.example"])
    url = club_site.page("/not-ours", script_embed(live_server.url, elsewhere.key,
                                                   where="LS6 3QS"))
    page.goto(url)
    refusal = page.locator(f"{WIDGET} [data-refusal]")
    assert refusal.inner_text() == (
        "This search cannot be shown on this site: the site is not on its widget key's "
        "list of allowed sites, or the key is not known.")
    assert page.locator(f"{WIDGET} form").count() == 0
    # The browser itself refuses the answer to this page (no CORS header) ...
    config_url = f"{live_server.url}/widget/api/v1/config?key={elsewhere.key}"
    assert page.evaluate("url => fetch(url).then(() => 'read', e => e.name)",
                         config_url) == "TypeError"
    # ... which is a 403 naming the problem.
    answer = page.request.get(config_url, headers={"Origin": club_site.origin})
    assert answer.status == 403
    assert answer.json()["message"] == "This site is not allowed to use this widget key."
    assert "access-control-allow-origin" not in answer.headers

    # An iframe on a site not on the list is not even drawn.
    frame_url = club_site.page("/not-ours-frame", (
        f'<iframe src="{live_server.url}/embed?key={elsewhere.key}" '
        'title="Find coaching support"></iframe>'))
    page.goto(frame_url)
    frame = page.locator("iframe").element_handle().content_frame()
    frame.wait_for_load_state()
    assert not frame.url.startswith(live_server.url)

    from datetime import UTC, datetime

    revoked = make_widget_key(allowed_origins=[club_site.origin], revoked_at=datetime.now(UTC))
    page.goto(club_site.page("/revoked", script_embed(live_server.url, revoked.key)))
    assert refusal.inner_text() == (
        "This search is switched off: Leeds City AC's widget key was revoked. You can still "
        "search on Find My Coaching Support itself.")
    assert page.locator(f"{WIDGET} .all a").get_attribute("href") == f"{live_server.url}/search"
    screenshot(page, "widget-revoked")


def frame_height(page) -> float:
    return page.evaluate("document.querySelector('iframe').getBoundingClientRect().height")


def test_iframe_embed_fits_its_content_as_results_change(
        live_server, club_site, page, population, make_widget_key, screenshot):
    key = make_widget_key(allowed_origins=[club_site.origin, "https://www.another-club.example"])
    src = f"{live_server.url}/embed?key={key.key}&parent_origin={quote(club_site.origin)}"
    page.goto(club_site.page("/frame", (
        f'<iframe src="{src}" title="Find coaching support" '
        'style="width:100%;height:300px;border:0"></iframe>'
        f'<script src="{live_server.url}/embed.js" async></script>')))
    # The frame reports its height once loaded: the form alone, shorter than 300px.
    page.wait_for_function("document.querySelector('iframe').style.height !== '300px'")
    form_only = frame_height(page)
    frame = page.frame_locator("iframe")
    frame.locator("#where").fill("LS6 3QS")
    frame.locator("#where").press("Enter")
    page.wait_for_function("h => document.querySelector('iframe').getBoundingClientRect()"
                           ".height > h + 200", arg=form_only)
    assert frame.locator("[data-results] .ct").all_inner_texts() == [
        "Nia Near", "Tom Technical", "Faye Further"]
    inner = page.frames[1]
    assert abs(inner.evaluate("document.documentElement.scrollHeight")
               - frame_height(page)) <= 1, "the frame scrolls instead of fitting its content"
    three = frame_height(page)
    screenshot(page, "widget-iframe-results")

    # Fewer results: the frame shrinks again.
    frame.locator("summary").click()
    frame.locator("input[name=roles][value=technical_advisor]").check()
    frame.locator("#where").press("Enter")
    page.wait_for_function("h => document.querySelector('iframe').getBoundingClientRect()"
                           ".height < h - 40", arg=three)
    assert frame.locator("[data-results] .ct").all_inner_texts() == ["Tom Technical"]

    # A height message from anyone but the service's frame changes nothing.
    before = page.evaluate("document.querySelector('iframe').style.height")
    after = page.evaluate("""() => new Promise(resolve => {
        addEventListener('message', e => {
          if (e.data === 'done') resolve(document.querySelector('iframe').style.height);
        });
        postMessage({type: 'fmcs-widget:height', height: 5000}, '*');
        postMessage('done', '*');
    })""")
    assert after == before


MANCHESTER = dict(latitude=53.4838, longitude=-2.2449, postcode="M1 1AD", outward_code="M1",
                  place_label="Manchester")
LONDON = dict(latitude=51.5010, longitude=-0.1416, postcode="SW1A 1AA", outward_code="SW1A",
              place_label="London")


def shadow_order(page, *selectors) -> bool:
    """Whether the widget holds one of each of ``selectors``, in that order."""
    for selector in selectors:
        assert page.locator(f"{WIDGET} {selector}").count() == 1, f"{selector}: not once"
    return page.evaluate("""(selectors) => {
      const root = document.querySelector('[data-coaching-support]').shadowRoot;
      const els = selectors.map((s) => root.querySelector(s));
      return els.every((el, i) => i === 0 ||
        Boolean(els[i - 1].compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING));
    }""", list(selectors))


def test_widget_lists_in_person_then_online_and_widens(
        live_server, club_site, page, population, make_user, make_supporter, make_widget_key,
        check_accessibility, screenshot):
    for name, where in (("Olu Online", MANCHESTER), ("Lena London", LONDON)):
        make_supporter(user=make_user(roles=["supporter"], name=name), offers_online=True,
                       **where)
    key = make_widget_key(allowed_origins=[club_site.origin])
    page.goto(club_site.page("/sections", script_embed(live_server.url, key.key,
                                                        where="LS6 3QS", radius=10)))
    widget = page.locator(WIDGET)
    heading = widget.locator(".rh")
    expect(heading).to_have_text("2 within 10 km of LS6 3QS · 2 online")

    # Those who can meet in person, then the online section, then the nearest beyond.
    assert card_names(page) == ["Nia Near", "Tom Technical"]
    online = widget.locator("[data-online] .ct").all_inner_texts()
    assert sorted(online) == ["Lena London", "Olu Online"]
    assert widget.locator("#oh").inner_text() == "Online: 2, best fit first"
    assert widget.locator("[data-beyond] .ct").all_inner_texts() == ["Faye Further"]
    assert widget.locator("#bh").inner_text() == "Nearest beyond 10 km"
    assert shadow_order(page, ".rh", "[data-results]", "[data-online]", "[data-beyond]")
    check_accessibility(page, context=WIDGET)
    screenshot(page, "widget-sections")

    # Few are near: the explanation offers the smallest radius that finds someone more.
    widen = widget.locator(".note [data-widen]")
    expect(widen).to_have_text("Widen to 15 km")
    widen.click()
    expect(heading).to_have_text("3 within 15 km of LS6 3QS · 2 online")
    assert widget.locator("#radius").input_value() == "15"
    assert card_names(page) == ["Nia Near", "Tom Technical", "Faye Further"]
    assert sorted(widget.locator("[data-online] .ct").all_inner_texts()) == sorted(online)
    assert widget.locator("[data-beyond]").count() == 0
    assert widget.locator("[data-widen]").count() == 0
    assert page.evaluate("() => document.querySelector('[data-coaching-support]')"
                         ".shadowRoot.activeElement.textContent") == heading.inner_text()


# A club matching the widget to its site, through the only doors it has: --fmcs-*
# custom properties and ::part(); everything else it says about the widget is ignored.
CLUB_THEME = """
.club-widget { --fmcs-accent: #7a1f3d; --fmcs-font: Georgia, serif; --fmcs-radius: 0px;
  --fmcs-max-width: 1000px; --fmcs-max-height: 260px; color: lime !important; }
.club-widget::part(card) { background: rgb(255, 250, 235); }
.club-widget::part(button) { text-transform: uppercase; }
"""


def shadow(page, selector: str, script: str, host: str = WIDGET):
    """Evaluate ``script`` (a function of the element) on ``selector`` in a widget."""
    return page.evaluate(f"""() => {{
      const el = document.querySelector({host!r}).shadowRoot.querySelector({selector!r});
      return ({script})(el);
    }}""")


def test_clubs_size_and_theme_the_widget(live_server, club_site, page, phone_page, population,
                                         make_widget_key, check_accessibility, screenshot):
    key = make_widget_key(allowed_origins=[club_site.origin])
    themed = script_embed(live_server.url, key.key, where="LS6 3QS", radius=25, limit=2)
    themed = themed.replace("<div data-coaching-support", '<div class="club-widget" '
                            "data-coaching-support")
    url = club_site.page("/themed", themed + '<div data-coaching-support id="full" '
                         'data-where="LS6 3QS" data-radius="25" data-cards="full"></div>',
                         css=CLUB_THEME)
    searches = []
    page.on("request", lambda r: "/widget/api/v1/search" in r.url and searches.append(r.url))
    page.goto(url)
    themed_widget = page.locator(".club-widget")
    more = themed_widget.locator("[data-more]")
    expect(more).to_have_text("Show 1 more")
    themed_names = themed_widget.locator("[data-results] .ct")
    assert themed_names.all_inner_texts() == ["Nia Near", "Tom Technical"]
    assert "limit=2" in searches[0]

    # The club's colours, font, corners, width and height; its other rules stay outside.
    assert shadow(page, "form .btn", "el => getComputedStyle(el).backgroundColor") \
        == "rgb(122, 31, 61)"
    assert shadow(page, "form .btn", "el => getComputedStyle(el).textTransform") == "uppercase"
    assert shadow(page, ".t", "el => getComputedStyle(el).fontFamily") == "Georgia, serif"
    assert shadow(page, ".t", "el => getComputedStyle(el).color") == "rgb(29, 36, 51)"
    assert shadow(page, ".card", "el => [getComputedStyle(el).backgroundColor, "
                  "getComputedStyle(el).borderRadius]") == ["rgb(255, 250, 235)", "0px"]
    assert themed_widget.bounding_box()["width"] == 1000
    assert page.locator("#full").bounding_box()["width"] == 720  # the default, if not widened
    # Past its maximum height the list scrolls inside the widget.
    box = shadow(page, ".sc", "el => [el.clientHeight, el.scrollHeight]")
    assert box[0] <= 260 < box[1]
    # Compact cards by default; a club may ask for full ones.
    compact = shadow(page, ".card", "el => el.getBoundingClientRect().height")
    full = shadow(page, ".card", "el => el.getBoundingClientRect().height", host="#full")
    assert full > compact * 1.3, (full, compact)
    check_accessibility(page, context=WIDGET)
    screenshot(page, "widget-themed-desktop")

    # "Show more" brings the next results and moves focus to the first of them.
    more.click()
    expect(themed_widget.locator("[data-results] .card")).to_have_count(3)
    assert "page=2" in searches[-1] and "limit=2" in searches[-1]
    assert themed_names.all_inner_texts() == ["Nia Near", "Tom Technical", "Faye Further"]
    expect(more).to_be_hidden()
    assert shadow(page, ".sc", "el => el.getRootNode().activeElement.textContent") \
        == "Faye Further"
    assert themed_widget.locator(".all a").inner_text() == "Search on Find My Coaching Support"

    # On a phone the widened widget still fits the screen.
    phone_page.goto(url)
    phone_page.locator(".club-widget [data-more]").wait_for()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    check_accessibility(phone_page, context=WIDGET)
    screenshot(phone_page, "widget-themed-phone")


def test_widgets_added_later_render_once_and_tell_the_page_what_happens(
        live_server, club_site, page, population, make_widget_key, screenshot):
    key = make_widget_key(allowed_origins=[club_site.origin])
    service = live_server.url
    # The strictest policy the README asks clubs for: no inline style or script needed.
    policy = (f"default-src 'none'; script-src {service}; connect-src {service}; "
              "style-src 'self'")
    url = club_site.page("/later", f'<script src="{service}/widget.js" data-key="{key.key}" '
                         'async></script><div id="slot"></div>',
                         headers={"Content-Security-Policy": policy})
    violations = []
    page.on("console", lambda m: "Content Security Policy" in m.text and violations.append(m))
    page.goto(url)
    page.wait_for_function("() => window.FindMyCoachingSupport")  # no eval under this CSP
    page.evaluate("""() => {
      window.seen = [];
      for (const name of ['fmcs:search', 'fmcs:open']) {
        document.addEventListener(name, (e) => window.seen.push([e.type, e.detail, e.target.id]));
      }
      const div = document.createElement('div');
      div.id = 'late';
      Object.assign(div.dataset, {coachingSupport: '', where: 'LS6 3QS', radius: '25',
                                  target: '_blank'});
      document.querySelector('main').append(div);
      // A div that becomes a widget when the page marks it as one.
      document.querySelector('#slot').setAttribute('data-coaching-support', '');
    }""")
    late = page.locator("#late")
    expect(late.locator("[data-results] .card")).to_have_count(3)
    expect(page.locator("#slot form")).to_have_count(1)
    # Styled under that policy: the constructed style sheet needs no 'unsafe-inline'.
    assert shadow(page, "form .btn", "el => getComputedStyle(el).backgroundColor",
                  host="#late") == "rgb(11, 95, 165)"
    assert violations == []

    # Started again, by hand or by the page moving it, it does not render twice.
    again = page.evaluate("""() => {
      const late = document.querySelector('#late');
      FindMyCoachingSupport.start(late);
      FindMyCoachingSupport.start();
      document.querySelector('main').prepend(late);
      const loose = document.createElement('div');
      loose.setAttribute('data-coaching-support', '');
      FindMyCoachingSupport.start(loose);  // not in the page yet: renders all the same
      FindMyCoachingSupport.start(loose);
      return [late.shadowRoot.querySelectorAll('section').length,
              loose.shadowRoot.querySelectorAll('section').length];
    }""")
    assert again == [1, 1]
    seen = page.evaluate("window.seen")
    assert seen == [["fmcs:search", {"count": 3, "in_person": 3, "online": 0}, "late"]]

    # Profile links open in a new tab when the club asks, and say which supporter.
    link = late.locator("[data-results] .ct a").first
    assert (link.get_attribute("target"), link.get_attribute("rel")) == ("_blank", "noopener")
    with page.expect_popup() as popup:
        link.click()
    nia = population["near_mentor"]
    assert popup.value.url.startswith(f"{service}/supporters/{nia.id}?ref=")
    assert page.evaluate("window.seen")[-1] == ["fmcs:open", {"supporter": nia.id}, "late"]
    assert page.locator("#slot [data-results]").count() == 0  # nobody searched there
    screenshot(page, "widget-added-later")


WIDGET_JS = "app/static/widget/widget.js"
# Stand-ins for the Welsh catalogue (written later), one form per CLDR category in order.
WELSH_FORMS = ["zero", "one", "two", "few", "many", "other"]


@pytest.fixture
def welsh_catalogue(monkeypatch, tmp_path):
    """Make the Welsh catalogue hold a few of the widget's strings."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    from app import i18n

    catalog = Catalog(locale="cy")
    catalog.add("Find coaching support", "Dod o hyd i gymorth hyfforddi",
                locations=[(WIDGET_JS, 1)])
    catalog.add(("{n} within {km} of {place}", "{n} within {km} of {place}"),
                tuple(f"{{n}} o fewn {{km}} i {{place}} ({form})" for form in WELSH_FORMS),
                locations=[(WIDGET_JS, 1)])
    path = tmp_path / "cy" / "LC_MESSAGES" / "messages.po"
    path.parent.mkdir(parents=True)
    with path.open("wb") as handle:
        write_po(handle, catalog)
    monkeypatch.setattr(i18n, "_TRANSLATIONS", tmp_path)
    i18n.widget_catalogue.cache_clear()
    yield
    i18n.widget_catalogue.cache_clear()


def test_widget_speaks_the_language_its_club_asks_for(
        live_server, club_site, page, phone_page, population, make_widget_key, welsh_catalogue,
        check_accessibility, screenshot):
    key = make_widget_key(allowed_origins=[club_site.origin])
    embed = script_embed(live_server.url, key.key, where="LS6 3QS", radius=10, lang="cy")
    # A French page showing a Welsh widget, and one asking for a language not offered.
    url = club_site.page("/cymraeg", embed + '<div data-coaching-support data-lang="fr" '
                         'data-where="LS6 3QS" data-radius="10"></div>', lang="fr")
    asked = []
    page.on("request", lambda r: "/widget/api/v1/" in r.url and asked.append(r.url))
    welsh, other = '[data-lang="cy"]', '[data-lang="fr"]'
    for each in (page, phone_page):
        each.goto(url)
        expect(each.locator(f"{welsh} .rh")).to_have_text(
            "2 o fewn 10 km i LS6 3QS (two) · 0 online")  # Intl.PluralRules("cy"): two
        expect(each.locator(f"{other} .rh")).to_have_text("2 within 10 km of LS6 3QS · 0 online")
        assert each.locator(f"{welsh} h2").inner_text() == "Dod o hyd i gymorth hyfforddi"
        # Strings the catalogue does not hold yet stay in English.
        assert each.locator(f"{welsh} label[for=where]").inner_text() == \
            "Postcode, town or ZIP code"
        langs = each.evaluate("""() => [...document.querySelectorAll('[data-coaching-support]')]
          .map((host) => [host.lang, host.shadowRoot.querySelector('section').lang])""")
        assert langs == [["cy", "cy"], ["en-GB", "en-GB"]]
        check_accessibility(each, context=welsh)
        check_accessibility(each, context=other)
    screenshot(page, "widget-welsh-desktop")
    screenshot(phone_page, "widget-welsh-phone")
    assert {u.split("?")[0].rsplit("/", 1)[1] for u in asked if "lang=cy" in u} == {
        "config", "search"}
    assert {u.split("?")[0].rsplit("/", 1)[1] for u in asked if "lang=en" in u} == {
        "config", "search"}
