"""Pages, reasons and the widget in English and Welsh, from one catalogue kept complete."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from bs4 import BeautifulSoup

from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
WELSH_PO = ROOT / "app/translations/cy/LC_MESSAGES/messages.po"
WELSH_MO = WELSH_PO.with_suffix(".mo")
CLUB = "https://www.leedscityac.example"
CITY_CENTRE = dict(latitude=53.7960, longitude=-1.5470, postcode="LS1 4DY", outward_code="LS1",
                   place_label="Leeds")


@pytest.fixture
def supporter(make_supporter):
    return make_supporter(capacity=3, **CITY_CENTRE)


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.data, "html.parser")


def reasons_of(soup) -> list[str]:
    return [li.get_text() for li in soup.select("[data-testid=results] .reasons li")]


def test_a_visitor_who_chooses_welsh_reads_the_search_in_welsh(visitor, supporter):
    browser = visitor()
    english = soup_of(browser.get("/search?where=LS6+3QS&roles=mentor"))
    assert english.html["lang"] == "en-GB"
    assert english.h1.get_text() == "Find coaching support"
    assert reasons_of(english)[0] == "4 km away"
    link = english.select_one("a.language-link")
    assert link.get_text() == "Cymraeg" and link["lang"] == "cy"

    chosen = browser.get(link["href"])
    assert chosen.status_code == 302
    assert chosen.headers["Location"] == "/search?where=LS6+3QS&roles=mentor"

    welsh = soup_of(browser.get("/search?where=LS6+3QS&roles=mentor"))
    assert welsh.html["lang"] == "cy"
    assert welsh.h1.get_text() == "Dod o hyd i gymorth hyfforddi"
    assert reasons_of(welsh)[0] == "4 km i ffwrdd"
    assert "3 lle ar gael" in reasons_of(welsh)
    assert welsh.select_one("a.language-link").get_text() == "English"
    # The same people in the same order: only the words change.
    ids = [a["data-supporter-id"] for a in english.select("[data-testid=results] article")]
    assert ids == [a["data-supporter-id"] for a in welsh.select("[data-testid=results] article")]


def test_the_choice_outlives_signing_in_and_only_names_a_language(visitor, make_account):
    coach = make_account(roles=["coach"])
    browser = visitor()
    assert browser.get("/language/cy").headers["Location"] == "/"
    browser.post("/sign-in", data={"email": coach.email, "password": PASSWORD})
    assert soup_of(browser.get("/")).html["lang"] == "cy"
    assert browser.get("/language/fr").status_code == 404
    # Never a way off the site.
    assert browser.get("/language/en?next=//evil.example/").headers["Location"] == "/"
    assert soup_of(browser.get("/")).html["lang"] == "en-GB"


def test_a_browser_asking_for_welsh_gets_it_and_the_api_stays_english(visitor, supporter):
    browser = visitor()
    welsh = {"Accept-Language": "cy-GB,cy;q=0.9,en;q=0.5"}
    page = soup_of(browser.get("/", headers=welsh))
    assert page.html["lang"] == "cy" and page.h1.get_text().startswith("Dewch o hyd")
    answer = browser.get("/api/v1/search?where=LS6+3QS", headers=welsh).get_json()
    assert answer["results"][0]["reasons"][0] == "4 km away"
    error = browser.get("/api/v1/search?where=LS6+3QS&radius_km=-5", headers=welsh).get_json()
    assert error["errors"] == {"radius_km": ["Radius must be between 1 and 500 km."]}


def test_page_errors_are_in_the_pages_language(visitor):
    browser = visitor()
    browser.get("/language/cy")
    soup = soup_of(browser.get("/search?where=LS6+3QS&radius_km=-5"))
    message = soup.find(id="radius_km-error").get_text()
    assert message.startswith("Rhaid i") and "500" in message


def test_the_widget_speaks_its_hosts_language(visitor, make_widget_key, supporter):
    key = make_widget_key()
    browser = visitor()
    origin = {"Origin": CLUB}
    config = browser.get(f"/widget/api/v1/config?key={key.key}&lang=cy", headers=origin)
    catalogue = config.get_json()["catalogue"]
    assert catalogue["lang"] == "cy"
    assert catalogue["messages"]["Search"] == "Chwilio"
    assert catalogue["plurals"]["{n} place free"][1] == "{n} lle ar gael"
    # Only the widget's own strings travel, not every page's.
    assert "Account settings" not in catalogue["messages"]

    search = f"/widget/api/v1/search?key={key.key}&where=LS6+3QS"
    welsh = browser.get(search + "&lang=cy", headers=origin).get_json()
    english = browser.get(search, headers=origin).get_json()
    assert welsh["results"][0]["reasons"][0] == "4 km i ffwrdd"
    assert english["results"][0]["reasons"][0] == "4 km away"
    # The widget sets no cookie, so it cannot remember a language either.
    assert "Set-Cookie" not in browser.get(search + "&lang=cy", headers=origin).headers


def test_every_string_to_translate_has_its_welsh_and_the_built_catalogue_matches():
    """`make translations` gathers the strings; a new one needs its Welsh before it ships."""
    with (ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    wanted = {(context, message)
              for _, _, message, _, context in extract_from_dir(
                  str(ROOT), method_map, options_map,
                  keywords={**DEFAULT_KEYWORDS, "lazy_gettext": None})
              if message}
    with WELSH_PO.open("rb") as handle:
        welsh = read_po(handle)
    translated = {(m.context, m.id) for m in welsh
                  if m.id and not m.fuzzy and all(m.string if isinstance(m.string, tuple)
                                                  else [m.string])}
    untranslated = sorted(str(i) for _, i in wanted - translated)
    assert not untranslated, f"run `make translations` and translate: {untranslated[:10]}"

    with WELSH_MO.open("rb") as handle:
        built = {_entry(m) for m in read_mo(handle) if m.id}
    source = {_entry(m) for m in welsh if m.id and not m.fuzzy}
    assert built == source, "the .mo is out of date: run `make translations`"


def _entry(message) -> tuple:
    def plain(value):
        return tuple(value) if isinstance(value, list | tuple) else value

    return message.context, plain(message.id), plain(message.string)


def test_placeholders_survive_translation():
    """A Welsh string with a placeholder missing or misspelt would break or lose a value."""
    with WELSH_PO.open("rb") as handle:
        catalogue = read_po(handle)
    pattern = re.compile(r"%\(\w+\)[sd]|\{\w+\}")
    wrong = []
    for message in catalogue:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(pattern.findall(ids[-1])) | set(pattern.findall(ids[0]))
        for text in strings:
            if set(pattern.findall(text)) - wanted or (
                    len(ids) == 1 and set(pattern.findall(text)) != wanted):
                wrong.append((ids[0], text))
    assert not wrong
