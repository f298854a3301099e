"""`mailbox-assistant kb classify --explain`: the evidence that decided, for support."""

from mailbox_assistant.cli import main


def test_explain_prints_the_codes_the_table_row_and_its_source(capsys):
    code = main(["kb", "classify", "--explain", "AADSTS50057: The user account is disabled."])

    out = capsys.readouterr().out
    assert code == 0
    assert out.splitlines()[0].startswith("reason: account_suspended")
    assert "codes found: aadsts 50057" in out
    assert "table aadsts 50057: account_suspended (strong)" in out
    assert "https://" in out


def test_explain_on_an_error_without_codes_shows_the_models_reasons(capsys):
    main(["kb", "classify", "--explain", "Mailbox is full, delete some messages"])

    out = capsys.readouterr().out
    assert "codes found: none" in out
    assert "model: " in out
    assert " word " in out or " words " in out


def test_explain_says_when_the_words_overrule_a_strong_row(capsys):
    main(["kb", "classify", "--explain", "535 5.7.8 Authentication failed: your account has been disabled"])

    out = capsys.readouterr().out
    assert "table smtp_enhanced 5.7.8: password_changed (strong)" in out
    assert "the strong rows' password_changed does not decide: the model reads the whole error as" in out
    assert "decided by: table" not in out


def test_classify_takes_the_provider(capsys):
    code = main(["kb", "classify", "--provider", "gmail", "550 5.4.5 Daily user sending quota exceeded."])

    assert code == 0
    assert '"reason": "sending_limit"' in capsys.readouterr().out


def test_a_reader_that_stops_early_gets_no_traceback(tmp_path):
    """`kb classify --jsonl < errors | head -1`: the command stops quietly when the pipe closes.

    Far more answers than a pipe holds, so writing goes on after the reader has gone.
    """
    import json
    import subprocess
    import sys

    errors = tmp_path / "errors.jsonl"
    lines = [json.dumps({"id": str(i), "text": f"421 4.7.0 Try again later {i}"}) for i in range(3000)]
    errors.write_text("\n".join(lines) + "\n")
    command = [sys.executable, "-m", "mailbox_assistant.cli", "kb", "classify", "--jsonl"]
    with errors.open() as stdin:
        process = subprocess.Popen(command, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        first = process.stdout.readline()
        process.stdout.close()  # as `head -1` does after its line
        stderr = process.stderr.read().decode()
        process.wait(timeout=120)
    assert json.loads(first)["id"] == "0"
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr
