"""The code tables: shipped files load, bad rows are refused by name, and an added row takes effect."""

import shutil
from pathlib import Path

import pytest

from knowledge.base import KnowledgeBase
from knowledge.codes import CODES_DIR, lint_tables, load_tables
from knowledge.loader import KnowledgeError
from knowledge.structure import read_structure


@pytest.fixture
def codes_copy(tmp_path: Path) -> Path:
    target = tmp_path / "codes"
    shutil.copytree(CODES_DIR, target)
    return target


def test_shipped_tables_load_with_sources_on_every_row():
    tables = load_tables()

    assert tables.size > 500
    assert lint_tables() == []


@pytest.mark.parametrize(
    ("raw", "kind", "reason"),
    [
        ("AADSTS50057: The user account is disabled.", "aadsts", "account_suspended"),
        ("AADSTS700082: The refresh token has expired due to inactivity.", "aadsts", "token_expired"),
        ("552 5.2.2 The account that you tried to reach is over quota.", "smtp_enhanced", "storage_full"),
    ],
)
def test_a_registry_code_selects_its_row(raw, kind, reason):
    rows = load_tables().lookup(read_structure(raw))

    assert any(row.kind == kind and row.reason == reason and row.source.startswith("http") for row in rows)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("reason: storage_full", "reason: full_storage", "reason 'full_storage' is none of"),
        ("strength: strong", "strength: certain", "strength must be strong or weak"),
    ],
)
def test_a_bad_row_is_refused_naming_file_and_row(codes_copy, old, new, message):
    path = codes_copy / "smtp_enhanced.yaml"
    path.write_text(path.read_text().replace(old, new, 1))

    with pytest.raises(KnowledgeError, match=message) as raised:
        load_tables(codes_copy)
    assert "codes/smtp_enhanced.yaml: row " in str(raised.value)
    assert lint_tables(codes_copy)


def test_a_code_support_adds_to_a_table_decides_without_a_release(codes_copy):
    raw = "AADSTS999999: a code no registry has yet"
    assert KnowledgeBase(codes_dir=codes_copy).classifier.classify(raw)[0] == "unknown"
    path = codes_copy / "aadsts.yaml"
    row = '- code: "999999"\n  reason: account_suspended\n  strength: strong\n  meaning: "test"\n'
    path.write_text(path.read_text().rstrip("\n") + "\n" + row)

    assert KnowledgeBase(codes_dir=codes_copy).classifier.classify(raw)[0] == "account_suspended"
