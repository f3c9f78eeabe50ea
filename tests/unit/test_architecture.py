"""The architecture holds: the domain imports only the standard library, and the import-linter contracts
in pyproject.toml catch a domain module importing a framework or the Bridge importing an adapter."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

import slogate
import slogate.domain
from slogate.server_context import ServerContext

DOMAIN = Path(slogate.domain.__file__).parent
SOURCE = Path(slogate.__file__).parent
ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
PACKAGES = (
    "demo",
    "cli",
    "bootstrap",
    "web",
    "api",
    "server_context",
    "services",
    "adapters",
    "ports",
    "domain",
)
FRAMEWORKS = (
    "sqlalchemy", "httpx", "fastapi", "starlette", "pydantic", "pydantic_settings", "typer", "rich",
    "jinja2", "yaml", "uvicorn", "alembic",
)  # fmt: skip


def _imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def _domain_files() -> list[Path]:
    files = sorted(DOMAIN.rglob("*.py"))
    assert len(files) > 20  # every subpackage, not only slogate/domain/*.py
    return files


def test_domain_imports_only_the_standard_library() -> None:
    """Every import of slogate.domain is a standard-library module or slogate.domain itself."""
    offenders = {}
    for path in _domain_files():
        foreign = {
            root
            for root in _imported_roots(path)
            if root not in sys.stdlib_module_names and root != "slogate"
        }
        if foreign:
            offenders[str(path.relative_to(DOMAIN))] = sorted(foreign)
    assert offenders == {}


def test_domain_imports_no_other_slogate_package() -> None:
    """slogate.domain never reaches into services, adapters or entrypoints (the error tree, standard
    library only, is shared by every layer)."""
    for path in _domain_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module]
        outside = [
            m
            for m in modules
            if m.startswith("slogate.") and not m.startswith("slogate.domain") and m != "slogate.errors"
        ]
        assert outside == [], path.name


def _contracts() -> list[dict[str, Any]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts: list[dict[str, Any]] = config["tool"]["importlinter"]["contracts"]
    return contracts


def test_the_layers_name_every_package() -> None:
    """No package escapes the layers contract (a package left out is unconstrained)."""
    (layers,) = [c for c in _contracts() if c["type"] == "layers"]
    named = {part.strip() for layer in layers["layers"] for part in str(layer).split("|")}
    assert named == {f"slogate.{package}" for package in PACKAGES}
    on_disk = {path.stem for path in SOURCE.iterdir() if path.is_dir() and (path / "__init__.py").exists()}
    assert on_disk <= set(PACKAGES)


def test_frameworks_are_forbidden_in_the_domain() -> None:
    forbidden = next(c for c in _contracts() if c.get("source_modules") == ["slogate.domain"])
    assert set(FRAMEWORKS) <= set(forbidden["forbidden_modules"])


@pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter is not installed in this environment")
def test_lint_imports_fails_on_a_framework_in_the_domain_and_an_adapter_in_the_bridge(tmp_path: Path) -> None:
    """A copy of the sources where a domain module imports sqlalchemy and a Bridge module imports an
    adapter: lint-imports, with the project's contracts, names both and fails."""
    shutil.copytree(SOURCE, tmp_path / "src" / "slogate", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    with (tmp_path / "src/slogate/domain/evaluation/window.py").open("a", encoding="utf-8") as handle:
        handle.write("\nimport sqlalchemy  # noqa\n")
    with (tmp_path / "src/slogate/web/dashboard.py").open("a", encoding="utf-8") as handle:
        handle.write("\nfrom slogate.adapters.store import repository  # noqa\n")
    result = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path / "src"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "slogate.domain.evaluation.window -> sqlalchemy" in result.stdout
    assert "slogate.web.dashboard -> slogate.adapters.store.repository" in result.stdout


CONSTRUCTIONS = (
    "GroupCommit(",
    "FailureLimiter(",
    "SessionKeys(",
    "open_database(",
    "ApiTokens(",
    "PluginRegistry(",
)


def test_only_bootstrap_builds_the_server() -> None:
    """The store, GroupCommit, the limiter, the session keys, the token store and the plugin registry
    are built in one place: no other module of the server (api, web, services) constructs them."""
    builders = {}
    for path in sorted(SOURCE.rglob("*.py")):
        relative = path.relative_to(SOURCE).as_posix()
        if relative.startswith(("adapters/", "cli/", "demo/")) or relative == "bootstrap.py":
            continue
        text = path.read_text(encoding="utf-8")
        found = [name for name in CONSTRUCTIONS if f" {name}" in text or f"({name}" in text]
        if found:
            builders[relative] = found
    assert builders == {}
    bootstrap = (SOURCE / "bootstrap.py").read_text(encoding="utf-8")
    assert all(name in bootstrap for name in CONSTRUCTIONS)
    assert "lambda" not in bootstrap  # no late binding: the objects are wired explicitly


def test_the_server_context_holds_services_and_ports_only() -> None:
    """No SQLAlchemy engine (or any adapter) in the context the API and the Bridge see."""
    annotations = " ".join(str(field.type) for field in ServerContext.__dataclass_fields__.values())
    for adapter_type in ("Engine", "Sql", "ApiTokens"):
        assert adapter_type not in annotations
    assert "close" in vars(ServerContext)
