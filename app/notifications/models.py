"""In-app notices and each member's e-mail preference.

Notifications import members only (DESIGN.md): a notice carries its text, already
written in the recipient's language, and a link; it knows nothing of proposals.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db, enum_check
from app.members.models import Member
from app.timeutil import UTCDateTime, utcnow


class NoticeKind(enum.StrEnum):
    NEW_PROPOSAL = "new_proposal"  # a new proposal in one of my themes
    MENTION = "mention"
    REPLY = "reply"
    STATE_CHANGE = "state_change"  # of a proposal I follow
    WINDOW_CLOSING = "window_closing"  # a decision window closes within 24 hours
    DECISION = "decision"  # registered decision where I am responsible for the follow-up


class EmailMode(enum.StrEnum):
    IMMEDIATE = "immediate"
    DIGEST = "digest"  # one e-mail a day (`flask notifications digest`)
    NONE = "none"




class Notice(db.Model):
    __tablename__ = "notices"
    __table_args__ = (
        CheckConstraint(enum_check("kind", NoticeKind), name="kind_known"),
        # A key makes a notice idempotent (the 24-hour reminder job may run many times).
        UniqueConstraint("member_id", "key"),
        Index("ix_notices_member_unread", "member_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(String(500))
    link: Mapped[str] = mapped_column(String(300), default="")
    key: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the notice went out by e-mail (immediately or in a digest), so it goes once.
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    member: Mapped[Member] = relationship()


class NotificationPreference(db.Model):
    __tablename__ = "notification_preferences"
    __table_args__ = (CheckConstraint(enum_check("email_mode", EmailMode), name="email_mode_known"),)

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    email_mode: Mapped[str] = mapped_column(String(16), default=EmailMode.IMMEDIATE.value)
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
