"""A change to a few supporters reaches search without rebuilding the index.

The database's triggers log each changed supporter under the data version it
made (migration 0019); each worker applies just those, and answers exactly as
an index built afresh would.
"""

from __future__ import annotations

import gc
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.models import EventGroup, Need, SearchChange, SupporterProfile, User

CITY_CENTRE = {"latitude": 53.7997, "longitude": -1.5492, "postcode": "LS1 4AP"}
SEARCHES = [
    {"where": "LS1 4AP"},
    {"where": "LS1 4AP", "mode": "either", "goals": "jumps technique confidence"},
    {"where": "LS1 4AP", "radius_km": 5, "order": "distance"},
    {"where": "LS1 4AP", "role": "mentor", "event_group": "jumps", "need": "technical_model"},
]


def index_health(client) -> dict:
    return client.get("/healthz").get_json()["search_index"]


def answers(client) -> list[dict]:
    return [client.get("/api/v1/search", query_string=query).get_json() for query in SEARCHES]


def rebuilt_answers(app, client) -> list[dict]:
    """The same searches from an index read afresh from the database."""
    from app.services.search import index_cache

    with app.app_context():
        cache = index_cache()
        cache.rebuild_seconds = 0  # the next search reads the whole index
        cache.invalidate()
        rebuilt = answers(client)
        cache.rebuild_seconds = 3600
    assert index_health(client)["changes_applied"] == 0
    return rebuilt


def changed(session, change_version: int) -> set[tuple]:
    return set(session.execute(
        sa.select(SearchChange.supporter_id, SearchChange.user_id)
        .where(SearchChange.version > change_version)).all())


def version(session) -> int:
    from app.services.data_version import current_version

    return current_version(session)


def test_a_few_changed_supporters_are_applied_and_answer_as_a_rebuild_would(
        app, client, session, make_supporter, make_user):
    taken = make_supporter(capacity=1, **CITY_CENTRE)
    edited = make_supporter(bio="Jumps coach.", **CITY_CENTRE)
    paused = make_supporter(**CITY_CENTRE)
    renamed = make_supporter(**CITY_CENTRE)
    for _ in range(4):
        make_supporter(**CITY_CENTRE)
    before = answers(client)
    assert index_health(client)["changes_applied"] == 0

    taken.capacity = 0                               # their last place went
    edited.bio = "Jumps technique and confidence."   # text search reads the new bio
    paused.paused = True                             # leaves search
    session.get(User, renamed.user_id).display_name = "Renamed Person"
    session.commit()
    joined = make_supporter(**CITY_CENTRE)           # a new supporter arrives

    after = answers(client)
    health = index_health(client)
    assert health["changes_applied"] == 5, "five supporters applied, nothing rebuilt"
    assert health["supporters"] == 8
    assert after != before
    results = {r["id"]: r for r in after[0]["results"]}
    assert paused.id not in results and joined.id in results
    assert results[taken.id]["availability"]["status"] == "waitlist"
    assert results[renamed.id]["name"] == "Renamed Person"
    assert after == rebuilt_answers(app, client)


def test_a_taxonomy_change_rebuilds_the_whole_index(app, client, session, make_supporter):
    supporter = make_supporter(**CITY_CENTRE)
    answers(client)
    supporter.capacity = 3
    session.commit()
    answers(client)
    assert index_health(client)["changes_applied"] == 1
    jumps = session.scalar(sa.select(EventGroup).where(EventGroup.key == "jumps"))
    jumps.name = "Jumping events"
    session.commit()
    body = client.get("/api/v1/search", query_string=SEARCHES[0]).get_json()
    assert body["results"][0]["event_groups"][0]["name"] == "Jumping events"
    assert index_health(client)["changes_applied"] == 0


def test_the_triggers_log_whom_each_change_touched(session, make_supporter):
    one, two = make_supporter(), make_supporter()
    start = version(session)
    one.capacity = 4
    session.commit()
    assert changed(session, start) == {(one.id, None)}

    start = version(session)
    session.get(User, two.user_id).display_name = "New Name"
    session.commit()
    assert changed(session, start) == {(None, two.user_id)}

    start = version(session)
    session.get(User, two.user_id).last_login_at = datetime.now(UTC)  # not read by search
    session.commit()
    assert version(session) == start and not changed(session, start)

    start = version(session)
    session.execute(sa.update(SupporterProfile).where(SupporterProfile.id == -1)
                    .values(capacity=1))  # touches no row
    session.commit()
    assert not changed(session, start)

    start = version(session)
    need = session.scalar(sa.select(Need).limit(1))
    need.name = need.name + " (renamed)"
    session.commit()
    assert changed(session, start) == {(None, None)}, "a taxonomy change names nobody"


def test_a_version_missing_from_the_log_rebuilds(app, client, session, make_supporter):
    from app.services.search_changes import changes_between

    make_supporter(**CITY_CENTRE)
    start = version(session)
    session.execute(sa.text("UPDATE data_version SET version = version + 1 WHERE id = 1"))
    session.commit()
    assert changes_between(session, start, version(session)).everything


def test_the_log_is_pruned_after_a_day(runner, session, make_supporter):
    make_supporter()
    assert session.scalar(sa.select(sa.func.count()).select_from(SearchChange)) > 0
    tomorrow = (datetime.now(UTC) + timedelta(days=1, minutes=5)).strftime("%Y-%m-%dT%H:%M")
    result = runner.invoke(args=["prune-search-changes", "--now", tomorrow])
    assert result.exit_code == 0, result.output
    assert "deleted" in result.output
    session.expire_all()
    assert session.scalar(sa.select(sa.func.count()).select_from(SearchChange)) == 0


@pytest.mark.parametrize("app_config", [{"SEARCH_INDEX_CHECK_SECONDS": 0}])
def test_many_changes_at_once_rebuild_instead(app, client, session, make_supporter):
    from app.services.search import index_cache

    made = [make_supporter(**CITY_CENTRE) for _ in range(3)]
    answers(client)
    with app.app_context():
        index_cache().max_changes = 2
    for supporter in made:
        supporter.capacity = 5
    session.commit()
    answers(client)
    assert index_health(client)["changes_applied"] == 0


def test_a_build_pauses_the_garbage_collector_and_restores_it(session, make_supporter):
    """A build's millions of objects hold no cycles: no collector pass runs during one."""

    from app.services.search_index import build_snapshot

    make_supporter(**CITY_CENTRE)
    passes = []

    def count(phase, info):
        if phase == "start":
            passes.append(info["generation"])

    threshold = gc.get_threshold()
    gc.callbacks.append(count)
    gc.set_threshold(1)  # a pass after every allocation: thousands in a build unpaused
    try:
        snapshot = build_snapshot(session, version=1, today=date.today())
        during = list(passes)
        gc.collect()
    finally:
        gc.callbacks.remove(count)
        gc.set_threshold(*threshold)
    assert len(snapshot.cards) == 1
    # A handful as it resumes, before the build has returned; none while it made objects.
    assert len(during) < 50, f"{len(during)} collector passes during the build"
    assert len(passes) > len(during)
    assert gc.isenabled()

    gc.disable()  # paused by someone else: a build leaves it paused
    try:
        build_snapshot(session, version=1, today=date.today())
        assert not gc.isenabled()
    finally:
        gc.enable()
