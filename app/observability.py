"""Metrics for Prometheus at /metrics, and a request id on every answer and log line.

Metrics live in prometheus_client's default registry, one set per process.
Under gunicorn with several workers, set ``PROMETHEUS_MULTIPROC_DIR`` to an
empty directory writable by every worker (before they start): each worker then
writes its numbers there and a scrape of any worker adds up all of them.

Labels are bounded sets only (endpoint names, methods, status classes, limit
scopes): never a raw path, an id or a query string.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import re
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, Response, abort, current_app, g, has_request_context, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily

REQUEST_ID_HEADER = "X-Request-ID"
# A proxy's or client's id is kept only when it is short and plainly printable, so
# it can be written into a log line or a header as it is.
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:+=/-]{1,128}")

REQUEST_SECONDS = Histogram(
    "fmcs_http_request_duration_seconds",
    "Time to answer a request, by Flask endpoint, method and status class.",
    ["endpoint", "method", "status"],
)
SEARCH_RANK_SECONDS = Histogram(
    "fmcs_search_rank_duration_seconds",
    "Time to rank supporters for one search (the index's rank call).",
    buckets=(.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, float("inf")),
)
INDEX_BUILD_SECONDS = Histogram(
    "fmcs_search_index_build_duration_seconds",
    "Time to build this worker's search index snapshot, inline or in the background.",
    ["mode"],
    buckets=(.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, float("inf")),
)
INDEX_BUILD_CPU_SECONDS = Histogram(
    "fmcs_search_index_build_cpu_seconds",
    "Processor time of the thread that built this worker's search index snapshot or "
    "applied a change to it (not the database's): what it cost the worker, however busy "
    "the host.",
    ["mode"],
    buckets=(.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, float("inf")),
)
RATE_LIMITED = Counter(
    "fmcs_rate_limit_rejections",
    "Requests refused (429) by a rate limit, by the limit's scope.",
    ["scope"],
)
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def init_app(app: Flask) -> None:
    """Time every request, give it an id, count refusals and serve /metrics."""
    # Flask-Limiter calls this for every limit it refuses (read when it is bound).
    app.config.setdefault("RATELIMIT_ON_BREACH_CALLBACK", note_rate_limited)
    app.before_request(_start_request)
    app.after_request(_finish_request)
    app.add_url_rule("/metrics", "metrics", metrics_view)


def request_id() -> str | None:
    """Return this request's id (the caller's, when it is safe; else a new one)."""
    if not has_request_context():
        return None
    if "request_id" not in g:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = incoming if _SAFE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
    return g.request_id


def _start_request() -> None:
    g.request_started = time.perf_counter()
    request_id()


def _finish_request(response: Response) -> Response:
    response.headers[REQUEST_ID_HEADER] = request_id()
    started = g.get("request_started")
    if started is not None:
        method = request.method if request.method in _METHODS else "other"
        REQUEST_SECONDS.labels(request.endpoint or "unmatched", method,
                               f"{response.status_code // 100}xx").observe(
            time.perf_counter() - started)
    return response


def note_rate_limited(limit) -> None:
    """Count a refusal by the limit's scope (Flask-Limiter's ``on_breach``)."""
    # request_args is [key, scope]; the scope is a shared limit's name or the
    # endpoint (with the method for per-method limits): a bounded set.
    scope = limit.request_args[1] if len(limit.request_args) > 1 else "unknown"
    RATE_LIMITED.labels(scope).inc()


class OutboxCollector:
    """Counts the outbox at scrape time: messages waiting, and dead letters."""

    def collect(self):
        from app.extensions import db
        from app.services.health import outbox_backlog

        backlog = outbox_backlog()  # the same counts /healthz reports
        db.session.rollback()  # a read only; end it so no transaction is left open
        yield GaugeMetricFamily("fmcs_outbox_waiting_messages",
                                "Emails queued and not yet sent (retries included).",
                                value=backlog["queued"])
        yield GaugeMetricFamily("fmcs_outbox_dead_letters",
                                "Emails given up after their retries, waiting for an admin.",
                                value=backlog["dead_letters"])


def metrics_view():
    """Serve the metrics to a scraper holding METRICS_TOKEN; 404 when it is not set."""
    token = current_app.config.get("METRICS_TOKEN") or ""
    if not token:
        abort(404)
    given = request.headers.get("Authorization", "")
    scheme, _, value = given.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
            value.strip().encode(), token.encode()):
        return Response("A bearer token is required.\n", 401, mimetype="text/plain",
                        headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    outbox = CollectorRegistry(auto_describe=True)
    outbox.register(OutboxCollector())
    body = generate_latest(registry) + generate_latest(outbox)
    return Response(body, 200, headers={"Content-Type": CONTENT_TYPE_LATEST,
                                        "Cache-Control": "no-store"})


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, exception."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": request_id(),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, default=str)
