"""Meetings, their agenda, attendance, the live session's state, notes and trinômes.

The live state (current item, debate, speaker queue, timers, revealed results) is kept
in these rows, never only in a page or a process: a reloaded console, a reconnected phone
or a restarted server finds the session where it was.
"""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import association_table, db, enum_check
from app.governance.models import Level
from app.members.models import Member
from app.timeutil import UTCDateTime, utcnow


class MeetingKind(enum.StrEnum):
    SEMINAR = "seminar"
    CO_MANAGEMENT = "co_management"
    WORKGROUP = "workgroup"
    GENERAL_ASSEMBLY = "general_assembly"


class SessionState(enum.StrEnum):
    PLANNED = "planned"
    RUNNING = "running"
    PAUSED = "paused"
    ENDED = "ended"


class ItemKind(enum.StrEnum):
    PROPOSAL = "proposal"  # a proposal «inscrite» at the meeting's level
    TOPIC = "topic"  # a free topic
    ELECTION = "election"


class DebateState(enum.StrEnum):
    PENDING = "pending"
    OPEN = "open"
    CLOSED = "closed"


class Reply(enum.StrEnum):
    """A member's answer to the convocation."""

    PRESENT = "present"
    REMOTE = "remote"  # à distance
    EXCUSED = "excused"  # excusé·e


class CheckinMode(enum.StrEnum):
    ON_SITE = "on_site"
    REMOTE = "remote"


class Stance(enum.StrEnum):
    FOR = "for"
    AGAINST = "against"
    QUESTION = "question"


class SpeakerStatus(enum.StrEnum):
    WAITING = "waiting"
    SPEAKING = "speaking"
    DONE = "done"
    WITHDRAWN = "withdrawn"




def _secret() -> str:
    return secrets.token_hex(16)


meeting_facilitators = association_table(
    "meeting_facilitators", ("meeting_id", "meetings.id"), ("member_id", "members.id")
)


class Meeting(db.Model):
    __tablename__ = "meetings"
    __table_args__ = (
        CheckConstraint(enum_check("kind", MeetingKind), name="kind_known"),
        CheckConstraint(enum_check("session_state", SessionState), name="session_state_known"),
        CheckConstraint("ends_at > starts_at", name="period_ordered"),
        CheckConstraint("length(title) > 0", name="title_not_empty"),
        CheckConstraint("speaker_seconds BETWEEN 15 AND 3600", name="speaker_seconds_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    level_id: Mapped[int] = mapped_column(ForeignKey("levels.id"))
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(300), default="")
    remote_link: Mapped[str] = mapped_column(String(500), default="")
    secretary_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    # The quarter of a seminar created from the yearly calendar ("2026-Q1"): one per quarter.
    calendar_slot: Mapped[str | None] = mapped_column(String(16), unique=True)
    convened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Each convocation sent again raises the invitation's SEQUENCE, so calendars update it.
    convocation_count: Mapped[int] = mapped_column(Integer, default=0)
    # Live session.
    session_state: Mapped[str] = mapped_column(String(16), default=SessionState.PLANNED.value)
    current_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("agenda_items.id", ondelete="SET NULL", use_alter=True)
    )
    speaker_seconds: Mapped[int] = mapped_column(Integer, default=180)
    # Keys the rotating check-in code and the projector link; a new one revokes both.
    secret: Mapped[str] = mapped_column(String(64), default=_secret)
    # Bumped on every change of the live state: clients drop states older than they hold.
    version: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    level: Mapped[Level] = relationship()
    secretary: Mapped[Member | None] = relationship(foreign_keys=[secretary_id])
    facilitators: Mapped[list[Member]] = relationship(secondary=meeting_facilitators, order_by=Member.full_name)
    items: Mapped[list[AgendaItem]] = relationship(
        back_populates="meeting", order_by="(AgendaItem.position, AgendaItem.id)", cascade="all, delete-orphan",
        foreign_keys="AgendaItem.meeting_id",
    )
    current_item: Mapped[AgendaItem | None] = relationship(foreign_keys=[current_item_id], post_update=True)

    @property
    def context(self) -> str:
        """The votes engine's context of this sitting's ballots (proxies are given for it)."""
        return f"meeting:{self.id}"

    def is_facilitator(self, member) -> bool:
        return member is not None and any(f.id == getattr(member, "id", None) for f in self.facilitators)


