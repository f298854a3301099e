"""The dependency direction of the layout, kept visible: process shells over features over a shared core.

    cli ─► api · bot · worker (process shells; none imports another)
                 │
                 ▼
    mailbox_assistant/<feature>/ (mailboxes, escalation, notices, reconnect, conversations, outcomes,
                 │                 and slack/: the client and Block Kit builders they share)
                 ▼
    core: mailbox_assistant/*.py (settings, db, orm, outbox, providers, redact …) · knowledge/

A feature may use another feature (most use mailboxes); nothing below may import what is above it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHELLS = ("api", "bot", "worker")
# slack/ (the Web API client and Block Kit builders every feature's messages use) sits with the features.
FEATURES = ("mailboxes", "escalation", "notices", "reconnect", "conversations", "outcomes", "slack")


def layer(module: str) -> str:
    """The layer a module belongs to: cli, shell, feature, core or knowledge (else: outside)."""
    parts = module.split(".")
    if parts[0] in SHELLS:
        return "shell"
    if parts[0] == "knowledge":
        return "knowledge"
    if parts[0] == "mailbox_assistant":
        if len(parts) > 1 and parts[1] == "cli":
            return "cli"
        if len(parts) > 1 and parts[1] in FEATURES:
            return "feature"
        return "core"
    return "outside"


# What each layer may import, besides itself (a shell only itself: not another shell).
ALLOWED = {
    "cli": {"shell", "feature", "core", "knowledge"},
    "shell": {"feature", "core", "knowledge"},
    "feature": {"feature", "core", "knowledge"},
    "core": {"core", "knowledge"},
    "knowledge": {"knowledge", "core"},
}


def _modules() -> list[tuple[str, Path]]:
    found = []
    for top in (*SHELLS, "knowledge", "mailbox_assistant"):
        for path in sorted((ROOT / top).rglob("*.py")):
            relative = path.relative_to(ROOT).with_suffix("")
            found.append((".".join(p for p in relative.parts if p != "__init__"), path))
    return found


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def _breaches() -> list[str]:
    found = []
    for module, path in _modules():
        mine = layer(module)
        for imported in sorted(_imports(path)):
            theirs = layer(imported)
            if theirs == "outside":
                continue
            crosses_shells = mine == theirs == "shell" and imported.split(".")[0] != module.split(".")[0]
            if theirs not in ALLOWED[mine] | {mine} or crosses_shells:
                found.append(f"{module} ({mine}) imports {imported} ({theirs})")
    return found


def test_nothing_imports_a_layer_above_it_and_no_process_imports_another():
    assert _breaches() == []


@pytest.mark.parametrize(
    ("module", "expected"),
    [
        ("worker.jobs", "shell"),
        ("mailbox_assistant.notices.outbox", "feature"),
        ("mailbox_assistant.db", "core"),
        ("mailbox_assistant.cli.demo", "cli"),
        ("knowledge.classify", "knowledge"),
        ("flask", "outside"),
    ],
)
def test_every_module_has_a_layer(module, expected):
    assert layer(module) == expected
