"""Legal profile, assembly rules, resolutions, convocation consent, incidents and PV register."""

from __future__ import annotations

import enum
from datetime import date, datetime
from fractions import Fraction

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db, enum_check
from app.governance.models import AssemblyKind, MajorityBase
from app.meetings.models import Meeting
from app.members.models import Member
from app.timeutil import UTCDateTime, utcnow


class LegalForm(enum.StrEnum):
    SCOP_SARL = "scop_sarl"
    SCOP_SA = "scop_sa"


class AssemblyScope(enum.StrEnum):
    ORDINARY = "ordinary"
    EXTRAORDINARY = "extraordinary"
    BOTH = "both"  # an AGO and an AGE in one sitting, each resolution typed


class Proposer(enum.StrEnum):
    GERANCE = "gerance"
    ASSOCIATES = "associates"


class LegalProfile(db.Model):
    """The cooperative's legal identity; one row, edited by the administrator."""

    __tablename__ = "legal_profiles"
    __table_args__ = (CheckConstraint(enum_check("legal_form", LegalForm), name="legal_form_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    legal_form: Mapped[str] = mapped_column(String(16), default=LegalForm.SCOP_SARL.value)
    registered_office: Mapped[str] = mapped_column(String(300), default="")
    registration_number: Mapped[str] = mapped_column(String(100), default="")
    # A setting of the model statutes (loi 47-1775 art. 10): remote associates count as present.
    remote_counts_as_present: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    rules: Mapped[list[AssemblyRule]] = relationship(
        back_populates="profile", order_by="(AssemblyRule.assembly_kind.desc(), AssemblyRule.convocation)",
        cascade="all, delete-orphan")

    def rule(self, kind: str, convocation: int) -> AssemblyRule:
        return next(r for r in self.rules if r.assembly_kind == kind and r.convocation == convocation)


class AssemblyRule(db.Model):
    """Statutory quorum and majority of one kind of assembly on one convocation."""

    __tablename__ = "assembly_rules"
    __table_args__ = (
        UniqueConstraint("profile_id", "assembly_kind", "convocation"),
        CheckConstraint(enum_check("assembly_kind", AssemblyKind), name="assembly_kind_known"),
        CheckConstraint(enum_check("majority_base", MajorityBase), name="majority_base_known"),
        CheckConstraint("convocation IN (1, 2)", name="convocation_known"),
        CheckConstraint("majority_num > 0 AND majority_num <= majority_den", name="majority_fraction"),
        CheckConstraint(
            "(quorum_num IS NULL AND quorum_den IS NULL) OR (quorum_num > 0 AND quorum_num <= quorum_den)",
            name="quorum_fraction"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("legal_profiles.id", ondelete="CASCADE"), index=True)
    assembly_kind: Mapped[str] = mapped_column(String(16))
    convocation: Mapped[int] = mapped_column(Integer)
    quorum_num: Mapped[int | None] = mapped_column(Integer)
    quorum_den: Mapped[int | None] = mapped_column(Integer)
    majority_num: Mapped[int] = mapped_column(Integer)
    majority_den: Mapped[int] = mapped_column(Integer)
    majority_strict: Mapped[bool] = mapped_column(Boolean)
    majority_base: Mapped[str] = mapped_column(String(32))

    profile: Mapped[LegalProfile] = relationship(back_populates="rules")

    @property
    def quorum(self) -> Fraction | None:
        return Fraction(self.quorum_num, self.quorum_den) if self.quorum_num else None

    @property
    def majority(self) -> Fraction:
        return Fraction(self.majority_num, self.majority_den)


class ConvocationConsent(db.Model):
    """An associate's written agreement to be convened by e-mail (R223-20), with its date."""

    __tablename__ = "convocation_consents"
    __table_args__ = (CheckConstraint("withdrawn_on IS NULL OR withdrawn_on >= given_on", name="period_ordered"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), unique=True)
    given_on: Mapped[date] = mapped_column(Date)
    withdrawn_on: Mapped[date | None] = mapped_column(Date)
    document: Mapped[str] = mapped_column(Text, default="")  # how it was given (signed form, e-mail…)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    member: Mapped[Member] = relationship(foreign_keys=[member_id])

    def is_valid_on(self, day: date) -> bool:
        return self.given_on <= day and (self.withdrawn_on is None or day < self.withdrawn_on)


class Assembly(db.Model):
    """The legal side of a general-assembly meeting."""

    __tablename__ = "assemblies"
    __table_args__ = (
        CheckConstraint(enum_check("scope", AssemblyScope), name="scope_known"),
        CheckConstraint("convocation IN (1, 2)", name="convocation_known"),
        CheckConstraint("convocation = 2 OR first_meeting_id IS NULL", name="first_only_for_second"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), unique=True)
    scope: Mapped[str] = mapped_column(String(16))
    convocation: Mapped[int] = mapped_column(Integer, default=1)
    # The first-convocation sitting that lacked quorum, for a second convocation.
    first_meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"))
    # The electorate is the associates on this date (set when the convocation is sent).
    convocation_date: Mapped[date | None] = mapped_column(Date)
    chair_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    chair_capacity: Mapped[str] = mapped_column(String(200), default="")
    secretary_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    scrutineer1_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    scrutineer2_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    documents: Mapped[str] = mapped_column(Text, default="")  # documents and reports submitted
    debates_summary: Mapped[str] = mapped_column(Text, default="")  # the secretary's notes
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    meeting: Mapped[Meeting] = relationship(foreign_keys=[meeting_id])
    first_meeting: Mapped[Meeting | None] = relationship(foreign_keys=[first_meeting_id])
    chair: Mapped[Member | None] = relationship(foreign_keys=[chair_id])
    secretary: Mapped[Member | None] = relationship(foreign_keys=[secretary_id])
    scrutineer1: Mapped[Member | None] = relationship(foreign_keys=[scrutineer1_id])
    scrutineer2: Mapped[Member | None] = relationship(foreign_keys=[scrutineer2_id])
    resolutions: Mapped[list[Resolution]] = relationship(
        back_populates="assembly", order_by="Resolution.number", cascade="all, delete-orphan")
    incidents: Mapped[list[RemoteIncident]] = relationship(
        back_populates="assembly", order_by="RemoteIncident.occurred_at", cascade="all, delete-orphan")


class Resolution(db.Model):
    __tablename__ = "resolutions"
    __table_args__ = (
        UniqueConstraint("assembly_id", "number"),
        CheckConstraint(enum_check("kind", AssemblyKind), name="kind_known"),
        CheckConstraint(enum_check("proposer", Proposer), name="proposer_known"),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint("length(title) > 0", name="title_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assembly_id: Mapped[int] = mapped_column(ForeignKey("assemblies.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))
    proposer: Mapped[str] = mapped_column(String(16))
    # Blank proxies vote for the resolutions the gérance supports, against the others.
    gerance_supports: Mapped[bool] = mapped_column(Boolean)
    secret: Mapped[bool] = mapped_column(Boolean, default=False)  # e.g. electing co-managers
    ballot_id: Mapped[int | None] = mapped_column(ForeignKey("ballots.id", ondelete="SET NULL"), unique=True)

    assembly: Mapped[Assembly] = relationship(back_populates="resolutions")
    ballot = relationship("Ballot")


class RemoteIncident(db.Model):
    """An incident of remote participation, stated in the PV (R223-24)."""

    __tablename__ = "assembly_incidents"
    __table_args__ = (CheckConstraint("length(description) > 0", name="description_not_empty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assembly_id: Mapped[int] = mapped_column(ForeignKey("assemblies.id", ondelete="CASCADE"), index=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    description: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))

    assembly: Mapped[Assembly] = relationship(back_populates="incidents")


class MinutesEntry(db.Model):
    """A final procès-verbal in the minutes register: numbered without gaps, never modified."""

    __tablename__ = "minutes_register"
    __table_args__ = (CheckConstraint("number >= 1", name="number_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    assembly_id: Mapped[int] = mapped_column(ForeignKey("assemblies.id", ondelete="RESTRICT"), index=True)
    rectifies_id: Mapped[int | None] = mapped_column(ForeignKey("minutes_register.id", ondelete="RESTRICT"))
    content: Mapped[str] = mapped_column(Text)  # the PV's canonical text, fingerprinted
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))

    assembly: Mapped[Assembly] = relationship()
    rectifies: Mapped[MinutesEntry | None] = relationship(remote_side=[id])


@event.listens_for(MinutesEntry, "before_update")
@event.listens_for(MinutesEntry, "before_delete")
def _minutes_are_final(mapper, connection, target):  # noqa: ARG001
    # A final PV is never modified: a correction is a new, linked rectification.
    raise RuntimeError("A final procès-verbal is never modified; record a rectification instead.")
