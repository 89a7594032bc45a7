"""Program facts in: JSON uploads under `programs/` and the API's PUT, both onto the shared obligation engine.

`ProgramFactsService.record(facility_id, program, payload)` is the one use case: validate the facts with the
program's input model (`rules.programs.parse_program_facts`: a bad value is a `BadInput` naming its field
path), check that they are this facility's, compute `obligations(facts, as_of)` as of today (America/Los_Angeles,
from the injected clock) and reconcile them with the program's stored obligations of the facility:

- an obligation id not stored yet is opened (`ObligationStore.put_new`);
- a stored one whose content changed is replaced; when its due date moved the calendar SEQUENCE goes up
  (`notices.ics.next_sequence`), so calendar clients update the event instead of adding one;
- a stored, not yet closed obligation the new facts no longer produce is **closed, not deleted**, with
  `facts.closed_reason` and `facts.closed_on` (a regulator reads the history; the sweep stops reminding);
  a later upload that produces it again reopens it;
- anything else is unchanged (rewriting the same facts writes nothing but the facts document).

Then the facts document is stored as received on `FAC#{facility id}` / `PROGRAM#{program}`.

`ProgramIntake.handle(event)` is the S3 side (`programs/{program}/{facility id}/{name}.json`): the upload
record `UPLOAD#{bucket}/{key}` / `V#{version}` is claimed first, so a redelivered event does nothing; the object
is read as a stream with a size cap; a bad key, oversize or undecodable file, invalid JSON, unknown facility or
bad fact rejects the upload with `{code, message, field}` on the record (never an exception, so never a retry
loop). Only an AWS failure raises (the message is retried, then dead-lettered).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from pydantic import BaseModel

from permitclock.clock import Clock, FixedClock, today
from permitclock.domain.obligations import Obligation
from permitclock.domain.program_facts import ProgramFactsRecord
from permitclock.domain.programs import ILClosureFacts
from permitclock.domain.uploads import UploadOutcome
from permitclock.errors import BAD_DATA, BadInput
from permitclock.events import ObjectEvent
from permitclock.notices.ics import next_sequence
from permitclock.rules.programs import parse_program_facts, program_module
from permitclock.services.ports import Facilities, Obligations, UploadObjects, Uploads

PROGRAMS_PREFIX = "programs/"
FACILITY_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}")
"""A facility id usable in a key: a WDID (`4 19I000033`), a USEPA id (`ILD000123456`), a plant or loan id."""
FACILITY_FIELDS: dict[str, str] = {"tx_115": "plant_id", "pa_cbts": "project_id", "ma_srf": "entity_id"}
"""The top-level field naming the facility, for programs other than 35 Ill. Adm. Code 725.243 (`facility.id`)."""
CLOSED_REASON = "no longer produced by the program facts"


# ---------------------------------------------------------------------------------------------- ports
class FactsDocuments(Protocol):
    """The facts documents as received, one per (facility, program) (`adapters.programs.ProgramFactsStore`)."""

    def put(self, record: ProgramFactsRecord) -> None: ...

    def for_facility(self, facility_id: str) -> list[ProgramFactsRecord]: ...

    def all_records(self) -> list[ProgramFactsRecord]:
        """Every stored document: the daily recompute's work list."""
        ...


# ---------------------------------------------------------------------------------------------- the use case
@dataclass(frozen=True)
class ProgramChange:
    """What recording one facts document did to the facility's obligations of that program."""

    program: str
    facility_id: str
    as_of: date
    opened: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    closed: tuple[str, ...] = ()
    unchanged: int = 0
    obligation_ids: tuple[str, ...] = ()

    def counts(self) -> dict[str, int]:
        return {
            "opened": len(self.opened),
            "updated": len(self.updated),
            "closed": len(self.closed),
            "unchanged": self.unchanged,
        }


