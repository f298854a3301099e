"""`mailbox-assistant kb classify | match | lint`: the knowledge base from the command line."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable
from typing import TextIO

from knowledge.loader import lint


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `kb` and its three subcommands."""
    kb = subparsers.add_parser("kb", help="query and check the knowledge base")
    commands = kb.add_subparsers(dest="kb_command", required=True, metavar="COMMAND")

    classify = commands.add_parser("classify", help="raw provider error → reason")
    classify.add_argument("text", nargs="?", help="the error text (default: read standard input)")
    classify.add_argument("--jsonl", action="store_true", help='stdin lines {"id","text"} → stdout lines')
    classify.add_argument("--explain", action="store_true", help="print the evidence that decided")
    classify.add_argument("--provider", help="the mailbox's provider (google, microsoft, …), when known")
    classify.set_defaults(func=run_classify)

    match = commands.add_parser("match", help="user question → intent and reason")
    match.add_argument("text", nargs="?", help="the question (default: read standard input)")
    match.add_argument("--jsonl", action="store_true", help='stdin lines {"id","text"} → stdout lines')
    match.set_defaults(func=run_match)

    check = commands.add_parser("lint", help="validate the knowledge files")
    check.set_defaults(func=run_lint)

    retrain = commands.add_parser("train", help="retrain both models (needs the 'train' extra)")
    retrain.add_argument("--hold-dev", action="store_true", help="leave corpus/*/dev.jsonl out, to score it")
    retrain.set_defaults(func=run_train)


def run_classify(args: argparse.Namespace) -> int:
    """Classify one error, or every line of a JSONL stream."""
    from knowledge import classify
    from knowledge.base import default_knowledge_base

    if args.explain and not args.jsonl:
        text = args.text if args.text is not None else sys.stdin.read()
        for line in default_knowledge_base().classifier.explain(text, args.provider):
            print(line)
        return 0

    def answer(text: str) -> dict:
        reason, confidence = classify(text, args.provider)
        return {"reason": reason, "confidence": confidence}

    return _answer(args, answer, unknown={"reason": "unknown", "confidence": 0.0})


def run_match(args: argparse.Namespace) -> int:
    """Match one question, or every line of a JSONL stream."""
    from knowledge import match

    def answer(text: str) -> dict:
        intent, reason = match(text)
        return {"intent": intent, "reason": reason}

    return _answer(args, answer, unknown={"intent": "other", "reason": None})


def run_lint(args: argparse.Namespace) -> int:
    """Print each problem of the knowledge files; exit 1 if there is any."""
    problems = lint()
    for problem in problems:
        print(f"kb lint: {problem}", file=sys.stderr)
    if problems:
        return 1
    print("kb lint: knowledge files are valid")
    return 0


def run_train(args: argparse.Namespace) -> int:
    """Cross-validate and fit both models; print the out-of-fold figures of each head."""
    try:
        from knowledge.retrain import report_lines, train_all
    except ImportError as exc:
        print(
            f"kb train: needs scikit-learn ({exc}); pip install 'mailbox-assistant[train]'", file=sys.stderr
        )
        return 2
    run = train_all(hold_dev=args.hold_dev)
    for line in report_lines(run):
        print(line)
    return 0


def _answer(args: argparse.Namespace, answer: Callable[[str], dict], unknown: dict) -> int:
    if not args.jsonl:
        text = args.text if args.text is not None else sys.stdin.read()
        print(json.dumps(answer(text)))
        return 0
    failures = _answer_lines(sys.stdin, sys.stdout, answer, unknown)
    return 1 if failures else 0


def _answer_lines(lines: Iterable[str], out: TextIO, answer: Callable[[str], dict], unknown: dict) -> int:
    """One output object per non-blank input line, in order; a bad line gets an `error` field."""
    failures = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        record_id, text, error = _parse_line(line, number)
        result = {"id": record_id, **(unknown if error else answer(text))}
        if error:
            result["error"] = error
            failures += 1
            print(f"line {number}: {error}", file=sys.stderr)
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
    out.flush()
    return failures


def _parse_line(line: str, number: int) -> tuple[object, str, str | None]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        return None, "", f"not valid JSON ({exc.msg})"
    if not isinstance(record, dict):
        return None, "", 'expected an object {"id", "text"}'
    text = record.get("text")
    if not isinstance(text, str):
        return record.get("id"), "", 'missing "text" (a string)'
    return record.get("id"), text, None
