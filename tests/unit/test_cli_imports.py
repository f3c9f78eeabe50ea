"""The CLI starts without the server's heavy modules: each command imports only what it needs.

Every check runs a fresh interpreter and looks at ``sys.modules`` when the command has finished, so that
a module imported by another test in this process cannot hide or fake a result. Not timed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from slogate import __version__

SOURCE = Path(__file__).resolve().parents[2] / "src"
SERVER_MODULES = ("fastapi", "starlette", "sqlalchemy", "uvicorn", "jinja2", "httpx", "alembic")
ENTRY = {
    "slogate.cli.app",
    "slogate.cli.errors",
    "slogate.cli.help",  # its App class; Rich is imported only when help is printed
    "slogate.cli.lazy",
    "slogate.cli.output",
    "slogate.cli.jsontext",
}
SMALL_SLO = """\
spec_version: '1.0'
objectives:
  - sli: error_rate
    pass:
      - criteria: ['<=1']
total_score:
  pass: '90%'
"""

RUN_MAIN = """
import json, sys
modules_file, sys.argv = sys.argv[1], ["slogate", *sys.argv[2:]]
from slogate.cli.app import main
try:
    main()
    code = 0
except SystemExit as stop:
    code = stop.code
with open(modules_file, "w") as file:
    json.dump({"code": code, "modules": sorted(sys.modules)}, file)
"""


def _environment() -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("SLOGATE_")}
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, (str(SOURCE), environment.get("PYTHONPATH"))))
    environment["COLUMNS"] = "120"
    environment["XDG_CONFIG_HOME"] = str(SOURCE / "no-such-config")  # no server configured by `slogate auth`
    return environment


def _top_level(modules: list[str]) -> set[str]:
    return {name.partition(".")[0] for name in modules}


def run_main(tmp_path: Path, *args: str) -> tuple[int, str, set[str], list[str]]:
    """Run ``main()`` with ``args`` in a new interpreter: exit code, stdout, top-level and all modules."""
    modules_file = tmp_path / "modules.json"
    completed = subprocess.run(
        [sys.executable, "-c", RUN_MAIN, str(modules_file), *args],
        env=_environment(),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert completed.stderr == "", completed.stderr
    result = json.loads(modules_file.read_text(encoding="utf-8"))
    return result["code"], completed.stdout, _top_level(result["modules"]), result["modules"]


def test_importing_the_entry_module_loads_no_server_module(tmp_path: Path) -> None:
    """``import slogate.cli.app`` pulls in no web framework, database, HTTP client, settings or Rich."""
    completed = subprocess.run(
        [sys.executable, "-c", "import slogate.cli.app, sys, json; print(json.dumps(sorted(sys.modules)))"],
        env=_environment(),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    modules = json.loads(completed.stdout)
    loaded = _top_level(modules)
    assert loaded.isdisjoint(SERVER_MODULES), sorted(loaded & set(SERVER_MODULES))
    assert loaded.isdisjoint({"pydantic", "pydantic_settings", "rich", "yaml"}), sorted(loaded)
    commands = [name for name in modules if name.startswith("slogate.cli.")]
    assert set(commands) == ENTRY


def test_help_loads_no_server_module(tmp_path: Path) -> None:
    """``slogate --help`` lists every command (so it loads their modules) but none of the server's."""
    code, stdout, loaded, modules = run_main(tmp_path, "--help")
    assert code == 0
    for command in ("evaluate", "slo", "server", "demo", "version", "get", "configure"):
        assert f" {command} " in stdout
    assert loaded.isdisjoint(SERVER_MODULES), sorted(loaded & set(SERVER_MODULES))
    assert loaded.isdisjoint({"pydantic", "pydantic_settings", "yaml"}), sorted(loaded)
    # slogate draws its help itself: typer's renderer would load Markdown, syntax and traceback support
    assert not {"typer.rich_utils", "rich.markdown", "markdown_it", "rich.syntax"} & set(modules)
    # listing a command imports its module, not what it evaluates or prints with
    assert not {"slogate.cli.gate_table", "slogate.domain.protocol.gate_events"} & set(modules)
    # the list shows each verb group's own help: the modules that add the verbs' nouns stay unloaded
    assert not {"slogate.cli.events", "slogate.cli.trigger", "slogate.cli.watch"} & set(modules)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(("version",), f"slogate {__version__}\n", id="version"),
        pytest.param(("--version",), f"slogate {__version__}\n", id="--version"),
        pytest.param(
            ("version", "-o", "json"), json.dumps({"version": __version__}, indent=2) + "\n", id="json"
        ),
        pytest.param(("version", "-o", "yaml"), f"version: {__version__}\n", id="yaml"),
    ],
)
def test_version_loads_only_the_entry_module(tmp_path: Path, args: tuple[str, ...], expected: str) -> None:
    """``slogate version`` without a server configured prints the version and imports no other command,
    no HTTP client, no Rich, no settings (it only looks whether a server may be configured)."""
    code, stdout, loaded, modules = run_main(tmp_path, *args)
    assert (code, stdout) == (0, expected)
    assert loaded.isdisjoint(SERVER_MODULES), sorted(loaded & set(SERVER_MODULES))
    assert loaded.isdisjoint({"pydantic_settings", "rich"}), sorted(loaded)
    commands = {name for name in modules if name.startswith("slogate.cli.")}
    assert ENTRY <= commands <= {*ENTRY, "slogate.cli.version", "slogate.cli.connection"}


