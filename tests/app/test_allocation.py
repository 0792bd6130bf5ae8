"""Cohort allocation from proposal to publication: locked pairs, re-runs, nothing before
publication, capacity checked again when publishing, and only admins."""

from datetime import date

import pytest
import sqlalchemy as sa

from app.models import (
    AllocationPlacement,
    AllocationRun,
    CoachProfile,
    Engagement,
    OutboxMessage,
    Qualification,
    SupportRole,
)

PILOT = "Advanced Coach pilot"
CONFIRM = {"confirm": True}
LEEDS = dict(latitude=53.8195, longitude=-1.5820, postcode="LS6 3QS", outward_code="LS6",
             place_label="Leeds")
LONDON = dict(latitude=51.5072, longitude=-0.1276, postcode="WC2N 5DU", outward_code="WC2N",
              place_label="London")


@pytest.fixture
def cohort(make_account, make_supporter, make_plan, make_engagement, session, visitor):
    """Four pilot coaches in Leeds for three places in Leeds (and one developer in London)."""
    def developer(name, capacity, place, groups=("jumps",)):
        user = make_account(roles=["supporter", "coach_developer"], name=name,
                            email=f"{name.split()[0].lower()}@example.com")
        return make_supporter(user=user, roles=["coach_developer"], capacity=capacity,
                              qualification="uk_advanced_coach", event_groups=groups, **place)

    dee = developer("Dee Developer", 3, LEEDS)
    eve = developer("Eve Expert", 1, LEEDS, groups=("sprints_hurdles_relays",))
    flo = developer("Flo Faraway", 2, LONDON)
    level_one = session.scalar(sa.select(Qualification).where(
        Qualification.key == "uk_sessional_coach"))

    def coach(name, *, programme=PILOT):
        user = make_account(roles=["coach"], name=name,
                            email=f"{name.split()[0].lower()}@example.com")
        session.add(CoachProfile(user_id=user.id, qualification=level_one, **LEEDS))
        session.commit()
        plan = make_plan(user, programme=programme, needs={"training_planning": 5},
                         goals=["Periodise the season"])
        return user, plan

    coaches = [coach(n) for n in ("Amy Ash", "Bo Birch", "Cal Cedar", "Di Dogwood")]
    engaged, engaged_plan = coach("Ed Elm")
    make_engagement(engaged, dee, role="coach_developer", plan=engaged_plan)
    coach("Nia Notpilot", programme=None)
    admin = make_account(roles=["admin"], name="Ada Admin")
    return {"dee": dee, "eve": eve, "flo": flo, "coaches": [c for c, _ in coaches],
            "plans": {c.id: p.id for c, p in coaches}, "engaged": engaged,
            "as_admin": visitor(admin)}


def engagements(session):
    return session.scalar(sa.select(sa.func.count()).select_from(Engagement))


def outbox(session):
    return session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()


def propose(cohort, **args):
    response = cohort["as_admin"].api("post", "/api/v1/admin/allocations",
                                      json={"programme": PILOT, **args})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def publish(cohort, run_id, body=CONFIRM):
    return cohort["as_admin"].api("post", f"/api/v1/admin/allocations/{run_id}/publish",
                                  json=body)


def pairs_of(run):
    return {p["coach"]["name"]: p["supporter"]["name"] for p in run["pairs"]}