class AgendaItem(db.Model):
    __tablename__ = "agenda_items"
    __table_args__ = (
        CheckConstraint(enum_check("kind", ItemKind), name="kind_known"),
        CheckConstraint(enum_check("debate_state", DebateState), name="debate_state_known"),
        CheckConstraint("(kind = 'proposal') = (proposal_id IS NOT NULL)", name="proposal_iff_kind"),
        CheckConstraint("length(title) > 0", name="title_not_empty"),
        CheckConstraint("duration_minutes IS NULL OR duration_minutes BETWEEN 1 AND 600", name="duration_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id", ondelete="RESTRICT"), index=True)
    duration_minutes: Mapped[int | None] = mapped_column(Integer)
    debate_state: Mapped[str] = mapped_column(String(16), default=DebateState.PENDING.value)
    debate_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    debate_closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The secretary's notes: they become the minutes.
    notes: Mapped[str] = mapped_column(Text, default="")
    notes_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notes_updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))

    meeting: Mapped[Meeting] = relationship(back_populates="items", foreign_keys=[meeting_id])
    proposal = relationship("Proposal")
    documents: Mapped[list[AgendaDocument]] = relationship(
        back_populates="item", order_by="AgendaDocument.id", cascade="all, delete-orphan"
    )
    ballots: Mapped[list[ItemBallot]] = relationship(
        back_populates="item", order_by="ItemBallot.id", cascade="all, delete-orphan"
    )


class AgendaDocument(db.Model):
    """A document attached to an agenda item, by link (shared drive, proposal page…)."""

    __tablename__ = "agenda_documents"
    __table_args__ = (CheckConstraint("length(title) > 0", name="title_not_empty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(1000))

    item: Mapped[AgendaItem] = relationship(back_populates="documents")


class ItemBallot(db.Model):
    """A ballot of the votes engine opened on an agenda item, and whether its result is shown."""

    __tablename__ = "agenda_item_ballots"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id", ondelete="CASCADE"), index=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballots.id", ondelete="CASCADE"), unique=True)
    revealed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    item: Mapped[AgendaItem] = relationship(back_populates="ballots")
    ballot = relationship("Ballot")


class Attendance(db.Model):
    """One member at one meeting: convoked or not, their reply, their check-in."""

    __tablename__ = "meeting_attendance"
    __table_args__ = (
        UniqueConstraint("meeting_id", "member_id"),
        CheckConstraint(f"reply IS NULL OR {enum_check('reply', Reply)}", name="reply_known"),
        CheckConstraint(f"checkin_mode IS NULL OR {enum_check('checkin_mode', CheckinMode)}",
                        name="checkin_mode_known"),
        CheckConstraint("(checked_in_at IS NULL) = (checkin_mode IS NULL)", name="checkin_complete"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    convoked: Mapped[bool] = mapped_column(Boolean, default=False)
    convoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reply: Mapped[str | None] = mapped_column(String(16))
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checkin_mode: Mapped[str | None] = mapped_column(String(16))
    # NULL: the member checked in with the code; else the facilitator who marked them.
    checked_in_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))

    meeting: Mapped[Meeting] = relationship()
    member: Mapped[Member] = relationship(foreign_keys=[member_id])
    checked_in_by: Mapped[Member | None] = relationship(foreign_keys=[checked_in_by_id])


class SpeakerRequest(db.Model):
    """A raised hand on an agenda item; `started_at` lets any page recompute the timer."""

    __tablename__ = "speaker_requests"
    __table_args__ = (
        CheckConstraint(enum_check("stance", Stance), name="stance_known"),
        CheckConstraint(enum_check("status", SpeakerStatus), name="status_known"),
        CheckConstraint("status <> 'speaking' OR started_at IS NOT NULL", name="speaking_has_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    stance: Mapped[str] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=SpeakerStatus.WAITING.value)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    member: Mapped[Member] = relationship()


class TriadRound(db.Model):
    """The trinômes de co-développement formed at one seminar; earlier rounds are the history."""

    __tablename__ = "triad_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), unique=True)
    seed: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))

    meeting: Mapped[Meeting] = relationship()
    placements: Mapped[list[TriadPlacement]] = relationship(
        back_populates="round", order_by="(TriadPlacement.group_number, TriadPlacement.member_id)",
        cascade="all, delete-orphan",
    )


class TriadPlacement(db.Model):
    __tablename__ = "triad_placements"
    __table_args__ = (
        UniqueConstraint("round_id", "member_id"),
        CheckConstraint("group_number >= 1", name="group_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("triad_rounds.id", ondelete="CASCADE"), index=True)
    group_number: Mapped[int] = mapped_column(Integer)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))

    round: Mapped[TriadRound] = relationship(back_populates="placements")
    member: Mapped[Member] = relationship()
