"""Redaction of secrets (tokens, keys, passwords) from text that leaves the process: emails, logs and the
transcripts support receives.

What is kept readable on purpose, because support reads provider errors: SMTP and AADSTS codes, dates,
email addresses, Message-IDs, hostnames and dashed UUIDs (the trace and correlation ids of Microsoft's
errors). A secret in one of those shapes is hidden only when it is named (`client_secret: …`).

Every pattern runs in time linear in the text, since `redact` also sees whatever a person pastes: no
quantified group holds an unbounded quantifier, and a pattern that can fail after a long run of
characters starts only where such a run starts (a lookbehind), so no run is scanned twice.
"""

from __future__ import annotations

import re

MARK = "[redacted]"

# Tokens that announce themselves by their shape. One pattern, so the text is read once: a token starts
# where a word does (the lookbehind), which also keeps every failed try from scanning a run twice.
_TOKEN_SHAPES = [
    r"xox[abposre]-[A-Za-z0-9-]{6,}",  # Slack bot, user, app-level, refresh tokens
    r"xapp-[A-Za-z0-9-]{6,}",
    r"mba_[A-Za-z0-9_-]{20,}",  # our status API keys (the 12-character prefix `api-key list` shows stays)
    r"[spr]k_(?:live|test)_[A-Za-z0-9]{10,}",
    r"ya29\.[A-Za-z0-9_.-]{10,}",  # Google access token
    r"1//[A-Za-z0-9_-]{10,}",  # Google refresh token
    r"4/0[A-Za-z][A-Za-z0-9_-]{20,}",  # Google authorization code
    r"GOCSPX-[A-Za-z0-9_-]{10,}",  # Google OAuth client secret
    r"AIza[A-Za-z0-9_-]{30,}",  # Google API key
    # Microsoft: personal-account access tokens (EwA…/EwB…, long standard base64), refresh tokens of
    # personal (M.R3_BAY.…, M.C532_BAY.…) and work accounts (0.A…).
    r"Ew[A-D][A-Za-z0-9+/_-]{60,}={0,2}",
    r"M\.[A-Z][A-Za-z0-9]{0,5}_[A-Z]{2,5}\.[A-Za-z0-9!*$._-]{40,}",
    r"0\.A[A-Za-z0-9_.-]{100,}",
    # Microsoft Entra client secret: three characters, a digit, `Q~`, some 34 more.
    r"[A-Za-z0-9_.-]{3}[0-9]Q~[A-Za-z0-9_~.-]{30,40}",
    # JWTs (header.payload.signature) and itsdangerous tokens such as our signed reconnect links
    # (payload.timestamp.signature): both start with base64 JSON.
    r"eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_.-]{8,}",
    r"gAAAAA[A-Za-z0-9_-]{40,}={0,2}",  # a Fernet token (what TOKEN_ENCRYPTION_KEY encrypts)
    r"[A-Za-z0-9_-]{43}=(?![A-Za-z0-9+/=_-])",  # a Fernet key: 32 bytes in urlsafe base64, alone
    # 32 or more hex digits alone: client secrets, API keys, SECRET_KEY; not before `@` (a Message-ID).
    r"[0-9a-fA-F]{32,}(?![A-Za-z0-9_@])",
]
_TOKEN = re.compile(r"(?<![A-Za-z0-9_-])(?:" + "|".join(_TOKEN_SHAPES) + ")")
# The token of a reconnect link, when the link is not a JWT-like token (`/reconnect/<mailbox id>` stays).
_RECONNECT_TOKEN = re.compile(r"(?<=/reconnect/)[A-Za-z0-9._~%-]{16,}")
_PRIVATE_KEY_BEGIN = re.compile(r"-----BEGIN [A-Z ]{0,40}PRIVATE KEY(?: BLOCK)?-----")
_PRIVATE_KEY_END = re.compile(r"-----END [A-Z ]{0,40}PRIVATE KEY(?: BLOCK)?-----")

