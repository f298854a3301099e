"""What a raw provider error *is*, read from its structure before any wording is compared.

Pulls out the codes an error carries wherever they stand: SMTP basic replies and RFC 3463 enhanced
status codes (with the SMTP stage when the text gives it), AADSTS numbers, OAuth 2 `error` /
`suberror` names, IMAP RFC 5530 and POP3 RFC 3206 response codes, Gmail API and Graph / EWS error
codes, HTTP status and exception class names. Every pattern is linear (no nested quantifiers) and
the text is bounded first, so any input is read in bounded time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.text import error_words

# The head and tail of a long error are read; the middle of a 20 kB HTML page or stack trace
# rarely holds the code, and a bound keeps every pattern's time bounded.
HEAD_CHARS = 6000
TAIL_CHARS = 2000

# Only failures (classes 4 and 5) are codes of interest; 2.x.x and 2xx are successes.
_ENHANCED = re.compile(r"(?<![\w.#])#?([45])\.(\d{1,3})\.(\d{1,3})(?![\w.]|-\d)")
_BASIC_BEFORE_ENHANCED = re.compile(r"(?<![\w.])([45]\d\d)[ -]#?[45]\.\d{1,3}\.\d{1,3}(?![\d.])")
_BASIC_AT_START = re.compile(
    r"(?:^|[\n;:(\[\"']|smtp; ?|said: ?|response: ?)\s{0,3}([45][0-5]\d)(?=[ -][A-Za-z<#]|$)", re.M
)
_AADSTS = re.compile(r"aadsts ?(\d{4,8})", re.I)
_ERROR_CODES = re.compile(r"[\"']?error_?codes[\"']?\s{0,3}[:=]\s{0,3}\[\s{0,3}(\d{4,8})", re.I)
_HTTP = re.compile(
    r"(?:\bhttp(?:/\d(?:\.\d)?)?|\bstatus(?:[ _]?code)?|\bresponse code|\bhttperror|\bcode)"
    r"[\"']?\s{0,3}[:=]?\s{0,3}[\"'(]?\s{0,2}([1-5]\d\d)(?!\d)",
    re.I,
)
_HTTP_PHRASE = re.compile(
    r"(?<!\d)([45]\d\d)\s{1,3}(?:too many requests|service unavailable|unauthorized|forbidden|bad request|"
    r"internal server error|bad gateway|gateway time-?out|not found|payment required)",
    re.I,
)
_HTTP_CUES = (
    "too many",
    "unavailable",
    "unauthorized",
    "forbidden",
    "bad ",
    "server error",
    "time",
    "found",
    "payment",
)
_STAGE = (
    ("rcpt_to", re.compile(r"rcpt to|recipient address|in reply to rcpt|after rcpt", re.I)),
    ("mail_from", re.compile(r"mail from|sender address|in reply to mail|after mail", re.I)),
    ("data", re.compile(r"end of data|in reply to data|after data|message content|after end of", re.I)),
    ("auth", re.compile(r"\bauth(?:enticat\w{0,5})?\b|\blogin\b|\bsasl\b", re.I)),
)
_STAGE_CUES = {
    "rcpt_to": ("rcpt", "recipient"),
    "mail_from": ("mail from", "sender", "in reply to mail", "after mail"),
    "data": ("data", "message content"),
    "auth": ("auth", "login", "sasl"),
}
_IMAP_TAGGED = re.compile(r"(?:^|\s)(?:\*|[A-Za-z]{0,4}\d{1,6}|[A-Za-z]\d{0,4}) (OK|NO|BAD|BYE)\b")
_BRACKET_CODE = re.compile(r"\[([A-Z][A-Z-]{1,30}(?:/[A-Z-]{1,20})?)\]")
_ALERT = re.compile(r"\[ALERT\]\s{0,3}([^\r\n\[]{1,300})")
# Who emitted an error, when the text names its servers, endpoints or libraries: the tables have
# rows of their own for these providers (Exchange Online NDRs, Graph, AADSTS, Gmail).
_PROVIDER_CUES = (
    (
        "microsoft",
        (
            "aadsts",
            "outlook.com",
            "office365",
            "office 365",
            "microsoft",
            "hotmail",
            "live.com",
            "storedrv",
            "exchange online",
            "exchangelabs",
            "msal",
            "azure",
            "onmicrosoft",
        ),
    ),
    ("google", ("google", "gmail", "gsmtp", "g suite", "gsuite", "googleapis")),
)


@dataclass(frozen=True)
class Code:
    """One code found in an error: its kind (a code table's name) and its value, as the table spells it."""

    kind: str
    value: str


@dataclass(frozen=True)
class Structure:
    """Everything read from an error's structure."""

    codes: tuple[Code, ...]
    stage: str  # any | auth | mail_from | rcpt_to | data
    imap_status: str | None  # NO, BAD or BYE of a tagged IMAP response
    alert: str | None  # the human text after IMAP [ALERT]
    tokens: frozenset[str]  # the lower-cased words, for the tables of names (error names, exceptions)
    provider: str | None = None  # the provider the text names (google, microsoft), when only one


def bounded(text: str) -> str:
    """The part of an error that is read: all of it when short, else its head and tail."""
    if len(text) <= HEAD_CHARS + TAIL_CHARS:
        return text
    return text[:HEAD_CHARS] + "\n" + text[-TAIL_CHARS:]


def read_structure(raw_error: str, words: list[str] | None = None) -> Structure:
    """The codes, SMTP stage and IMAP status of a raw error.

    `words` are the error's lower-cased words when the caller has them (the name tables are looked
    up by word); each pattern runs only when a cheap substring test says it can match.
    """
    text = bounded(raw_error)
    lowered = text.lower()
    codes: list[Code] = []
    seen: set[Code] = set()

    def add(kind: str, value: str) -> None:
        code = Code(kind, value)
        if code not in seen:
            seen.add(code)
            codes.append(code)

    if "aadsts" in lowered:
        for found in _AADSTS.finditer(text):
            add("aadsts", found.group(1).lstrip("0") or "0")
    if "codes" in lowered:
        for found in _ERROR_CODES.finditer(text):
            add("aadsts", found.group(1).lstrip("0") or "0")
    if "4." in text or "5." in text:
        for found in _ENHANCED.finditer(text):
            add("smtp_enhanced", ".".join(found.groups()))
        for found in _BASIC_BEFORE_ENHANCED.finditer(text):
            add("smtp_basic", found.group(1))
    for found in _BASIC_AT_START.finditer(text):
        add("smtp_basic", found.group(1))
    if "http" in lowered or "status" in lowered or "code" in lowered:
        for found in _HTTP.finditer(text):
            add("http_status", found.group(1))
    if any(cue in lowered for cue in _HTTP_CUES):
        for found in _HTTP_PHRASE.finditer(text):
            add("http_status", found.group(1))
    if "[" in text:
        for found in _BRACKET_CODE.finditer(text):
            add("bracket", found.group(1))
    imap = _IMAP_TAGGED.search(text) if (" NO" in text or " BAD" in text or " BYE" in text) else None
    alert = _ALERT.search(text) if "[ALERT]" in text else None
    tokens = frozenset(words if words is not None else error_words(text, limit=len(text)))
    return Structure(
        codes=tuple(codes),
        stage=smtp_stage(lowered),
        imap_status=imap.group(1) if imap else None,
        alert=alert.group(1).strip() if alert else None,
        tokens=tokens,
        provider=named_provider(lowered),
    )


def named_provider(lowered: str) -> str | None:
    """The one provider whose servers, endpoints or libraries a lower-cased error names, else None."""
    named = [name for name, cues in _PROVIDER_CUES if any(cue in lowered for cue in cues)]
    return named[0] if len(named) == 1 else None


def smtp_stage(text: str) -> str:
    """The SMTP stage an error names (recipient, sender, data, auth), or `any`."""
    lowered = text.lower()
    for stage, pattern in _STAGE:
        if any(cue in lowered for cue in _STAGE_CUES[stage]) and pattern.search(lowered):
            return stage
    return "any"
