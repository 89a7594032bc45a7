"""The in-year outlook of a facility: every parameter it sampled this reporting year, or holds a Level for,
against its NAL (`rules.igp.outlook`), from the stored samples and statuses (one facility-year Query); and the
watch that emails the LRP when a parameter's state worsens."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Protocol

from permitclock.clock import Clock, today
from permitclock.domain.levels import FacilityYear, NdPolicy
from permitclock.domain.notices import NoticeRequest, OutlookWorsenedFacts, Recipient
from permitclock.domain.outlook import STATE_ORDER, FacilityOutlook, OutlookState, ParameterOutlook
from permitclock.domain.samples import Sample
from permitclock.rules.igp.nals import nal_by_report_name, nal_table
from permitclock.rules.igp.outlook import parameter_outlook
from permitclock.rules.igp.years import reporting_year_of
from permitclock.services.ports import Members, NoticePublisher


class FacilityYears(Protocol):
    """A facility's statuses and one reporting year's samples (`adapters.levels.LevelStore`)."""

    def facility_year(self, wdid: str, reporting_year: str) -> FacilityYear: ...


class FacilityOutlooks:
    """The outlook use case behind `GET /facilities/{wdid}/outlook`, the digest and the worsening notices."""

    def __init__(self, levels: FacilityYears, clock: Clock, *, nd_policy: NdPolicy = "zero") -> None:
        self._levels = levels
        self._clock = clock
        self._nd_policy = nd_policy

    def facility(self, wdid: str, as_of: date | None = None) -> FacilityOutlook:
        """Each parameter with a result this year or a stored status, by name; `as_of` defaults to today."""
        day = as_of or today(self._clock)
        year = reporting_year_of(day)
        stored = self._levels.facility_year(wdid, year)
        table = nal_table()
        by_nal: dict[str, list[Sample]] = {}
        for sample in stored.samples:
            if sample.nal is not None:
                by_nal.setdefault(sample.nal, []).append(sample)
        for parameter, status in stored.statuses.items():
            nal = nal_by_report_name(parameter)
            if nal is not None and (status.level != "Baseline" or status.last_assigned_year):
                by_nal.setdefault(nal.parameter, [])
        outlooks = [
            parameter_outlook(
                wdid, table[key], samples, as_of=day,
                status=stored.statuses.get(table[key].level_report_name), nd_policy=self._nd_policy,
            )
            for key, samples in by_nal.items()
        ]  # fmt: skip
        outlooks.sort(key=lambda o: o.parameter)
        return FacilityOutlook(wdid=wdid, reporting_year=year, as_of=day, parameters=outlooks)


class NotifiedStates(Protocol):
    """The worst outlook state notified per parameter and year (`adapters.outlook_states.OutlookStates`)."""

    def notified(self, wdid: str, reporting_year: str) -> dict[str, OutlookState]: ...

    def raise_state(
        self, wdid: str, reporting_year: str, parameter: str, state: OutlookState, as_of: date,
        notice: NoticeRequest | None, now: datetime,
    ) -> bool:  # fmt: skip
        """Record a worse state with its notice (outbox) in one transaction; False when it was not worse."""
        ...

    def notices_published(self, notices: Sequence[NoticeRequest]) -> None: ...


def outlook_notice_id(outlook: ParameterOutlook) -> str:
    """Once per facility, parameter, reporting year and state."""
    return f"outlook:{outlook.wdid}:{outlook.reporting_year}:{outlook.parameter}:{outlook.state}"


class OutlookWatch:
    """Tells a facility's LRP when a parameter's in-year state gets worse than any state told this year
    (`on_track` < `at_risk` < `exceedance_certain`): once per state and year. Run after monitoring results are
    stored; idempotent (a rerun finds the state recorded, and the send claims stop a second email)."""

    def __init__(
        self,
        outlooks: FacilityOutlooks,
        states: NotifiedStates,
        members: Members,
        publisher: NoticePublisher,
        clock: Clock,
    ) -> None:
        self._outlooks = outlooks
        self._states = states
        self._members = members
        self._publisher = publisher
        self._clock = clock

    def watch(self, wdids: Iterable[str]) -> list[NoticeRequest]:
        """Check each facility now; the notices it queued."""
        sent: list[NoticeRequest] = []
        for wdid in sorted(set(wdids)):
            outlook = self._outlooks.facility(wdid)
            told = self._states.notified(wdid, outlook.reporting_year)
            for parameter in outlook.parameters:
                previous = told.get(parameter.parameter, "on_track")
                if STATE_ORDER[parameter.state] <= STATE_ORDER[previous]:
                    continue
                notice = self._notice(parameter, previous)
                raised = self._states.raise_state(
                    wdid, outlook.reporting_year, parameter.parameter, parameter.state, outlook.as_of, notice,
                    self._clock.now(),
                )  # fmt: skip
                if raised and notice is not None:
                    sent.append(notice)
        if sent:
            try:
                for notice in sent:
                    self._publisher.publish(notice)
            except Exception:  # the outbox items are the durable copies: the relay publishes them
                return sent
            self._states.notices_published(sent)
        return sent

    def _notice(self, outlook: ParameterOutlook, previous: OutlookState) -> NoticeRequest | None:
        lrps = [m for m in self._members.members(outlook.wdid) if m.role == "LRP" and m.email]
        if not lrps:
            return None
        facts = OutlookWorsenedFacts(
            wdid=outlook.wdid,
            parameter=outlook.parameter,
            reporting_year=outlook.reporting_year,
            as_of=outlook.as_of,
            state=outlook.state,
            previous_state=previous,
            reason=outlook.reason,
            running_average=outlook.running_average,
            annual_nal=outlook.annual_nal,
            instantaneous_exceedance_count=outlook.instantaneous_exceedance_count,
            qses_required_remaining=outlook.qses_required_remaining,
            max_remaining_average=outlook.max_remaining_average,
            current_level=outlook.current_level,
            level_if_exceeded=outlook.level_if_exceeded,
            obligations_if_exceeded=list(outlook.obligations_if_exceeded),
        )
        return NoticeRequest(
            notice_id=outlook_notice_id(outlook),
            kind="outlook_worsened",
            wdid=outlook.wdid,
            recipients=[Recipient(email=m.email, user_id=m.user_id, role=m.role) for m in lrps],
            include_facility_signatories=False,
            facts=facts,
        )
