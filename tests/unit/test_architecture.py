"""The domain stays pure: it imports only the standard library and itself."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import slogate.domain

DOMAIN = Path(slogate.domain.__file__).parent


def _imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_domain_imports_only_the_standard_library() -> None:
    """Every import of slogate.domain is a standard-library module or slogate.domain itself."""
    offenders = {}
    for path in sorted(DOMAIN.glob("*.py")):
        foreign = {
            root
            for root in _imported_roots(path)
            if root not in sys.stdlib_module_names and root != "slogate"
        }
        if foreign:
            offenders[path.name] = sorted(foreign)
    assert offenders == {}


def test_domain_imports_no_other_slogate_package() -> None:
    """slogate.domain never reaches into services, adapters or entrypoints."""
    for path in sorted(DOMAIN.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module]
        outside = [m for m in modules if m.startswith("slogate.") and not m.startswith("slogate.domain")]
        assert outside == [], path.name
