"""The allocation pages at national scale: typed choices that tell namesakes apart, counts
that agree with the cohort everywhere, publication only once confirmed, and the audit."""

import json
import re
from html import unescape

import pytest
import sqlalchemy as sa

from app.models import AllocationPlacement, AllocationRun, AuditEvent, DevelopmentPlan, User

from . import test_allocation
from .test_allocation import CONFIRM, LEEDS, PILOT, engagements, outbox, propose

cohort = test_allocation.cohort  # the same four pilot coaches, fixture and all

YORK = dict(latitude=53.9590, longitude=-1.0815, postcode="YO1 7HH", outward_code="YO1",
            place_label="York")


@pytest.fixture
def namesakes(cohort, make_account, make_supporter):
    """Three coach developers called Sam Patel: two in Leeds (two clubs), one in York.

    At the coaches' own level, so the allocation never picks them by itself: only
    a choice typed by the admin pairs a coach with one of them.
    """
    found = {}
    for key, place, club in (("leeds", LEEDS, "Leeds City AC"),
                             ("kirkstall", LEEDS, "Kirkstall Harriers"),
                             ("york", YORK, "York Acorn")):
        user = make_account(roles=["supporter", "coach_developer"], name="Sam Patel",
                            email=f"sam.{key}@example.com")
        found[key] = make_supporter(user=user, roles=["coach_developer"], capacity=2,
                                    qualification="uk_sessional_coach", offers_online=True,
                                    club=club, **place)
    return found


def page_of(response) -> str:
    return unescape(response.get_data(as_text=True))


def field_error(page: str, name: str) -> str:
    """Return the error shown beside the field ``name`` (and check it is tied to it)."""
    assert f'aria-describedby="{name}-error"' in page
    found = re.search(rf'id="{name}-error"[^>]*>(.*?)</p>', page, re.S)
    assert found, f"no error beside {name}"
    return found.group(1).strip()


def placements(session, run_id):
    session.expire_all()
    return {p.coach_id: (p.supporter_id, p.locked) for p in session.scalars(
        sa.select(AllocationPlacement).where(AllocationPlacement.run_id == run_id))}


def test_supporters_are_labelled_apart_with_place_places_free_and_number(cohort, namesakes):
    admin = cohort["as_admin"]
    pool = admin.api("get", "/api/v1/admin/allocations/pool").get_json()
    sams = {s["id"]: s["label"] for s in pool if s["name"] == "Sam Patel"}
    leeds, york = namesakes["leeds"].id, namesakes["york"].id
    assert sams[leeds] == f"Sam Patel — Leeds (LS6) · Leeds City AC · 2 of 2 free · #{leeds}"
    assert sams[york] == f"Sam Patel — York (YO1) · York Acorn · 2 of 2 free · #{york}"
    assert len(set(sams.values())) == 3
    # A name nobody shares needs no club; Dee has one of her three places taken (Ed).
    dee = cohort["dee"].id
    assert next(s["label"] for s in pool if s["id"] == dee) == \
        f"Dee Developer — Leeds (LS6) · 2 of 3 free · #{dee}"

    # The list narrows as a typed choice is resolved: every word, or the number.
    def found(q):
        return sorted(s["id"] for s in admin.api(
            "get", "/api/v1/admin/allocations/pool", query_string={"q": q}).get_json())

    assert found("Sam Patel") == sorted(sams)
    assert found("sam patel york") == [york]
    assert found("Patel Kirkstall") == [namesakes["kirkstall"].id]
    assert found(f"#{leeds}") == [leeds]
    assert found("Sam Pat") == []  # whole words only: no guessing

    # The page offers the same labels, in one list every choice shares.
    run = propose(cohort)
    detail = page_of(admin.get(f"/admin/allocations/{run['id']}"))
    datalist = re.search(r'<datalist id="pool-choices">(.*?)</datalist>', detail, re.S).group(1)
    offered = re.findall(r'<option value="([^"]*)"', datalist)
    assert sams[york] in offered
    assert len(offered) == len(run["pool"]) and len(set(offered)) == len(offered)
    assert detail.count('list="pool-choices"') == len(run["pairs"]) + len(run["unplaced"])
    assert "<select" not in detail.split('id="rerun-form"')[1].split("</form>")[0]