def test_from_proposal_through_locks_and_reruns_to_publication(cohort, session):
    before = engagements(session)
    run = propose(cohort)
    assert run["status"] == "proposed"
    assert len(run["pairs"]) == 3 and len(run["unplaced"]) == 1
    assert "Flo Faraway" not in pairs_of(run).values()  # London is beyond everyone's reach
    assert sorted(pairs_of(run).values()) == ["Dee Developer", "Dee Developer", "Eve Expert"]
    assert all(p["reasons"] and p["score"] > 0 for p in run["pairs"])
    assert run["unplaced"][0]["reason"] == \
        "eligible supporters' places all went to other coaches"
    assert [x["coach"]["name"] for x in run["left_out"]] == ["Ed Elm"]
    assert "Nia Notpilot" not in {p["coach"]["name"] for p in run["pairs"] + run["unplaced"]}
    # Nothing exists before publication: no engagement, no email.
    assert engagements(session) == before and outbox(session) == []

    # The admin moves the unplaced coach to Eve and locks that pair, then re-runs.
    moved = run["unplaced"][0]["coach"]
    eve = cohort["eve"].id
    rerun = cohort["as_admin"].api("post", f"/api/v1/admin/allocations/{run['id']}/rerun",
                                   json={"locks": [{"coach_id": moved["id"],
                                                    "supporter_id": eve}]})
    assert rerun.status_code == 200, rerun.get_json()
    run = rerun.get_json()
    locked = [p for p in run["pairs"] if p["locked"]]
    assert [(p["coach"]["name"], p["supporter"]["name"]) for p in locked] == [
        (moved["name"], "Eve Expert")]
    assert len(run["pairs"]) == 3 and len(run["unplaced"]) == 1
    assert run["unplaced"][0]["coach"]["name"] != moved["name"]
    assert run["reruns"] == 1

    again = cohort["as_admin"].api("post", f"/api/v1/admin/allocations/{run['id']}/rerun",
                                   json={"locks": [{"coach_id": moved["id"],
                                                    "supporter_id": eve}]})
    assert pairs_of(again.get_json())[moved["name"]] == "Eve Expert"
    assert engagements(session) == before and outbox(session) == []
    proposal = pairs_of(again.get_json())

    published = publish(cohort, run["id"])
    assert published.status_code == 200, published.get_json()
    assert published.get_json()["status"] == "published"
    created = session.scalars(sa.select(Engagement).join(
        SupportRole, SupportRole.id == Engagement.role_id).where(
        SupportRole.key == "coach_developer", Engagement.coach_id != cohort["engaged"].id)).all()
    assert sorted((e.coach.display_name, e.supporter.user.display_name) for e in created) == \
        sorted(proposal.items())
    assert all(e.status == "active" and e.started_on == date.today() for e in created)
    assert all(e.plan_id == cohort["plans"][e.coach_id] for e in created)
    assert engagements(session) == before + 3
    placements = session.scalars(sa.select(AllocationPlacement).where(
        AllocationPlacement.supporter_id.is_not(None))).all()
    assert {p.engagement_id for p in placements} == {e.id for e in created}

    mail = {(m.kind, m.to_address) for m in outbox(session)}
    paired = {f"{name.split()[0].lower()}@example.com" for name in proposal}
    unplaced = next(c for c in cohort["coaches"] if c.display_name not in proposal)
    assert mail == {("allocation_paired", a) for a in paired} | {
        ("allocation_paired", "dee@example.com"), ("allocation_paired", "eve@example.com"),
        ("allocation_unplaced", unplaced.email)}

    twice = publish(cohort, run["id"])
    assert twice.status_code == 409
    assert "published already" in twice.get_json()["message"]
    assert engagements(session) == before + 3
    refused = cohort["as_admin"].api("post", f"/api/v1/admin/allocations/{run['id']}/rerun",
                                     json={"locks": []})
    assert refused.status_code == 409


def test_publication_is_refused_whole_when_a_place_went_meanwhile(cohort, session,
                                                                  make_account,
                                                                  make_engagement):
    run = propose(cohort)
    # Someone accepts a request while the proposal waits: Eve's one place is gone.
    late = make_account(roles=["coach"], name="Lee Late")
    make_engagement(late, cohort["eve"], role="coach_developer")
    before = engagements(session)
    response = publish(cohort, run["id"])
    assert response.status_code == 409
    body = response.get_json()
    assert "Eve Expert has 0 places left but 1 coaches are proposed." in body["errors"][
        "placements"]
    assert engagements(session) == before
    assert outbox(session) == []
    session.expire_all()
    assert session.get(AllocationRun, run["id"]).status == "proposed"

    # A re-run makes a proposal that fits again.
    rerun = cohort["as_admin"].api("post", f"/api/v1/admin/allocations/{run['id']}/rerun",
                                   json={"locks": []})
    assert "Eve Expert" not in pairs_of(rerun.get_json()).values()
    published = publish(cohort, run["id"])
    assert published.status_code == 200
    assert engagements(session) == before + 2


