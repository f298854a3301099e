"""Request and response models of the status API; they validate input and generate the OpenAPI document."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import email_validator
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
)

from mailbox_assistant.mailboxes.raw_errors import MAX_STORED_ERROR
from mailbox_assistant.mailboxes.recent import RECENT
from mailbox_assistant.mailboxes.store import CURSOR_LENGTH, CURSOR_PATTERN
from mailbox_assistant.mailboxes.warnings import WARNING_WINDOW
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


def email_address(value: str) -> str:
    """An address as the `email` format means it (RFC 5321's syntax), lower-cased so lookups and the
    uniqueness of mailboxes ignore case. Syntax only, as the document says: no deliverability check,
    dotless and .test domains allowed; still refused: "Name <address>", and the special-use domains
    that cannot receive mail (.local, .localhost, .invalid, .onion, .arpa)."""
    try:
        checked = email_validator.validate_email(
            value, check_deliverability=False, globally_deliverable=False, test_environment=True
        )
    except email_validator.EmailNotValidError as exc:
        raise ValueError(f"value is not a valid email address: {exc}") from None
    return checked.normalized.lower()


# An RFC 3339 date-time (what the `date-time` format means) in the years whose times convert to UTC
# whatever the offset (0002-9998), without leap seconds; the document carries this pattern, and it is
# checked before pydantic, whose own parser also takes numbers and other strings (Unix seconds, a
# space for the T).
_YEAR = r"(?:000[2-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])"
_HOUR, _MINUTE = r"(?:[01][0-9]|2[0-3])", r"[0-5][0-9]"
TIMESTAMP_PATTERN = (
    rf"^{_YEAR}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])[Tt]{_HOUR}:{_MINUTE}:{_MINUTE}"
    rf"(?:\.[0-9]+)?(?:[Zz]|[+-]{_HOUR}:{_MINUTE})$"
)
_TIMESTAMP = re.compile(TIMESTAMP_PATTERN)


def _rfc3339(value: Any) -> Any:
    """Let through a timestamp of TIMESTAMP_PATTERN (or a datetime, from our own code); refuse the rest."""
    if isinstance(value, datetime) or (isinstance(value, str) and _TIMESTAMP.fullmatch(value)):
        return value
    raise ValueError("must be an RFC 3339 date-time with an offset, e.g. 2026-03-01T10:00:00Z")


def _raw_length_at_most(limit: int) -> Any:
    """A check of a string's length as sent, before it is trimmed (the document's maxLength)."""

    def check(value: Any) -> Any:
        if isinstance(value, str) and len(value) > limit:
            raise ValueError(f"must have at most {limit} characters")
        return value

    return BeforeValidator(check)


# The document says what _storable_text refuses of a string (lone surrogates cannot be sent as UTF-8).
Text = Annotated[str, Field(json_schema_extra={"pattern": r"^[^\x00]*$"}), AfterValidator(_storable_text)]
Email = Annotated[
    str, Field(max_length=254, json_schema_extra={"format": "email"}), AfterValidator(email_address)
]
UtcTimestamp = Annotated[
    AwareDatetime,
    BeforeValidator(_rfc3339),
    AfterValidator(_to_utc),
    # ISO 8601 with an explicit "+00:00" offset.
    PlainSerializer(lambda value: value.isoformat(), return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}, mode="serialization"),
    WithJsonSchema(
        {"type": "string", "format": "date-time", "pattern": TIMESTAMP_PATTERN}, mode="validation"
    ),
]
PROVIDER_MAX_LENGTH = 40
Provider = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        to_lower=True,
        max_length=PROVIDER_MAX_LENGTH,
        pattern=r"^\s*[A-Za-z0-9][A-Za-z0-9_.\-]*\s*$",
    ),
    _raw_length_at_most(PROVIDER_MAX_LENGTH),  # after the constraints, so it runs before them
    AfterValidator(canonical),  # gmail → google: one key for incidents, steps, OAuth and names
]
Limit = Annotated[int, Field(ge=1, le=200, description="Page size")]
# Documented exactly, so every cursor the document allows is one the store reads; the store checks it
# (400 for one it did not make).
Cursor = Annotated[
    str,
    WithJsonSchema(
        {"type": "string", "pattern": CURSOR_PATTERN, "minLength": CURSOR_LENGTH, "maxLength": CURSOR_LENGTH}
    ),
]
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
    cursor: Cursor | None = Field(default=None, description="next_cursor of the previous page")


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


class LastWarning(BaseModel):
    """A warning recorded on a connected mailbox: an `error` event (history only), e.g. the token
    monitor's notice that its refresh token lapses soon."""

    error: str
    reason: str | None
    occurred_at: UtcTimestamp


class MailboxListItem(MailboxOut):
    """A mailbox of the list: a mailbox, for a disconnected one how often it disconnected recently, and
    for a connected one the warning it was given since it last connected."""

    recent_disconnects: int | None = Field(
        default=None,
        ge=0,
        description=f"Disconnected mailboxes: their `disconnected` events that occurred in the last "
        f"{RECENT.days} days. Null for connected mailboxes (not counted).",
    )
    last_warning: LastWarning | None = Field(
        default=None,
        description=f"Connected mailboxes of a listing: the newest `error` event of the last "
        f"{WARNING_WINDOW.days} days recorded after the mailbox's last status event (e.g. the token "
        "monitor's warning that a refresh token lapses soon). Null otherwise, and in an `email` lookup.",
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


# --- Provider incidents (api/incidents.py) ---------------------------------------------------


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