def test_a_typed_choice_names_exactly_one_supporter_or_is_refused_beside_it(
        cohort, namesakes, session):
    admin = cohort["as_admin"]
    run = propose(cohort)
    before = placements(session, run["id"])
    pair = run["pairs"][0]
    coach = pair["coach"]["id"]
    field = f"supporter-{coach}"

    ambiguous = admin.post(f"/admin/allocations/{run['id']}/rerun", data={field: "Sam Patel"})
    assert ambiguous.status_code == 422
    message = field_error(page_of(ambiguous), field)
    assert message.startswith("3 coach developers match “Sam Patel”: add the place or number")
    assert f"#{namesakes['york'].id}" in message
    # What was typed stays in the field, to be corrected.
    assert 'value="Sam Patel"' in page_of(ambiguous)

    still = admin.post(f"/admin/allocations/{run['id']}/rerun",
                       data={field: "Sam Patel Leeds"})
    assert still.status_code == 422
    assert field_error(page_of(still), field).startswith("2 coach developers match")

    nobody = admin.post(f"/admin/allocations/{run['id']}/rerun", data={field: "Zed Nobody"})
    assert nobody.status_code == 422
    assert "No coach developer in this pool matches “Zed Nobody”" in field_error(
        page_of(nobody), field)
    outsider = admin.post(f"/admin/allocations/{run['id']}/rerun", data={field: "#999999"})
    assert outsider.status_code == 422
    # Nothing changed while the choices were wrong.
    assert placements(session, run["id"]) == before
    assert session.get(AllocationRun, run["id"]).reruns == 0

    # Place (or club) narrows it to one: the coach is moved there, and so locked.
    moved = admin.post(f"/admin/allocations/{run['id']}/rerun",
                       data={field: "Sam Patel York"})
    assert moved.status_code == 302
    assert placements(session, run["id"])[coach] == (namesakes["york"].id, True)


def test_choices_by_label_number_and_lock(cohort, namesakes, session):
    admin = cohort["as_admin"]
    run = propose(cohort)
    first, second = run["pairs"][:2]
    unpaired = run["unplaced"][0]["coach"]["id"]
    kirkstall = next(s for s in run["pool"] if s["id"] == namesakes["kirkstall"].id)
    response = admin.post(f"/admin/allocations/{run['id']}/rerun", data={
        # The full label, as the list offers it (its places may have changed since).
        f"supporter-{first['coach']['id']}": kirkstall["label"].replace("2 of 2", "1 of 2"),
        # A ticked lock with nothing typed keeps the proposed pair.
        "lock": [str(second["coach"]["id"])],
        # Paired by hand by number.
        f"supporter-{unpaired}": f"#{namesakes['york'].id}",
    })
    assert response.status_code == 302, page_of(response)
    now = placements(session, run["id"])
    assert now[first["coach"]["id"]] == (namesakes["kirkstall"].id, True)
    assert now[second["coach"]["id"]] == (second["supporter"]["id"], True)
    assert now[unpaired] == (namesakes["york"].id, True)
    assert sum(locked for _, locked in now.values()) == 3

    forged = admin.post(f"/admin/allocations/{run['id']}/rerun", data={
        "supporter-999999": "Sam Patel York"})
    assert forged.status_code == 422
    assert "Coach 999999 is not in this cohort." in page_of(forged)


def counts(run):
    return run["counts"], run["summary"]


