"""No cookies from the widget's routes.

Flask saves the session after every request: it refreshes the cookie of a
signed-in visitor's permanent session, and deletes a timed-out one. A club's
page must never cause either, so the app's session interface is wrapped in
one that saves nothing on the widget's blueprints.
"""

from __future__ import annotations

from flask import request


class WithoutCookiesOn:
    """The app's session interface, except that it saves nothing for ``blueprints``."""

    def __init__(self, inner, blueprints):
        self._inner = inner
        self._blueprints = frozenset(blueprints)

    def __getattr__(self, name):
        return getattr(self._inner, name)

    def save_session(self, app, session, response):
        if request.blueprint in self._blueprints:
            return None
        return self._inner.save_session(app, session, response)
