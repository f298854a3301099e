"""docs/ARCHITECTURE.md stays true to the tree: every module of the packages is listed with its job."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("mailbox_assistant", "api", "bot", "worker", "knowledge")


def test_every_module_is_listed_in_the_architecture():
    listed = (ROOT / "docs" / "ARCHITECTURE.md").read_text()
    modules = [
        str(path.relative_to(ROOT))
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if path.name != "__init__.py" or path.stat().st_size > 0
    ]
    missing = [module for module in modules if f"`{module}`" not in listed]
    assert missing == [], "add these to docs/ARCHITECTURE.md's module table: " + ", ".join(missing)
