"""The audit log: who did what, when (sign-ins, roles, verification, requests)."""

from __future__ import annotations

from flask import has_request_context, request
from sqlalchemy.orm import Session

from app.models import AuditEvent


def record(session: Session, action: str, actor=None, subject=None, details=None,
           ip: str | None = None) -> AuditEvent:
    """Add an audit event; ``actor`` is a User, ``subject`` any model row.

    ``details`` holds ids and outcomes, never personal data (no emails, no
    message text), so the log can be kept after an account is erased. The IP
    address comes from the current request when not given.
    """
    if ip is None and has_request_context():
        ip = request.remote_addr
    event = AuditEvent(
        action=action,
        actor_id=getattr(actor, "id", None),
        subject_type=subject.__tablename__ if subject is not None else None,
        subject_id=getattr(subject, "id", None),
        details=details or {},
        ip_address=ip,
    )
    session.add(event)
    return event
