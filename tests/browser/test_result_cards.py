"""Result cards are compact, the list view is shorter still, and phones fold long reasons away."""

from __future__ import annotations

import pytest

import geodata

# Twenty supporters around Leeds, Bradford and Wakefield: a full first page.
DISTRICTS = ["LS6", "LS1", "LS2", "LS3", "LS4", "LS5", "LS7", "LS8", "LS9", "LS10",
             "LS11", "LS12", "LS13", "LS16", "LS17", "BD1", "BD3", "BD10", "WF1", "WF3"]
# document.body.scrollHeight of this page with 20 cards was 9,260 px at 1280 px and
# 16,327 px at 390 px before the cards were made compact, and 5,839 and 10,382 px after;
# the limits leave room for fonts to differ and fail well before the old heights.
CARDS_MAX = {1280: 6600, 390: 11800}


@pytest.fixture
def twenty(make_user, make_supporter):
    made = []
    for i, code in enumerate(DISTRICTS):
        centre = geodata.geocode(code)
        found = geodata.nearest_postcodes(centre.lat, centre.lon, k=1)[0]
        made.append(make_supporter(
            user=make_user(roles=["supporter"], name=f"Supporter {code}"),
            roles=("mentor", "technical_advisor"), event_groups=("jumps", "throws"),
            expertise=("technical_model", "strength_power", "training_planning"),
            latitude=found.lat, longitude=found.lon, postcode=found.postcode,
            outward_code=found.outward_code, travel_km=40, capacity=2 + i % 3,
            offers_online=True))
    return made


def _height(page) -> int:
    return page.evaluate("document.body.scrollHeight")


def _results_height(page) -> float:
    return page.locator("[data-testid=results]").bounding_box()["height"]


def test_cards_and_list_fit_a_page_and_phones_fold_reasons(live_server, page, phone_page,
                                                           twenty, check_accessibility,
                                                           screenshot):
    search = (live_server.url + "/search?where=LS6+3QS&radius_km=40&mode=either"
              "&event_groups=jumps&needs=technical_model:5&needs=strength_power:3")
    heights = {}
    for width, tab in ((1280, page), (390, phone_page)):
        tab.goto(search)
        assert tab.locator("[data-testid=results] article.card").count() == 20
        heights[width, "cards"] = _height(tab)
        cards_list = _results_height(tab)
        assert heights[width, "cards"] <= CARDS_MAX[width], heights
        check_accessibility(tab)
        screenshot(tab, f"result-cards-{width}")
        card = tab.locator("[data-testid=results] article.card").first
        wide_reason = card.locator(".reason-wide").first
        summary = card.locator(".more-reasons summary")
        if width == 1280:
            # All reasons at once on a desktop; nothing to open.
            assert wide_reason.is_visible() and not summary.is_visible()
        else:
            assert not wide_reason.is_visible() and summary.is_visible()
            assert summary.inner_text().endswith("more reasons")
            rest = card.locator(".more-reasons .reasons-rest li").first
            assert not rest.is_visible()
            summary.click()
            assert rest.is_visible()
        # The toggle is a plain link: the list keeps the search.
        tab.get_by_role("link", name="List", exact=True).click()
        tab.wait_for_url("**view=list**")
        assert tab.locator("[data-testid=results] article.row").count() == 20
        assert "event_groups=jumps" in tab.url
        heights[width, "list"] = _height(tab)
        check_accessibility(tab)
        screenshot(tab, f"result-list-{width}")
        # The form follows the results on a phone: compare the results alone.
        assert _results_height(tab) < cards_list * 0.5, (heights, cards_list)
        row = tab.locator(f"article.row[data-supporter-id='{twenty[0].id}'] .row-where")
        assert "near LS6 (Leeds)" in row.inner_text()
    print(heights, cards_list)
