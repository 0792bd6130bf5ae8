"""The optional online geocoder: answers are kept in the database, never the network."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
import sqlalchemy as sa

from app.models import GeocodeCacheEntry

CARNEGIE = [{"lat": "53.8176", "lon": "-1.5822",
             "display_name": "Headingley Stadium, St Michael's Lane, Leeds, LS6 3BR",
             "address": {"city": "Leeds", "country_code": "gb"}}]


class FakeNominatim(BaseHTTPRequestHandler):
    queries: list[str] = []

    def do_GET(self):
        q = parse_qs(urlparse(self.path).query).get("q", [""])[0]
        type(self).queries.append(q)
        body = json.dumps(CARNEGIE if "stadium" in q.lower() else []).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def nominatim(monkeypatch):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    FakeNominatim.queries = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeNominatim)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def app_config(nominatim):
    return {"GEOCODER_ONLINE": True, "GEOCODER_SCHEME": "http",
            "GEOCODER_DOMAIN": f"127.0.0.1:{nominatim.server_port}"}


@pytest.fixture(autouse=True)
def offline_again():
    yield
    import geodata

    geodata.configure(scheme="https", domain="nominatim.openstreetmap.org")


def test_unknown_offline_place_is_found_online_and_cached(client, session, make_supporter):
    make_supporter()
    first = client.get("/api/v1/search", query_string={"where": "Headingley Stadium"})
    assert first.status_code == 200, first.get_json()
    assert first.get_json()["origin"]["precision"] == "online"
    assert session.scalar(sa.select(sa.func.count()).select_from(GeocodeCacheEntry)) == 1

    second = client.get("/api/v1/search", query_string={"where": "headingley  stadium"})
    assert second.status_code == 200
    assert FakeNominatim.queries == ["Headingley Stadium"], "the second answer came from the cache"


def test_offline_places_never_go_online(client):
    assert client.get("/api/v1/search", query_string={"where": "LS6 3QS"}).status_code == 200
    assert FakeNominatim.queries == []


def test_nothing_online_either_is_a_404(client):
    response = client.get("/api/v1/search", query_string={"where": "Nowhere Special"})
    assert response.status_code == 404
    assert FakeNominatim.queries == ["Nowhere Special"]
