"""Accounts: sign up, sign in, passwords, the person's own details and roles."""

from __future__ import annotations

from marshmallow import ValidationError, fields, post_load, pre_load, validate, validates_schema

from app.models.users import USER_ROLES
from app.schemas.base import Schema
from app.schemas.text import Line, Text

SELF_SERVICE_ROLES = ("coach", "supporter")
PASSWORD = validate.Length(min=1, max=128, error="Enter a password of up to 128 characters.")
PHONE = validate.Regexp(r"^[0-9+() .\-]{6,40}$",
                        error="Use digits, spaces and + ( ) - only, e.g. 07700 900123.")


class FormArgs(Schema):
    """Input from HTML forms or JSON; blank form fields count as not given."""

    list_fields: tuple[str, ...] = ()

    @pre_load
    def from_form(self, data, **kwargs):
        if hasattr(data, "getlist"):
            data = {k: data.getlist(k) if k in self.list_fields else data.get(k) for k in data}
        if not isinstance(data, dict):
            return data  # marshmallow reports the wrong type
        return self.tidy({k: v for k, v in data.items() if k != "csrf_token"})

    def tidy(self, data: dict) -> dict:
        """Adjust plain input before validation (one place, so the order is clear)."""
        return data


class ConfirmArgs(FormArgs):
    """A form with nothing but its button (and CSRF token): accept, verify..."""


class SignUpArgs(FormArgs):
    list_fields = ("roles",)

    display_name = Line(required=True, validate=validate.Length(min=1, max=120),
                                 metadata={"description": "Your name, as others will see it",
                                           "label": "your name"})
    email = fields.Email(required=True, validate=validate.Length(max=254),
                         metadata={"label": "your email address"})
    password = Line(required=True, load_only=True, validate=PASSWORD,
                             metadata={"description": "10 to 128 characters, not a common one"})
    password_again = Line(load_only=True, validate=PASSWORD,
                                   metadata={"description": "The password again (forms only)"})
    roles = fields.List(Line(validate=validate.OneOf(SELF_SERVICE_ROLES)),
                        required=True, validate=validate.Length(min=1, max=2),
                        metadata={"description": "coach, supporter or both"})

    def tidy(self, data):
        if isinstance(data.get("display_name"), str):
            data["display_name"] = data["display_name"].strip()
        return data

    @validates_schema
    def passwords_match(self, data, **kwargs):
        again = data.get("password_again")
        if again is not None and again != data.get("password"):
            raise ValidationError("The two passwords are not the same.", "password_again")


class SignInArgs(FormArgs):
    email = Line(required=True, validate=validate.Length(min=1, max=254),
                 metadata={"label": "your email address"})
    password = Line(required=True, load_only=True, validate=PASSWORD)
    # Not a Line: anything off this site, control characters included, is simply
    # ignored by the redirect (to the home of the person's work), never an error.
    next = fields.String(validate=validate.Length(max=2000), load_default=None,
                         metadata={"description": "Where to go afterwards (this site only)"})


class EmailArgs(FormArgs):
    email = fields.Email(required=True, validate=validate.Length(max=254),
                         metadata={"label": "your email address"})


class TokenArgs(FormArgs):
    token = Line(required=True, validate=validate.Length(min=1, max=1000))


class ResetPasswordArgs(TokenArgs):
    password = Line(required=True, load_only=True, validate=PASSWORD)
    password_again = Line(load_only=True, validate=PASSWORD)

    @validates_schema
    def passwords_match(self, data, **kwargs):
        again = data.get("password_again")
        if again is not None and again != data.get("password"):
            raise ValidationError("The two passwords are not the same.", "password_again")


class ChangePasswordArgs(FormArgs):
    current_password = Line(required=True, load_only=True, validate=PASSWORD)
    new_password = Line(required=True, load_only=True, validate=PASSWORD)
    new_password_again = Line(load_only=True, validate=PASSWORD)

    @validates_schema
    def passwords_match(self, data, **kwargs):
        again = data.get("new_password_again")
        if again is not None and again != data.get("new_password"):
            raise ValidationError("The two passwords are not the same.", "new_password_again")


class PasswordArgs(FormArgs):
    password = Line(required=True, load_only=True, validate=PASSWORD,
                             metadata={"description": "Your password, to confirm it is you"})


class AccountArgs(FormArgs):
    list_fields = ("roles",)

    display_name = Line(validate=validate.Length(min=1, max=120),
                        metadata={"label": "your name"})
    phone = Line(allow_none=True, validate=PHONE,
                          metadata={"description": "Shared only with people whose request "
                                                   "you accept, or who accept yours"})
    roles = fields.List(Line(validate=validate.OneOf(SELF_SERVICE_ROLES)),
                        validate=validate.Length(max=2),
                        metadata={"description": "Your own roles: coach, supporter"})

    def tidy(self, data):
        if data.get("phone") == "":
            data["phone"] = None
        if isinstance(data.get("display_name"), str):
            data["display_name"] = data["display_name"].strip()
        return data


class AccountFormArgs(AccountArgs):
    """The account page's form: unticked role boxes send nothing, meaning none."""

    @post_load
    def roles_from_boxes(self, data, **kwargs):
        data.setdefault("roles", [])
        return data


class RolesArgs(FormArgs):
    list_fields = ("roles",)

    roles = fields.List(Line(validate=validate.OneOf(USER_ROLES)), required=True,
                        validate=validate.Length(max=len(USER_ROLES)))


class MeSchema(Schema):
    id = fields.Integer()
    email = Line()
    display_name = Line()
    phone = Line(allow_none=True)
    roles = fields.Method("role_list")
    email_verified = fields.Method("is_verified")
    created_at = fields.DateTime()

    def role_list(self, user) -> list[str]:
        return sorted(user.role_names)

    def is_verified(self, user) -> bool:
        return user.email_verified_at is not None


class SessionSchema(Schema):
    authenticated = fields.Boolean()
    csrf_token = Line(metadata={"description": "Send it back as the X-CSRFToken "
                                                        "header on every POST, PUT, PATCH and "
                                                        "DELETE"})
    user = fields.Nested(MeSchema, allow_none=True)


class MessageSchema(Schema):
    message = Text()


class RequeueArgs(FormArgs):
    """(Admins) send one dead letter again, or all of them when no id is given."""

    message_id = fields.Integer(load_default=None, allow_none=True,
                                validate=validate.Range(min=1, max=2**63 - 1))
