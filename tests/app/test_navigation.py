"""The menu, the account menu and the way to a coach's relicensing record, as plain HTML."""

import pytest
from bs4 import BeautifulSoup


def soup_of(response) -> BeautifulSoup:
    assert response.status_code == 200
    return BeautifulSoup(response.data, "html.parser")


def menu(soup) -> dict[str, str]:
    """The main menu's links, text to address (the account menu's among them)."""
    nav = soup.find("nav", {"aria-label": "Main"})
    return {a.get_text(strip=True): a["href"] for a in nav.find_all("a")}


def account_menu(soup):
    return soup.select_one("nav .account-menu")


def test_visitors_get_a_folding_menu_without_the_api_which_is_in_the_footer(client):
    soup = soup_of(client.get("/search"))
    details = soup.select_one("nav details.menu")
    assert details.summary.get_text(strip=True) == "Menu"
    assert details.get("open") is None  # folded until asked, phones show only "Menu"
    # The other language is the menu's last item (phones), back to the same page.
    assert menu(soup) == {"Home": "/", "Find support": "/search", "Sign in": "/sign-in",
                          "Sign up": "/sign-up", "Cymraeg": "/language/cy?next=/search"}
    assert account_menu(soup) is None
    # The page one is on is marked, and only that one.
    assert [a.get_text(strip=True) for a in soup.select("nav [aria-current]")] == ["Find support"]
    assert soup.select_one("nav [aria-current]")["aria-current"] == "page"
    footer = soup.find("footer")
    assert footer.find("a", string="API for developers")["href"] == "/api/v1/docs"


@pytest.mark.parametrize("roles, expected, unexpected", [
    (["coach"], {"Plan and log", "Your record for relicensing"}, {"Caseload", "Admin"}),
    (["supporter"], {"Caseload", "My supporter profile"},
     {"Your record for relicensing", "Plan and log"}),
])
def test_the_account_menu_holds_settings_the_coachs_record_and_sign_out(
        visitor, make_account, roles, expected, unexpected):
    soup = soup_of(visitor(make_account(roles=roles)).get("/account"))
    links = menu(soup)
    assert expected <= set(links) and not unexpected & set(links)
    account = account_menu(soup)
    assert account.summary.get_text(strip=True) == "Your account"
    in_account = [a.get_text(strip=True) for a in account.find_all("a")]
    assert in_account[0] == "Account settings"
    assert ("Your record for relicensing" in in_account) == ("coach" in roles)
    assert account.find("form", action="/sign-out").button.get_text(strip=True) == "Sign out"
    # Settings is the page open, so it is the one marked.
    assert account.find("a", string="Account settings")["aria-current"] == "page"
    if "coach" in roles:
        assert links["Your record for relicensing"] == "/record"


def test_a_coachs_plan_links_their_record_and_marks_plan_and_log(
        visitor, make_account, make_supporter, make_plan, make_engagement):
    coach = make_account(roles=["coach"])
    developer = make_supporter(user=make_account(roles=["supporter"]), roles=["coach_developer"])
    plan = make_plan(coach, title="Pilot plan")
    make_engagement(coach, developer, role="coach_developer", plan=plan)
    soup = soup_of(visitor(coach).get(f"/plans/{plan.id}"))
    assert soup.find(attrs={"data-testid": "record-link"})["href"] == "/record"
    # A plan is a page within "Plan and log".
    assert soup.find("nav").find("a", string="Plan and log")["aria-current"] == "true"
    # Their coach developer sees the plan, but the record is the coach's own.
    soup = soup_of(visitor(developer.user).get(f"/plans/{plan.id}"))
    assert soup.find(attrs={"data-testid": "record-link"}) is None
