"""The one answer path, free of Slack objects: the listeners (through `Services`) and the demo answer a
person through it, so what works in Slack works in the terminal.

Who asks → asking for a human? open the case → following up on an answer? say what changed → naming
someone? an admin's name or mention becomes an address, anyone else is refused → fetch the mailboxes
(`bot/mailbox_reads.py`) and ask the pure layer (`bot/conversation.py`) → the language line and the file
note → deliver → record the turns. The Home tab and the full list are read here too.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from bot import conversation, follow_up, home, mailbox_list, replies
from bot.delivery import ReplyRefused
from bot.directory import Directory
from bot.mailbox_list import ListRequest, list_view, refused_list_view
from bot.mailbox_reads import ReadOnce, active_incidents, with_recent_disconnects
from bot.plaintext import render_blocks
from bot.reading import read_question
from knowledge.language import english_follows
from mailbox_assistant.conversations.transcript import ConversationLog
from mailbox_assistant.conversations.types import Asker, Question, Reply, SlackUser
from mailbox_assistant.escalation.desk import EscalationDesk, answer_contact_support
from mailbox_assistant.mailboxes.client import MailboxSource, StatusApiUnavailable
from mailbox_assistant.mailboxes.status import Mailbox
from mailbox_assistant.orm import utcnow
from mailbox_assistant.slack import blocks as b

FIXED_REPLIES = {"thanks": replies.thanks_reply, "off_topic": replies.off_topic_reply}
FILE_NOTE = (
    "I can't read images or files, so here is what your mailbox's status shows. If your screenshot has an "
    "error message, paste its text here and I'll read it."
)


@dataclass
class AnswerPath:
    """Answers people: status source, reconnect links, admins, and where turns and cases are kept."""

    source: MailboxSource
    reconnect_url: Callable[[Mailbox], str]
    conversations: ConversationLog
    escalations: EscalationDesk
    admin_ids: Collection[str] = ()
    clock: Callable[[], datetime] = utcnow

    def asker(self, directory: Directory, user_id: str) -> Asker | None:
        """The asker behind a Slack user id; None for bots."""
        user = directory.user(user_id)
        if user.is_bot:
            return None
        return Asker(slack_id=user_id, email=user.email, is_admin=user_id in self.admin_ids)

    def answer(
        self,
        directory: Directory,
        user_id: str,
        text: str,
        deliver: Callable[[Reply], object],
        *,
        question: Question | None = None,
        bot_user_id: str | None = None,
        with_file: bool = False,
    ) -> Reply | None:
        """Answer `text` from `user_id`: build the reply, `deliver` it, then record the turns; None (nothing
        delivered) when the user is a bot.

        The transcript is written after the reply is delivered, so the person never waits for it. Asking
        for a human is the exception: the case being opened copies the transcript, so the question is
        recorded before it."""
        asker = self.asker(directory, user_id)
        if asker is None:
            return None
        question = question or read_question(text, bot_user_id=bot_user_id, with_file=with_file)
        if self.wants_support(question):
            self.record_turns(user_id, [("user", text)])
            user = directory.user(user_id)
            reply = with_notes(question, self.support_reply(user, asker, directory.team_id()))
            self.deliver_then_record(user_id, reply, deliver)
            return reply
        reply = with_notes(question, self.reply_to(directory, question, asker))
        self.deliver_then_record(user_id, reply, deliver, question_text=text or "(a file)")
        return reply

    def support_reply(self, user: SlackUser, asker: Asker, team_id: str | None) -> Reply:
        """ "Can I talk to a human?": the case opened (or the choice of mailbox) by the escalation desk;
        more candidates than one message's buttons are chosen from the full list instead."""
        source = ReadOnce(self.source)
        with contextlib.suppress(StatusApiUnavailable):
            mailboxes = source.mailboxes_for(asker.email) if asker.email else []
            candidates = [m for m in mailboxes if m.is_disconnected] or mailboxes
            if len(candidates) > mailbox_list.CHOOSER_BUTTONS:
                text, blocks = mailbox_list.choose_among_many(candidates)
                return Reply(text=text, blocks=blocks, private=True)
        return answer_contact_support(self.escalations, source, user, asker, team_id=team_id)

    def reply_to(self, directory: Directory, question: Question, asker: Asker) -> Reply:
        """The reply to a read question (no support case, no notes)."""
        if question.follow_up or question.asks_how:
            last, now = self.last_answer(asker.slack_id), self.clock()
            if follow_up.is_follow_up(question, last, now) or follow_up.is_how_follow_up(question, last, now):
                return self.follow_up_reply(question, last)
        resolved = resolve_person(directory, question, asker)
        if isinstance(resolved, Reply):
            return resolved
        question, person = resolved
        reply = self.status_reply(question, asker)
        if question.frustrated and any(m.is_disconnected for m in reply.mailboxes):
            reply = follow_up.support_first(reply)
        if person is None or not reply.private:
            return reply
        label = f"*{b.escape(person.name)}*" + (f" ({b.escape(person.email)})" if person.email else "")
        lead = b.build_section(f"Here is what I see for {label}:", block_id="about_person")
        return replace(reply, blocks=[lead, *reply.blocks])

    def status_reply(self, question: Question, asker: Asker) -> Reply:
        """The reply to a read question from the mailboxes' status (the slash command's subcommands build
        their questions); a status API failure becomes an apology, never an exception."""
        if question.wants_help:
            return FIXED_REPLIES.get(question.topic, replies.help_reply)()
        # A colleague asked about by name or mention is refused before any lookup.
        names_other = question.about_name or question.about_slack_id not in (None, asker.slack_id)
        if names_other and not asker.is_admin:
            return replies.refuse_other_person()
        if question.general:
            return conversation.general_answer(question)
        if not asker.email:
            return replies.no_email(asker)
        now = self.clock()
        try:
            own = self.source.mailboxes_for(asker.email)
            others = None
            if question.about_email and conversation.may_ask_about(question, asker, own):
                own_addresses = {m.email.lower() for m in own} | {asker.email.lower()}
                if question.about_email not in own_addresses:
                    others = self.source.find_by_email(question.about_email)
            own = with_recent_disconnects(self.source, own, now)
        except StatusApiUnavailable:
            if question.intent == "how_to_reconnect":
                return conversation.general_answer(question, lead=replies.status_unavailable().text)
            return replies.status_unavailable()
        incidents = active_incidents(self.source, own + (others or []))
        return conversation.answer(
            question,
            asker,
            own,
            others=others,
            reconnect_url=self.reconnect_url,
            now=now,
            incidents=incidents,
        )

    def home_blocks(self, asker: Asker, page: int = 1) -> list[dict[str, Any]]:
        """The App Home blocks (page `page`) for `asker`; an apology when the status API cannot answer."""
        if not asker.email:
            return replies.no_email(asker).blocks
        try:
            mailboxes = self.source.mailboxes_for(asker.email)
        except StatusApiUnavailable:
            return replies.status_unavailable().blocks
        return home.home_blocks(mailboxes, reconnect_url=self.reconnect_url, now=self.clock(), page=page)

    def list_view(self, asker: Asker | None, request: ListRequest) -> dict[str, Any]:
        """The modal of the list `request` asks for, if `asker` may see it: their own mailboxes, or (an
        admin) those of the address they looked up."""
        if asker is None or not asker.email:
            return refused_list_view()
        own = not request.of or request.of.lower() == asker.email.lower()
        if not own and not asker.is_admin:
            return refused_list_view()
        try:
            of = asker.email if own else request.of or ""
            found = self.source.mailboxes_for(of) if own else self.source.find_by_email(of)
        except StatusApiUnavailable:
            return refused_list_view()
        return list_view(request, found, self.reconnect_url)

    def follow_up_reply(self, question: Question, last: follow_up.LastAnswer) -> Reply:
        """What changed for the mailboxes of `last`, read again from the status API."""
        try:
            current = [m for m in (self.source.mailbox(seen.id) for seen in last.mailboxes) if m is not None]
        except StatusApiUnavailable:
            return replies.status_unavailable()
        return follow_up.follow_up_answer(question, last, current, reconnect_url=self.reconnect_url)

    def last_answer(self, user_id: str) -> follow_up.LastAnswer | None:
        """The person's last answer about mailboxes, from the transcript."""
        found = self.conversations.last_answer(user_id)
        return follow_up.LastAnswer.from_about(*found) if found else None

    def wants_support(self, question: Question) -> bool:
        """True when the person asks for a human ("can I talk to support?", "this didn't help")."""
        return question.intent == "contact_support" and not question.wants_help and not question.general

    def deliver_then_record(
        self,
        user_id: str,
        reply: Reply,
        deliver: Callable[[Reply], object],
        question_text: str | None = None,
    ) -> None:
        """Deliver `reply`, then record the question (when given) and the reply with what it showed; a
        reply that could not be delivered is not recorded as said (the question still is): a reply Slack
        refused is recorded as the fallback the person got instead, any other error propagates."""
        question_turns = [("user", question_text)] if question_text is not None else []
        try:
            deliver(reply)
        except ReplyRefused as refused:  # the person saw the fallback, not the reply
            fallback = render_blocks(refused.fallback.blocks, refused.fallback.text)
            self.record_turns(user_id, [*question_turns, ("bot", fallback)])
            return
        except Exception:
            self.record_turns(user_id, question_turns)
            raise
        bot_turn = ("bot", render_blocks(reply.blocks, reply.text))
        self.record_turns(user_id, [*question_turns, bot_turn], about=follow_up.about_of(reply))

    def record_turns(
        self, user_id: str, turns: list[tuple[str, str]], about: dict[str, Any] | None = None
    ) -> None:
        """Keep turns (role, text) of the conversation for follow-ups and escalations."""
        self.conversations.record_many(user_id, turns, about=about)


