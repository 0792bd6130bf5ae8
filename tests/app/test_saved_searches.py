"""Tell me when: saved searches, double opt-in, daily digests through real SMTP, unsubscribe."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from bs4 import BeautifulSoup
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from tests.conftest import PASSWORD
from tests.places import MANCHESTER, YORK

# Nobody is near York until a test puts someone there.
NEAR_YORK = {"where": "YO1 7HH", "radius_km": 10, "mode": "in_person", "roles": ["mentor"]}
COACH_EMAIL = "cara@example.com"
STRANGER = "sam.stranger@example.net"


def day(n: int) -> str:
    """The UTC time ``n`` days from now, when the daily alert job runs."""
    return (datetime.now(UTC) + timedelta(days=n)).strftime("%Y-%m-%dT%H:%M:%S")


@pytest.fixture
def coach(make_account):
    return make_account(roles=["coach"], email=COACH_EMAIL, name="Cara Coach")


@pytest.fixture
def as_coach(visitor, coach):
    return visitor(coach)


@pytest.fixture
def alerts(app):
    """Run ``flask send-search-alerts --now <day n>``; return its output."""

    def run(n: int = 0) -> str:
        result = app.test_cli_runner().invoke(args=["send-search-alerts", "--now", day(n)])
        assert result.exit_code == 0, result.output
        return result.output

    return run


@pytest.fixture
def mentor_in_york(make_user, make_supporter):
    def make(name="Yusuf York", **fields):
        values = {**YORK, "roles": ["mentor"], **fields}
        return make_supporter(user=make_user(roles=["supporter"], name=name), **values)

    return make


def save(as_coach, **params):
    return as_coach.api("post", "/api/v1/saved-searches", json={**NEAR_YORK, **params})


def count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def alert_emails(session) -> list:
    from app.models import OutboxMessage

    session.expire_all()
    return session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "search_alert")
                           .order_by(OutboxMessage.id)).all()


def link(mailbox, address: str, path: str) -> str:
    found = [u for u in mailbox.links(address) if path in u]
    assert found, f"no {path} link in {mailbox.links(address)}"
    return found[-1].replace("http://localhost", "")


def follow(browser, url: str):
    """Open an emailed link, then press its page's one button, as a person does."""
    page = browser.get(url)
    assert page.status_code == 200
    form = BeautifulSoup(page.data, "html.parser").find("form", method="post")
    return browser.post(form["action"], data={"token": form.find(
        "input", attrs={"name": "token"})["value"]})


# --- A coach's saved search and the digest --------------------------------------------


def test_a_coach_saves_a_search_then_one_digest_arrives_when_someone_matches(
        as_coach, alerts, mailbox, mentor_in_york):
    saved = save(as_coach)
    assert saved.status_code == 201, saved.get_json()
    body = saved.get_json()
    assert body["summary"] == "Mentor · within 10 km of YO1 7HH · in person"
    assert body["active"] is True and body["matched"] == 0
    assert body["search"]["radius_km"] == 10 and body["search"]["roles"] == ["mentor"]

    yusuf = mentor_in_york()
    assert "1 digest(s) queued" in alerts(0)
    mailbox.deliver()
    [email] = mailbox.to(COACH_EMAIL)
    text = mailbox.body(email)
    assert email["Subject"] == "1 new supporter matches your saved search"
    assert "Yusuf York (Mentor), near YO1 (York), 1 km away" in text
    assert f"http://localhost/supporters/{yusuf.id}" in text
    assert "/search/alerts/unsubscribe?token=" in text


def test_the_next_run_sends_nothing_and_news_waits_a_day(
        as_coach, alerts, mailbox, mentor_in_york, session):
    save(as_coach)
    mentor_in_york()
    alerts(0)
    assert "0 digest(s)" in alerts(0)  # nobody new
    mentor_in_york(name="Zara Zed")
    assert "1 person(s) already emailed today" in alerts(0)
    assert len(alert_emails(session)) == 1
    alerts(1)
    mailbox.deliver(day(1))
    first, second = mailbox.to(COACH_EMAIL)
    assert "Zara Zed" not in mailbox.body(first)
    assert "Zara Zed" in mailbox.body(second) and "Yusuf York" not in mailbox.body(second)
    assert "0 digest(s)" in alerts(2)


def test_who_matched_when_it_was_saved_is_not_news(as_coach, alerts, mentor_in_york, session):
    mentor_in_york()
    assert save(as_coach).get_json()["matched"] == 1
    alerts(0)
    assert alert_emails(session) == []


