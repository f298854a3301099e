"""The `mailbox-assistant` command: one subcommand module per concern, wired here."""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from mailbox_assistant.settings import ConfigError

# Each module has `register(subparsers)`, which adds its subcommands and sets `func` on them.
COMMAND_MODULES = [
    "mailbox_assistant.cli.kb",
    "mailbox_assistant.cli.worker",
    "mailbox_assistant.cli.demo",
    "mailbox_assistant.cli.bot",
    "mailbox_assistant.cli.api",
    "mailbox_assistant.cli.escalations",
    "mailbox_assistant.cli.tokens",
    "mailbox_assistant.cli.report",
    "mailbox_assistant.cli.support_link",
]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="mailbox-assistant",
        description="Explains why a mailbox disconnected and how to fix it.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one subcommand; configuration problems end the process with one line naming them."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args) or 0
    except ConfigError as exc:
        print(f"mailbox-assistant: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`… --explain | head -3`): stop quietly, as other command-line tools
        # do. Output still buffered would fail again at exit, so stdout points at nothing from here.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
