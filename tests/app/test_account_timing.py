"""No account enumeration by timing: sign-up and password reset take as long either way.

Timed from outside, as an attacker would: alternating requests for an address
with an account and one without, comparing the medians.
"""

from __future__ import annotations

import statistics
import time

import pytest

ROUNDS = 61  # enough that a busy machine's noise evens out between the two
SIGN_UP_ROUNDS = 11  # each one hashes a password (a deliberately slow step)


@pytest.fixture
def app_config():
    return {"RATELIMIT_ENABLED": False}  # an attacker spreads requests over many addresses


def _medians(call, known: str, unknown, rounds: int = ROUNDS) -> tuple[float, float]:
    for i in range(3):  # warm up both paths
        call(known), call(unknown(f"warm{i}"))
    times: dict[str, list[float]] = {"known": [], "unknown": []}
    for i in range(rounds):
        for kind, email in (("known", known), ("unknown", unknown(i))):
            started = time.perf_counter()
            call(email)
            times[kind].append(time.perf_counter() - started)
    return statistics.median(times["known"]), statistics.median(times["unknown"])


def _close(a: float, b: float) -> float:
    return abs(a - b) / max(a, b)


def test_password_reset_takes_as_long_for_an_unknown_address(visitor, make_account):
    make_account(email="kim@example.com")
    guest = visitor()
    token = guest.csrf

    def reset(email):
        response = guest.client.post("/password/forgot",
                                     data={"email": email, "csrf_token": token})
        assert response.status_code == 200

    known, unknown = _medians(reset, "kim@example.com",
                              lambda i: f"nobody{i}@example.com")
    assert _close(known, unknown) < 0.2, (known, unknown)


def test_sign_up_takes_as_long_for_an_address_with_an_account(visitor, make_account):
    make_account(email="kim@example.com")
    guest = visitor()
    token = guest.csrf
    password = "correct horse battery staple"

    def sign_up(email):
        response = guest.client.post("/sign-up", data={
            "display_name": "Kim", "email": email, "password": password,
            "password_again": password, "roles": ["coach"], "csrf_token": token})
        assert response.status_code in (200, 302)

    known, unknown = _medians(sign_up, "kim@example.com", lambda i: f"new{i}@example.com",
                              rounds=SIGN_UP_ROUNDS)
    assert _close(known, unknown) < 0.2, (known, unknown)