@pytest.mark.parametrize("unlike", [
    {"roles": ["technical_advisor"]},  # not the role asked for
    MANCHESTER,                        # beyond the radius
    {"capacity": 0},                   # full: a waitlist, not a place
], ids=["wrong role", "too far", "full"])
def test_a_supporter_who_does_not_match_triggers_nothing(
        as_coach, alerts, mentor_in_york, session, unlike):
    save(as_coach)
    mentor_in_york(**unlike)
    assert "0 new match(es)" in alerts(0)
    assert alert_emails(session) == []


def test_an_online_search_is_told_of_online_supporters_anywhere(
        as_coach, alerts, mailbox, make_supporter):
    assert save(as_coach, mode="online").status_code == 201
    make_supporter(offers_online=True, **MANCHESTER)
    alerts(0)
    mailbox.deliver()
    [email] = mailbox.to(COACH_EMAIL)
    assert "(Mentor), online" in mailbox.body(email)


def test_one_email_covers_every_saved_search_of_a_person(
        as_coach, alerts, mailbox, mentor_in_york):
    save(as_coach)
    save(as_coach, roles=["co_coach"], radius_km=25)
    mentor_in_york(name="Mo Mentor")
    mentor_in_york(name="Cole Coach", roles=["co_coach"])
    alerts(0)
    mailbox.deliver()
    [email] = mailbox.to(COACH_EMAIL)
    text = mailbox.body(email)
    assert email["Subject"] == "2 new supporters match your saved searches"
    assert "Mentor · within 10 km" in text and "Co-coach · within 25 km" in text
    assert "Mo Mentor" in text and "Cole Coach" in text


# --- Signed out: double opt-in ---------------------------------------------------------


def anonymous_save(visitor, email=STRANGER, **search):
    """Follow "tell me when" signed out: the page asking for an address, then its form."""
    browser = visitor()
    page = browser.get("/search/alerts/new", query_string={**NEAR_YORK, **search})
    assert page.status_code == 200
    form = BeautifulSoup(page.data, "html.parser").find("form", method="post")
    data = [(i["name"], i["value"]) for i in form.find_all("input", type="hidden")]
    return browser.open(form["action"], method="POST",
                        data=MultiDict(data + [("email", email)]))


def test_nothing_is_sent_before_the_address_is_confirmed_then_alerts_follow(
        visitor, alerts, mailbox, mentor_in_york):
    answer = anonymous_save(visitor)
    assert answer.status_code == 200
    assert b"Check your email" in answer.data
    mentor_in_york()
    alerts(0)
    mailbox.deliver()
    [confirmation] = mailbox.to(STRANGER)
    assert confirmation["Subject"] == "Confirm your search alert"

    only_opened = visitor().get(link(mailbox, STRANGER, "/search/alerts/confirm"))
    assert b"Start my search alert" in only_opened.data  # a mail scanner confirms nothing
    alerts(0)
    mailbox.deliver()
    assert len(mailbox.to(STRANGER)) == 1
    confirmed = follow(visitor(), link(mailbox, STRANGER, "/search/alerts/confirm"))
    assert confirmed.status_code == 200 and b"Your search alert is on" in confirmed.data
    alerts(0)
    mailbox.deliver()
    assert [m["Subject"] for m in mailbox.to(STRANGER)] == [
        "Confirm your search alert", "1 new supporter matches your saved search"]


def test_a_bad_or_expired_confirmation_link_gives_a_clear_page(visitor, app, session):
    from app.models import SavedSearch
    from app.services.saved_searches import CONFIRM_SALT, _digest

    anonymous_save(visitor)
    saved = session.scalar(select(SavedSearch))

    class FourDaysAgo(TimestampSigner):
        def get_timestamp(self):
            return int(time.time()) - 4 * 86400

    old = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=CONFIRM_SALT,
                                 signer=FourDaysAgo).dumps({"id": saved.id,
                                                            "e": _digest(STRANGER)})
    for token, message in ((old, "expired"), ("forged-token", "not valid")):
        page = visitor().post("/search/alerts/confirm", data={"token": token})
        assert page.status_code == 400
        assert message in BeautifulSoup(page.data, "html.parser").find(
            attrs={"data-testid": "link-problem"}).get_text()
    session.expire_all()
    assert saved.confirmed_at is None


def test_unconfirmed_searches_and_their_mail_are_deleted_after_a_few_days(
        visitor, alerts, session):
    from app.models import OutboxMessage, SavedSearch

    anonymous_save(visitor)
    alerts(2)
    assert count(session, SavedSearch) == 1  # the link still works
    assert "1 unconfirmed deleted" in alerts(4)
    assert count(session, SavedSearch) == 0
    assert session.scalars(select(OutboxMessage.to_address)).all() == []