class ProgramFactsService:
    """Validates, evaluates and stores one program's facts for one facility (uploads and the API alike)."""

    def __init__(self, *, obligations: Obligations, facts: FactsDocuments, clock: Clock) -> None:
        self._obligations = obligations
        self._facts = facts
        self._clock = clock

    def list_facts(self, facility_id: str) -> list[ProgramFactsRecord]:
        return sorted(self._facts.for_facility(facility_id), key=lambda r: r.program)

    def record(
        self, facility_id: str, program: str, payload: Any, *, document: str, source: dict[str, str]
    ) -> ProgramChange:
        """Validate `payload` (the parsed `document`), compute and reconcile its obligations, store the document.

        Raises `BadInput` (with `field`) for anything wrong with the facts; nothing is written then.
        """
        as_of = today(self._clock)
        new = evaluate(facility_id, program, payload, as_of)
        change = self._reconcile(facility_id, program, new, as_of)
        self._facts.put(
            ProgramFactsRecord(
                program=program,
                facility_id=facility_id,
                document=document,
                as_of=as_of,
                updated_at=self._clock.now(),
                source=source,
                obligation_ids=list(change.obligation_ids),
            )
        )
        return change

    def recompute(self, stored: ProgramFactsRecord) -> ProgramChange | None:
        """Evaluate stored facts again as of today, so rolling deadlines advance without a new upload (the next
        trust payment after each anniversary, 725.243(a)(3); the next March 31 exemption report, 30 TAC
        115.147(5)(B); ...). None when they were already evaluated today."""
        if stored.as_of >= today(self._clock):
            return None
        payload = parse_json_text(stored.document, field="document")
        return self.record(stored.facility_id, stored.program, payload, document=stored.document, source=stored.source)

    def _reconcile(self, facility_id: str, program: str, new: list[Obligation], as_of: date) -> ProgramChange:
        stored = {
            ob.obligation_id: (ob, seq)
            for ob, seq in self._obligations.for_facility_with_sequence(facility_id)
            if ob.program == program
        }
        opened: list[str] = []
        updated: list[str] = []
        closed: list[str] = []
        unchanged = 0
        for ob in new:
            previous = stored.pop(ob.obligation_id, None)
            if previous is None:
                if self._obligations.put_new(ob):
                    opened.append(ob.obligation_id)
                    continue
                previous = self._obligations.get(facility_id, ob.obligation_id)  # written meanwhile
                if previous is None:  # pragma: no cover - deleted between the two requests
                    continue
            old, sequence = previous
            if same(old, ob):
                unchanged += 1
            else:
                self._obligations.replace(ob, ics_sequence=next_sequence(sequence, old, ob))
                updated.append(ob.obligation_id)
        for old, sequence in stored.values():
            if old.status == "closed":
                continue
            gone = old.model_copy(
                update={
                    "status": "closed",
                    "facts": {**old.facts, "closed_reason": CLOSED_REASON, "closed_on": as_of.isoformat()},
                }
            )
            self._obligations.replace(gone, ics_sequence=next_sequence(sequence, old, gone))
            closed.append(old.obligation_id)
        return ProgramChange(
            program=program,
            facility_id=facility_id,
            as_of=as_of,
            opened=tuple(opened),
            updated=tuple(updated),
            closed=tuple(closed),
            unchanged=unchanged,
            obligation_ids=tuple(ob.obligation_id for ob in new),
        )


