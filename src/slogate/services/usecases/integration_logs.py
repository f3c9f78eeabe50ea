"""The integrations' error log (Keptn's ``/v1/log``): entries kept for 120 hours, read newest first."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from slogate.domain.evaluation.window import WindowError, parse_time
from slogate.errors import InputError
from slogate.ports.integration_log import IntegrationLogStore, LogEntry, LogFilter

LOG_TTL = timedelta(hours=120)  # Keptn's LOG_TTL default


@dataclass(frozen=True, slots=True)
class PostedEntry:
    """One entry as posted: the time is text (RFC 3339) or empty (then: now)."""

    integration_id: str
    message: str
    time: str = ""
    keptn_context: str = ""
    task: str = ""
    triggered_id: str = ""


@dataclass(frozen=True, slots=True)
class LogPage:
    """One page of the log: entries newest first, the offset of the next page (0: none), the total."""

    entries: list[LogEntry]
    next_page_key: int
    total: int


class IntegrationLogService:
    """Write, read and delete the error log, over an ``IntegrationLogStore``."""

    def __init__(
        self, store: IntegrationLogStore, now: Callable[[], datetime], ttl: timedelta = LOG_TTL
    ) -> None:
        self._store = store
        self._now = now
        self._ttl = ttl

    def add(self, posted: list[PostedEntry]) -> None:
        """Store the entries (all or none); ``InputError`` naming the first entry with a bad time."""
        now = self._now()
        entries = [_entry(index, item, now) for index, item in enumerate(posted)]
        self._store.add(entries, expire_before=now - self._ttl)

    def find(self, integration_id: str, from_time: str, before_time: str, limit: int, offset: int) -> LogPage:
        """The entries of the live window matching the filter, newest first."""
        where = self._filter(integration_id, from_time, before_time)
        expired = self._now() - self._ttl
        live = LogFilter(where.integration_id, max(where.after or expired, expired), where.before)
        entries, total = self._store.find(live, limit, offset)
        following = offset + limit
        return LogPage(entries, following if following < total else 0, total)

    def delete(self, integration_id: str, from_time: str, before_time: str) -> int:
        """Delete the entries matching the filter; how many."""
        return self._store.delete(self._filter(integration_id, from_time, before_time))

    @staticmethod
    def _filter(integration_id: str, from_time: str, before_time: str) -> LogFilter:
        return LogFilter(integration_id, _time("fromTime", from_time), _time("beforeTime", before_time))


def _time(name: str, text: str) -> datetime | None:
    if not text:
        return None
    try:
        return parse_time(text)
    except WindowError as error:
        raise InputError(f"{name}: {error}") from None


def _entry(index: int, posted: PostedEntry, now: datetime) -> LogEntry:
    moment = _time(f"logs[{index}].time", posted.time) or now
    return LogEntry(
        integration_id=posted.integration_id,
        message=posted.message,
        time=moment,
        keptn_context=posted.keptn_context,
        task=posted.task,
        triggered_id=posted.triggered_id,
    )
