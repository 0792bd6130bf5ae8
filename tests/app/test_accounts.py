"""Accounts: sign up, email verification, sign in and out, passwords, sessions, roles."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.models import AuditEvent, User
from app.services import accounts

from ..conftest import PASSWORD

GOOD_PASSWORD = "granite kettle orbit"


def sign_up(visitor, **overrides):
    data = {"display_name": "Nell New", "email": "Nell@Example.com",
            "password": GOOD_PASSWORD, "password_again": GOOD_PASSWORD, "roles": "coach"}
    data.update(overrides)
    return visitor.post("/sign-up", data=data)


def users(session):
    session.expire_all()
    return session.scalars(sa.select(User)).all()


def audit_actions(session):
    session.expire_all()
    return session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()


def test_sign_up_verify_and_sign_in(visitor, session, mailbox):
    guest = visitor()
    response = sign_up(guest)
    assert response.status_code == 302 and "/sign-up/check-email" in response.location
    (user,) = users(session)
    assert user.email == "nell@example.com" and user.role_names == {"coach"}
    assert user.password_hash.startswith("$argon2id$") and GOOD_PASSWORD not in user.password_hash
    assert user.email_verified_at is None

    mailbox.deliver()
    (link,) = mailbox.links("nell@example.com")
    assert "/verify-email?token=" in link
    path = link.split("localhost", 1)[-1]
    response = guest.get(path)
    assert response.status_code == 302
    session.expire_all()
    assert user.email_verified_at is not None

    response = guest.post("/sign-in", data={"email": "NELL@example.com",
                                            "password": GOOD_PASSWORD})
    # A new coach has no plan yet: they land on search.
    assert response.status_code == 302 and response.location == "/search"
    me = guest.get("/api/v1/me").get_json()
    assert me["email"] == "nell@example.com" and me["email_verified"] is True
    assert "account.created" in audit_actions(session)
    assert "auth.signed_in" in audit_actions(session)

    response = guest.post("/sign-out")
    assert response.status_code == 302
    assert guest.get("/api/v1/me").status_code == 401


@pytest.mark.parametrize("password, again, message", [
    ("short", "short", "at least 10 characters"),
    ("password123", "password123", "too common"),
    ("qwertyuiop", "qwertyuiop", "too common"),
    ("nell@example.com", "nell@example.com", "email address"),
    ("x" * 129, "x" * 129, "up to 128 characters"),
    (GOOD_PASSWORD, GOOD_PASSWORD + "!", "not the same"),
])
def test_weak_passwords_are_refused_beside_the_field(visitor, session, password, again,
                                                     message):
    response = sign_up(visitor(), password=password, password_again=again)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert message in text
    assert 'id="password-error"' in text or 'id="password_again-error"' in text
    assert users(session) == []


def test_common_password_list_is_shipped_and_large():
    common = accounts.common_passwords()
    assert len(common) >= 10_000
    assert {"123456", "password", "iloveyou", "qwertyuiop", "1q2w3e4r5t"} <= common


@pytest.mark.parametrize("field, value", [
    ("email", "not-an-email"), ("display_name", ""), ("roles", "admin"),
])
def test_sign_up_names_the_bad_field(visitor, session, field, value):
    response = sign_up(visitor(), **{field: value})
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert users(session) == []


def test_sign_up_with_a_taken_address_reveals_nothing(visitor, make_account, session, mailbox):
    make_account(email="nell@example.com")
    response = sign_up(visitor())
    assert response.status_code == 302 and "/sign-up/check-email" in response.location
    assert len(users(session)) == 1
    mailbox.deliver()
    (message,) = mailbox.to("nell@example.com")
    assert "tried to sign up" in message["Subject"]


def test_api_sign_up_answers_the_same_either_way(visitor, make_account):
    make_account(email="taken@example.com")
    guest = visitor()
    body = {"display_name": "A", "password": GOOD_PASSWORD, "roles": ["coach"]}
    new = guest.api("post", "/api/v1/accounts", json={**body, "email": "fresh@example.com"})
    taken = guest.api("post", "/api/v1/accounts", json={**body, "email": "taken@example.com"})
    assert new.status_code == taken.status_code == 202
    assert new.get_json() == taken.get_json()


def test_wrong_password_is_refused_and_audited(visitor, make_account, session):
    user = make_account(email="kim@example.com")
    guest = visitor()
    response = guest.post("/sign-in", data={"email": "kim@example.com", "password": "nope nope"})
    assert response.status_code == 401
    assert "not right" in response.get_data(as_text=True)
    assert guest.get("/api/v1/me").status_code == 401
    response = guest.api("post", "/api/v1/session",
                         json={"email": "nobody@example.com", "password": "whatever it is"})
    assert response.status_code == 401 and response.get_json()["code"] == 401
    failures = session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "auth.sign_in_failed").order_by(AuditEvent.id)).all()
    assert [(e.subject_id, e.details["reason"]) for e in failures] == [
        (user.id, "password"), (None, "unknown_email")]
    assert all(e.ip_address == "127.0.0.1" for e in failures)


def test_deleted_or_inactive_accounts_cannot_sign_in(visitor, make_account):
    make_account(email="gone@example.com", active=False)
    response = visitor().api("post", "/api/v1/session",
                             json={"email": "gone@example.com", "password": PASSWORD})
    assert response.status_code == 401


@pytest.mark.parametrize("target, expected", [
    ("/requests/5", "/requests/5"),
    ("/search?where=LS6", "/search?where=LS6"),
    ("https://evil.example/", "/search"),
    ("//evil.example/x", "/search"),
    ("/\\evil.example", "/search"),
    ("\\\\evil.example", "/search"),
    ("javascript:alert(1)", "/search"),
    ("http:/evil.example", "/search"),
    ("/%0d%0aSet-Cookie:x=1", "/%0d%0aSet-Cookie:x=1"),
    ("/ok\r\nLocation: https://evil.example", "/search"),
])
def test_redirect_after_sign_in_only_to_this_site(visitor, make_account, target, expected):
    make_account(email="kim@example.com")
    response = visitor().post("/sign-in", data={"email": "kim@example.com",
                                                "password": PASSWORD, "next": target})
    assert response.status_code == 302
    assert response.location == expected


def test_sign_in_is_rate_limited(app, visitor, make_account):
    app.config["SIGN_IN_RATE_LIMIT"] = "3 per minute"
    make_account(email="kim@example.com")
    guest = visitor()
    codes = [guest.post("/sign-in", data={"email": "kim@example.com",
                                          "password": "wrong password"}).status_code
             for _ in range(3)]
    assert codes == [401, 401, 401]
    limited = guest.api("post", "/api/v1/session",
                        json={"email": "kim@example.com", "password": PASSWORD})
    assert limited.status_code == 429
    assert limited.get_json()["code"] == 429 and int(limited.headers["Retry-After"]) > 0
    # Even the right password waits: the limit is per address, before any check.
    assert guest.post("/sign-in", data={"email": "kim@example.com",
                                        "password": PASSWORD}).status_code == 429


@pytest.mark.parametrize("method, path, kind", [
    ("post", "/sign-in", "form"), ("post", "/sign-up", "form"),
    ("post", "/password/forgot", "form"), ("post", "/account", "form"),
    ("post", "/api/v1/session", "json"), ("post", "/api/v1/requests", "json"),
    ("patch", "/api/v1/me", "json"), ("put", "/api/v1/me/profile", "json"),
])
def test_missing_csrf_token_answers_400_and_changes_nothing(visitor, make_account, session,
                                                            method, path, kind):
    user = make_account(email="kim@example.com", name="Kim")
    signed_in = visitor(user)
    payload = {"display_name": "Changed", "email": "kim@example.com", "password": PASSWORD}
    if kind == "form":
        response = signed_in.client.open(path, method=method.upper(), data=payload)
    else:
        response = signed_in.client.open(path, method=method.upper(), json=payload)
    assert response.status_code == 400
    assert "did not come from this site" in response.get_data(as_text=True)
    session.expire_all()
    assert user.display_name == "Kim"
    forged = signed_in.client.open(path, method=method.upper(), json=payload,
                                   headers={"X-CSRFToken": "forged-token"})
    assert forged.status_code == 400


def test_api_csrf_token_comes_from_the_session_endpoint(visitor, make_account):
    signed_in = visitor(make_account(name="Kim"))
    token = signed_in.get("/api/v1/session").get_json()["csrf_token"]
    page = signed_in.get("/account").get_data(as_text=True)
    assert re.search(r'<meta name="csrf-token" content="[^"]+">', page)
    response = signed_in.client.patch("/api/v1/me", json={"display_name": "Kim K"},
                                      headers={"X-CSRFToken": token})
    assert response.status_code == 200 and response.get_json()["display_name"] == "Kim K"


def test_session_cookie_flags(visitor, make_account):
    make_account(email="kim@example.com")
    response = visitor().post("/sign-in", data={"email": "kim@example.com",
                                                "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Expires=" in cookie  # permanent session, bounded by SESSION_MAX_HOURS


@pytest.fixture
def production(app_config):
    app_config.update(APP_ENV="production")


def test_session_cookie_is_secure_in_production(production, app):
    from app.security import talisman_options

    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert talisman_options(app.config)["force_https"] is True


def _age_sign_ins(session, **ago):
    """Move every sign-in session's clocks back, as time passing would."""
    from app.models import SignIn

    now = datetime.now(UTC)
    session.execute(sa.update(SignIn).values(**{k: now - v for k, v in ago.items()}))
    session.commit()


