"""The online fallback, against a fake Nominatim on 127.0.0.1: never the network."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

import geodata

HEADINGLEY = {
    "lat": "53.8197",
    "lon": "-1.5773",
    "display_name": "Headingley, Leeds, West Yorkshire, England, LS6 3AA, United Kingdom",
    "address": {"suburb": "Headingley", "city": "Leeds", "country_code": "gb"},
}


class FakeNominatim(BaseHTTPRequestHandler):
    """Answers /search like Nominatim: a list of matches, maybe empty."""

    answers: dict[str, list] = {}
    requests: list[dict] = []
    status = 200

    def do_GET(self):
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        type(self).requests.append({"path": url.path, **query})
        body = json.dumps(self.answers.get(query.get("q", ""), [])).encode()
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def nominatim(monkeypatch, restore_settings):
    """A fake Nominatim in a thread, and geodata configured to use it."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    FakeNominatim.answers = {"Headingley Carnegie": [HEADINGLEY]}
    FakeNominatim.requests = []
    FakeNominatim.status = 200
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeNominatim)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    geodata.configure(
        online=True,
        domain=f"127.0.0.1:{server.server_port}",
        scheme="http",
        user_agent="geodata-tests",
        timeout=5,
        min_delay_seconds=0,
        max_retries=0,
        error_wait_seconds=0,
    )
    yield FakeNominatim
    server.shutdown()
    server.server_close()
    thread.join()


def test_online_is_off_by_default():
    assert geodata.Settings().online is False
    with pytest.raises(geodata.PlaceNotFound):
        geodata.geocode("Headingley Carnegie")


def test_offline_answers_do_not_go_online(nominatim):
    assert geodata.geocode("LS6 3QS").precision == "postcode"
    assert geodata.geocode("Headingley").precision == "place"
    assert nominatim.requests == []


def test_falls_back_to_the_online_geocoder(nominatim):
    loc = geodata.geocode("Headingley Carnegie")
    assert loc == geodata.Location(
        53.8197, -1.5773, "online", "Headingley, Leeds, West Yorkshire", "LS6", "GB"
    )
    (request,) = nominatim.requests
    assert request["path"] == "/search"
    assert request["q"] == "Headingley Carnegie"
    assert request["countrycodes"] == "gb,us"


def test_country_is_passed_on(nominatim):
    with pytest.raises(geodata.PlaceNotFound):
        geodata.geocode("Nowhere in particular", country="US")
    assert nominatim.requests[-1]["countrycodes"] == "us"


def test_not_covered_offline_goes_online(nominatim):
    nominatim.answers["BT9 5AB"] = [
        {
            "lat": "54.58",
            "lon": "-5.94",
            "display_name": "BT9 5AB, Belfast, United Kingdom",
            "address": {"country_code": "gb"},
        }
    ]
    loc = geodata.geocode("BT9 5AB")
    assert (loc.precision, loc.country, loc.outward_code) == ("online", "GB", None)


def test_nothing_found_online_either(nominatim):
    with pytest.raises(geodata.PlaceNotFound, match="Nothing was found online either"):
        geodata.geocode("Xyzzyville")


def test_malformed_input_never_goes_online(nominatim):
    with pytest.raises(geodata.InvalidQuery):
        geodata.geocode("LS6 3Q")
    assert nominatim.requests == []


def test_service_failure_is_an_online_lookup_error(nominatim):
    nominatim.status = 503
    with pytest.raises(geodata.OnlineLookupError) as caught:
        geodata.geocode("Headingley Carnegie")
    assert caught.value.__cause__ is not None


def test_cache_hook_is_used(nominatim):
    store = {}
    geodata.configure(online_cache=(store.get, store.__setitem__))
    first = geodata.geocode("Headingley Carnegie")
    assert list(store.values()) == [first.to_dict()]
    nominatim.status = 503  # a second request would now fail
    assert geodata.geocode("Headingley Carnegie") == first
    assert len(nominatim.requests) == 1


def test_geocode_online_asks_directly(nominatim):
    assert geodata.geocode_online("Headingley Carnegie").outward_code == "LS6"
    assert geodata.geocode_online("Xyzzyville") is None


def test_cache_hook_must_be_two_callables(restore_settings):
    with pytest.raises(TypeError):
        geodata.configure(online_cache=({}, None))
