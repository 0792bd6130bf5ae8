"""gunicorn settings for production: ``gunicorn -c deploy/gunicorn.conf.py wsgi:app``.

Every worker builds its search index before it takes a request (post_worker_init),
so nobody's first search waits for a build. Settings come from the environment
where a deployment differs; command-line options (``--bind``) override this file.
"""

from __future__ import annotations

import gc
import importlib
import multiprocessing
import os
import threading

# Each worker holds its own search index in memory (about the size of the
# supporters' table), so more workers cost memory as well as cores: capped.
MAX_DEFAULT_WORKERS = 8

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY")
              or min(2 * multiprocessing.cpu_count() + 1, MAX_DEFAULT_WORKERS))
# The app counts its workers from WEB_CONCURRENCY (to warn when in-memory rate
# limits are split between several); the workers inherit this.
os.environ["WEB_CONCURRENCY"] = str(workers)

# A request (a search takes milliseconds, a CSV export seconds) that runs past
# this kills its worker; a warming worker keeps telling the arbiter it is alive.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
# On SIGTERM or a HUP restart, requests in flight get this long to finish.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", 30))
# Sync workers close each connection; nginx keeps its own to the client.
keepalive = 2

# preload_app = False: each worker imports the app and builds its own index after
# the fork. Preloading would share the app's memory copy-on-write, but database
# connections and the index's rebuild thread do not survive a fork, and a HUP
# would then restart workers on the old code instead of the new release.
preload_app = False
# The libraries, though, are imported here, once, by the arbiter: every worker
# then shares their pages (about 170 MB of them, scikit-learn and scipy the most)
# instead of holding a copy each. Imports open no connection and start no thread.
# A HUP still starts the new release of the app; a new version of a library
# needs a full restart.
SHARED_LIBRARIES = (
    "numpy", "scipy.sparse", "scipy.sparse.csgraph", "scipy.spatial",
    "sklearn.feature_extraction.text", "pyproj", "sqlalchemy", "sqlalchemy.orm", "psycopg",
    "flask", "flask_smorest", "flask_limiter", "flask_login", "flask_wtf", "marshmallow",
    "babel", "argon2", "prometheus_client",
)
for _name in SHARED_LIBRARIES:
    try:
        importlib.import_module(_name)
    except ImportError:  # not installed here: each worker does without, as before
        pass
# Out of the collector's sight, so that its passes in a worker do not write to
# (and so copy) the shared pages.
gc.freeze()
# Recycling workers would cost each one an index build: off.
max_requests = 0

# Only these addresses may set X-Forwarded-Proto for gunicorn itself; the app
# believes X-Forwarded-* from TRUSTED_PROXY_COUNT proxies (nginx on this host: 1).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Logs to stdout/stderr (the journal under systemd). The request id is the one the
# app answers with (X-Request-ID: the proxy's, or one it made), as in its own logs.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms request_id=%({x-request-id}o)s'


def post_worker_init(worker):
    """Build the search index before this worker accepts its first request."""
    app = worker.wsgi
    if not hasattr(app, "app_context"):  # not the Flask app (wrapped): builds on first use
        worker.log.warning("Search index not warmed: %r is not the Flask app", app)
        return
    from app.services.search import warm_up

    warming = threading.Thread(target=warm_up, args=(app,), name="search-index-warm-up",
                               daemon=True)
    warming.start()
    # The arbiter kills a worker silent for `timeout` seconds; a large index may
    # take longer to build, so keep saying this one is alive while it does.
    while warming.is_alive():
        worker.notify()
        warming.join(1.0)
    # The index is millions of long-lived objects: keep the garbage collector's
    # full passes from walking them during requests (they are still freed when
    # a rebuild drops them).
    gc.collect()
    gc.freeze()
    from app.services.search_index import return_freed_memory

    return_freed_memory()  # what the build freed, and the collection just now


def child_exit(server, worker):
    """Drop a dead worker's live gauges from prometheus multiprocess metrics."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return
    try:
        from prometheus_client import multiprocess
    except ImportError:  # metrics not installed: nothing to clean up
        return
    multiprocess.mark_process_dead(worker.pid)