def test_idle_session_ends(app, visitor, make_account, session):
    user = make_account()
    signed_in = visitor(user)
    assert signed_in.get("/api/v1/me").status_code == 200
    _age_sign_ins(session, last_seen_at=timedelta(
        minutes=app.config["SESSION_IDLE_MINUTES"], seconds=5))
    assert signed_in.get("/api/v1/me").status_code == 401
    response = signed_in.get("/account")
    assert response.status_code == 302 and "/sign-in" in response.location


def test_absolute_session_limit_ends_even_a_busy_session(app, visitor, make_account, session):
    signed_in = visitor(make_account())
    _age_sign_ins(session, created_at=timedelta(hours=app.config["SESSION_MAX_HOURS"],
                                                seconds=5),
                  last_seen_at=timedelta(seconds=1))
    assert signed_in.get("/api/v1/me").status_code == 401


def _copy_cookies(source, target) -> None:
    for cookie in source.client._cookies.values():
        target.client.set_cookie(cookie.key, cookie.value, domain=cookie.domain,
                                 path=cookie.path)


@pytest.mark.parametrize("sign_out", ["page", "api"])
def test_signing_out_ends_a_copied_cookie_at_once(visitor, make_account, sign_out):
    make_account(email="kim@example.com")
    kim, thief = visitor(), visitor()
    assert kim.post("/sign-in", data={"email": "kim@example.com",
                                      "password": PASSWORD}).status_code == 302
    _copy_cookies(kim, thief)
    assert thief.get("/api/v1/me").status_code == 200  # the copy works while Kim is in
    if sign_out == "page":
        assert kim.post("/sign-out").status_code == 302
    else:
        assert kim.api("delete", "/api/v1/session").status_code == 204
    assert thief.get("/api/v1/me").status_code == 401
    assert kim.get("/api/v1/me").status_code == 401


