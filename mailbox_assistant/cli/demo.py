"""The `demo` command: seeded SQLite, the real status API in-process, and a terminal chat with the bot that
takes the bot's own answer path (`bot/answering.py`): follow-ups, support cases, admins' lookups."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

import requests

from bot.answering import AnswerPath
from bot.conversation import Asker, Reply
from bot.plaintext import render_blocks
from bot.samples import DEFAULT_ASKER, SAMPLE_MAILBOXES, SAMPLE_PEOPLE, SampleDirectory
from mailbox_assistant.conversations.transcript import ConversationLog
from mailbox_assistant.escalation.desk import EscalationDesk
from mailbox_assistant.mailboxes.client import StatusClient
from mailbox_assistant.reconnect.destination import reconnect_url
from mailbox_assistant.settings import Settings, load_settings
from mailbox_assistant.slack.blocks import build_home_view

HELP = (
    "Type a question. Commands: /as EMAIL (switch user), /admin (toggle admin), /home, /users, /quit. "
    "Buttons can't be clicked here: ask “can I talk to a human?” to open a support case."
)
TRY = (
    "Try: why did my mailbox disconnect? · still broken · is it fixed now? · can I talk to a human? · "
    "can you write me a cold email? · ¿por qué se desconectó mi buzón? · as /admin: why is carla's "
    "inbox down? · what about frank?"
)


@dataclass
class DemoWorld:
    """The running demo: settings, the status API's URL and a client of it, the sample people, and the
    bot's answer path over the demo database (transcripts and support cases are kept there)."""

    settings: Settings
    api_url: str
    status: StatusClient
    directory: SampleDirectory
    path: AnswerPath
    admins: set[str]  # the path's admin ids: /admin adds and removes the current person


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `demo` command."""
    parser = subparsers.add_parser(
        "demo", help="chat with the bot in the terminal over seeded sample mailboxes"
    )
    parser.add_argument(
        "--as",
        dest="as_email",
        default=DEFAULT_ASKER,
        type=asker_email,
        help="ask as this sample user's email",
    )
    parser.add_argument(
        "--ask",
        action="append",
        help="answer this question and exit; repeat it for a conversation (follow-ups)",
    )
    parser.add_argument("--admin", action="store_true", help="ask as an admin (may look up any address)")
    parser.set_defaults(func=run_demo)


def run_demo(args: argparse.Namespace) -> int:
    """Seed, serve, then chat (or answer the --ask questions in turn)."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    with demo_world() as world:
        asker = ask_as(world, args.as_email, admin=args.admin)
        if args.ask:
            for text in args.ask:
                if len(args.ask) > 1:
                    print(f"\n{asker.email}> {text}\nbot>")
                print(answer(world, asker, text))
            return 0
        return chat(world, asker)


