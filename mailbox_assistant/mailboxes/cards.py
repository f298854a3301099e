"""The cards of one mailbox, pure: what answers, Home and proactive DMs show about a disconnected one, and
the lines of a connected one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import knowledge
from mailbox_assistant.mailboxes.evidence import judge
from mailbox_assistant.mailboxes.incidents import ProviderIncident, incident_line
from mailbox_assistant.mailboxes.recent import RECENT
from mailbox_assistant.mailboxes.status import Mailbox
from mailbox_assistant.slack import blocks as b

REPEATED_DISCONNECTS = 3  # this many disconnections within RECENT make support the main action


def disconnected_blocks(
    mailbox: Mailbox,
    reconnect_url: Callable[[Mailbox], str],
    incident: ProviderIncident | None = None,
    named_reason: str | None = None,
    denied_reason: str | None = None,
) -> list:
    """The blocks about one disconnected mailbox: cause, steps, reconnect and support buttons.

    Answers, Home and proactive DMs all show a mailbox this way; `named_reason` is the cause the person
    named, confirmed or contradicted against the record; `denied_reason` one they say did not happen.
    """
    reason = knowledge.get_reason(mailbox.reason_code)
    title = reason.title if reason.code == mailbox.reason_code else (mailbox.last_failure or reason).title
    summary = reason.summary
    if not reason.self_serve and mailbox.reason_code != "unknown" and "reconnect" not in summary.lower():
        summary += " Reconnecting won't fix this one, so support is the way forward."
    if named_reason or not denied_reason:
        confirmed, note = _named_cause_lines(named_reason, mailbox, title)
        disputed = False
    else:
        confirmed, note = _denied_cause_lines(denied_reason, mailbox, title)
        disputed = note is not None  # the record shows the very cause the person denies
    likely = _is_likely(mailbox)
    if likely:
        # Not certain: said as the likely cause, and support offered as strongly as reconnecting.
        title = f"Most likely: {title[:1].lower()}{title[1:]}" if title else title
        hedge = "I'm not certain of this cause. If the steps don't fix it, *Talk to support* to check."
        note = f"{note}\n{hedge}" if note else hedge
    if incident is not None:
        note = incident_line(incident) + (f"\n{note}" if note else "")
    repeated = (mailbox.recent_disconnects or 0) >= REPEATED_DISCONNECTS
    if repeated:
        repeat_note = (
            f"This mailbox disconnected {mailbox.recent_disconnects} times in the last {RECENT.days} days, "
            "so reconnecting may not hold: *Talk to support* and they'll look at why it keeps happening."
        )
        note = f"{note}\n{repeat_note}" if note else repeat_note
    blocks = b.build_disconnected_mailbox(
        mailbox,
        title=title or "Disconnected",
        summary=summary,
        steps=reason.steps_for(mailbox.provider),
        self_serve=reason.self_serve and not repeated,
        reconnect_url=reconnect_url(mailbox),
        note=note,
        # An unknown cause may be a one-off: reconnecting is worth one try, support stays the main action.
        offer_reconnect=reason.self_serve or mailbox.reason_code == "unknown",
        # Not certain, or the person says the recorded cause did not happen: support as strongly offered.
        support_primary=True if likely or disputed else None,
    )
    return [b.build_section(confirmed, block_id=f"confirmed:{mailbox.id}"), *blocks] if confirmed else blocks


def _is_likely(mailbox: Mailbox) -> bool:
    """Whether the recorded cause is only the likely one (its classification was not confident)."""
    confidence = mailbox.last_failure.confidence if mailbox.last_failure else None
    return knowledge.confidence_level(mailbox.reason_code, confidence) == "likely"


def _named_cause_lines(named_code: str | None, mailbox: Mailbox, title: str) -> tuple[str | None, str | None]:
    """(a confirmation, a note) about the cause the person named, judged against the mailbox's record."""
    if not named_code:
        return None, None
    failure = mailbox.last_failure
    verdict = judge(named_code, mailbox.reason_code, mailbox.provider, failure.error if failure else None)
    named = knowledge.get_reason(named_code).title.lower()
    if verdict.kind == "same":
        recorded = b.escape(title.lower())
        return f"Yes — that's what our records show for *{b.escape(mailbox.email)}*: _{recorded}_.", None
    if verdict.kind == "compatible":
        return f"Yes — {verdict.because}. That's what our records show for *{b.escape(mailbox.email)}*.", None
    if verdict.kind == "unconfirmed":
        return None, (
            f"You mentioned _{named}_. Our records don't show a clear cause for this mailbox, so I can't "
            "confirm it: support can check with the provider."
        )
    return None, (
        f"You mentioned _{named}_, but our records show a different cause for this "
        f"mailbox: _{b.escape(title.lower())}_. The steps below are for what our records show."
    )


def _denied_cause_lines(denied_code: str, mailbox: Mailbox, title: str) -> tuple[str | None, str | None]:
    """(an agreement, a note) about a cause the person says did not happen, judged against the record;
    neither when there is no recorded cause to compare with."""
    failure = mailbox.last_failure
    verdict = judge(denied_code, mailbox.reason_code, mailbox.provider, failure.error if failure else None)
    if verdict.kind == "unconfirmed":
        return None, None
    if verdict.kind != "same":  # another cause on record, even one the denied cause could produce
        recorded = b.escape(title.lower())
        return (
            f"Right — our records show a different cause for *{b.escape(mailbox.email)}*: _{recorded}_.",
            None,
        )
    denied = knowledge.get_reason(denied_code).title.lower()
    return None, (
        f"You said this didn't happen: _{denied}_. It is what {b.provider_name(mailbox.provider)} reported, "
        "and it can happen without you doing anything: an admin, a company policy or the provider itself "
        "may have done it. If none of that fits, *Talk to support* and they'll check."
    )


def connected_blocks(mailbox: Mailbox, now: datetime, with_cause: bool) -> list:
    """One connected mailbox, with its recent disconnection and its cause when `with_cause`."""
    failure = mailbox.last_failure
    if not with_cause or not failure or not failure.occurred_at or now - failure.occurred_at > RECENT:
        return b.build_connected_mailbox(mailbox)
    reason = knowledge.get_reason(failure.reason)
    note = (
        f"It was last disconnected {b.format_time(failure.occurred_at)}: "
        f"*{b.escape(failure.title or reason.title)}*. {reason.summary}"
    )
    blocks = b.build_connected_mailbox(mailbox)
    blocks.append(b.build_context(note, block_id=f"reason:{failure.reason}:{mailbox.id}"))
    return blocks
