"""The error responses an account-aware endpoint may give, described once."""

from __future__ import annotations

DESCRIPTIONS = {
    400: "The CSRF token is missing or wrong: send the X-CSRFToken header "
         "(from GET /api/v1/session)",
    401: "Not signed in (or the email and password do not match)",
    404: "No such thing, or it is not yours to see",
    409: "Not possible in the current state (e.g. the request was withdrawn, no places left)",
    422: "Invalid input; `errors` names each field",
    429: "Too many attempts; see Retry-After",
}


def errors(blp, *codes: int):
    """Document ``codes`` (in the one error shape) on a flask-smorest view."""

    def decorate(view):
        for code in codes:
            view = blp.alt_response(code, description=DESCRIPTIONS[code])(view)
        return view

    return decorate