def test_slo_lint_loads_only_its_own_command(tmp_path: Path) -> None:
    """``slogate slo lint`` imports the slo command's modules, not the server's nor the other commands'."""
    (tmp_path / "slo.yaml").write_text(SMALL_SLO, encoding="utf-8")
    code, stdout, loaded, modules = run_main(tmp_path, "slo", "lint", "slo.yaml", "-o", "json")
    assert code == 0, stdout
    assert json.loads(stdout)["errors"] == 0
    assert loaded.isdisjoint(SERVER_MODULES), sorted(loaded & set(SERVER_MODULES))
    assert "pydantic_settings" not in loaded
    for other in ("server", "events", "evaluate", "evaluations", "demo", "client", "projects", "trigger"):
        assert f"slogate.cli.{other}" not in modules


def test_slo_evaluate_loads_no_server_module(tmp_path: Path) -> None:
    """``slogate slo evaluate`` of an SLO file runs without the server's modules and the store."""
    (tmp_path / "slo.yaml").write_text(SMALL_SLO, encoding="utf-8")
    sli = {"get-sli": {"indicatorValues": [{"metric": "error_rate", "value": 0.5, "success": True}]}}
    (tmp_path / "sli.json").write_text(json.dumps(sli), encoding="utf-8")
    code, stdout, loaded, modules = run_main(
        tmp_path, "slo", "evaluate", "--slo", "slo.yaml", "--sli-results", "sli.json", "-o", "json"
    )
    assert code == 0, stdout
    assert json.loads(stdout)["result"] == "pass"
    assert loaded.isdisjoint(SERVER_MODULES), sorted(loaded & set(SERVER_MODULES))
    assert "pydantic_settings" not in loaded
    assert "rich" not in loaded  # JSON needs no table
    unneeded = ("slogate.adapters.store", "slogate.api", "slogate.ports", "slogate.domain.sequencing")
    assert not [name for name in modules if name.startswith(unneeded)]


def test_a_typo_is_a_usage_error_naming_the_close_match_without_loading_commands(tmp_path: Path) -> None:
    """An unknown command exits 2 with "did you mean", as before; no command module is imported for it."""
    modules_file = tmp_path / "modules.json"
    completed = subprocess.run(
        [sys.executable, "-c", RUN_MAIN, str(modules_file), "versoin"],
        env=_environment(),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert "No such command 'versoin'. Did you mean 'version'?" in completed.stderr
    result = json.loads(modules_file.read_text(encoding="utf-8"))
    assert result["code"] == 2
    assert {name for name in result["modules"] if name.startswith("slogate.cli.")} == ENTRY
