"""Ballots, the electorate snapshot, participations, the ballot box, proxies and the audit chain.

Secrecy by construction: for a secret ballot, `Participation` says who voted and
`StoredVote` says what was voted, and nothing joins them — no voter column on the vote,
a random primary key instead of a sequence, no timestamp. Receipts and participations
are derived from the voter's idempotency key by two different one-way hashes.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from fractions import Fraction

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

from app.extensions import db, enum_check
from app.governance.models import Level, MajorityBase, Method, Secrecy
from app.members.models import Member
from app.timeutil import UTCDateTime, utcnow


class BallotState(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


class Visibility(enum.StrEnum):
    LIVE = "live"  # the tally is shown while the ballot is open
    AFTER_CLOSE = "after_close"  # only turnout until it closes


class SubjectKind(enum.StrEnum):
    PROPOSAL = "proposal"
    AMENDMENT = "amendment"
    ELECTION = "election"
    RESOLUTION = "resolution"
    QUESTION = "question"




class Ballot(db.Model):
    __tablename__ = "ballots"
    __table_args__ = (
        CheckConstraint(enum_check("state", BallotState), name="state_known"),
        CheckConstraint(enum_check("method", Method), name="method_known"),
        CheckConstraint(enum_check("secrecy", Secrecy), name="secrecy_known"),
        CheckConstraint(enum_check("visibility", Visibility), name="visibility_known"),
        CheckConstraint(enum_check("subject_kind", SubjectKind), name="subject_kind_known"),
        CheckConstraint(enum_check("majority_base", MajorityBase), name="majority_base_known"),
        CheckConstraint("majority_num > 0 AND majority_num <= majority_den", name="majority_fraction"),
        CheckConstraint(
            "(quorum_num IS NULL AND quorum_den IS NULL) OR (quorum_num > 0 AND quorum_num <= quorum_den)",
            name="quorum_fraction",
        ),
        CheckConstraint("seats >= 1", name="seats_positive"),
        CheckConstraint("closes_at IS NULL OR opens_at IS NULL OR closes_at > opens_at", name="window_ordered"),
        # A secret ballot never lets a voter change their vote: that would need a link to it.
        CheckConstraint("secrecy = 'named' OR NOT changeable", name="secret_not_changeable"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    question: Mapped[str] = mapped_column(Text, default="")
    # Generic reference to what is voted on: votes knows nothing of proposals or meetings.
    subject_kind: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int | None] = mapped_column(Integer)
    # Groups ballots of one sitting (e.g. "meeting:12"): proxies are given for a context.
    context: Mapped[str | None] = mapped_column(String(64), index=True)
    level_id: Mapped[int] = mapped_column(ForeignKey("levels.id"))
    method: Mapped[str] = mapped_column(String(32))
    secrecy: Mapped[str] = mapped_column(String(16))
    visibility: Mapped[str] = mapped_column(String(16), default=Visibility.AFTER_CLOSE.value)
    changeable: Mapped[bool] = mapped_column(Boolean, default=False)
    seats: Mapped[int] = mapped_column(Integer, default=1)
    majority_num: Mapped[int] = mapped_column(Integer)
    majority_den: Mapped[int] = mapped_column(Integer)
    majority_strict: Mapped[bool] = mapped_column(Boolean)
    majority_base: Mapped[str] = mapped_column(String(32))
    quorum_num: Mapped[int | None] = mapped_column(Integer)
    quorum_den: Mapped[int | None] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), default=BallotState.DRAFT.value, index=True)
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    # Present or represented at closing, when a meeting says so (else: those who took part).
    present_or_represented: Mapped[int | None] = mapped_column(Integer)
    result_json: Mapped[str | None] = mapped_column(Text)
    result_fingerprint: Mapped[str | None] = mapped_column(String(64))
    # Head of this ballot's hash-chained audit log; the row lock on the ballot orders it.
    audit_seq: Mapped[int] = mapped_column(Integer, default=0)
    audit_head: Mapped[str] = mapped_column(String(64), default="0" * 64)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    level: Mapped[Level] = relationship()
    created_by: Mapped[Member | None] = relationship()
    options: Mapped[list[BallotOption]] = relationship(
        back_populates="ballot", order_by="BallotOption.position", cascade="all, delete-orphan"
    )

    @property
    def majority(self) -> Fraction:
        return Fraction(self.majority_num, self.majority_den)

    @property
    def quorum(self) -> Fraction | None:
        return Fraction(self.quorum_num, self.quorum_den) if self.quorum_num else None

    @property
    def is_secret(self) -> bool:
        return self.secrecy == Secrecy.SECRET


class BallotOption(db.Model):
    __tablename__ = "ballot_options"
    __table_args__ = (UniqueConstraint("ballot_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballots.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    # An option may name a person (elections).
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))

    ballot: Mapped[Ballot] = relationship(back_populates="options")


class ElectorateEntry(db.Model):
    """Who may vote, snapshotted when the ballot opens: later status changes do not alter it."""

    __tablename__ = "ballot_electorate"

    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballots.id", ondelete="CASCADE"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)


class Participation(db.Model):
    """That an elector's vote was cast (by themselves or their proxy holder), never what.

    The unique constraint is the database's guarantee of one vote per elector per ballot.
    """

    __tablename__ = "ballot_participations"
    __table_args__ = (UniqueConstraint("ballot_id", "elector_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballots.id", ondelete="CASCADE"))
    elector_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    cast_by_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    # sha256 of the idempotency key under one label; the receipt uses another, unlinkable.
    key_digest: Mapped[str] = mapped_column(String(64))


class StoredVote(db.Model):
    """One vote in the ballot box. For a secret ballot, nothing here names the voter."""

    __tablename__ = "ballot_votes"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballots.id", ondelete="CASCADE"), index=True)
    receipt: Mapped[str] = mapped_column(String(32), unique=True)
    content: Mapped[str] = mapped_column(Text)  # canonical JSON of the choice
    # Named ballots only (a check constraint cannot see the ballot, the service guarantees it).
    voter_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    proxy_for_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    voter: Mapped[Member | None] = relationship(foreign_keys=[voter_id])
    proxy_for: Mapped[Member | None] = relationship(foreign_keys=[proxy_for_id])


class Proxy(db.Model):
    """A pouvoir: the grantor's vote is cast by the holder for every ballot of a context."""

    __tablename__ = "proxies"
    __table_args__ = (
        UniqueConstraint("context", "grantor_id"),
        CheckConstraint("holder_id IS NULL OR holder_id <> grantor_id", name="not_to_self"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    context: Mapped[str] = mapped_column(String(64), index=True)
    grantor_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    # NULL: a blank proxy (no holder named), counted as the model statutes say.
    holder_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    document: Mapped[str] = mapped_column(Text, default="")  # how it was given, or the scan's reference
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))

    grantor: Mapped[Member] = relationship(foreign_keys=[grantor_id])
    holder: Mapped[Member | None] = relationship(foreign_keys=[holder_id])


class AuditEntry(db.Model):
    """Append-only, hash-chained log of ballot events (triggers forbid UPDATE and DELETE)."""

    __tablename__ = "ballot_audit"
    __table_args__ = (UniqueConstraint("ballot_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballots.id", ondelete="RESTRICT"))
    seq: Mapped[int] = mapped_column(Integer)
    event: Mapped[str] = mapped_column(String(32))
    payload: Mapped[str] = mapped_column(Text)  # canonical JSON
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
