"""read_structure(raw_error): the codes an error carries are found wherever and however they stand."""

import pytest

from knowledge.structure import Code, read_structure


def smtp(basic: str, enhanced: str) -> set[tuple[str, str]]:
    return {("smtp_basic", basic), ("smtp_enhanced", enhanced)}


def codes(raw: str) -> set[tuple[str, str]]:
    return {(code.kind, code.value) for code in read_structure(raw).codes}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("smtp;550 5.7.1 Message rejected", smtp("550", "5.7.1")),
        ("Diagnostic-Code: smtp; 552 5.2.2 Mailbox full", smtp("552", "5.2.2")),
        ("Remote Server returned '550 #5.2.2 mailbox full'", smtp("550", "5.2.2")),
        ("554-5.7.0 Too many unauthenticated commands", smtp("554", "5.7.0")),
        ("550 5.7.708 Service unavailable. Access denied", smtp("550", "5.7.708")),
        ("AADSTS50173: The provided grant has expired", {("aadsts", "50173")}),
        ('{"error":"invalid_grant","error_codes":[700082]}', {("aadsts", "700082")}),
        ("a1 NO [AUTHENTICATIONFAILED] Invalid credentials", {("bracket", "AUTHENTICATIONFAILED")}),
        ("-ERR [SYS/TEMP] try again later", {("bracket", "SYS/TEMP")}),
        ("HTTP/1.1 429 Too Many Requests", {("http_status", "429")}),
        ("googleapiclient.errors.HttpError: <HttpError 403 ... status code 403>", {("http_status", "403")}),
    ],
)
def test_codes_are_found_in_every_shape(raw, expected):
    assert expected <= codes(raw)


def test_addresses_versions_and_dates_are_not_read_as_status_codes():
    found = codes("client 2.0.1 at 10.4.5.6 on 5.2.2021, see v4.2.2-beta")

    assert not any(kind == "smtp_enhanced" for kind, _ in found)


@pytest.mark.parametrize(
    ("raw", "stage"),
    [
        ("550 5.1.1 user unknown (in reply to RCPT TO command)", "rcpt_to"),
        ("553 5.7.1 Sender address rejected (in reply to MAIL FROM command)", "mail_from"),
        ("535 5.7.8 Error: authentication failed", "auth"),
        ("421 4.3.0 Temporary System Problem", "any"),
    ],
)
def test_the_smtp_stage_is_read_when_the_error_gives_it(raw, stage):
    assert read_structure(raw).stage == stage


def test_imap_status_and_alert_text_are_read():
    structure = read_structure("* BYE [ALERT] Please log in via your web browser: https://x (Failure)")

    assert structure.imap_status == "BYE"
    assert structure.alert.startswith("Please log in via your web browser")


def test_aadsts_numbers_lose_leading_zeros_so_tables_match_either_way():
    assert Code("aadsts", "50076") in read_structure("AADSTS050076: MFA required").codes
