"""Proposals and everything attached to them: revisions, transitions, comments, sense
checks, amendments, escalation requests, followers, the decision register and the
search index.

A proposal is one object that travels through the levels: its level and state change,
its history (revisions, transitions) only grows.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import association_table, db, enum_check
from app.governance.models import Level, Matter
from app.members.models import Member, Theme
from app.timeutil import UTCDateTime, utcnow


class ProposalState(enum.StrEnum):
    DRAFT = "draft"  # brouillon
    DEBATE = "debate"  # en débat
    PREPARATION = "preparation"  # en préparation (a workgroup has it)
    SCHEDULED = "scheduled"  # inscrite (online window, or a meeting's agenda)
    VOTING = "voting"  # au vote
    ADOPTED = "adopted"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"  # retirée by its authors

    @property
    def is_final(self) -> bool:
        return self in (ProposalState.ADOPTED, ProposalState.REJECTED, ProposalState.WITHDRAWN)


class Stance(enum.StrEnum):
    FOR = "for"
    AGAINST = "against"
    QUESTION = "question"
    NEUTRAL = "neutral"


class Opinion(enum.StrEnum):
    """A sense check (avis): non-binding, one current per member."""

    AGREE = "agree"  # d'accord
    RESERVATION = "reservation"  # réserve
    DISAGREE = "disagree"  # pas d'accord
    BLOCKING_OBJECTION = "blocking_objection"  # objection bloquante: a reason is required


class AmendmentStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class Outcome(enum.StrEnum):
    ADOPTED = "adopted"
    REJECTED = "rejected"


class FollowUpStatus(enum.StrEnum):
    TODO = "todo"  # à faire
    IN_PROGRESS = "in_progress"  # en cours
    DONE = "done"  # fait




proposal_coauthors = association_table(
    "proposal_coauthors", ("proposal_id", "proposals.id"), ("member_id", "members.id")
)
proposal_themes = association_table("proposal_themes", ("proposal_id", "proposals.id"), ("theme_id", "themes.id"))


class Proposal(db.Model):
    __tablename__ = "proposals"
    __table_args__ = (
        CheckConstraint(enum_check("state", ProposalState), name="state_known"),
        CheckConstraint("length(title) > 0", name="title_not_empty"),
        CheckConstraint("revision_number >= 1", name="revision_positive"),
        CheckConstraint(
            "decision_closes_at IS NULL OR decision_opens_at IS NULL OR decision_closes_at > decision_opens_at",
            name="window_ordered",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(1000), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    # Sanitised HTML of the body, rendered once per revision rather than on every view.
    body_html: Mapped[str] = mapped_column(Text, default="")
    # Number of the current revision; an edit must start from it (optimistic concurrency).
    revision_number: Mapped[int] = mapped_column(Integer, default=1)
    state: Mapped[str] = mapped_column(String(16), default=ProposalState.DRAFT.value, index=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matters.id"), index=True)
    level_id: Mapped[int] = mapped_column(ForeignKey("levels.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Online decision window at level 1 (UTC); the ballot itself belongs to the votes engine.
    decision_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    decision_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # Generic reference to the meeting whose agenda carries it ("seminar 2026-03", "meeting:12").
    meeting_ref: Mapped[str | None] = mapped_column(String(200))

    matter: Mapped[Matter] = relationship()
    level: Mapped[Level] = relationship()
    created_by: Mapped[Member] = relationship()
    coauthors: Mapped[list[Member]] = relationship(secondary=proposal_coauthors, order_by=Member.full_name)
    themes: Mapped[list[Theme]] = relationship(secondary=proposal_themes, order_by=Theme.label)
    revisions: Mapped[list[Revision]] = relationship(
        back_populates="proposal", order_by="Revision.number", cascade="all, delete-orphan"
    )
    transitions: Mapped[list[Transition]] = relationship(
        back_populates="proposal", order_by="Transition.id", cascade="all, delete-orphan"
    )

    @property
    def state_enum(self) -> ProposalState:
        return ProposalState(self.state)

    def author_ids(self) -> set[int]:
        return {self.created_by_id, *(member.id for member in self.coauthors)}

    def is_author(self, member) -> bool:
        return member is not None and getattr(member, "id", None) in self.author_ids()


class Revision(db.Model):
    """Every version of the text is kept; any two can be compared."""

    __tablename__ = "proposal_revisions"
    __table_args__ = (
        # Two edits started from the same revision cannot both become the next one.
        UniqueConstraint("proposal_id", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(1000), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    note: Mapped[str] = mapped_column(String(500), default="")
    amendment_id: Mapped[int | None] = mapped_column(ForeignKey("amendments.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    proposal: Mapped[Proposal] = relationship(back_populates="revisions")
    author: Mapped[Member] = relationship()


class Transition(db.Model):
    """One recorded move of a proposal: state and/or level, who (None: automatic), when, why."""

    __tablename__ = "proposal_transitions"
    __table_args__ = (
        CheckConstraint(f"from_state IS NULL OR {enum_check('from_state', ProposalState)}", name="from_state_known"),
        CheckConstraint(enum_check("to_state", ProposalState), name="to_state_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    from_level_id: Mapped[int | None] = mapped_column(ForeignKey("levels.id"))
    to_level_id: Mapped[int] = mapped_column(ForeignKey("levels.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    proposal: Mapped[Proposal] = relationship(back_populates="transitions")
    actor: Mapped[Member | None] = relationship()
    from_level: Mapped[Level | None] = relationship(foreign_keys=[from_level_id])
    to_level: Mapped[Level] = relationship(foreign_keys=[to_level_id])


class ProposalFollower(db.Model):
    __tablename__ = "proposal_followers"

    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Comment(db.Model):
    """A comment with a stance; threads have two levels (a reply's parent is top-level)."""

    __tablename__ = "comments"
    __table_args__ = (
        CheckConstraint(enum_check("stance", Stance), name="stance_known"),
        CheckConstraint("length(body) > 0", name="body_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    stance: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A withdrawn comment stays as a trace (who, when); its text is no longer shown.
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    author: Mapped[Member] = relationship()
    edits: Mapped[list[CommentEdit]] = relationship(
        back_populates="comment", order_by="CommentEdit.id", cascade="all, delete-orphan"
    )

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class CommentEdit(db.Model):
    """The text a comment had before an edit: the history stays readable."""

    __tablename__ = "comment_edits"
    __table_args__ = (CheckConstraint(enum_check("stance", Stance), name="stance_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), index=True)
    stance: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)
    written_at: Mapped[datetime] = mapped_column(UTCDateTime)  # when this text had been written
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    comment: Mapped[Comment] = relationship(back_populates="edits")


class SenseCheck(db.Model):
    __tablename__ = "sense_checks"
    __table_args__ = (
        UniqueConstraint("proposal_id", "member_id"),  # one current sense check per member
        CheckConstraint(enum_check("opinion", Opinion), name="opinion_known"),
        CheckConstraint("opinion <> 'blocking_objection' OR length(trim(reason)) > 0", name="objection_reasoned"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    opinion: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    member: Mapped[Member] = relationship()


class Amendment(db.Model):
    """A replacement text for the body or for one of its sections; accepted (new revision) or
    declined (stays on file)."""

    __tablename__ = "amendments"
    __table_args__ = (
        CheckConstraint(enum_check("status", AmendmentStatus), name="status_known"),
        CheckConstraint("length(body) > 0", name="body_not_empty"),
        CheckConstraint("put_to_vote_at IS NULL OR status = 'declined'", name="only_declined_to_vote"),
        CheckConstraint("(section_heading IS NULL) = (section_occurrence IS NULL)", name="section_complete"),
        CheckConstraint("section_occurrence IS NULL OR section_occurrence >= 1", name="section_occurrence_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    base_revision_number: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    # A section amendment (None: the whole body) names its section as in the base revision: the
    # heading's text and which of the headings with that text it is, so duplicates stay distinct
    # and the section is found again in a later body (app/deliberation/sections.py).
    section_heading: Mapped[str | None] = mapped_column(Text)
    section_occurrence: Mapped[int | None] = mapped_column(Integer)
    rationale: Mapped[str] = mapped_column(Text, default="")
    # Word-level diff against the base revision, computed once: the base never changes.
    diff_html: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default=AmendmentStatus.PENDING.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    # A declined amendment may be put to the vote before the main text at decision time.
    put_to_vote_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    proposal: Mapped[Proposal] = relationship()
    author: Mapped[Member] = relationship(foreign_keys=[author_id])
    decided_by: Mapped[Member | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def is_section(self) -> bool:
        return self.section_heading is not None


class EscalationRequest(db.Model):
    """A member asks that the proposal be decided one level up; counted per level."""

    __tablename__ = "escalation_requests"
    __table_args__ = (UniqueConstraint("proposal_id", "level_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    level_id: Mapped[int] = mapped_column(ForeignKey("levels.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DecisionRecord(db.Model):
    """A line of the decision register (registre des décisions) and its follow-up."""

    __tablename__ = "decision_records"
    __table_args__ = (
        CheckConstraint(enum_check("outcome", Outcome), name="outcome_known"),
        CheckConstraint(enum_check("follow_up_status", FollowUpStatus), name="follow_up_status_known"),
        CheckConstraint("length(source) > 0", name="source_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), unique=True)
    level_id: Mapped[int] = mapped_column(ForeignKey("levels.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(16))
    decided_on: Mapped[date] = mapped_column(Date, index=True)
    text: Mapped[str] = mapped_column(Text)
    # Generic reference to where it was decided: "ballot:42", "meeting:7"…
    source: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    responsible_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    due_on: Mapped[date | None] = mapped_column(Date)
    follow_up_status: Mapped[str] = mapped_column(String(16), default=FollowUpStatus.TODO.value)
    follow_up_note: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    proposal: Mapped[Proposal] = relationship()
    level: Mapped[Level] = relationship()
    responsible: Mapped[Member | None] = relationship()


class SearchTerm(db.Model):
    """Inverted index for full-text search, the same on SQLite and PostgreSQL.

    Terms are folded (no accents, lower case) and stemmed with the French Snowball stemmer
    in Python, so "décisions" and "decision" meet on both databases (docs/deliberation.md).
    """

    __tablename__ = "search_terms"
    __table_args__ = (
        CheckConstraint("doc_kind IN ('proposal', 'comment')", name="doc_kind_known"),
        Index("ix_search_terms_term", "term"),
        Index("ix_search_terms_proposal", "proposal_id"),
    )

    doc_kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    doc_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    term: Mapped[str] = mapped_column(String(64), primary_key=True)
    # The proposal a document belongs to (itself for a proposal): visibility is checked on it.
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    weight: Mapped[int] = mapped_column(Integer, default=1)
