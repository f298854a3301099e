"""Request and response models of the status API; they validate input and generate the OpenAPI document."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
)

from mailbox_assistant.mailboxes.raw_errors import MAX_STORED_ERROR
from mailbox_assistant.mailboxes.recent import RECENT
from mailbox_assistant.orm import MAX_ID
from mailbox_assistant.providers import canonical

MailboxStatus = Literal["connected", "disconnected"]
EventType = Literal["disconnected", "reconnected", "error"]
Scope = Literal["read", "write", "admin"]


def _storable_text(value: str) -> str:
    """Refuse text no database can store: NUL characters and lone surrogates."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text") from None
    return value


def _to_utc(value: datetime) -> datetime:
    """Convert an aware timestamp to UTC; out-of-range results are a validation error, not a crash."""
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("timestamp out of range") from None


def _lower(value: str) -> str:
    """Lower-case an email, so lookups and the uniqueness of mailboxes ignore case."""
    return value.lower()


Text = Annotated[str, AfterValidator(_storable_text)]
Email = Annotated[EmailStr, Field(max_length=254), AfterValidator(_lower)]
UtcTimestamp = Annotated[
    AwareDatetime,
    AfterValidator(_to_utc),
    # ISO 8601 with an explicit "+00:00" offset.
    PlainSerializer(lambda value: value.isoformat(), return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}, mode="serialization"),
]
Provider = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, to_lower=True, max_length=40, pattern=r"^\s*[A-Za-z0-9][A-Za-z0-9_.\-]*\s*$"
    ),
    AfterValidator(canonical),  # gmail → google: one key for incidents, steps, OAuth and names
]
Limit = Annotated[int, Field(ge=1, le=200, description="Page size")]
# The URL rule of a mailbox id. Not int(max=…): werkzeug answers 405 instead of 404 for ids over the
# max; the mailbox store answers 404 for ids beyond MAX_ID instead of overflowing the database.
MAILBOX_ID_RULE = "<int:mailbox_id>"
STORED_ERROR = (
    f"The raw error as stored: at most {MAX_STORED_ERROR:,} characters, a longer one cut to its head and "
    "tail around a marker naming how many characters were cut"
)


class Input(BaseModel):
    """A request body or query: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")


class MailboxCreate(Input):
    """Register a mailbox; the same email again updates provider and owner and returns it."""

    email: Email
    provider: Provider = Field(description="Short provider name, e.g. google, microsoft, imap")
    owner_email: Email


class MailboxQuery(Input):
    """Filters and paging of the mailbox list."""

    owner_email: Email | None = None
    email: Email | None = Field(
        default=None, description="The mailbox with this exact address, in any case (at most one item)"
    )
    status: MailboxStatus | None = None
    limit: Limit = 50
    cursor: Annotated[str, Field(max_length=200)] | None = Field(
        default=None, description="next_cursor of the previous page"
    )


class LastFailure(BaseModel):
    """The most recent failure of a mailbox (kept after it reconnects)."""

    reason: str
    title: str
    error: str | None = Field(description=STORED_ERROR)
    occurred_at: UtcTimestamp
    confidence: float


class MailboxOut(BaseModel):
    """A mailbox and its current status."""

    id: int
    email: str
    provider: str
    owner_email: str
    status: MailboxStatus
    disconnected_at: UtcTimestamp | None
    last_failure: LastFailure | None
    created_at: UtcTimestamp
    updated_at: UtcTimestamp


class MailboxListItem(MailboxOut):
    """A mailbox of the list: a mailbox, and for a disconnected one how often it disconnected recently."""

    recent_disconnects: int | None = Field(
        default=None,
        ge=0,
        description=f"Disconnected mailboxes: their `disconnected` events that occurred in the last "
        f"{RECENT.days} days. Null for connected mailboxes (not counted).",
    )


class MailboxPage(BaseModel):
    """One page of mailboxes; pass next_cursor as cursor for the next (null at the end)."""

    items: list[MailboxListItem]
    next_cursor: str | None


class EventCreate(Input):
    """A status event of a mailbox; errors are classified into a reason when written."""

    type: EventType
    error: Text | None = Field(
        default=None,
        description=f"The provider's raw error, of any length (only the request body is limited): kept "
        f"whole when it has at most {MAX_STORED_ERROR:,} characters, else cut to that many, its head and "
        "tail around a marker naming how many characters were cut",
    )
    occurred_at: UtcTimestamp | None = Field(
        default=None, description="With a UTC offset; defaults to the time of recording"
    )
    idempotency_key: Annotated[Text, Field(min_length=1, max_length=200)] | None = Field(
        default=None, description="Unique per mailbox: a retry with the same key records nothing new"
    )


class EventOut(BaseModel):
    """A recorded event."""

    id: int
    mailbox_id: int
    type: EventType
    error: str | None = Field(description=STORED_ERROR)
    reason: str | None
    confidence: float | None
    occurred_at: UtcTimestamp
    recorded_at: UtcTimestamp
    idempotency_key: str | None


class FeedEvent(EventOut):
    """An event of the feed, with its mailbox as it is now."""

    mailbox: MailboxOut


class FeedQuery(Input):
    """Position and size of a feed page."""

    after: int = Field(default=0, ge=0, le=MAX_ID, description="Return events with a larger id (next_after)")
    limit: Annotated[int, Field(ge=1, le=1000)] = 100


class FeedPage(BaseModel):
    """Events in id order; poll again with after=next_after."""

    items: list[FeedEvent]
    next_after: int


class HistoryQuery(Input):
    """Paging of a mailbox's history, newest first."""

    before: int | None = Field(default=None, ge=1, le=MAX_ID, description="Return events with a smaller id")
    limit: Limit = 20


class HistoryPage(BaseModel):
    """A mailbox's events, newest first; pass next_before as before for older ones (null at the end)."""

    items: list[EventOut]
    next_before: int | None


class Health(BaseModel):
    """Liveness and database reachability."""

    status: Literal["ok"]
    database: Literal["ok"]


class ProblemDetail(BaseModel):
    """One invalid field."""

    loc: str
    msg: str


class Problem(BaseModel):
    """An RFC 9457 problem (application/problem+json)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[ProblemDetail] | None = None


# --- Provider incidents (issue 6: api/incidents.py) ---------------------------------------------------


class IncidentQuery(Input):
    """Which incidents to list."""

    active: bool | None = Field(default=None, description="true: ongoing only; false: ended only")
    limit: Limit = 50


class IncidentOut(BaseModel):
    """A provider outage: many mailboxes of one provider disconnected with provider_outage at once."""

    id: int
    provider: str
    active: bool
    started_at: UtcTimestamp
    ended_at: UtcTimestamp | None
    mailbox_count: int
    reconnected_count: int


class IncidentList(BaseModel):
    """Incidents, newest first."""

    items: list[IncidentOut]
