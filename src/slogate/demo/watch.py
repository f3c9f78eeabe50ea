"""Following one delivery live: each task's verdict as it lands, and each evaluation's objective table."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.text import Text

from slogate.adapters.yamlfile import load_document
from slogate.cli.gate_table import STATUS_STYLES, print_report
from slogate.domain.event_types import parse_event_type
from slogate.domain.events import KeptnEvent
from slogate.domain.window import parse_time
from slogate.errors import SlogateError
from slogate.services.history import StoredGate, report_of

from .api import DemoApi

ENDED = ("finished", "aborted", "timedOut")
MARKS = {"pass": "✓", "warning": "!", "fail": "✗"}


def _verdict(data: Mapping[str, Any]) -> str:
    status, result = str(data.get("status", "")), str(data.get("result", ""))
    return "errored" if status == "errored" else result


def _line(event: Mapping[str, Any], took: float | None) -> Text:
    """``qa · deployment ✓ pass  Successfully deployed … (1.2 s)`` for one ``.finished`` event."""
    data = event.get("data") or {}
    kind = parse_event_type(str(event["type"]))
    verdict = _verdict(data)
    name = f"{kind.stage}.{kind.sequence}" if kind.is_sequence else kind.task
    line = Text(f"  {data.get('stage', ''):<11}{name:<20}")
    line.append(f"{MARKS.get(verdict, '✗')} {verdict:<8}", style=STATUS_STYLES.get(verdict, "bold red"))
    message = " ".join(str(data.get("message", "")).split())
    if took is not None:
        line.append(f"{took:5.1f} s  ", style="dim")
    if message:
        line.append(message, style="dim")
    return line


def _evaluation(event: Mapping[str, Any]) -> StoredGate:
    return StoredGate(
        KeptnEvent(
            id=str(event["id"]),
            type=str(event["type"]),
            source=str(event.get("source", "")),
            time=parse_time(str(event["time"])),
            shkeptncontext=str(event.get("shkeptncontext", "")),
            data=dict(event.get("data") or {}),
            triggeredid=str(event.get("triggeredid", "")),
        ),
        False,
    )


class DeliveryWatch:
    """Polls a delivery's events and prints what finished until its sequences have ended."""

    def __init__(
        self,
        api: DemoApi,
        console: Console,
        project: str,
        poll_seconds: float = 0.5,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self._api = api
        self._console = console
        self._project = project
        self._poll = poll_seconds
        self._now = now

    def follow(self, keptn_context: str, timeout: float) -> list[dict[str, Any]]:
        """Print each task and sequence verdict as it arrives; every event of the delivery once it
        has ended; ``SlogateError`` naming the running task when ``timeout`` seconds pass first."""
        shown: set[str] = set()
        deadline = self._now() + timeout
        with self._console.status("waiting for the delivery to start…") as status:
            while True:
                events = self._api.events(keptn_context)
                self._show_new(events, shown)
                status.update(self._running(events) or "waiting…")
                state = self._api.sequence_state(self._project, keptn_context)
                if state is not None and state["state"] in ENDED:
                    self._show_new(self._api.events(keptn_context), shown)
                    return self._api.events(keptn_context)
                if self._now() > deadline:
                    raise SlogateError(
                        f"the delivery {keptn_context} did not end within {timeout:.0f} s; "
                        f"still running: {self._running(events) or 'nothing (waiting in a queue)'}"
                    )
                time.sleep(self._poll)

    def _show_new(self, events: list[dict[str, Any]], shown: set[str]) -> None:
        started = {str(e.get("triggeredid")): e for e in events if str(e["type"]).endswith(".started")}
        for event in events:
            if event["id"] in shown or not str(event["type"]).endswith(".finished"):
                continue
            shown.add(str(event["id"]))
            kind = parse_event_type(str(event["type"]))
            if kind.task == "get-sli":
                continue
            begun = started.get(str(event.get("triggeredid")))
            took = _seconds(begun["time"], event["time"]) if begun is not None else None
            self._console.print(
                _line(event, None if kind.is_sequence else took), no_wrap=True, overflow="ellipsis"
            )
            if kind.task == "evaluation":
                self._print_evaluation(event)

    def _print_evaluation(self, event: Mapping[str, Any]) -> None:
        try:
            report = report_of(_evaluation(event), load_document)
        except SlogateError as error:
            self._console.print(Text(f"    (the evaluation cannot be shown: {error.message})", style="dim"))
            return
        print_report(report, self._console)

    @staticmethod
    def _running(events: list[dict[str, Any]]) -> str:
        """``qa · test`` for the newest task that was triggered and has not finished."""
        finished = {str(e.get("triggeredid")) for e in events if str(e["type"]).endswith(".finished")}
        for event in reversed(events):
            kind = parse_event_type(str(event["type"]))
            if event["type"].endswith(".triggered") and not kind.is_sequence and event["id"] not in finished:
                return f"{event['data'].get('stage', '')} · {kind.task} running…"
        return ""


def _seconds(start: str, end: str) -> float:
    begun: datetime = parse_time(start)
    return (parse_time(end) - begun).total_seconds()
