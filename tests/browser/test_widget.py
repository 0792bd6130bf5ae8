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
            f"<title>Leeds City AC</title><style>{css}</style></head>"
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
      return {
        widget: size('section'), form: size('form'), input: size('#where'),
        button: size('.btn'), heading: size('.rh'), card: size('.card'),
        reasons: size('.reasons'),
        title: [style.fontSize, style.color, style.fontFamily, style.textTransform],
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
    assert sizes["plain"]["title"] == sizes["hostile"]["title"]
    assert sizes["plain"]["title"][0] == "17px"
    for part in ("widget", "form", "input", "button", "heading", "card", "reasons"):
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