def test_locks_that_cannot_be_kept_are_refused_naming_the_field(cohort, session):
    run = propose(cohort)
    amy, bo = cohort["coaches"][:2]
    eve = cohort["eve"].id
    too_many = cohort["as_admin"].api("post", f"/api/v1/admin/allocations/{run['id']}/rerun",
                                      json={"locks": [{"coach_id": amy.id, "supporter_id": eve},
                                                      {"coach_id": bo.id, "supporter_id": eve}]})
    assert too_many.status_code == 422
    assert too_many.get_json()["errors"]["locks"] == [
        "Eve Expert has 1 places free, fewer than the coaches locked to them."]
    outsider = cohort["as_admin"].api("post", f"/api/v1/admin/allocations/{run['id']}/rerun",
                                      json={"locks": [{"coach_id": cohort["engaged"].id,
                                                       "supporter_id": eve}]})
    assert outsider.status_code == 422 and "locks" in outsider.get_json()["errors"]
    session.expire_all()
    assert session.get(AllocationRun, run["id"]).reruns == 0


def test_most_per_supporter_and_the_pool_shape_the_proposal(cohort):
    run = propose(cohort, most_per_supporter=1)
    assert sorted(pairs_of(run).values()) == ["Dee Developer", "Eve Expert"]
    only_dee = propose(cohort, pool=[cohort["dee"].id])
    assert set(pairs_of(only_dee).values()) == {"Dee Developer"}
    assert len(only_dee["unplaced"]) == 2
    bad = cohort["as_admin"].api("post", "/api/v1/admin/allocations",
                                 json={"programme": PILOT, "pool": [999999]})
    assert bad.status_code == 422 and "pool" in bad.get_json()["errors"]
    nobody = cohort["as_admin"].api("post", "/api/v1/admin/allocations",
                                    json={"programme": "No such programme"})
    assert nobody.status_code == 422 and "programme" in nobody.get_json()["errors"]


@pytest.mark.parametrize("method, path, body", [
    ("get", "/api/v1/admin/allocations", None),
    ("post", "/api/v1/admin/allocations", {"programme": PILOT}),
    ("get", "/api/v1/admin/allocations/pool", None),
    ("get", "/api/v1/admin/allocations/{run}", None),
    ("post", "/api/v1/admin/allocations/{run}/rerun", {"locks": []}),
    ("post", "/api/v1/admin/allocations/{run}/publish", {"confirm": True}),
    ("get", "/api/v1/admin/allocations/{run}/publish", None),
    ("post", "/api/v1/admin/allocations/{run}/discard", None),
    ("post", "/api/v1/admin/programmes", {"emails": ["amy@example.com"], "programme": "X"}),
    ("get", "/api/v1/admin/programmes", None),
    ("get", "/api/v1/admin/allocations/pool?q=Dee", None),
    ("get", "/admin/allocations", None),
    ("get", "/admin/allocations/{run}", None),
    ("get", "/admin/allocations/{run}/publish", None),
    ("post", "/admin/allocations/{run}/publish", {"confirm": "true"}),
    ("post", "/admin/allocations/{run}/rerun", {"lock": ["1"]}),
])
def test_only_admins_allocate(cohort, session, visitor, make_account, method, path, body):
    run = propose(cohort)
    developer = visitor(cohort["dee"].user)
    url = path.format(run=run["id"])
    if method == "get":
        response = developer.get(url)
    elif url.startswith("/api/"):
        response = developer.api(method, url, json=body)
    else:
        response = developer.post(url, data=body)
    assert response.status_code == 404
    assert engagements(session) == 1
    session.expire_all()
    assert session.get(AllocationRun, run["id"]).status == "proposed"


