"""Levels of governance and matter categories, stored as data the administrator may edit."""

from __future__ import annotations

import enum
from datetime import datetime
from fractions import Fraction

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db, enum_check
from app.timeutil import UTCDateTime, utcnow


class LevelCode(enum.StrEnum):
    ONLINE = "online"  # échanges quotidiens
    SEMINAR = "seminar"
    CO_MANAGEMENT = "co_management"
    GENERAL_ASSEMBLY = "general_assembly"


class ElectorateRule(enum.StrEnum):
    ALL_MEMBERS = "all_members"  # CAPE, ES, ESA alike: the seed's "whatever the status"
    CO_MANAGERS = "co_managers"
    ASSOCIATES = "associates"  # the AG: associates only, one person one vote


class Method(enum.StrEnum):
    YES_NO = "yes_no"
    CONSENT = "consent"
    MAJORITY_JUDGMENT = "majority_judgment"
    SCHULZE = "schulze"
    APPROVAL = "approval"
    SINGLE_CHOICE = "single_choice"


class Secrecy(enum.StrEnum):
    NAMED = "named"
    SECRET = "secret"


class MajorityBase(enum.StrEnum):
    VOTES_CAST = "votes_cast"
    PRESENT_OR_REPRESENTED = "present_or_represented"
    WHOLE_ELECTORATE = "whole_electorate"


class AssemblyKind(enum.StrEnum):
    ORDINARY = "ordinary"
    EXTRAORDINARY = "extraordinary"




class Level(db.Model):
    __tablename__ = "levels"
    __table_args__ = (
        CheckConstraint(enum_check("code", LevelCode), name="code_known"),
        CheckConstraint(enum_check("electorate_rule", ElectorateRule), name="electorate_rule_known"),
        CheckConstraint(enum_check("default_method", Method), name="default_method_known"),
        CheckConstraint(enum_check("default_secrecy", Secrecy), name="default_secrecy_known"),
        CheckConstraint(enum_check("majority_base", MajorityBase), name="majority_base_known"),
        CheckConstraint("majority_num > 0 AND majority_num <= majority_den", name="majority_fraction"),
        CheckConstraint(
            "(quorum_num IS NULL AND quorum_den IS NULL) OR (quorum_num > 0 AND quorum_num <= quorum_den)",
            name="quorum_fraction",
        ),
        CheckConstraint("escalation_num > 0 AND escalation_num <= escalation_den", name="escalation_fraction"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    rank: Mapped[int] = mapped_column(Integer, unique=True)
    electorate_rule: Mapped[str] = mapped_column(String(32))
    default_method: Mapped[str] = mapped_column(String(32))
    default_secrecy: Mapped[str] = mapped_column(String(16))
    quorum_num: Mapped[int | None] = mapped_column(Integer)
    quorum_den: Mapped[int | None] = mapped_column(Integer)
    majority_num: Mapped[int] = mapped_column(Integer)
    majority_den: Mapped[int] = mapped_column(Integer)
    majority_strict: Mapped[bool] = mapped_column(Boolean)
    majority_base: Mapped[str] = mapped_column(String(32))
    # Share of the level's electorate whose requests move a proposal up a level.
    escalation_num: Mapped[int] = mapped_column(Integer, default=1)
    escalation_den: Mapped[int] = mapped_column(Integer, default=5)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def quorum(self) -> Fraction | None:
        return Fraction(self.quorum_num, self.quorum_den) if self.quorum_num else None

    @property
    def majority(self) -> Fraction:
        return Fraction(self.majority_num, self.majority_den)

    @property
    def escalation_share(self) -> Fraction:
        return Fraction(self.escalation_num, self.escalation_den)


class Matter(db.Model):
    """A kind of decision; it fixes the lowest level allowed to decide it."""

    __tablename__ = "matters"
    __table_args__ = (
        CheckConstraint(f"assembly_kind IS NULL OR {enum_check('assembly_kind', AssemblyKind)}",
                        name="assembly_kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    # Custom matters carry their own label; the defaults are translated from their code.
    label: Mapped[str | None] = mapped_column(String(200))
    min_level_id: Mapped[int] = mapped_column(ForeignKey("levels.id"))
    # Statutory matters need a general assembly of this kind (AGE for the statutes…).
    assembly_kind: Mapped[str | None] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(Integer, default=0)

    min_level: Mapped[Level] = relationship()
