"""Members of the cooperative, the history of their status, their roles and API tokens."""

from __future__ import annotations

import enum
from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import association_table, db, enum_check
from app.timeutil import UTCDateTime, utcnow


class MemberStatus(enum.StrEnum):
    CAPE = "cape"
    ES = "es"
    ESA = "esa"
    EXTERNAL_ASSOCIATE = "external_associate"
    FORMER = "former"

    @property
    def is_associate(self) -> bool:
        return self in (MemberStatus.ESA, MemberStatus.EXTERNAL_ASSOCIATE)

    @property
    def is_active(self) -> bool:
        return self is not MemberStatus.FORMER


class RoleKind(enum.StrEnum):
    CO_MANAGER = "co_manager"
    ADMINISTRATOR = "administrator"
    TUTOR = "tutor"




member_skills = association_table("member_skills", ("member_id", "members.id"), ("skill_id", "skills.id"))
member_themes = association_table("member_themes", ("member_id", "members.id"), ("theme_id", "themes.id"))


class Skill(db.Model):
    __tablename__ = "skills"
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(120), unique=True)


class Theme(db.Model):
    __tablename__ = "themes"
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(120), unique=True)


class Member(UserMixin, db.Model):
    __tablename__ = "members"
    __table_args__ = (CheckConstraint("shares >= 0", name="shares_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    # Empty until the member accepts the invitation and chooses a password.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    language: Mapped[str | None] = mapped_column(String(5))
    bio: Mapped[str] = mapped_column(Text, default="")
    shares: Mapped[int] = mapped_column(Integer, default=0)
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    skills: Mapped[list[Skill]] = relationship(secondary=member_skills, order_by=Skill.label)
    themes: Mapped[list[Theme]] = relationship(secondary=member_themes, order_by=Theme.label)
    status_changes: Mapped[list[StatusChange]] = relationship(
        back_populates="member",
        foreign_keys="StatusChange.member_id",
        order_by="(StatusChange.effective_on, StatusChange.id)",
        cascade="all, delete-orphan",
    )
    roles: Mapped[list[Role]] = relationship(
        back_populates="member",
        foreign_keys="Role.member_id",
        order_by="Role.starts_on",
        cascade="all, delete-orphan",
    )

    def __repr__(self) -> str:
        return f"<Member {self.id} {self.email}>"

    # Status and roles are read from their histories at a given date: the electorate of a
    # ballot or an assembly depends on what was true on that date, not on today.
    def status_on(self, day: date) -> MemberStatus | None:
        current = None
        for change in self.status_changes:
            if change.effective_on <= day:
                current = change.status
        return MemberStatus(current) if current else None

    def roles_on(self, day: date) -> list[Role]:
        return [role for role in self.roles if role.is_current_on(day)]

    def has_role_on(self, kind: RoleKind, day: date) -> bool:
        return any(role.kind == kind for role in self.roles_on(day))

    @property
    def is_active(self) -> bool:  # Flask-Login: former members cannot sign in.
        from app.timeutil import local_today

        status = self.status_on(local_today())
        return status is not None and status.is_active


class StatusChange(db.Model):
    """One line of a member's status history (CAPE, ES, ESA…), effective from a date."""

    __tablename__ = "status_changes"
    __table_args__ = (CheckConstraint(enum_check("status", MemberStatus), name="status_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(32))
    effective_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    member: Mapped[Member] = relationship(back_populates="status_changes", foreign_keys=[member_id])
    recorded_by: Mapped[Member | None] = relationship(foreign_keys=[recorded_by_id])


class Role(db.Model):
    """A role held for a period: co-manager mandate, administrator, tutor of a newcomer."""

    __tablename__ = "roles"
    __table_args__ = (
        CheckConstraint(enum_check("kind", RoleKind), name="kind_known"),
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="period_ordered"),
        CheckConstraint("kind = 'tutor' OR tutee_id IS NULL", name="tutee_only_for_tutor"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    tutee_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    member: Mapped[Member] = relationship(back_populates="roles", foreign_keys=[member_id])
    tutee: Mapped[Member | None] = relationship(foreign_keys=[tutee_id])

    def is_current_on(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


class ApiToken(db.Model):
    """A personal API token; only its SHA-256 is stored, the member sees it once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    member: Mapped[Member] = relationship()
