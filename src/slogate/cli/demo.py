"""``slogate demo``: the quality-gated release tour on this machine (server, Prometheus, local services)."""

from __future__ import annotations

import signal
import tempfile
import time
from pathlib import Path
from types import FrameType
from typing import Annotated, Any

import typer
from rich.text import Text

from slogate.cli.output import console, user_errors
from slogate.errors import InputError

TOUR_LENGTH = "about 75 seconds"  # what the tour takes with the default --test-seconds (73 s measured)
REMEDIATION_LENGTH = "about 3.5 minutes"  # two loops of a minute's evaluation each, the alert's end (210 s)


def _interrupt_on_sigterm() -> None:
    """SIGTERM ends the demo like Ctrl-C does: everything it started is stopped."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


def demo_command(
    keep_running: Annotated[
        bool, typer.Option("--keep-running", help="Keep the server, Prometheus and services up until Ctrl-C.")
    ] = False,
    prometheus: Annotated[
        str | None, typer.Option("--prometheus", help="The prometheus binary (default: found on PATH).")
    ] = None,
    test_seconds: Annotated[
        float,
        typer.Option(
            "--test-seconds",
            help="How long each load test runs: the window each evaluation judges (at least 10).",
        ),
    ] = 12.0,
    workdir: Annotated[
        Path | None,
        typer.Option(
            "--workdir", help="Keep the data and logs here (default: a temporary directory, removed)."
        ),
    ] = None,
    remediation: Annotated[
        bool,
        typer.Option(
            "--remediation",
            help="After the tour, break production and watch the alert, the problem and its remediation "
            f"({REMEDIATION_LENGTH} more).",
        ),
    ] = False,
    alertmanager: Annotated[
        str | None,
        typer.Option(
            "--alertmanager",
            help="--remediation: the alertmanager binary (default: found on PATH; without one the demo "
            "posts the alerts itself).",
        ),
    ] = None,
) -> None:
    """Run Keptn's quality-gated release tutorial end to end on this machine, in about 75 seconds.

    Starts a slogate server, a Prometheus and the sample helloservice (one process per stage), then
    delivers three builds: v0.1.1 is promoted to production, the slow v0.1.2 is blocked by the qa
    evaluation, and v0.1.3 (slow in production only) fails its post-release evaluation and is
    rolled back. Needs Prometheus (Debian: apt-get install prometheus).

    With --remediation the tour goes on: the hotfix v0.1.4, slow in production, is pushed past the
    gate; its alert fires, Prometheus Alertmanager posts it to slogate, a problem opens and the
    remediation restarts the service (which does not help), then rolls it back to v0.1.1 (which
    does); when the alert resolves the problem closes. Uses Alertmanager when installed (Debian:
    apt-get install prometheus-alertmanager), else posts Prometheus' alerts itself.

    Example: slogate demo --keep-running
    """
    from slogate.demo.fulltour import workdir_note  # the demo's modules (server, store) load only here
    from slogate.demo.stack import find_prometheus

    _interrupt_on_sigterm()
    out = console()
    with user_errors():
        check_test_seconds(test_seconds)
        binary = find_prometheus(prometheus)
        alerts = _alertmanager(alertmanager) if remediation else None
        with tempfile.TemporaryDirectory(prefix="slogate-demo-") as temporary:
            directory = workdir.expanduser().resolve() if workdir else Path(temporary)
            directory.mkdir(parents=True, exist_ok=True)
            try:
                _tour(directory, binary, test_seconds, keep_running, (remediation, alerts))
            except KeyboardInterrupt:
                out.print(Text("interrupted: everything the demo started is stopped", style="bold"))
                raise typer.Exit(130) from None
            except Exception:
                out.print(Text(workdir_note(directory), style="dim"))
                raise


def check_test_seconds(seconds: float) -> None:
    """``--test-seconds`` long enough for an evaluation: each evaluation judges its load test's window,
    and slogate refuses windows too short to hold data (domain/evaluation/window.py, one rule)."""
    from slogate.domain.evaluation.window import MINIMUM_DATA_WINDOW, data_window_too_short

    minimum = MINIMUM_DATA_WINDOW.total_seconds()
    if not seconds >= minimum:  # NaN too
        raise InputError(
            f"--test-seconds {seconds:g} is too short: each evaluation judges its load test's window, and "
            f"{data_window_too_short(seconds)}: give --test-seconds {minimum:g} or more"
        )


def _alertmanager(explicit: str | None) -> str | None:
    """The alertmanager binary for --remediation, or None (then the demo posts the alerts itself)."""
    from slogate.demo.alerting import NO_ALERTMANAGER, find_alertmanager

    found = find_alertmanager(explicit)
    if found is None and explicit:
        raise InputError(f"--alertmanager {explicit} is not an executable file; {NO_ALERTMANAGER}")
    if found is None:
        console().print(
            Text(
                f"{NO_ALERTMANAGER}. Without it the demo posts Prometheus' alerts to slogate itself, "
                "as Alertmanager's webhook would.",
                style="yellow",
            )
        )
    return found


def _tour(
    directory: Path,
    binary: str,
    test_seconds: float,
    keep_running: bool,
    remediation: tuple[bool, str | None] = (False, None),
) -> None:
    from slogate.demo.fulltour import PROJECT, check, run_tour, summary
    from slogate.demo.stack import DemoStack

    out = console()
    started = time.monotonic()
    out.print(Text("starting Prometheus and the slogate server…", style="dim"))
    wanted, alertmanager = remediation
    with DemoStack(directory, binary, alertmanager=alertmanager, alerting=wanted) as stack:
        out.print(Text(f"slogate server {stack.server.url} · Prometheus {stack.prometheus.url}", style="dim"))
        tour = run_tour(stack, out, test_seconds)
        out.print(summary(tour))
        check(tour)
        took = time.monotonic() - started
        out.print(
            Text(
                "The gate promoted v0.1.1, blocked v0.1.2 in qa and rolled production back from v0.1.3 "
                f"to v0.1.1 ({took:.0f} s).",
                style="bold green",
            )
        )
        if wanted:
            _remediate(stack, tour.ports["production"], test_seconds)
        if keep_running:
            out.print(
                Text.assemble(
                    "Still running (Ctrl-C stops everything):\n",
                    f"  web UI     {stack.server.url}/bridge/project/{PROJECT}  (log in with the token)\n",
                    f"  API        {stack.server.url}/api  (docs {stack.server.url}/api/docs)\n",
                    f"  token      {stack.token}\n",
                    f"  Prometheus {stack.prometheus.url}\n",
                    "Try the CLI on it: export SLOGATE_ENDPOINT=" + stack.server.url,
                    f" SLOGATE_API_TOKEN={stack.token}; slogate get sequences --project {PROJECT}",
                )
            )
            while True:
                time.sleep(3600)
        out.print(Text("stopping the server, its deployments and Prometheus…", style="dim"))


def _remediate(stack: Any, production_port: int, test_seconds: float) -> None:
    from slogate.demo.remediation import check_remediation, remediation_summary, run_remediation

    out = console()
    started = time.monotonic()
    result = run_remediation(stack, out, production_port, test_seconds)
    out.print(remediation_summary(result))
    check_remediation(result)
    took = time.monotonic() - started
    out.print(
        Text(
            "The alert opened a problem; the restart did not help, the rollback to v0.1.1 did, and the "
            f"problem closed when the alert resolved ({took:.0f} s).",
            style="bold green",
        )
    )
