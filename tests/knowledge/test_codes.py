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


# Exchange Online's 5.7.501 (the sending account banned for spam) is in no registry but Microsoft's.
BANNED = "550 5.7.501 Service unavailable. Spam abuse detected from IP range."


def test_a_code_only_one_provider_defines_is_read_by_its_table_when_no_provider_is_known():
    rows = load_tables().lookup(read_structure(BANNED))

    assert [(row.kind, row.reason) for row in rows if row.code == "5.7.501"] == [
        ("exchange_ndr", "account_suspended")
    ]


def test_another_providers_code_is_not_read_by_microsofts_table():
    assert not [
        row for row in load_tables().lookup(read_structure(BANNED), "google") if row.code == "5.7.501"
    ]


@pytest.mark.parametrize(
    ("raw", "provider"),
    [
        ("451 4.7.500 Server busy [BN8NAM12FT034.eop-nam12.prod.protection.outlook.com]", "microsoft"),
        ("AADSTS50173: The provided grant has expired due to it being revoked", "microsoft"),
        ("421-4.7.0 Try again later, closing connection. (EHLO) gsmtp", "google"),
        ("google.auth.exceptions.RefreshError: invalid_grant", "google"),
        ("failed to exchange the authorization code: invalid_grant", None),  # "exchange" is a verb here
        ("relay from smtp.gmail.com refused by outlook.com", None),  # both named: neither is assumed
        ("535 5.7.8 Authentication credentials invalid", None),
    ],
)
def test_the_provider_an_error_names_is_read_from_its_servers_and_libraries(raw, provider):
    assert read_structure(raw).provider == provider


def test_a_named_provider_selects_its_own_rows():
    """5.2.0 has a general row and Exchange Online's own: the server names decide which is read."""
    plain = "554 5.2.0 Message refused"
    from_exchange = plain + " [DM5PR00MB2471.namprd08.prod.outlook.com]"

    assert {row.kind for row in load_tables().lookup(read_structure(plain)) if row.code == "5.2.0"} == {
        "smtp_enhanced"
    }
    assert {
        row.kind for row in load_tables().lookup(read_structure(from_exchange)) if row.code == "5.2.0"
    } == {"exchange_ndr"}


def test_parsed_tables_are_kept_and_read_back_the_same(codes_copy):
    shutil.rmtree(codes_copy / "__pycache__", ignore_errors=True)
    parsed = load_tables(codes_copy)._by_code  # parses the YAML, keeps the rows under __pycache__/
    kept = sorted((codes_copy / "__pycache__").glob("*.json"))
    assert {path.name.split(".")[0] for path in kept} == {path.stem for path in codes_copy.glob("*.yaml")}

    assert load_tables(codes_copy)._by_code == parsed
    kept[0].write_text("{not json")  # a damaged copy is parsed again, never trusted
    assert load_tables(codes_copy)._by_code == parsed