@dataclass
class RecomputeResult:
    """What the daily recompute did: documents read, evaluated (not already evaluated today), changed (some
    obligation opened, updated or closed), and the ones left as they are because the rules no longer accept them or
    their stored data is broken, as (facility id, program, code)."""

    documents: int = 0
    evaluated: int = 0
    changed: int = 0
    invalid: list[tuple[str, str, str]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {"documents": self.documents, "evaluated": self.evaluated, "changed": self.changed,
                "invalid": len(self.invalid)}  # fmt: skip


class ProgramRecompute:
    """The daily recompute: every stored facts document evaluated again as of the day (`on`, default today), so
    rolling deadlines advance without a new upload."""

    def __init__(self, *, obligations: Obligations, facts: FactsDocuments, clock: Clock) -> None:
        self._obligations = obligations
        self._facts = facts
        self._clock = clock

    def run(self, on: date | None = None) -> RecomputeResult:
        clock = FixedClock.on(on) if on is not None else self._clock
        service = ProgramFactsService(obligations=self._obligations, facts=self._facts, clock=clock)
        result = RecomputeResult()
        for stored in self._facts.all_records():
            result.documents += 1
            try:
                change = service.recompute(stored)
            except BAD_DATA as err:  # a document the rules no longer accept stays as it is, and is reported
                result.invalid.append((stored.facility_id, stored.program, getattr(err, "code", type(err).__name__)))
                continue
            if change is not None:
                result.evaluated += 1
                result.changed += int(any(change.counts().get(k) for k in ("opened", "updated", "closed")))
        return result


def evaluate(facility_id: str, program: str, payload: Any, as_of: date) -> list[Obligation]:
    """The program's obligations for `payload` as of `as_of`, checked to be `facility_id`'s; `BadInput` else."""
    check_facility_id(facility_id)
    facts = parse_program_facts(program, payload)
    declared_field, declared = declared_facility(program, facts)
    if declared_field and declared != facility_id:
        raise BadInput(
            f"{declared_field}: {declared!r} is not the facility {facility_id!r} the facts are recorded for"
            if declared
            else f"{declared_field}: required (the facility {facility_id!r} the facts are recorded for)",
            code="facility_mismatch",
            field=declared_field,
        )
    return _obligations(facility_id, program, facts, as_of)


def evaluate_document(program: str, payload: Any, as_of: date) -> tuple[str, list[Obligation]]:
    """The facility the facts name and what recording them for it computes as of `as_of`, without a store
    (`permitclock obligations`): `evaluate` with the facility taken from the facts. `BadInput` as there, and
    naming the facility field when the facts name no facility."""
    facts = parse_program_facts(program, payload)
    declared_field, declared = declared_facility(program, facts)
    if not declared:
        name = declared_field or "facility"
        raise BadInput(f"{name}: required (the facility id the obligations carry)", field=name)
    check_facility_id(declared, field=declared_field)
    return declared, _obligations(declared, program, facts, as_of)


@contextmanager
def facts_in_range() -> Iterator[None]:
    """Rule arithmetic on facts that parse but overflow (dates past year 9999, `1e999999999`) as `BadInput`
    (`facts_out_of_range`): for the intake, `permitclock obligations` and `permitclock windows` alike."""
    try:
        yield
    except BadInput:
        raise
    except (ArithmeticError, ValueError) as err:
        raise BadInput(
            f"input: the facts give a date or amount out of range ({type(err).__name__})",
            code="facts_out_of_range",
            field="input",
        ) from None


def _obligations(facility_id: str, program: str, facts: BaseModel, as_of: date) -> list[Obligation]:
    with facts_in_range():
        obligations: list[Obligation] = program_module(program).obligations(facts, as_of)
    strays = sorted({ob.facility_id for ob in obligations} - {facility_id})
    if strays:
        raise BadInput(
            f"facility: the facts produce obligations of {strays[0]!r}, not of {facility_id!r}",
            code="facility_mismatch",
            field="facility",
        )
    return obligations


def check_facility_id(facility_id: str, *, field: str = "facility") -> None:
    if not FACILITY_ID_PATTERN.fullmatch(facility_id):
        raise BadInput(
            f"{field}: not a facility id (letters, digits, space, '.', '_', '-'; at most 64)",
            code="bad_key",
            field=field,
        )


def declared_facility(program: str, facts: BaseModel) -> tuple[str, str]:
    """(field path, value) of the facility id the facts name, i.e. the id their obligations carry.

    35 Ill. Adm. Code 725.243: `facility.id`, else `facility.epa_id`, else `facility.name` (as
    `ILFacility.key`); the other programs: their top-level id field. ("", "") for a program not listed here
    (its obligations' facility ids are still checked).
    """
    if isinstance(facts, ILClosureFacts):
        for name in ("id", "epa_id", "name"):
            value = str(getattr(facts.facility, name))
            if value:
                return f"facility.{name}", value
        return "facility.id", ""
    top = FACILITY_FIELDS.get(program)
    return (top, str(getattr(facts, top, ""))) if top else ("", "")


def same(stored: Obligation, new: Obligation) -> bool:
    """Equal as stored: numbers compared by value (the table gives back Decimal for int), dates as ISO text."""
    return _canon(stored.model_dump(mode="json")) == _canon(new.model_dump(mode="json"))


def _canon(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float | Decimal):
        return format(Decimal(str(value)).normalize(), "f")
    if isinstance(value, dict):
        return {str(k): _canon(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canon(v) for v in value]
    return str(value)


def parse_document(data: bytes) -> Any:
    """A facts document's JSON, every non-integer number an exact `Decimal`; `BadInput` (field `file`) else."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadInput("file: not UTF-8 text", code="bad_json", field="file") from None
    return parse_json_text(text, field="file")


def parse_json_text(text: str, *, field: str) -> Any:
    try:
        return json.loads(text, parse_float=Decimal, parse_constant=_no_constant)
    except json.JSONDecodeError as err:
        raise BadInput(
            f"{field}: not valid JSON at line {err.lineno} column {err.colno}", code="bad_json", field=field
        ) from None
    except (ValueError, RecursionError):  # NaN/Infinity, integers over 4,300 digits, nesting past the stack
        raise BadInput(f"{field}: not valid JSON", code="bad_json", field=field) from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


# ---------------------------------------------------------------------------------------------- S3 uploads
@dataclass(frozen=True)
class ProgramKey:
    program: str
    facility_id: str
    name: str


def parse_program_key(key: str) -> ProgramKey:
    """`programs/{program}/{facility id}/{name}.json`, or `BadInput` naming `key`, `program` or `facility`."""
    parts = key.removeprefix(PROGRAMS_PREFIX).split("/")
    if not key.startswith(PROGRAMS_PREFIX) or len(parts) != 3 or not parts[2].lower().endswith(".json"):
        raise BadInput("key: must be programs/{program}/{facility id}/{name}.json", code="bad_key", field="key")
    program, facility_id, name = parts
    program_module(program)  # BadInput(field="program") when unknown
    check_facility_id(facility_id)
    return ProgramKey(program=program, facility_id=facility_id, name=name)


@dataclass
class ProgramIntakeResult:
    outcome: UploadOutcome
    program: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    code: str | None = None


class ProgramIntake:
    """Accepts one uploaded object version under `programs/`."""

    def __init__(
        self,
        *,
        objects: UploadObjects,
        uploads: Uploads,
        facilities: Facilities,
        service: ProgramFactsService,
        clock: Clock,
        max_bytes: int,
    ) -> None:
        self._objects = objects
        self._uploads = uploads
        self._facilities = facilities
        self._service = service
        self._clock = clock
        self._max_bytes = max_bytes

    def handle(self, event: ObjectEvent) -> ProgramIntakeResult:
        if event.kind != "created" or not event.key.startswith(PROGRAMS_PREFIX) or event.key.endswith("/"):
            return ProgramIntakeResult(outcome="ignored")
        claimed = self._uploads.start(
            event.bucket,
            event.key,
            event.version_id,
            {"kind": "program_facts", "key": event.key, "bucket": event.bucket, "version_id": event.version_id,
             "size": event.size, "started_at": self._clock.now().isoformat()},
        )  # fmt: skip
        if not claimed:
            return ProgramIntakeResult(outcome="duplicate")
        program = ""
        try:
            where = parse_program_key(event.key)
            program = where.program
            if self._facilities.profile(where.facility_id) is None:
                raise BadInput(
                    f"facility: {where.facility_id!r} is not a permitclock facility (no profile)",
                    code="unknown_facility",
                    field="facility",
                )
            data = self._read(event)
            payload = parse_document(data)
            change = self._service.record(
                where.facility_id,
                where.program,
                payload,
                document=data.decode("utf-8-sig"),
                source={"kind": "upload", "bucket": event.bucket, "key": event.key,
                        "version_id": event.version_id or "null"},
            )  # fmt: skip
        except BadInput as err:
            self._uploads.finish(
                event.bucket,
                event.key,
                event.version_id,
                {"status": "rejected", "program": program, "error": err.as_dict(),
                 "finished_at": self._clock.now().isoformat()},
            )  # fmt: skip
            return ProgramIntakeResult(outcome="rejected", program=program, code=err.code)
        self._uploads.finish(
            event.bucket,
            event.key,
            event.version_id,
            {
                "status": "accepted",
                "program": change.program,
                "facility_id": change.facility_id,
                "as_of": change.as_of.isoformat(),
                **change.counts(),
                "opened_ids": list(change.opened),
                "updated_ids": list(change.updated),
                "closed_ids": list(change.closed),
                "finished_at": self._clock.now().isoformat(),
            },
        )
        return ProgramIntakeResult(outcome="accepted", program=change.program, counts=change.counts())

    def _read(self, event: ObjectEvent) -> bytes:
        """At most `max_bytes` (the size in the event may be missing or wrong, so the read is capped too)."""
        too_large = BadInput(f"file: over {self._max_bytes} bytes", code="too_large", field="file")
        if event.size is not None and event.size > self._max_bytes:
            raise too_large
        with self._objects.open(event.bucket, event.key, event.version_id) as stream:
            data = stream.read(self._max_bytes + 1)
        if len(data) > self._max_bytes:
            raise too_large
        return data
