"""Whether the acting user may see the things a URL names, before anything else.

A change sent about something someone may not see (another coach's request, a
plan they have no part in, an admin's allocation) is answered 404 before its
body is even read: a validation message (422) would tell them it exists.
Each check is the use case's own access rule, so it says exactly what the use
case would; this only moves it first.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from sqlalchemy.orm import Session

from app.models import User
from app.services.permissions import require_admin


def check_visible(session: Session, user: User, ids: Mapping[str, object]) -> None:
    """Raise NotFound unless ``user`` may see every thing the URL's ``ids`` name."""
    for name, check in _CHECKS.items():
        if name in ids:
            check(session, user, ids[name])


def _party_to_request(session: Session, user: User, request_id) -> None:
    from app.services.support_requests import check_party

    check_party(session, user, request_id)


def _plan(session: Session, user: User, plan_id) -> None:
    from app.services.plan_access import access

    access(session, user, plan_id)


def _own_engagement(session: Session, user: User, engagement_id) -> None:
    from app.services.caseload import check_own_engagement

    check_own_engagement(session, user, engagement_id)


def _public_supporter(session: Session, user: User, supporter_id) -> None:
    from app.services.directory import public_profile

    public_profile(session, supporter_id)


def _admin_only(session: Session, user: User, _id) -> None:
    require_admin(user)


_CHECKS: dict[str, Callable[[Session, User, object], None]] = {
    "request_id": _party_to_request,
    "plan_id": _plan,
    "engagement_id": _own_engagement,
    "supporter_id": _public_supporter,
    "run_id": _admin_only,
    "user_id": _admin_only,
    "profile_id": _admin_only,
    "key_id": _admin_only,
}
