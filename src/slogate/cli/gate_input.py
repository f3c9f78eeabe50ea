"""The gate commands' input check (``--lenient`` skips it) and their "nothing was evaluated" line."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Annotated, Any

import typer

from slogate.cli.errors import EXIT_INVALID_INPUT, print_error
from slogate.cli.output import OutputFormat

if TYPE_CHECKING:  # the use case and the watcher load with the command that needs them
    from slogate.cli.watch import Snapshot, Verdict
    from slogate.services.usecases.offline_gate import LoadedSLO

Lenient = Annotated[
    bool,
    typer.Option(
        "--lenient",
        help="Evaluate as Keptn would although `slo lint` finds errors in the SLO (unknown keys, "
        "invalid criteria, no objectives, an empty file); without it such a file exits 2.",
    ),
]
NOTHING_STYLE = "bold yellow"


def refuse_invalid(loaded: LoadedSLO) -> None:
    """Exit 2 with one line per error ``slo lint`` finds in the SLO, before anything is evaluated."""
    from slogate.services.usecases.offline_gate import input_errors

    errors = input_errors(loaded)
    if not errors:
        return
    for problem in errors:
        print_error(f"{loaded.source}: {problem}")
    print_error(
        f"{loaded.source}: {len(errors)} error(s), so nothing was evaluated or stored: fix the file "
        f"(`slogate slo lint {loaded.source}` shows every problem), or pass --lenient to evaluate "
        "it as Keptn would"
    )
    raise typer.Exit(EXIT_INVALID_INPUT)


def announce_nothing_evaluated(data: Mapping[str, Any], output: OutputFormat) -> None:
    """Print "nothing was evaluated: …; how to fix" for such an ``evaluation.finished`` (its ``data``):
    with the table on standard output, beside a JSON or YAML document on standard error."""
    from slogate.domain.evaluation.nothing_evaluated import nothing_evaluated

    scope = [str(data.get(key, "")) for key in ("project", "stage", "service")]
    line = nothing_evaluated(str(data.get("message", "")), *scope)
    if line is None:
        return
    from rich.console import Console  # Rich only when there is something to say
    from rich.text import Text

    out = Console(stderr=output != OutputFormat.TABLE, highlight=False, soft_wrap=True)
    out.print(Text(line, style=NOTHING_STYLE))


def announcing(
    judge: Callable[[Snapshot], Verdict], watching: bool, output: OutputFormat
) -> Callable[[Snapshot], Verdict]:
    """``judge`` (the ``--wait`` verdict of a trigger command), announcing each evaluation of the context
    that evaluated nothing before the verdict is printed (a ``--watch`` table has shown them already)."""
    from slogate.domain.protocol.gate_events import EVALUATION_FINISHED

    def judged(snapshot: Snapshot) -> Verdict:
        verdict = judge(snapshot)
        if not (watching and output == OutputFormat.TABLE):
            for event in snapshot.events:
                data = event.get("data")
                if event.get("type") == EVALUATION_FINISHED and isinstance(data, Mapping):
                    announce_nothing_evaluated(data, output)
        return verdict

    return judged
