"""Metrics at /metrics for a scraper with the token; a request id on every answer and log."""

import io
import json
import logging

import pytest
from prometheus_client.parser import text_string_to_metric_families

from ..places import CITY_CENTRE
from ..smtp_sink import free_port

TOKEN = "scrape-token-for-tests"


@pytest.fixture
def metrics_on(app_config):
    app_config.update(METRICS_TOKEN=TOKEN)


def scrape(client) -> dict:
    """Return every sample of /metrics as {(name, sorted labels): value}."""
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(response.get_data(as_text=True))
            for s in family.samples}


def forgot_password(visitor, email):
    assert visitor().post("/password/forgot", data={"email": email}).status_code == 200


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_are_hidden_without_the_setting(client):
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer anything"}
                      ).status_code == 404


@pytest.mark.parametrize("authorization", [None, "Bearer wrong-token", TOKEN,
                                           f"Basic {TOKEN}", f"Bearer {TOKEN}x"])
def test_metrics_need_the_bearer_token(metrics_on, client, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert b"fmcs_" not in response.data


def test_a_search_is_timed_by_endpoint_and_in_ranking(metrics_on, app, client,
                                                      make_supporter):
    make_supporter(**CITY_CENTRE)
    before = scrape(client)
    response = client.get("/api/v1/search", query_string={"where": "LS6 3QS"})
    assert response.status_code == 200 and response.get_json()["results"]
    after = scrape(client)

    request_count = "fmcs_http_request_duration_seconds_count"
    (endpoint,) = [r.endpoint for r in app.url_map.iter_rules() if r.rule == "/api/v1/search"]
    labels = {"endpoint": endpoint, "method": "GET", "status": "2xx"}
    assert value(after, request_count, **labels) == value(before, request_count, **labels) + 1
    assert value(after, "fmcs_search_rank_duration_seconds_count") == \
        value(before, "fmcs_search_rank_duration_seconds_count") + 1
    for builds in ("fmcs_search_index_build_duration_seconds_count",
                   "fmcs_search_index_build_cpu_seconds_count"):
        assert value(after, builds, mode="inline") >= value(before, builds, mode="inline") + 1
    # Labels are endpoint names, never paths or query strings.
    assert not any("LS6" in str(key) or "/api/" in str(key) for key in after)


def test_a_change_applied_is_timed_on_the_clock_and_in_processor_time(
        metrics_on, client, session, make_supporter):
    supporter = make_supporter(**CITY_CENTRE)
    assert client.get("/api/v1/search", query_string={"where": "LS6 3QS"}).status_code == 200
    before = scrape(client)
    supporter.capacity += 1
    session.commit()
    assert client.get("/api/v1/search", query_string={"where": "LS6 3QS"}).status_code == 200
    after = scrape(client)
    for changes in ("fmcs_search_index_build_duration_seconds_count",
                    "fmcs_search_index_build_cpu_seconds_count"):
        assert value(after, changes, mode="delta") == value(before, changes, mode="delta") + 1
    assert value(after, "fmcs_search_index_build_cpu_seconds_sum", mode="delta") > \
        value(before, "fmcs_search_index_build_cpu_seconds_sum", mode="delta")


def test_outbox_depth_counts_waiting_mail_and_dead_letters(metrics_on, app, client, visitor,
                                                            make_account, runner):
    make_account(email="kim@example.com")
    make_account(email="sam@example.com")
    before = scrape(client)
    assert value(before, "fmcs_outbox_waiting_messages") == 0
    forgot_password(visitor, "kim@example.com")
    # Nothing listens on that port and no retry is allowed: kim's email becomes a dead letter.
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_USE_TLS=False,
                      MAIL_RETRY_HOURS=0)
    assert "0 sent" in runner.invoke(args=["send-email"]).output
    app.config["MAIL_SERVER"] = ""
    forgot_password(visitor, "sam@example.com")
    after = scrape(client)
    assert value(after, "fmcs_outbox_waiting_messages") == 1
    assert value(after, "fmcs_outbox_dead_letters") == 1


def test_a_refused_request_is_counted_by_limit_scope(metrics_on, app, client):
    app.config["PLACES_RATE_LIMIT"] = "1 per minute"
    before = scrape(client)
    statuses = [client.get("/api/v1/places", query_string={"q": "LS6"}).status_code
                for _ in range(2)]
    assert statuses == [200, 429]
    after = scrape(client)
    grew = {key[1] for key, count in after.items()
            if key[0] == "fmcs_rate_limit_rejections_total" and count > before.get(key, 0)}
    assert len(grew) == 1
    ((_, scope),) = next(iter(grew))
    assert "places" in scope.lower() and "LS6" not in scope


@pytest.mark.parametrize("incoming, kept", [
    (None, False),
    ("req-2f1c9a7e.lb:42", True),
    ("bad id with spaces", False),
    ("<script>", False),
    ("x" * 129, False),
])
def test_every_answer_carries_a_request_id(client, incoming, kept):
    headers = {"X-Request-ID": incoming} if incoming else {}
    for path in ("/", "/api/v1/search?where=nowhere-at-all-zz", "/no/such/page", "/widget.js"):
        response = client.get(path, headers=headers)
        request_id = response.headers.get("X-Request-ID")
        assert request_id, path
        assert (request_id == incoming) is kept, path
        assert 1 <= len(request_id) <= 128 and " " not in request_id


@pytest.fixture
def json_logs(app_config):
    app_config.update(LOG_FORMAT="json", LOG_LEVEL="INFO")


def test_json_log_lines_carry_the_request_id(json_logs, client, make_supporter):
    make_supporter(**CITY_CENTRE)
    (handler,) = [h for h in logging.getLogger().handlers
                  if getattr(h, "_coaching_support", False)]
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        response = client.get("/api/v1/search", query_string={"where": "LS6 3QS"},
                              headers={"X-Request-ID": "trace-1234"})
    finally:
        handler.setStream(previous)
    assert response.status_code == 200
    assert response.headers["X-Request-ID"] == "trace-1234"
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    # The first search builds this worker's index, and says so.
    built = [line for line in lines if line["message"].startswith("Search index built")]
    assert built and built[0]["request_id"] == "trace-1234"
    assert all(set(line) >= {"time", "level", "logger", "message", "request_id"}
               for line in lines)