def test_counts_agree_with_the_cohort_on_every_page_and_in_the_api(
        cohort, session, make_account, make_plan):
    admin = cohort["as_admin"]
    # A coach with two open plans on the programme is one coach; a closed account is none.
    amy = cohort["coaches"][0]
    make_plan(amy, programme=PILOT, title="A second plan")
    gone = make_account(roles=["coach"], name="Gil Gone", active=False)
    make_plan(gone, programme=PILOT)

    programmes = admin.api("get", "/api/v1/admin/programmes").get_json()
    assert {"name": PILOT, "coaches": 5, "already_placed": 1, "waiting": 4} in programmes
    overview = page_of(admin.get("/admin/allocations"))
    assert f"{PILOT} (5 coaches: 4 waiting, 1 already placed)" in overview

    run = propose(cohort)
    expected = ({"cohort": 5, "paired": 3, "unpaired": 1, "already_placed": 1},
                "3 of 5 coaches paired; 1 already placed; 1 not paired")
    assert counts(run) == expected
    assert counts(admin.api("get", f"/api/v1/admin/allocations/{run['id']}").get_json()) == \
        expected
    listed = admin.api("get", "/api/v1/admin/allocations").get_json()[0]
    assert (listed["cohort"], listed["paired"], listed["unpaired"], listed["already_placed"],
            listed["summary"]) == (5, 3, 1, 1, expected[1])
    assert [x["coach"]["name"] for x in run["left_out"]] == ["Ed Elm"]
    assert run["left_out"][0]["supporter"]["name"] == "Dee Developer"

    detail = page_of(admin.get(f"/admin/allocations/{run['id']}"))
    shown = re.search(r'data-testid="counts"[^>]*>(.*?)</ul>', detail, re.S).group(1)
    assert re.sub(r"<[^>]+>|\s+", " ", shown).split() == \
        "3 of 5 coaches paired 1 already placed 1 not paired".split()
    assert "Already placed (1)" in detail and "Ed Elm: already works with Dee Developer" in detail
    assert expected[1] in page_of(admin.get("/admin/allocations"))

    # A coach who joins after the proposal is not in it: the page says so, counts stay.
    newcomer = make_account(roles=["coach"], name="Nell Newcomer")
    make_plan(newcomer, programme=PILOT)
    again = admin.api("get", f"/api/v1/admin/allocations/{run['id']}").get_json()
    assert counts(again) == expected
    assert [c["name"] for c in again["changes"]["joined"]] == ["Nell Newcomer"]
    assert "1 coach joined (Nell Newcomer): start a new proposal" in page_of(
        admin.get(f"/admin/allocations/{run['id']}"))

    # Once published, a run keeps the counts it was published with.
    assert admin.api("post", f"/api/v1/admin/allocations/{run['id']}/publish",
                     json=CONFIRM).status_code == 200
    published = admin.api("get", f"/api/v1/admin/allocations/{run['id']}").get_json()
    assert counts(published) == expected
    assert published["changes"] == {"joined": [], "placed": [], "left": []}
    programmes = admin.api("get", "/api/v1/admin/programmes").get_json()
    assert {"name": PILOT, "coaches": 6, "already_placed": 4, "waiting": 2} in programmes


def test_publishing_is_confirmed_after_saying_exactly_what_happens(cohort, session):
    admin = cohort["as_admin"]
    run = propose(cohort)
    before = engagements(session)
    detail = page_of(admin.get(f"/admin/allocations/{run['id']}"))
    # The proposal page only leads to the confirmation: no form that publishes at once.
    assert f'action="/admin/allocations/{run["id"]}/publish"' not in detail
    assert f'href="/admin/allocations/{run["id"]}/publish"' in detail

    sentence = ("This creates 3 pairings and emails 3 coaches and 2 coach developers; "
                "1 coach not paired is told that nobody was found yet.")
    confirm = admin.get(f"/admin/allocations/{run['id']}/publish")
    assert confirm.status_code == 200
    assert sentence in page_of(confirm) and "Publish and send 6 emails" in page_of(confirm)
    preview = admin.api("get", f"/api/v1/admin/allocations/{run['id']}/publish").get_json()
    assert (preview["sentence"], preview["engagements"], preview["coaches_emailed"],
            preview["coach_developers_emailed"], preview["unpaired_emailed"],
            preview["emails"], preview["can_publish"]) == (sentence, 3, 3, 2, 1, 6, True)
    assert preview["summary"] == run["summary"]

    # Without the confirm field nothing happens, on the page or in the API.
    unconfirmed = admin.post(f"/admin/allocations/{run['id']}/publish")
    assert unconfirmed.status_code == 422
    assert field_error(page_of(unconfirmed), "confirm").startswith("Confirm publication")
    for body in (None, {}, {"confirm": False}):
        refused = admin.api("post", f"/api/v1/admin/allocations/{run['id']}/publish",
                            json=body)
        assert refused.status_code == 422, body
        assert "confirm" in refused.get_json()["errors"]
    assert engagements(session) == before and outbox(session) == []
    session.expire_all()
    assert session.get(AllocationRun, run["id"]).status == "proposed"

    published = admin.post(f"/admin/allocations/{run['id']}/publish", data={"confirm": "true"})
    assert published.status_code == 302
    assert engagements(session) == before + 3
    sent = [m.kind for m in outbox(session)]
    # Exactly what the confirmation said.
    assert (sent.count("allocation_paired"), sent.count("allocation_unplaced")) == (3 + 2, 1)
    again = admin.get(f"/admin/allocations/{run['id']}/publish", follow_redirects=True)
    assert "published already" in page_of(again)