def test_a_copied_cookie_cannot_be_kept_alive_past_the_absolute_limit(
        app, visitor, make_account, session):
    make_account(email="kim@example.com")
    kim, thief = visitor(), visitor()
    kim.post("/sign-in", data={"email": "kim@example.com", "password": PASSWORD})
    _copy_cookies(kim, thief)
    _age_sign_ins(session, created_at=timedelta(hours=app.config["SESSION_MAX_HOURS"],
                                                minutes=1),
                  last_seen_at=timedelta(seconds=30))
    assert thief.get("/api/v1/me").status_code == 401


@pytest.mark.parametrize("path", ["/", "/search", "/search?where=LS6+3QS",
                                  "/api/v1/search?where=LS6", "/api/v1/taxonomy"])
def test_anonymous_visitors_to_public_pages_get_no_session_cookie(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert not response.headers.getlist("Set-Cookie")


def test_changing_the_password_ends_every_other_session(visitor, make_account, session,
                                                         mailbox):
    user = make_account(email="kim@example.com")
    laptop, phone = visitor(), visitor()
    for device in (laptop, phone):
        assert device.post("/sign-in", data={"email": "kim@example.com",
                                             "password": PASSWORD}).status_code == 302
    response = laptop.post("/account/password", data={
        "current_password": PASSWORD, "new_password": GOOD_PASSWORD,
        "new_password_again": GOOD_PASSWORD})
    assert response.status_code == 302
    assert laptop.get("/api/v1/me").status_code == 200
    assert phone.get("/api/v1/me").status_code == 401
    session.expire_all()
    assert user.session_version == 2
    mailbox.deliver()
    assert any("password was changed" in m["Subject"] for m in mailbox.to("kim@example.com"))


def test_changing_the_password_needs_the_current_one(visitor, make_account, session):
    user = make_account()
    before = user.password_hash
    response = visitor(user).post("/account/password", data={
        "current_password": "not my password", "new_password": GOOD_PASSWORD})
    assert response.status_code == 422
    assert 'id="current_password-error"' in response.get_data(as_text=True)
    session.expire_all()
    assert user.password_hash == before


def test_password_reset_by_emailed_link_once(visitor, make_account, session, mailbox):
    user = make_account(email="kim@example.com")
    other_device = visitor(user)
    guest = visitor()
    response = guest.post("/password/forgot", data={"email": "kim@example.com"})
    assert response.status_code == 200 and "emailed it a link" in response.get_data(as_text=True)
    unknown = guest.post("/password/forgot", data={"email": "nobody@example.com"})
    assert unknown.get_data(as_text=True).count("emailed it a link") == 1  # says the same
    mailbox.deliver()
    (link,) = mailbox.links("kim@example.com")
    path = link.split("localhost", 1)[-1]
    token = path.split("token=", 1)[1]
    assert guest.get(path).status_code == 200
    response = guest.post("/password/reset", data={"token": token, "password": GOOD_PASSWORD,
                                                   "password_again": GOOD_PASSWORD})
    assert response.status_code == 302
    assert guest.post("/sign-in", data={"email": "kim@example.com",
                                        "password": GOOD_PASSWORD}).status_code == 302
    assert other_device.get("/api/v1/me").status_code == 401
    # The link works once.
    again = visitor().post("/password/reset", data={"token": token, "password": PASSWORD,
                                                    "password_again": PASSWORD})
    assert again.status_code == 400 and "no longer valid" in again.get_data(as_text=True)
    assert "account.password_reset" in audit_actions(session)


def test_reset_links_expire(app, make_account, session):
    user = make_account()
    with app.test_request_context():
        accounts.request_password_reset(session, user.email)
        token = accounts._token(accounts.RESET_SALT, {"uid": user.id,
                                                      "v": user.session_version})
        later = datetime.now(UTC) + timedelta(
            minutes=app.config["PASSWORD_RESET_MAX_AGE_MINUTES"] + 1)
        assert accounts.check_reset_token(session, token).id == user.id
        with pytest.raises(accounts.InvalidInput, match="expired"):
            accounts.check_reset_token(session, token, now=later)
        with pytest.raises(accounts.InvalidInput, match="not valid"):
            accounts.check_reset_token(session, token[:-2] + "xx")


def test_verification_link_for_an_old_address_no_longer_works(app, make_account, session):
    user = make_account(verified=False)
    with app.test_request_context():
        token = accounts._token(accounts.VERIFY_SALT, {"uid": user.id, "email": user.email})
        user.email = "changed@example.com"
        session.flush()
        with pytest.raises(accounts.InvalidInput):
            accounts.verify_email(session, token)
    assert user.email_verified_at is None


def test_roles_one_person_can_hold_several(visitor, make_account, session):
    user = make_account(roles=["coach"])
    response = visitor(user).api("patch", "/api/v1/me", json={"roles": ["coach", "supporter"]})
    assert response.status_code == 200
    assert response.get_json()["roles"] == ["coach", "supporter"]
    # Admin and coach developer are granted, never self-chosen.
    response = visitor(user).api("patch", "/api/v1/me", json={"roles": ["admin"]})
    assert response.status_code == 422
    event = session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "account.roles_changed"))
    assert event.details == {"before": ["coach"], "after": ["coach", "supporter"]}