def resolve_person(
    directory: Directory, question: Question, asker: Asker
) -> tuple[Question, SlackUser | None] | Reply:
    """An admin's question about someone, made a question about their address (with who they are), or
    the reply when the name finds no one, several people, or no address. Other askers' questions are
    returned as they are (`AnswerPath.status_reply` refuses what they may not see)."""
    if not asker.is_admin or not question.names_someone:
        return question, None
    if question.about_slack_id:
        if question.about_slack_id == asker.slack_id:
            return replace(question, about_slack_id=None), None
        person = directory.user(question.about_slack_id)
        if not person.email:
            return replies.no_email_for(person)
        return replace(question, about_slack_id=None, about_email=person.email), person
    if question.about_name:
        people = directory.by_name(question.about_name)
        if not people:
            return replies.unknown_person(question.about_name)
        if len(people) > 1:
            return replies.ambiguous_person(question.about_name, people)
        [person] = people
        if not person.email:
            return replies.no_email_for(person)
        if person.id == asker.slack_id:
            return replace(question, about_name=None), None
        return replace(question, about_name=None, about_email=person.email), person
    if question.about_email and question.about_email != (asker.email or "").lower():
        return question, directory.by_email(question.about_email)  # who it is, when it is a person's
    return question, None


def with_notes(question: Question, reply: Reply) -> Reply:
    """`reply` led by the line saying the details follow in English (a question in another language) and
    the note that files are not read (a message with a file)."""
    lead: list[dict[str, Any]] = []
    line = english_follows(question.language)
    if line:
        lead.append(b.build_context(b.escape(line), block_id="language"))
    if question.with_file:
        lead.append(b.build_context(FILE_NOTE, block_id="file_note"))
    if not lead:
        return reply
    return replace(reply, text=f"{line} {reply.text}" if line else reply.text, blocks=[*lead, *reply.blocks])
