"""Following a Keptn context over the API: its events and sequence state, progress views, and the verdict."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Self
from urllib.parse import quote

from rich.console import Console
from rich.live import Live
from rich.status import Status
from rich.table import Table
from rich.text import Text

from slogate.cli.client import ApiClient
from slogate.cli.gate_table import STATUS_STYLES
from slogate.cli.output import OutputFormat, print_document, print_error
from slogate.cli.remediation_view import announce_loop
from slogate.cli.watch_notes import announce_waits, print_evaluation
from slogate.domain.evaluation.window import parse_time
from slogate.domain.protocol.event_types import EventType, parse_event_type
from slogate.domain.protocol.gate_events import EVALUATION_FINISHED

DATASTORE_EVENTS = "/api/mongodb-datastore/event"
ENDED = ("finished", "aborted", "timedOut")
EXIT_TIMED_OUT = 3
MARKS = {"pass": "✓", "warning": "!", "fail": "✗"}
HIDDEN_TASKS = ("get-sli",)  # lighthouse's own exchange with the SLI provider
Event = Mapping[str, Any]


def context_events(api: ApiClient, keptn_context: str) -> list[Event]:
    """Every event of a Keptn context, oldest first (all pages of the datastore)."""
    params: dict[str, Any] = {"keptnContext": keptn_context, "pageSize": 100}
    found: list[Event] = []
    while True:
        page = api.get(DATASTORE_EVENTS, params)
        found.extend(page.get("events") or [])
        key = page.get("nextPageKey")
        if not key or key == "0":
            break
        params["nextPageKey"] = key
    found.reverse()  # newest first → oldest first, also among events of the same time
    return sorted(found, key=lambda event: _moment(event.get("time")))


def sequence_state(api: ApiClient, project: str, keptn_context: str) -> dict[str, Any] | None:
    """Keptn's state view of the sequences of one context, or None before the first one started."""
    page = api.get(sequences_path(project), {"keptnContext": keptn_context})
    states = page.get("states") or []
    return dict(states[0]) if states else None


def sequences_path(project: str) -> str:
    """``GET``: the state view of the project's sequences; ``/{context}/control`` below it controls one."""
    return f"/api/controlPlane/v1/sequence/{quote(project, safe='')}"


@dataclass(frozen=True)
class Snapshot:
    """What the server said about a context at one poll: its events (oldest first) and state view."""

    keptn_context: str
    events: Sequence[Event]
    state: Mapping[str, Any] | None

    @property
    def ended(self) -> bool:
        """Every sequence of the context ended (or the trigger was refused with an errored ``.finished``)."""
        if self.state is not None:
            return self.state.get("state") in ENDED
        roots = [e for e in self.events if _kind(e).is_sequence and _kind(e).kind == "triggered"]
        return bool(roots) and any(e.get("triggeredid") == roots[0].get("id") for e in self.events)

    def running(self) -> str:
        """``qa · test`` for the newest task that was triggered and has not finished, else ""."""
        finished = {e.get("triggeredid") for e in self.events if _kind(e).kind == "finished"}
        for event in reversed(self.events):
            kind = _kind(event)
            if kind.is_task and kind.kind == "triggered" and event.get("id") not in finished:
                return f"{_data(event).get('stage', '')} · {kind.task}"
        return ""


def poll(api: ApiClient, project: str, keptn_context: str) -> Snapshot:
    """The state first, then the events: an ended state is never seen before its last events."""
    state = sequence_state(api, project, keptn_context)
    return Snapshot(keptn_context, context_events(api, keptn_context), state)


class View:
    """Shows a context's progress around :func:`follow` (a context manager); this base shows nothing,
    as ``--wait`` without ``--watch`` wants."""

    def __init__(self) -> None:
        self._shown: set[str] = set()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def show(self, snapshot: Snapshot) -> None:
        """Show what is new in ``snapshot``."""


