"""Provider incidents as the bot reads them from the status API, and the line that mentions one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mailbox_assistant.mailboxes.status import Mailbox, parse_time
from mailbox_assistant.slack import blocks as b

# Causes an outage can explain; a password change during an outage is still a password change.
OUTAGE_REASONS = ("provider_outage", "unknown")


@dataclass(frozen=True)
class ProviderIncident:
    """An active outage of one provider: many of its mailboxes disconnected at once."""

    id: int
    provider: str
    started_at: datetime | None
    mailbox_count: int

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ProviderIncident:
        """Build from the status API's incident JSON."""
        return cls(
            id=int(data["id"]),
            provider=str(data["provider"]),
            started_at=parse_time(data.get("started_at")),
            mailbox_count=int(data.get("mailbox_count") or 0),
        )


def incident_for(mailbox: Mailbox, incidents: list[ProviderIncident] | None) -> ProviderIncident | None:
    """The active incident that explains this disconnected mailbox, if any."""
    if not mailbox.is_disconnected or mailbox.reason_code not in OUTAGE_REASONS:
        return None
    return next((i for i in incidents or [] if i.provider == mailbox.provider), None)


def incident_line(incident: ProviderIncident) -> str:
    """One sentence saying the provider is having trouble and nothing is needed from the user."""
    name = b.provider_name(incident.provider)
    return (
        f":rotating_light: {name} is having trouble right now: {incident.mailbox_count} mailboxes "
        f"disconnected since {b.format_time(incident.started_at)}. This is on {name}'s side and there is "
        "nothing to do on yours; mailboxes come back once it recovers."
    )
