"""Thematic workgroups: their mandate, members, thread, working notes, meetings and reports.

A workgroup prepares a decision for a level (groupe de travail thématique). It is created
by a decision of a level or, on a member's initiative, once enough members support it.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.deliberation.models import Proposal
from app.extensions import association_table, db, enum_check
from app.governance.models import Level
from app.members.models import Member, Skill, Theme
from app.timeutil import UTCDateTime, utcnow


class WorkgroupStatus(enum.StrEnum):
    PROPOSED = "proposed"  # an initiative gathering supporters; not yet a workgroup
    OPEN = "open"  # ouvert
    IN_PROGRESS = "in_progress"  # en cours
    REPORT_DELIVERED = "report_delivered"  # rapport remis
    CLOSED = "closed"  # clos


class Origin(enum.StrEnum):
    DECISION = "decision"  # decided by a level (seminar, co-gérance…)
    INITIATIVE = "initiative"  # a member's initiative, supported by enough members


class WorkgroupRole(enum.StrEnum):
    FACILITATOR = "facilitator"
    MEMBER = "member"


class Recommendation(enum.StrEnum):
    ADOPT = "adopt"  # adopt as is
    ADOPT_AMENDED = "adopt_amended"  # adopt with these amendments
    REJECT = "reject"
    SPLIT = "split"  # split into several proposals


class HoldingKind(enum.StrEnum):
    SENT = "sent"  # a proposal in debate sent to the group for preparation
    DRAFTED = "drafted"  # a proposal the group drafted from scratch


workgroup_themes = association_table("workgroup_themes", ("workgroup_id", "workgroups.id"), ("theme_id", "themes.id"))
workgroup_skills = association_table("workgroup_skills", ("workgroup_id", "workgroups.id"), ("skill_id", "skills.id"))
workgroup_meeting_attendees = association_table(
    "workgroup_meeting_attendees", ("meeting_id", "workgroup_meetings.id"), ("member_id", "members.id")
)


class Workgroup(db.Model):
    __tablename__ = "workgroups"
    __table_args__ = (
        CheckConstraint(enum_check("status", WorkgroupStatus), name="status_known"),
        CheckConstraint(enum_check("origin", Origin), name="origin_known"),
        CheckConstraint("length(name) > 0", name="name_not_empty"),
        CheckConstraint("length(question) > 0", name="question_not_empty"),
        # A decided group names the level that decided it; an initiative has none.
        CheckConstraint("(origin = 'decision') = (origin_level_id IS NOT NULL)", name="origin_level_matches"),
        CheckConstraint("notes_revision >= 0", name="notes_revision_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default=WorkgroupStatus.OPEN.value, index=True)
    origin: Mapped[str] = mapped_column(String(16))
    origin_level_id: Mapped[int | None] = mapped_column(ForeignKey("levels.id"))
    # The decision's reference: "séminaire de mars 2026, point 4", a register number…
    origin_reference: Mapped[str] = mapped_column(String(200), default="")
    # Open membership: members join and leave; otherwise facilitators invite and remove.
    open_membership: Mapped[bool] = mapped_column(Boolean, default=True)
    # The mandate.
    question: Mapped[str] = mapped_column(Text)
    expected_output: Mapped[str] = mapped_column(Text, default="")
    due_on: Mapped[date] = mapped_column(Date, index=True)
    reports_to_level_id: Mapped[int] = mapped_column(ForeignKey("levels.id"))
    # Shared working notes: the current text and its revision number (optimistic concurrency).
    notes: Mapped[str] = mapped_column(Text, default="")
    notes_revision: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    origin_level: Mapped[Level | None] = relationship(foreign_keys=[origin_level_id])
    reports_to_level: Mapped[Level] = relationship(foreign_keys=[reports_to_level_id])
    created_by: Mapped[Member] = relationship()
    themes: Mapped[list[Theme]] = relationship(secondary=workgroup_themes, order_by=Theme.label)
    skills: Mapped[list[Skill]] = relationship(secondary=workgroup_skills, order_by=Skill.label)
    memberships: Mapped[list[WorkgroupMembership]] = relationship(
        back_populates="workgroup", cascade="all, delete-orphan", order_by="WorkgroupMembership.joined_at")
    supports: Mapped[list[WorkgroupSupport]] = relationship(cascade="all, delete-orphan")

    @property
    def status_enum(self) -> WorkgroupStatus:
        return WorkgroupStatus(self.status)

    def membership_of(self, member) -> WorkgroupMembership | None:
        member_id = getattr(member, "id", None)
        return next((item for item in self.memberships if item.member_id == member_id), None)

    def is_member(self, member) -> bool:
        return self.membership_of(member) is not None

    def is_facilitator(self, member) -> bool:
        found = self.membership_of(member)
        return found is not None and found.role == WorkgroupRole.FACILITATOR.value

    @property
    def facilitators(self) -> list[Member]:
        return [item.member for item in self.memberships if item.role == WorkgroupRole.FACILITATOR.value]

    @property
    def members(self) -> list[Member]:
        return [item.member for item in self.memberships]


class WorkgroupMembership(db.Model):
    __tablename__ = "workgroup_memberships"
    __table_args__ = (CheckConstraint(enum_check("role", WorkgroupRole), name="role_known"),)

    workgroup_id: Mapped[int] = mapped_column(ForeignKey("workgroups.id", ondelete="CASCADE"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(16), default=WorkgroupRole.MEMBER.value)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    workgroup: Mapped[Workgroup] = relationship(back_populates="memberships")
    member: Mapped[Member] = relationship()


class WorkgroupSupport(db.Model):
    """A member supporting an initiative; one support per member and group."""

    __tablename__ = "workgroup_supports"

    workgroup_id: Mapped[int] = mapped_column(ForeignKey("workgroups.id", ondelete="CASCADE"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WorkgroupProposal(db.Model):
    """A proposal the group prepares (sent to it) or drafted; ``returned_at`` once handed back."""

    __tablename__ = "workgroup_proposals"
    __table_args__ = (CheckConstraint(enum_check("kind", HoldingKind), name="kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workgroup_id: Mapped[int] = mapped_column(ForeignKey("workgroups.id", ondelete="CASCADE"), index=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    workgroup: Mapped[Workgroup] = relationship()
    proposal: Mapped[Proposal] = relationship()


class WorkgroupMessage(db.Model):
    __tablename__ = "workgroup_messages"
    __table_args__ = (CheckConstraint("length(body) > 0", name="body_not_empty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workgroup_id: Mapped[int] = mapped_column(ForeignKey("workgroups.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[Member] = relationship()


class NotesRevision(db.Model):
    """Every saved version of a group's working notes; any two can be compared."""

    __tablename__ = "workgroup_notes_revisions"
    __table_args__ = (
        # Two saves started from the same revision cannot both become the next one.
        UniqueConstraint("workgroup_id", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workgroup_id: Mapped[int] = mapped_column(ForeignKey("workgroups.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[Member] = relationship()


class WorkgroupMeeting(db.Model):
    """An internal meeting of the group: when, who came, what was said."""

    __tablename__ = "workgroup_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    workgroup_id: Mapped[int] = mapped_column(ForeignKey("workgroups.id", ondelete="CASCADE"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    attendees: Mapped[list[Member]] = relationship(secondary=workgroup_meeting_attendees, order_by=Member.full_name)


class WorkgroupReport(db.Model):
    """The group's report, with its recommendation; about a proposal it held, or its mandate."""

    __tablename__ = "workgroup_reports"
    __table_args__ = (
        CheckConstraint(enum_check("recommendation", Recommendation), name="recommendation_known"),
        CheckConstraint("length(body) > 0", name="body_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workgroup_id: Mapped[int] = mapped_column(ForeignKey("workgroups.id", ondelete="CASCADE"), index=True)
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id", ondelete="SET NULL"), index=True)
    recommendation: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text, default="")
    # The level the proposal returns to: its own, or a higher one if the report says so.
    to_level_id: Mapped[int | None] = mapped_column(ForeignKey("levels.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    workgroup: Mapped[Workgroup] = relationship()
    proposal: Mapped[Proposal | None] = relationship()
    to_level: Mapped[Level | None] = relationship()
    author: Mapped[Member] = relationship()
