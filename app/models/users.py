"""People and the roles they hold on the service."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import choice, created_at_column

USER_ROLES = ("coach", "supporter", "coach_developer", "admin")
#: How an erased account, or one no longer there, is named wherever it wrote.
DELETED_NAME = "Deleted user"


def name_of(user: User | None) -> str:
    """Return the name to show for the author of something (whoever wrote it)."""
    return user.display_name if user is not None else DELETED_NAME


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        # Emails are stored lower-cased so uniqueness ignores case.
        CheckConstraint("email = lower(email)", name="email_lower_case"),
        CheckConstraint("length(email) >= 3", name="email_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(120))
    # The governing body's membership number (URN or member id), trimmed and
    # upper-cased: the key its licence list is imported by.
    membership_number: Mapped[str | None] = mapped_column(String(40), unique=True, index=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    email_verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Bumped on password change so every other session stops being valid.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    active: Mapped[bool] = mapped_column(default=True)
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = created_at_column()
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    roles: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin",
        passive_deletes=True)
    supporter_profile: Mapped[SupporterProfile | None] = relationship(  # noqa: F821
        back_populates="user", uselist=False, foreign_keys="SupporterProfile.user_id",
        cascade="all, delete-orphan", passive_deletes=True)
    coach_profile: Mapped[CoachProfile | None] = relationship(  # noqa: F821
        back_populates="user", uselist=False, cascade="all, delete-orphan",
        passive_deletes=True)

    @property
    def role_names(self) -> set[str]:
        return {r.role for r in self.roles}

    def has_role(self, role: str) -> bool:
        return role in self.role_names

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active and self.deleted_at is None

    def get_id(self) -> str:  # Flask-Login: ties the session to the password generation
        return f"{self.id}:{self.session_version}"

    def __repr__(self) -> str:
        return f"<User {self.id}>"


class UserRole(db.Model):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(choice(*USER_ROLES, name="user_role"), primary_key=True)
    granted_at: Mapped[datetime] = created_at_column()

    user: Mapped[User] = relationship(back_populates="roles")


def email_key(email: str) -> str:
    """Return the stored form of an email address."""
    return email.strip().lower()
