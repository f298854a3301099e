"""Redaction of secrets (tokens, keys, passwords) from text that leaves the process: emails and logs."""

from __future__ import annotations

import re

MARK = "[redacted]"

_PATTERNS = [
    # Slack tokens, API keys with known prefixes, JWTs, Google OAuth tokens
    re.compile(r"\bxox[abposre]-[A-Za-z0-9-]{6,}"),
    re.compile(r"\bxapp-[A-Za-z0-9-]{6,}"),
    re.compile(r"\b(?:sk|pk|rk|ma)_[A-Za-z0-9_]{12,}"),
    re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
    re.compile(r"\bya29\.[A-Za-z0-9_.-]{10,}"),
    re.compile(r"\b1//[A-Za-z0-9_-]{10,}"),
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.S),
]
# `Bearer <token>`, `token=…`, `"password": "…"`, `client_secret: …`: keep the name, hide the value.
_NAMED = re.compile(
    r"(?i)(\bbearer\s+|\b(?:access_token|refresh_token|id_token|token|api[_-]?key|apikey|secret|"
    r"client_secret|password|passwd|pwd|authorization)\b[\"']?\s*[:=]\s*[\"']?)([^\s\"'&,;]{4,})"
)
# Said in a chat: "my password is hunter2", "la contraseña es …", "mein Passwort ist …". Words that
# describe a password rather than being one ("is wrong", "is expired") are kept.
_SAID = re.compile(
    r"(?i)(\b(?:password|passwd|pwd|pw|passcode|contrase(?:ñ|n)a|senha|mot de passe|passwort|kennwort)"
    r"\s+(?:is|was|=|es|era|é|est|était|ist|war)\s+[\"'“]?)"
    r"(?!(?:wrong|right|correct|incorrect|fine|ok|okay|good|bad|expired|invalid|valid|changed|new|old|"
    r"the|a|an|not|no|still|same|reset|locked|being|too|definitely|correcta|incorrecta|nueva|"
    r"errada|nova|faux|falsch|richtig|neu|abgelaufen)\b)([^\s\"'”,;]{3,})"
)
# user:password@ in URLs
_URL_PASSWORD = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^/\s:@]+:)([^/\s@]+)(@)", re.I)


def redact(text: str | None) -> str | None:
    """`text` with anything that looks like a secret replaced by `[redacted]` (None stays None)."""
    if not text:
        return text
    for pattern in _PATTERNS:
        text = pattern.sub(MARK, text)
    text = _NAMED.sub(lambda m: m.group(1) + MARK, text)
    text = _SAID.sub(lambda m: m.group(1) + MARK, text)
    return _URL_PASSWORD.sub(lambda m: m.group(1) + MARK + m.group(3), text)
