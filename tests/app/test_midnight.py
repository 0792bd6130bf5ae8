"""A supporter whose check expires today vanishes at midnight, whatever search has cached.

The clock is moved with time-machine, so ``date.today()`` and ``datetime.now()``
in the app see the new day; nothing in the database changes in between.
"""

from datetime import date, datetime, time, timedelta

import pytest
import time_machine

from ..places import CITY_CENTRE


def local(day: date, at: time) -> datetime:
    """Return ``at`` on ``day`` in this machine's time zone, where ``date.today()`` counts."""
    return datetime.combine(day, at).astimezone()


def found_by_search(client, supporter_id: int) -> bool:
    response = client.get("/api/v1/search?where=LS6+3QS")
    assert response.status_code == 200
    body = response.get_json()
    return any(result["id"] == supporter_id
               for section in ("results", "beyond_radius", "online")
               for result in body[section])


@pytest.fixture(params=["inline", "background"])
def rebuilds(request, app_config):
    """Rebuild the index inline, or (as for a large index) in the background."""
    if request.param == "background":
        app_config.update(SEARCH_INDEX_INLINE_REBUILD_SECONDS=-1)
    return request.param


def test_a_check_expiring_today_hides_the_supporter_from_midnight(rebuilds, client,
                                                                   make_supporter):
    today = date.today()
    with time_machine.travel(local(today, time(12, 0)), tick=False):
        expiring = make_supporter(safeguarding_expires_on=today, **CITY_CENTRE)
        staying = make_supporter(**CITY_CENTRE)
        # All day today they are found, and the index that answers is cached.
        assert found_by_search(client, expiring.id) and found_by_search(client, staying.id)
        assert client.get(f"/supporters/{expiring.id}").status_code == 200
        assert client.get(f"/api/v1/supporters/{expiring.id}").status_code == 200

    with time_machine.travel(local(today + timedelta(days=1), time(0, 0, 1)), tick=False):
        assert date.today() == today + timedelta(days=1)
        assert not found_by_search(client, expiring.id)
        assert client.get(f"/supporters/{expiring.id}").status_code == 404
        assert client.get(f"/api/v1/supporters/{expiring.id}").status_code == 404
        # Only the expired one leaves: the index still answers for everyone else.
        assert found_by_search(client, staying.id)
        assert client.get(f"/supporters/{staying.id}").status_code == 200
