"""axe-core in the Bridge's browser tests: every page checked for serious and critical accessibility faults.

axe-core comes from npm (``make axe`` / ``.ci/run``: ``npm install --prefix build/npm axe-core@4``). Its
source is evaluated through Playwright (DevTools evaluation, so the Bridge's CSP, which allows no inline
script, stays on). Where it is missing the check fails in CI (``CI`` set) and is skipped elsewhere.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.support.real_parts import missing

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "build" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
MISSING_REASON = "axe-core is missing: npm install --prefix build/npm axe-core@4 (make axe)"
BLOCKING = ("serious", "critical")
SCREENSHOTS = ROOT / "build" / "bridge-screenshots"  # build/ is git-ignored


def violations(page: Any) -> list[dict[str, Any]]:
    """The serious and critical axe-core violations of the page as it is now (WCAG 2 A/AA rules)."""
    if not AXE.exists():
        missing(MISSING_REASON)
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    found: list[dict[str, Any]] = page.evaluate(
        """async () => {
            const result = await window.axe.run(document, {
                runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']},
            });
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ')),
            }));
        }"""
    )
    return [violation for violation in found if violation["impact"] in BLOCKING]


def assert_accessible(page: Any, name: str) -> None:
    """No serious or critical axe-core violation on the page, and nothing wider than the window (wide
    tables scroll in their own box); a full-page screenshot ``<name>.png``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{name}: the page is {widths[0]} px wide in a {widths[1]} px window"
    found = violations(page)
    assert found == [], f"{name}: {found}"
