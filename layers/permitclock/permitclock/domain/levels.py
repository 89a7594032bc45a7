"""IGP Level status of one facility parameter, and the yearly assignment that moves it (JSON-serialisable).

A service stores one `ParameterStatus` per (WDID, parameter) and passes a facility's statuses plus one
reporting year's samples to `permitclock.rules.igp.assign_year`, which returns one `Assignment` per parameter,
each carrying the new status, its evidence and the obligations it opened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from permitclock.domain.demonstrations import Demonstration
from permitclock.domain.obligations import Obligation
from permitclock.domain.samples import Sample

Level = Literal["Baseline", "Level 1", "Level 2"]
NdPolicy = Literal["zero", "exclude"]

M = TypeVar("M", bound=BaseModel)
_set = object.__setattr__
_FIELD_NAMES: dict[type[BaseModel], frozenset[str]] = {}


def trusted(cls: type[M], values: dict[str, Any], fields_set: set[str] | None = None) -> M:
    """`cls.model_construct(**values)` without its per-field loop, for the hot path of the Level engine.

    `values` must hold every field of `cls`, in declaration order, already of the declared type (the caller has
    done its own checks): it becomes the instance's `__dict__` as is. `fields_set` defaults to every field name,
    as `model_construct` gives when every field is passed. Only for plain models (no extra, private attributes,
    post-init hook nor root model), which `_check_trusted` asserts for the models built this way.
    """
    if fields_set is None:
        names = _FIELD_NAMES.get(cls)
        if names is None:
            names = _FIELD_NAMES[cls] = frozenset(cls.__pydantic_fields__)
        fields_set = set(names)  # every field was passed; copying a frozenset is cheaper than set(values)
    model = cls.__new__(cls)
    _set(model, "__dict__", values)
    _set(model, "__pydantic_fields_set__", fields_set)
    _set(model, "__pydantic_extra__", None)
    _set(model, "__pydantic_private__", None)
    return model


def trusted_copy(model: M, update: dict[str, Any]) -> M:
    """`model.model_copy(update=update)` (shallow, no validation) for a plain model, without `copy.copy`."""
    cls = type(model)
    new = cls.__new__(cls)
    _set(new, "__dict__", {**model.__dict__, **update})
    _set(new, "__pydantic_fields_set__", model.__pydantic_fields_set__ | update.keys())
    _set(new, "__pydantic_extra__", None)
    _set(new, "__pydantic_private__", None)
    return new


def _check_trusted(*classes: type[BaseModel]) -> None:
    for cls in classes:
        plain = (
            cls.__pydantic_post_init__ is None
            and not cls.__private_attributes__
            and not cls.__pydantic_root_model__
            and cls.model_config.get("extra") in (None, "ignore", "forbid")
        )
        if not plain:  # pragma: no cover - a guard for future edits of the models
            raise TypeError(f"{cls.__name__} cannot be built with trusted(): not a plain model")


@dataclass(frozen=True, slots=True)
class QseCheck:
    """One qualifying storm event in which the parameter was sampled, and whether every result was clean
    (no result above the annual NAL nor outside the instantaneous limits). A dataclass: built per QSE on the hot
    path; pydantic validates and serialises it inside `ParameterStatus`."""

    event_date: date
    clean: bool


class ParameterStatus(BaseModel):
    """Level status of one parameter at one facility (era-rules "Level status").

    `since` is the July 1 the level began (None for the Baseline of NOI coverage). `ever_level_2` makes a
    later exceedance from Baseline go straight back to Level 2. The return-to-Baseline facts are recorded by
    the service when the discharger reports them (a facts upload, or certifying the report in permitclock):
    `level_1_report_submitted`, `bmps_implemented`, `technical_report_submitted`, `demonstration`;
    `technical_report_id` is the permitclock report certified as the Technical Report (its updates are due
    there). `recent_qses` holds the four most recent QSEs in which the
    parameter was sampled (enough for the four-consecutive-clean-QSE test). `last_assigned_year` and `version`
    guard against double assignment and concurrent writers (the stored item's optimistic-lock version).
    """

    model_config = ConfigDict(frozen=True)

    parameter: str = Field(description="NAL level_report_name, e.g. 'Zinc, Total (Recoverable)'")
    level: Level = "Baseline"
    since: date | None = None
    ever_level_2: bool = False
    level_1_report_submitted: date | None = None
    bmps_implemented: date | None = None
    technical_report_submitted: date | None = None
    demonstration: Demonstration | None = None
    technical_report_id: str | None = None
    recent_qses: tuple[QseCheck, ...] = ()
    last_assigned_year: str | None = None
    version: int = 0


@dataclass(frozen=True, slots=True)
class CountedResult:
    """One result that entered the year's calculation (evidence). `value` is in the NAL unit as reported (None for
    ND without a number); `counted_as` is what entered the average (0 for a non-detect under nd_policy=zero). A
    dataclass: one per result on the hot path; pydantic serialises it inside `YearEvaluation`."""

    sample_id: str
    sample_date: date
    location: str
    qualifier: str
    value: Decimal | None = None
    counted_as: Decimal | None = None
    instantaneous_exceedance: bool = False
    line: int = 0


LeftOutReason = Literal["not_effluent_location", "not_storm_water_event", "duplicate", "non_detect_excluded"]


@dataclass(frozen=True, slots=True)
class LeftOutResult:
    """One result of the parameter and year that did not enter the calculation, and why (evidence kept by the
    annual run: `rules.igp.exceedances.left_out`). `value` is in the NAL unit, None for ND without a number."""

    sample_id: str
    sample_date: date
    location: str
    qualifier: str
    reason: LeftOutReason
    value: Decimal | None = None
    line: int = 0


class YearEvaluation(BaseModel):
    """Exceedance evidence for one facility, parameter and reporting year (era-rules "Exceedances")."""

    model_config = ConfigDict(frozen=True)

    nal_parameter: str
    parameter: str
    reporting_year: str
    nd_policy: NdPolicy
    result_count: int
    duplicates_ignored: int = 0
    annual_sum: Decimal | None = None
    annual_average: Decimal | None = None
    annual_nal: Decimal | None = None
    instantaneous_low: Decimal | None = None
    instantaneous_high: Decimal | None = None
    annual_exceedance: bool = False
    instantaneous_exceedance_count: int = 0
    instantaneous_exceedance: bool = False
    results: tuple[CountedResult, ...] = ()
    left_out: tuple[LeftOutResult, ...] = Field(
        (), description="results of the parameter and year left out, with the reason (filled by the annual run)"
    )

    @property
    def exceedance(self) -> bool:
        return self.annual_exceedance or self.instantaneous_exceedance


class Assignment(BaseModel):
    """The July 1 decision for one (WDID, parameter, reporting year): prior and new level, why, and what it
    opened."""

    model_config = ConfigDict(frozen=True)

    wdid: str
    parameter: str
    reporting_year: str
    assigned_on: date
    prior_level: Level
    level: Level
    rule: str = Field(description="the transition applied and its permit section")
    evaluation: YearEvaluation
    obligations: tuple[Obligation, ...] = ()
    status: ParameterStatus = Field(description="the parameter's status after this assignment, to be stored")

    @property
    def changed(self) -> bool:
        return self.level != self.prior_level


class LevelRecord(BaseModel):
    """One stored July 1 decision (the status history item `STATUS#{parameter}#{reporting year}`): what a user
    reads to check SMARTS's arithmetic."""

    model_config = ConfigDict(frozen=True)

    parameter: str
    reporting_year: str
    assigned_on: date
    prior_level: Level
    level: Level
    rule: str
    evaluation: YearEvaluation
    obligation_ids: tuple[str, ...] = ()


@dataclass
class FacilityYear:
    """What the one query returned for a facility and reporting year."""

    wdid: str
    reporting_year: str
    statuses: dict[str, ParameterStatus] = field(default_factory=dict)
    samples: list[Sample] = field(default_factory=list)
    history: set[str] = field(default_factory=set)
    done: bool = False
    requests: int = 0


@dataclass(frozen=True)
class WriteOutcome:
    """`written`: this call committed the facility-year; `already_done`: the marker was there."""

    written: bool
    already_done: bool
    transactions: int = 0
    obligations_existing: int = 0


_check_trusted(ParameterStatus, YearEvaluation, Assignment, Obligation)