def follow(
    api: ApiClient,
    project: str,
    keptn_context: str,
    seconds: float,
    view: View,
    *,
    poll_seconds: float = 0.5,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Snapshot:
    """Poll the context until it has ended or ``seconds`` have passed, showing each poll; the last poll."""
    deadline = clock() + seconds
    while True:
        snapshot = poll(api, project, keptn_context)
        view.show(snapshot)
        remaining = deadline - clock()
        if snapshot.ended or remaining <= 0:
            return snapshot
        sleep(min(poll_seconds, remaining))


# --- verdicts -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """The exit code for ``--wait``, what ended (``production.delivery``), its verdict word and message."""

    code: int
    name: str
    word: str
    message: str = ""

    @property
    def text(self) -> str:
        """``production.delivery fail: …``."""
        return f"{self.name} {self.word}" + (f": {self.message}" if self.message else "")


def verdict_word(data: Mapping[str, Any]) -> str:
    """``errored`` or ``aborted`` by the status, else the result (``pass``, ``warning``, ``fail``)."""
    status = str(data.get("status", ""))
    return status if status in ("errored", "aborted") else str(data.get("result", ""))


# --- watching and waiting ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Following:
    """What ``--watch``, ``--watch-time``, ``--wait``, ``--timeout`` and ``-o`` ask for."""

    watch: bool = False
    watch_time: float | None = None
    wait: bool = False
    timeout: float = 600.0
    output: OutputFormat = OutputFormat.TABLE


def watch_and_wait(
    api: ApiClient,
    project: str,
    keptn_context: str,
    how: Following,
    judge: Callable[[Snapshot], Verdict],
    console: Console,
) -> int:
    """Show the context's progress (``--watch``) and/or wait for its verdict (``--wait``); the exit code:
    the verdict's, 3 when ``--timeout`` passed first, 0 without ``--wait``."""
    started = time.monotonic()
    snapshot: Snapshot | None = None
    if how.watch:
        limits = [s for s in (how.watch_time, how.timeout if how.wait else None) if s is not None]
        with view_for(how.output, console) as view:
            snapshot = follow(api, project, keptn_context, min(limits, default=float("inf")), view)
    if not how.wait:
        return 0
    if snapshot is None or not snapshot.ended:
        remaining = how.timeout - (time.monotonic() - started)
        snapshot = follow(api, project, keptn_context, remaining, View())
    if not snapshot.ended:
        running = snapshot.running()
        print_error(
            f"timed out: context {keptn_context} did not end within {how.timeout:g} s (--timeout); "
            f"{'still running: ' + running if running else 'waiting in a queue or for an approval'}"
        )
        return EXIT_TIMED_OUT
    verdict = judge(snapshot)
    Console(stderr=how.output != OutputFormat.TABLE, highlight=False, soft_wrap=True).print(
        Text.assemble("Result: ", (verdict.text, STATUS_STYLES.get(verdict.word, "")))
    )
    return verdict.code


def view_for(output: OutputFormat, console: Console) -> View:
    """Event documents for ``-o json|yaml``, a live table on a terminal, else one line per task."""
    if output != OutputFormat.TABLE:
        return EventDocuments(output)
    if console.is_terminal:
        return LiveTasks(console)
    return TaskLines(console, spinner=False)


# --- views ---------------------------------------------------------------------------------------------


class TaskLines(View):
    """One line per finished task and sequence, and each evaluation's objective table; on a terminal a
    spinner names the running task. For output that is not a terminal, and for the demo."""

    def __init__(self, console: Console, spinner: bool = True) -> None:
        super().__init__()
        self._console = console
        self._status: Status | None = (
            console.status("waiting for the sequence to start…") if spinner else None
        )

    def __enter__(self) -> TaskLines:
        if self._status is not None:
            self._status.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._status is not None:
            self._status.stop()

    def show(self, snapshot: Snapshot) -> None:
        """Print what finished since the last call."""
        fresh = {id(event) for event in new_finished(snapshot, self._shown)}
        for event in snapshot.events:
            if id(event) not in fresh:
                announce_loop(self._console, event, self._shown)  # a remediation's next loop begins
                continue
            took = None if _kind(event).is_sequence else seconds_taken(snapshot, event)
            self._console.print(task_line(event, took), no_wrap=True, overflow="ellipsis")
            if event.get("type") == EVALUATION_FINISHED:
                print_evaluation(self._console, event)
        announce_waits(self._console, snapshot.events, self._shown)
        if self._status is not None:
            running = snapshot.running()
            self._status.update(f"{running} running…" if running else "waiting…")


class LiveTasks(View):
    """A Rich live table of the context's stages and tasks; evaluation tables are printed above it."""

    def __init__(self, console: Console) -> None:
        super().__init__()
        self._live = Live(console=console, auto_refresh=False)

    def __enter__(self) -> LiveTasks:
        self._live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._live.stop()

    def show(self, snapshot: Snapshot) -> None:
        """Redraw the table; print the tables of evaluations that finished since the last call."""
        for event in new_finished(snapshot, self._shown):
            if event.get("type") == EVALUATION_FINISHED:
                print_evaluation(self._live.console, event)
        announce_waits(self._live.console, snapshot.events, self._shown)
        self._live.update(progress_table(snapshot), refresh=True)


class EventDocuments(View):
    """Each new event as a JSON or YAML document, as Keptn's ``--watch -o json|yaml`` prints them."""

    def __init__(self, output: OutputFormat) -> None:
        super().__init__()
        self._output = output

    def show(self, snapshot: Snapshot) -> None:
        """Print the events not printed yet, oldest first."""
        for event in snapshot.events:
            if str(event.get("id")) not in self._shown:
                if self._output == OutputFormat.YAML:
                    print("---")  # a stream of YAML documents
                self._shown.add(str(event.get("id")))
                print_document(dict(event), self._output)


def progress_table(snapshot: Snapshot) -> Table:
    """One row per sequence and task of the context, with its status, duration and message."""
    state = snapshot.state or {}
    title = f"{state.get('name', 'sequence')} {snapshot.keptn_context}"
    table = Table(
        title=Text(title), title_justify="left", caption=Text(f"state: {state.get('state', 'waiting')}")
    )
    for column in ("Stage", "Task", "Status", "Took", "Message"):
        table.add_column(column, justify="right" if column == "Took" else "left", no_wrap=column != "Message")
    answered = {str(e.get("triggeredid")) for e in snapshot.events if _kind(e).kind == "started"}
    finished = {str(e.get("triggeredid")): e for e in snapshot.events if _kind(e).kind == "finished"}
    for event in snapshot.events:
        kind = _kind(event)
        if kind.kind != "triggered" or not (kind.is_sequence or kind.is_task) or kind.task in HIDDEN_TASKS:
            continue
        done = finished.get(str(event.get("id")))
        if done is not None:
            verdict = verdict_word(_data(done))
            status = Text(
                f"{MARKS.get(verdict, '✗')} {verdict}", style=STATUS_STYLES.get(verdict, "bold red")
            )
        else:
            status = Text("running" if str(event.get("id")) in answered or kind.is_sequence else "triggered")
        took = seconds_taken(snapshot, done) if done is not None and kind.is_task else None
        name = Text(kind.sequence, style="bold") if kind.is_sequence else Text("  " + kind.task)
        table.add_row(
            Text(str(_data(event).get("stage", ""))),
            name,
            status,
            Text("" if took is None else f"{took:.1f} s"),
            Text(" ".join(str(_data(done).get("message", "")).split()) if done is not None else ""),
        )
    return table


def task_line(event: Event, took: float | None) -> Text:
    """``qa · deployment ✓ pass  Successfully deployed … (1.2 s)`` for one ``.finished`` event."""
    data = _data(event)
    kind = _kind(event)
    verdict = verdict_word(data)
    name = f"{kind.stage}.{kind.sequence}" if kind.is_sequence else kind.task
    line = Text(f"  {data.get('stage', ''):<11}{name:<20} ")
    line.append(f"{MARKS.get(verdict, '✗')} {verdict:<8}", style=STATUS_STYLES.get(verdict, "bold red"))
    if took is not None:
        line.append(f"{took:5.1f} s  ", style="dim")
    message = " ".join(str(data.get("message", "")).split())
    if message:
        line.append(message, style="dim")
    return line


def new_finished(snapshot: Snapshot, shown: set[str]) -> list[Event]:
    """The ``.finished`` task and sequence events not in ``shown`` (which they are added to)."""
    fresh = []
    for event in snapshot.events:
        kind = _kind(event)
        if kind.kind != "finished" or str(event.get("id")) in shown or kind.task in HIDDEN_TASKS:
            continue
        if kind.is_task or kind.is_sequence:
            shown.add(str(event.get("id")))
            fresh.append(event)
    return fresh


def seconds_taken(snapshot: Snapshot, finished: Event) -> float | None:
    """Seconds from the task's first ``.started`` to ``finished``, or None without a ``.started``."""
    for event in snapshot.events:
        if _kind(event).kind == "started" and event.get("triggeredid") == finished.get("triggeredid"):
            return (_moment(finished.get("time")) - _moment(event.get("time"))).total_seconds()
    return None


def _kind(event: Event) -> EventType:
    return parse_event_type(str(event.get("type", "")))


def _data(event: Event) -> Mapping[str, Any]:
    data = event.get("data")
    return data if isinstance(data, Mapping) else {}


def _moment(text: Any) -> datetime:
    try:
        return parse_time(str(text))
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