def test_admin_sets_roles_others_get_404(visitor, make_account, session):
    admin = make_account(roles=["admin"])
    person = make_account(roles=["coach"])
    path = f"/api/v1/admin/users/{person.id}/roles"
    refused = visitor(person).api("put", path, json={"roles": ["admin"]})
    assert refused.status_code == 404
    session.expire_all()
    assert person.role_names == {"coach"}
    done = visitor(admin).api("put", path, json={"roles": ["coach", "coach_developer"]})
    assert done.status_code == 200
    session.expire_all()
    assert person.role_names == {"coach", "coach_developer"}


def test_grant_role_command(runner, make_account, session):
    user = make_account(roles=["coach"], email="first.admin@example.com")
    result = runner.invoke(args=["grant-role", "first.admin@example.com", "admin"])
    assert result.exit_code == 0, result.output
    session.expire_all()
    assert user.has_role("admin")
    assert runner.invoke(args=["grant-role", "nobody@example.com", "admin"]).exit_code != 0


def test_security_headers_and_csp(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


@pytest.fixture
def tiles(app_config):
    app_config.update(MAP_TILE_URL="https://{s}.tiles.example.org/{z}/{x}/{y}.png")


def test_map_tiles_host_is_allowed_for_images(tiles, client):
    csp = client.get("/").headers["Content-Security-Policy"]
    assert "img-src 'self' data: https://*.tiles.example.org" in csp


def test_api_docs_page_has_no_inline_script(client):
    page = client.get("/api/v1/docs").get_data(as_text=True)
    scripts = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", page)
    assert scripts == []
    assert "api-docs.js" in page