# Words that describe a secret rather than being one: "the password is wrong", "token: expired".
_DESCRIBES = (
    r"(?:wrong|right|correct|incorrect|fine|ok|okay|good|bad|expired|expiring|invalid|valid|changed|new|"
    r"old|the|a|an|my|not|no|still|same|reset|locked|being|too|definitely|probably|really|also|just|"
    r"already|working|accepted|rejected|required|needed|missing|empty|blank|saved|stored|set|weak|strong|"
    r"short|long|mine|different|realm|"
    r"correcta|incorrecta|nueva|vieja|válida|inválida|la|el|una|un|mi|misma|igual|otra|distinta|diferente|"
    r"buena|mala|errada|certa|correta|incorreta|nova|antiga|o|uma|um|minha|não|mesma|outra|"
    r"faux|fausse|bon|bonne|mauvais|nouveau|ancien|valide|invalide|le|une|mon|pas|même|différent|expiré|"
    r"changé|falsch|richtig|korrekt|neu|alt|abgelaufen|gültig|ungültig|geändert|der|die|das|ein|eine|"
    r"mein|nicht|gleich|anders|dasselbe)\b"
)
_FOUR_BY_FOUR = r"[A-Za-z]{4} [A-Za-z]{4} [A-Za-z]{4} [A-Za-z]{4}"  # an app password (below)
# `Bearer <token>`, `token=…`, `"password": "…"`, `client_secret: …`: keep the name, hide the value.
_NAMED = re.compile(
    r"(?i)(\bbearer\s{1,5}|\b(?:access_token|refresh_token|id_token|token|api[_-]?key|apikey|x-api-key|"
    r"access[_-]?key|secret|client[_-]?secret|secret[_-]?key|private[_-]?key|app[_-]?password|password|"
    r"passwd|pwd|code_verifier|authorization)\b[\"']?\s{0,5}[:=]\s{0,5}[\"']?(?:(?:bearer|basic)\s{1,5})?)"
    rf"(?!{_DESCRIBES})({_FOUR_BY_FOUR}(?![A-Za-z0-9])|[^\s\"'&,;]{{4,}})"
)
# Said in a chat, in the bot's languages: "my password is hunter2", "la contraseña es …", "a senha é …",
# "mon mot de passe est …", "mein Passwort ist …", "password for gmail: …".
_PASSWORD_WORD = (
    r"\b(?:password|passwd|pwd|pw|passcode|passphrase|contrase(?:ñ|n)a|senha|mot de passe|mdp|"
    r"passwort|kennwort)\b"
)
_QUALIFIER = r"(?:\s{1,3}(?:de|da|do|d'|für|for|of)\s{0,3}[^\W\d]{2,15})?"  # "de aplicación", "for gmail"
_VERB = (
    r"(?:\b(?:is|was|es|era|é|foi|est|était|ist|war|lautet)\b|c'est|[:=])\s{0,3}:?\s{0,3}"
    r"(?:(?:now|ahora|agora|maintenant|jetzt)\s{1,3})?"
)
_OPENING_QUOTE = r"[\"'“‘`«]?"
_SAID = re.compile(
    rf"(?i)({_PASSWORD_WORD}{_QUALIFIER}\s{{0,3}}{_VERB}{_OPENING_QUOTE})"
    rf"(?!{_DESCRIBES})([^\s\"'”’`»,;]{{3,}})"
)
# App passwords as Google shows them, four groups of four letters: given after a password word, quoted,
# or dashed (Apple's form), always; alone in running text only when a group has no vowel, because four
# short words ("this must have been") look the same.
_APP_PASSWORD_GIVEN = re.compile(
    rf"(?i)({_PASSWORD_WORD}{_QUALIFIER}\s{{0,3}}(?:{_VERB}|\()?{_OPENING_QUOTE})"
    rf"({_FOUR_BY_FOUR})(?![A-Za-z0-9])"
)
_QUOTED = re.compile(r"([\"'“‘`«])([a-z]{4} [a-z]{4} [a-z]{4} [a-z]{4})(?=[\"'”’`»])")
_DASHED = re.compile(r"(?<![A-Za-z0-9-])[a-z]{4}-[a-z]{4}-[a-z]{4}-[a-z]{4}(?![A-Za-z0-9-])")
# Every window of four four-letter words with a group of consonants only (`y` counts as a vowel), found
# at any offset because the pattern is a lookahead; known words without vowels are then spared.
_WORD, _CONSONANTS = "[a-z]{4}", "[b-df-hj-np-tv-xz]{4}"
_GENERATED = "|".join(
    " ".join(_CONSONANTS if index == position else _WORD for index in range(4)) for position in range(4)
)
_FOUR_WORDS = re.compile(rf"(?<![A-Za-z0-9])(?=({_GENERATED})(?![A-Za-z0-9]))")
_VOWEL = re.compile(r"[aeiouy]")
_WORDS_WITHOUT_VOWELS = frozenset(
    {"smtp", "http", "html", "ntlm", "sftp", "ctrl", "gmbh", "pptx", "xlsx", "docx", "hmmm", "mmmm", "shhh",
     "psst", "brrr", "grrr", "pfft", "tsks"}
)  # fmt: skip
# user:password@ in URLs
_URL_PASSWORD = re.compile(
    r"(?i)(?<![a-z0-9+.-])([a-z][a-z0-9+.-]{0,20}://[^/\s:@]{1,256}:)([^/\s@]{1,256})(@)"
)


def redact(text: str | None) -> str | None:
    """`text` with anything that looks like a secret replaced by `[redacted]` (None stays None)."""
    if not text:
        return text
    text = _without_private_keys(text)
    text = _URL_PASSWORD.sub(lambda m: m.group(1) + MARK + m.group(3), text)
    text = _TOKEN.sub(MARK, text)
    text = _RECONNECT_TOKEN.sub(MARK, text)
    text = _without_app_passwords(text)
    text = _NAMED.sub(lambda m: m.group(1) + MARK, text)
    return _SAID.sub(lambda m: m.group(1) + MARK, text)


def _without_private_keys(text: str) -> str:
    """PEM private keys hidden from BEGIN to END; one cut short (no END) is hidden to the end of the text."""
    kept: list[str] = []
    position = 0
    while begin := _PRIVATE_KEY_BEGIN.search(text, position):
        kept.append(text[position : begin.start()] + MARK)
        end = _PRIVATE_KEY_END.search(text, begin.end())
        if end is None:
            return "".join(kept)
        position = end.end()
    return "".join(kept) + text[position:]


def _without_app_passwords(text: str) -> str:
    """Four-by-four app passwords hidden (see `_FOUR_BY_FOUR`)."""
    text = _APP_PASSWORD_GIVEN.sub(lambda m: m.group(1) + MARK, text)
    text = _QUOTED.sub(lambda m: m.group(1) + MARK, text)
    text = _DASHED.sub(MARK, text)
    spans = [match.span(1) for match in _FOUR_WORDS.finditer(text) if _looks_generated(match.group(1))]
    kept: list[str] = []
    position = 0
    for start, end in _merged(spans):
        kept.append(text[position:start] + MARK)
        position = end
    return "".join(kept) + text[position:]


def _looks_generated(words: str) -> bool:
    """True when a group of the four has no vowel and is no word we know."""
    return any(not _VOWEL.search(group) and group not in _WORDS_WITHOUT_VOWELS for group in words.split())


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping (start, end) spans, in order, joined into one."""
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
