"""A coach accepted for a role: their other waiting requests for it are withdrawn, kindly.

A coach may send several requests for one kind of support and tick, on each,
"if another supporter accepts me for this first, withdraw this request". When
any supporter accepts them for that role, those requests are withdrawn and
each of their supporters is thanked, by email and on the request's page.
Requests for other roles, and requests sent without the choice, stay as they are.

Locks: accepting takes the coach's row (``lock_coach_of``) before the
supporter's, so two supporters accepting one coach at the same moment run one
after the other, and the second finds its request withdrawn already. The other
requests are then locked by row, skipping any another transaction holds at
that instant (it is answering or closing it). Never waiting there, and never
taking another supporter's row, means no lock cycle with the rest of the app,
which always takes a supporter's row before their requests'.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import SupportRequest, User
from app.services import audit, mailer
from app.services.request_closing import close

THANKS = ("Withdrawn automatically: {coach} has found a {role} elsewhere. Thank you for being "
          "ready to help: it means a lot to coaches.")


def lock_coach_of(session: Session, request_id: int) -> None:
    """Lock the row of the coach who sent ``request_id`` (it reveals nothing to the caller)."""
    coach_id = session.scalar(select(SupportRequest.coach_id)
                              .where(SupportRequest.id == request_id))
    if coach_id is not None:
        # FOR NO KEY UPDATE: rows that merely refer to the coach are not held up.
        session.scalar(select(User.id).where(User.id == coach_id)
                       .with_for_update(key_share=True))


def withdraw_other_requests(session: Session, accepted: SupportRequest,
                            now: datetime) -> list[SupportRequest]:
    """Withdraw the coach's other waiting requests for the accepted role that opted in."""
    others = session.scalars(
        select(SupportRequest).where(
            SupportRequest.coach_id == accepted.coach_id,
            SupportRequest.role_id == accepted.role_id,
            SupportRequest.id != accepted.id,
            SupportRequest.status == "pending",
            SupportRequest.withdraw_others_on_accept.is_(True))
        .order_by(SupportRequest.id)
        .with_for_update(skip_locked=True).execution_options(populate_existing=True)).all()
    coach = accepted.coach
    role = accepted.role.name.lower()
    for support_request in others:
        if support_request.status != "pending":
            continue
        close(support_request, "withdrawn",
              THANKS.format(coach=coach.display_name, role=role), now)
        audit.record(session, "request.withdrawn_found_support", subject=support_request,
                     details={"accepted_request_id": accepted.id})
        mailer.queue(session, to=support_request.supporter.user,
                     kind="request_withdrawn_found_support", about=coach,
                     subject=f"{coach.display_name} has found a {role}: thank you",
                     template="request_withdrawn_found_support",
                     context={"request": support_request, "coach": coach, "role": role,
                              "url": mailer.absolute_url("support.request_detail",
                                                         request_id=support_request.id)},
                     now=now)
    return others