def test_the_admin_pages_from_membership_to_publication(cohort, session, make_account):
    newcomer = make_account(roles=["coach"], name="Gus Newcomer", email="gus@example.com")
    admin = cohort["as_admin"]
    bad = admin.post("/admin/programmes", data={"emails": "nobody@example.com",
                                                "programme": PILOT})
    assert bad.status_code == 422 and 'id="programme-emails-error"' in bad.get_data(
        as_text=True)
    joined = admin.post("/admin/programmes", data={"emails": "gus@example.com\n",
                                                   "programme": PILOT})
    assert joined.status_code == 302
    page = admin.get("/admin/allocations").get_data(as_text=True)
    assert f"{PILOT} (6 coaches: 5 waiting, 1 already placed)" in page
    assert "Dee Developer" in page

    started = admin.post("/admin/allocations", data={
        "programme": PILOT, "pool": [str(cohort["dee"].id), str(cohort["eve"].id)],
        "radius_km": "50", "mode": "either", "objective": "coverage"})
    assert started.status_code == 302
    run = session.scalar(sa.select(AllocationRun))
    detail = admin.get(f"/admin/allocations/{run.id}").get_data(as_text=True)
    assert "Not paired (2)" in detail and "Gus Newcomer" in detail

    # Lock Gus (coach without a location: online only, so unplaced) to Dee by hand.
    rerun = admin.post(f"/admin/allocations/{run.id}/rerun", data={
        "lock": [str(newcomer.id)], f"supporter-{newcomer.id}": str(cohort["dee"].id)})
    assert rerun.status_code == 302
    session.expire_all()
    gus = session.scalar(sa.select(AllocationPlacement).where(
        AllocationPlacement.coach_id == newcomer.id))
    assert (gus.supporter_id, gus.locked) == (cohort["dee"].id, True)
    assert engagements(session) == 1

    published = admin.post(f"/admin/allocations/{run.id}/publish", data={"confirm": "true"})
    assert published.status_code == 302
    assert engagements(session) == 4
    assert "Published" in admin.get(f"/admin/allocations/{run.id}").get_data(as_text=True)
    assert admin.post(f"/admin/allocations/{run.id}/publish",
                      data={"confirm": "true"}).status_code == 409


def test_a_large_pool_is_folded_so_the_proposal_stays_in_view(cohort):
    admin = cohort["as_admin"]
    form = admin.get("/admin/allocations").get_data(as_text=True)
    # The whole pool is in unless narrowed; its checkboxes sit folded away.
    assert '<details class="pool-list" >' in form and "(3 of 3 in)" in form
    narrowed = admin.post("/admin/allocations", data={
        "programme": PILOT, "pool": [str(cohort["dee"].id)], "radius_km": "-5",
        "mode": "either", "objective": "coverage"})
    assert narrowed.status_code == 422
    assert '<details class="pool-list" open>' in narrowed.get_data(as_text=True)

    run = propose(cohort)
    detail = admin.get(f"/admin/allocations/{run['id']}").get_data(as_text=True)
    folded = detail.index("1 more in the pool with nobody proposed")
    assert detail.index("<strong>Dee Developer</strong>") < folded < detail.index(
        "<strong>Flo Faraway</strong>")


def test_publication_is_refused_when_a_coach_closed_their_account(cohort, session):
    from datetime import UTC, datetime

    run = propose(cohort)
    paired = next(c for c in cohort["coaches"] if c.display_name in pairs_of(run))
    paired.deleted_at = datetime.now(UTC)
    session.commit()
    response = publish(cohort, run["id"])
    assert response.status_code == 409
    assert "closed their account" in response.get_json()["message"]
    assert engagements(session) == 1