def test_an_address_unsubscribes_in_one_click_and_is_forgotten(
        visitor, alerts, mailbox, mentor_in_york, session):
    from app.models import OutboxMessage, SavedSearch

    anonymous_save(visitor)
    mailbox.deliver()
    follow(visitor(), link(mailbox, STRANGER, "/search/alerts/confirm"))
    mentor_in_york()
    alerts(0)
    mailbox.deliver()

    page = follow(visitor(), link(mailbox, STRANGER, "/search/alerts/unsubscribe"))
    assert page.status_code == 200 and b"your email address are deleted" in page.data
    assert count(session, SavedSearch) == 0
    assert STRANGER not in session.scalars(select(OutboxMessage.to_address)).all()
    mentor_in_york(name="Zara Zed")
    alerts(3)
    assert alert_emails(session) == []


@pytest.fixture
def two_a_visitor(app_config):
    app_config["SAVED_SEARCH_RATE_LIMIT"] = "2 per hour"


def test_saving_without_an_account_is_rate_limited(two_a_visitor, visitor, session):
    from app.models import SavedSearch

    statuses = [anonymous_save(visitor, email=f"a{n}@example.net").status_code
                for n in range(3)]
    assert statuses == [200, 200, 429]
    assert count(session, SavedSearch) == 2


# --- The coach's own page, one-click unsubscribe and the API ---------------------------


def test_save_from_the_results_page_in_one_click(as_coach, coach):
    results = as_coach.get("/search", query_string={**NEAR_YORK, "filters": "1"})
    soup = BeautifulSoup(results.data, "html.parser")
    box = soup.find(attrs={"data-testid": "tell-me-when"})
    assert "tell-me-when-prominent" in box["class"]  # nobody is free near York
    form = box.find("form")
    saved = as_coach.open(form["action"], method="POST", data=MultiDict([
        (i["name"], i["value"]) for i in form.find_all("input", type="hidden")]))
    assert saved.status_code == 302 and saved.location.endswith("/account/alerts")
    page = BeautifulSoup(as_coach.get("/account/alerts").data, "html.parser")
    [item] = page.select("[data-testid=saved-search]")
    assert item.find("h2").get_text() == "Mentor · within 10 km of YO1 7HH · in person"
    assert page.find(attrs={"data-testid": "saved-count"}).get_text() == "1 of 10 saved searches."


def test_signed_out_results_offer_it_without_a_cookie(client, make_supporter):
    make_supporter(**YORK)  # a mentor with places free: the offer is at the end, quietly
    response = client.get("/search", query_string=NEAR_YORK)
    box = BeautifulSoup(response.data, "html.parser").find(attrs={"data-testid": "tell-me-when"})
    assert "tell-me-when-prominent" not in box["class"]
    assert box.find("form")["method"] == "get"  # the address is asked for on the next page
    assert "Set-Cookie" not in response.headers


def test_pause_resume_and_delete_on_the_page(as_coach, alerts, mentor_in_york, session):
    from app.models import SavedSearch

    saved_id = save(as_coach).get_json()["id"]
    base = f"/account/alerts/{saved_id}"
    assert as_coach.post(f"{base}/active", data={"active": "false"}).status_code == 302
    mentor_in_york()
    alerts(0)
    assert alert_emails(session) == []  # paused
    assert b"Resume alerts" in as_coach.get("/account/alerts").data
    as_coach.post(f"{base}/active", data={"active": "true"})
    alerts(0)
    assert len(alert_emails(session)) == 1
    assert as_coach.post(f"{base}/delete").status_code == 302
    assert count(session, SavedSearch) == 0


def test_a_coach_unsubscribes_in_one_click_and_can_resume(
        as_coach, alerts, mailbox, mentor_in_york, visitor):
    save(as_coach)
    mentor_in_york()
    alerts(0)
    mailbox.deliver()
    [digest] = mailbox.to(COACH_EMAIL)
    url = link(mailbox, COACH_EMAIL, "/search/alerts/unsubscribe")
    assert digest["List-Unsubscribe"] == f"<http://localhost{url}>"
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert visitor().get(url).status_code == 200  # opening it pauses nothing
    assert as_coach.api("get", "/api/v1/saved-searches").get_json()[0]["active"] is True
    # A mail program's one-click POST (RFC 8058): no page, no form token.
    page = visitor().client.post(url, data={"List-Unsubscribe": "One-Click"})
    assert page.status_code == 200 and b"saved search is paused" in page.data
    [saved] = as_coach.api("get", "/api/v1/saved-searches").get_json()
    assert saved["active"] is False