def test_the_confirmation_says_what_blocks_publication(cohort, make_account, make_engagement):
    admin = cohort["as_admin"]
    run = propose(cohort)
    late = make_account(roles=["coach"], name="Lee Late")
    make_engagement(late, cohort["eve"], role="coach_developer")
    preview = admin.api("get", f"/api/v1/admin/allocations/{run['id']}/publish").get_json()
    assert preview["can_publish"] is False
    assert preview["problems"] == ["Eve Expert has 0 places left but 1 coaches are proposed."]
    page = page_of(admin.get(f"/admin/allocations/{run['id']}/publish"))
    assert "Eve Expert has 0 places left" in page and "Publish and send" not in page


def test_every_allocation_step_is_audited_with_numbers_only(cohort, session):
    admin = cohort["as_admin"]
    run = propose(cohort)
    moved = run["unplaced"][0]["coach"]["id"]
    assert admin.api("post", f"/api/v1/admin/allocations/{run['id']}/rerun", json={
        "locks": [{"coach_id": moved, "supporter_id": cohort["eve"].id}]}).status_code == 200
    assert admin.api("post", f"/api/v1/admin/allocations/{run['id']}/publish",
                     json=CONFIRM).status_code == 200
    other = propose(cohort, pool=[cohort["flo"].id])
    assert admin.api("post",
                     f"/api/v1/admin/allocations/{other['id']}/discard").status_code == 200

    events = session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action.like("allocation.%")).order_by(AuditEvent.id)).all()
    assert [(e.action, e.subject_id) for e in events] == [
        ("allocation.proposed", run["id"]), ("allocation.rerun", run["id"]),
        ("allocation.published", run["id"]), ("allocation.proposed", other["id"]),
        ("allocation.discarded", other["id"])]
    details = {e.action: e.details for e in events}
    assert details["allocation.rerun"] == {"locked": 1, "reruns": 1, "paired": 3,
                                           "unpaired": 1, "already_placed": 1}
    assert details["allocation.published"] == {"engagements": 3, "coaches_emailed": 3,
                                               "coach_developers_emailed": 2,
                                               "unpaired_emailed": 1}
    assert details["allocation.discarded"]["paired"] == 0
    admin_user = session.scalar(sa.select(User).where(User.display_name == "Ada Admin"))
    assert {e.actor_id for e in events} == {admin_user.id}
    # Ids and numbers only: no names or addresses kept in the log.
    logged = json.dumps([e.details for e in events])
    names = [u.display_name for u in session.scalars(sa.select(User))]
    assert "@" not in logged and not any(name in logged for name in names)


def test_publication_skips_telling_a_coach_who_found_someone_meanwhile(
        cohort, session, make_engagement):
    admin = cohort["as_admin"]
    run = propose(cohort)
    unpaired = session.get(User, run["unplaced"][0]["coach"]["id"])
    plan = session.scalar(sa.select(DevelopmentPlan).where(
        DevelopmentPlan.coach_id == unpaired.id))
    make_engagement(unpaired, cohort["flo"], role="coach_developer", plan=plan)
    preview = admin.api("get", f"/api/v1/admin/allocations/{run['id']}/publish").get_json()
    assert preview["unpaired_emailed"] == 0 and preview["emails"] == 5
    assert admin.api("get", f"/api/v1/admin/allocations/{run['id']}").get_json()[
        "changes"]["placed"] == [{"id": unpaired.id, "name": unpaired.display_name}]
    assert admin.api("post", f"/api/v1/admin/allocations/{run['id']}/publish",
                     json=CONFIRM).status_code == 200
    assert unpaired.email not in {m.to_address for m in outbox(session)}
    assert len(outbox(session)) == 5