def asker_email(value: str) -> str:
    """`--as` and `/as`: an email address (the status API looks mailboxes up by their owner's), else a
    clear error rather than a refusal from the API further on."""
    from api.schemas import email_address

    try:
        return email_address(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an email address: {value!r}") from None


def ask_as(world: DemoWorld, email: str, *, admin: bool) -> Asker:
    """The sample person with `email` (someone new when unknown), an admin when `admin`."""
    user_id = world.directory.user_id_for(email)
    (world.admins.add if admin else world.admins.discard)(user_id)
    return Asker(slack_id=user_id, email=email.lower(), is_admin=admin)


@contextmanager
def demo_world() -> Iterator[DemoWorld]:
    """A fresh SQLite file, migrated and seeded, with the real status API on a loopback port."""
    from werkzeug.serving import make_server

    from api import create_app
    from api.keys import create_key
    from api.web import dispose_database
    from mailbox_assistant.db import make_engine, session_scope
    from migrations import upgrade

    with tempfile.TemporaryDirectory(prefix="mailbox-demo-") as directory:
        database_url = f"sqlite:///{directory}/demo.db"
        upgrade(database_url)
        settings = load_settings(database_url=database_url)
        api_app = create_app(settings)
        with session_scope(api_app.extensions["database"]["sessions"]) as session:
            write_key = create_key(session, "demo-seed", "write")[1]
            read_key = create_key(session, "demo-bot", "read")[1]
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        server = make_server("127.0.0.1", 0, api_app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        api_url = f"http://127.0.0.1:{server.server_port}"
        engine = make_engine(database_url)
        try:
            seed(api_url, write_key)
            if "PUBLIC_URL" not in os.environ:
                settings = settings.model_copy(update={"public_url": api_url})
            status = StatusClient(api_url, read_key)
            retention = timedelta(days=settings.transcript_retention_days)
            conversations = ConversationLog(engine, retention=retention)
            admins: set[str] = set()
            path = AnswerPath(
                source=status,
                reconnect_url=lambda mailbox: reconnect_url(mailbox, settings),
                admin_ids=admins,
                conversations=conversations,
                escalations=EscalationDesk(engine, status, conversations, admin_ids=admins),
            )
            yield DemoWorld(settings, api_url, status, SampleDirectory(), path, admins)
        finally:
            server.shutdown()
            thread.join(timeout=5)
            engine.dispose()
            dispose_database(api_app)


def seed(api_url: str, write_key: str) -> None:
    """Register the sample mailboxes and their failures through the status API, as a sync service would."""
    with requests.Session() as http:
        http.headers["Authorization"] = f"Bearer {write_key}"
        for sample in SAMPLE_MAILBOXES:
            body = {"email": sample.email, "provider": sample.provider, "owner_email": sample.owner_email}
            created = http.post(f"{api_url}/api/v1/mailboxes", json=body, timeout=5)
            created.raise_for_status()
            events_url = f"{api_url}/api/v1/mailboxes/{created.json()['id']}/events"
            if sample.error:
                http.post(
                    events_url, json={"type": "disconnected", "error": sample.error}, timeout=5
                ).raise_for_status()
            if sample.reconnected:
                http.post(events_url, json={"type": "reconnected"}, timeout=5).raise_for_status()


def answer(world: DemoWorld, asker: Asker, text: str) -> str:
    """The bot's reply to `text`, through the bot's answer path, rendered as terminal text."""
    said: list[Reply] = []
    world.path.answer(world.directory, asker.slack_id, text, deliver=said.append)
    return "\n".join(render_blocks(reply.blocks, reply.text) for reply in said)


def home(world: DemoWorld, asker: Asker) -> str:
    """The App Home tab, rendered as terminal text."""
    blocks = world.path.home_blocks(asker)
    return render_blocks(build_home_view(blocks)["blocks"])


def sample_users() -> str:
    """The sample identities and what is wrong with their mailboxes."""
    lines = ["Sample users (use /as EMAIL or --as EMAIL):"]
    names = {person.email: person.name for person in SAMPLE_PEOPLE}
    for owner in dict.fromkeys(sample.owner_email for sample in SAMPLE_MAILBOXES):
        states = [
            f"{s.email}: {'reconnected after ' if s.reconnected else ''}{s.expected_reason or 'healthy'}"
            for s in SAMPLE_MAILBOXES
            if s.owner_email == owner
        ]
        lines.append(f"  {owner:<16} {names.get(owner, ''):<13} " + "; ".join(states))
    lines.append(f"  {'frank.silva@acme.com':<16} {'Frank Silva':<13} (no mailbox: a second Frank)")
    lines.append(f"  {'admin@acme.com':<16} {'Alex Admin':<13} (no mailbox; /admin makes anyone an admin)")
    lines.append("  anyone@else.com  (no mailbox)")
    return "\n".join(lines)


def chat(world: DemoWorld, asker: Asker) -> int:
    """The interactive chat loop; Ctrl-D or /quit ends it."""
    print(f"Mailbox Assistant demo — status API at {world.api_url} (SQLite in a temporary directory).")
    print(sample_users())
    print(HELP)
    print(TRY)
    while True:
        role = " (admin)" if asker.is_admin else ""
        try:
            text = input(f"\n{asker.email}{role}> ").strip()
        except EOFError:
            print()
            return 0
        if not text:
            continue
        command, _, argument = text.partition(" ")
        if command in ("/quit", "/exit"):
            return 0
        if command == "/as" and argument:
            try:
                asker = ask_as(world, asker_email(argument), admin=asker.is_admin)
            except argparse.ArgumentTypeError as error:
                print(error)
        elif command == "/admin":
            asker = ask_as(world, asker.email or "", admin=not asker.is_admin)
        elif command == "/users":
            print(sample_users())
        elif command == "/home":
            print(home(world, asker))
        elif command.startswith("/") and command not in ("/mailbox",):
            print(HELP)
        else:
            print("\nbot>\n" + answer(world, asker, argument if command == "/mailbox" else text))
        sys.stdout.flush()
