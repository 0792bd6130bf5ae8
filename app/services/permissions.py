"""The admin check every admin-only use case and page makes."""

from __future__ import annotations

from app.errors import NotFound
from app.models import User

#: Admin pages and actions do not exist for anyone else (404, not 403).
NOT_FOUND = "Nothing was found at this address."


def require_admin(user: User, not_found: str = NOT_FOUND) -> None:
    """Raise NotFound unless ``user`` is an admin.

    ``not_found`` is what an unknown id would be told, so that to anyone else an
    admin action on a real id looks the same as one on no id at all.
    """
    if not user.has_role("admin"):
        raise NotFound(not_found)
