"""Access control from the outside: every route that shows or changes personal data.

Anonymous visitors are sent to sign in (pages) or answered 401 (API); another
signed-in user gets 404 for someone else's things, never their data.
"""

import pytest
import sqlalchemy as sa

from app.models import SupportRequest

PRIVATE = ("owner@example.com", "07700 900777", "LS6 4JN", "Owner Person", "Top secret plan")

PAGES = ["/account", "/requests", "/profile/supporter", "/profile/coach",
         "/profile/availability", "/account/delete"]
API_GETS = ["/api/v1/me", "/api/v1/me/profile", "/api/v1/me/coach-profile",
            "/api/v1/me/search-defaults", "/api/v1/requests"]
API_POSTS = [("post", "/api/v1/me/export", {"password": "x"}),
             ("post", "/api/v1/me/deletion", {"password": "x"}),
             ("patch", "/api/v1/me", {"display_name": "x"}),
             ("post", "/api/v1/me/password", {"current_password": "x", "new_password": "y"}),
             ("post", "/api/v1/me/profile/pause", {}),
             ("post", "/api/v1/me/profile/unpause", None),
             ("put", "/api/v1/me/coach-profile", {}),
             ("post", "/api/v1/requests", {"supporter_id": 1, "role": "mentor"})]


@pytest.fixture
def owner_request(make_account, make_supporter, visitor):
    """A pending request between an owner coach and a supporter, full of private data."""
    owner = make_account(roles=["coach"], email="owner@example.com", phone="07700 900777",
                         name="Owner Person")
    supporter_user = make_account(roles=["supporter"], email="helper@example.com",
                                  phone="07700 900888", name="Helper Person")
    profile = make_supporter(user=supporter_user, postcode="LS6 4JN")
    sent = visitor(owner).api("post", "/api/v1/requests", json={
        "supporter_id": profile.id, "role": "mentor", "message": "Top secret plan"})
    assert sent.status_code == 201
    return sent.get_json()["id"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_send_anonymous_visitors_to_sign_in(visitor, path):
    response = visitor().get(path)
    assert response.status_code == 302
    assert response.location.startswith("/sign-in?next=")


@pytest.mark.parametrize("path", API_GETS)
def test_api_needs_a_session(visitor, path):
    response = visitor().get(path)
    assert response.status_code == 401 and response.get_json()["code"] == 401


@pytest.mark.parametrize("method, path, body", API_POSTS)
def test_api_changes_need_a_session(visitor, method, path, body):
    assert visitor().api(method, path, json=body).status_code == 401


def test_anonymous_cannot_reach_a_request(visitor, owner_request):
    guest = visitor()
    assert guest.get(f"/requests/{owner_request}").status_code == 302
    assert guest.get(f"/api/v1/requests/{owner_request}").status_code == 401
    assert guest.api("post", f"/api/v1/requests/{owner_request}/accept").status_code == 401


def test_another_users_request_id_reveals_nothing(visitor, make_account, owner_request,
                                                  session):
    stranger = visitor(make_account(roles=["coach", "supporter", "coach_developer"]))
    missing = 10**9
    for path in (f"/requests/{owner_request}", f"/api/v1/requests/{owner_request}"):
        response = stranger.get(path)
        unknown = stranger.get(path.replace(str(owner_request), str(missing)))
        assert response.status_code == unknown.status_code == 404
        text = response.get_data(as_text=True)
        assert not any(secret in text for secret in PRIVATE)
    for action in ("accept", "decline", "ask", "reply", "withdraw"):
        response = stranger.post(f"/requests/{owner_request}/{action}",
                                 data={"reason": "x", "question": "x", "message": "x"})
        assert response.status_code == 404
    session.expire_all()
    assert session.get(SupportRequest, owner_request).status == "pending"
    inbox = stranger.get("/api/v1/requests").get_json()
    assert inbox == {"received": [], "sent": []}


def test_huge_and_zero_ids_are_not_found(visitor, make_account):
    signed_in = visitor(make_account())
    for request_id in (0, 2**63, 2**70):
        assert signed_in.get(f"/api/v1/requests/{request_id}").status_code == 404
        assert signed_in.get(f"/requests/{request_id}").status_code == 404


def test_request_form_for_an_unavailable_supporter_is_not_found(visitor, make_account,
                                                                make_supporter):
    hidden = make_supporter(visible=False)
    signed_in = visitor(make_account())
    assert signed_in.get(f"/supporters/{hidden.id}/request").status_code == 404
    assert signed_in.get("/supporters/999999/request").status_code == 404


def test_admin_pages_are_not_found_for_others(visitor, make_account):
    signed_in = visitor(make_account(roles=["coach", "supporter", "coach_developer"]))
    for path in ("/admin/verification", "/admin/users", "/api/v1/admin/verification"):
        assert signed_in.get(path).status_code == 404
    target = make_account()
    assert signed_in.api("put", f"/api/v1/admin/users/{target.id}/roles",
                         json={"roles": ["admin"]}).status_code == 404


def test_emails_and_phones_appear_nowhere_public(visitor, owner_request, session):
    guest = visitor()
    supporter_id = session.scalar(sa.select(SupportRequest.supporter_id))
    for path in ("/", "/search?where=LS6", "/api/v1/search?where=LS6",
                 f"/supporters/{supporter_id}", f"/api/v1/supporters/{supporter_id}"):
        response = guest.get(path)
        assert response.status_code == 200, path
        text = response.get_data(as_text=True)
        if path != "/":  # the home page names nobody
            assert "Helper Person" in text, path  # shown, yet without their contact details
        assert "helper@example.com" not in text and "LS6 4JN" not in text, path
        assert "07700 900888" not in text, path
        assert "owner@example.com" not in text and "07700 900777" not in text, path