def test_the_api_lists_pauses_and_deletes(as_coach):
    saved_id = save(as_coach).get_json()["id"]
    paused = as_coach.api("patch", f"/api/v1/saved-searches/{saved_id}", json={"active": False})
    assert paused.status_code == 200 and paused.get_json()["active"] is False
    assert [s["id"] for s in as_coach.api("get", "/api/v1/saved-searches").get_json()] == [
        saved_id]
    assert as_coach.api("delete", f"/api/v1/saved-searches/{saved_id}").status_code == 204
    assert as_coach.api("get", "/api/v1/saved-searches").get_json() == []


def test_someone_elses_saved_search_does_not_exist(as_coach, visitor, make_account, session):
    from app.models import SavedSearch

    saved_id = save(as_coach).get_json()["id"]
    other = visitor(make_account(roles=["coach"]))
    url = f"/api/v1/saved-searches/{saved_id}"
    for method, body in (("get", None), ("patch", {"active": "nonsense"}), ("delete", None)):
        answer = other.api(method, url, json=body)
        missing = other.api(method, "/api/v1/saved-searches/999999", json=body)
        assert answer.status_code == 404, (method, answer.get_json())
        assert answer.get_json() == missing.get_json()
    assert other.post(f"/account/alerts/{saved_id}/delete").status_code == 404
    assert other.post(f"/account/alerts/{saved_id}/active", data={"active": "x"}
                      ).status_code == 404
    assert count(session, SavedSearch) == 1
    assert visitor().api("get", "/api/v1/saved-searches").status_code == 401


@pytest.mark.parametrize(("change", "field"), [
    ({"where": "LS99 9ZZ"}, "where"),      # a postcode nobody knows
    ({"radius_km": -5}, "radius_km"),
    ({"roles": ["wizard"]}, "roles"),
    ({"page": 2}, "page"),                  # how results are paged is not saved
], ids=["unknown place", "radius -5", "unknown role", "page"])
def test_bad_input_names_the_field_and_changes_nothing(as_coach, session, change, field):
    from app.models import AuditEvent, SavedSearch

    answer = save(as_coach, **change)
    body = answer.get_json()
    assert answer.status_code == 422, body
    assert set(body) == {"code", "status", "message", "errors"} and field in body["errors"]
    assert count(session, SavedSearch) == 0
    assert not session.scalars(select(AuditEvent.action).where(
        AuditEvent.action.like("saved_search.%"))).all()


@pytest.fixture
def two_each(app_config):
    app_config["SAVED_SEARCHES_PER_PERSON"] = 2


def test_too_many_saved_searches_is_a_clear_error(two_each, as_coach, session):
    from app.models import SavedSearch

    assert [save(as_coach, radius_km=r).status_code for r in (5, 10)] == [201, 201]
    answer = save(as_coach, radius_km=15)
    assert answer.status_code == 409
    assert "delete one" in answer.get_json()["errors"]["saved_searches"][0]
    assert count(session, SavedSearch) == 2
    page = as_coach.post("/search/alerts", data={**NEAR_YORK, "radius_km": "15"})
    assert page.status_code == 409 and b"the most you can keep" in page.data


# --- Privacy ---------------------------------------------------------------------------


def test_export_holds_saved_searches_and_erasure_removes_them(
        as_coach, mentor_in_york, session):
    from app.models import SavedSearch, SavedSearchMatch

    mentor_in_york()
    save(as_coach)
    exported = as_coach.post("/account/data", data={"password": PASSWORD}).get_json()
    [saved] = exported["saved_searches"]
    assert saved["search"]["where"] == "YO1 7HH" and len(saved["matched_supporter_ids"]) == 1
    assert as_coach.post("/account/delete", data={"password": PASSWORD}).status_code == 302
    assert count(session, SavedSearch) == 0 and count(session, SavedSearchMatch) == 0


def test_a_digest_carries_no_private_detail(as_coach, alerts, make_user, make_supporter,
                                            session):
    save(as_coach, where="YO1")
    user = make_user(roles=["supporter"], name="Yusuf York", phone="07700 900123")
    make_supporter(user=user, bio="Call me on 07700 900123", **YORK)
    alerts(0)
    [email] = alert_emails(session)
    assert "Yusuf York" in email.body
    assert "07700" not in email.body and "@" not in email.body and "7HH" not in email.body
