"""Text normalisation shared by the matchers: provider errors and Slack messages become word lists."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Slack markup: <@U123>, <#C123|name>, <mailto:a@b.com|a@b.com>, <https://x|label>, :emoji_name:
# No '<' inside: a run of '<' with no '>' is then read in linear time, not quadratic.
_SLACK_LINK = re.compile(r"<(?:mailto:)?([^<>|]{0,1000})(?:\|([^<>]{0,1000}))?>")
_EMOJI = re.compile(r":[a-z0-9_+\-']+:")
# Characters kept inside a word; dots and underscores keep codes such as 5.7.8 and invalid_grant whole.
_NOT_WORD = re.compile(r"[^a-z0-9._]+")
# A dot joins digits (5.7.8) but separates names (google.auth.exceptions.RefreshError).
_NAME_DOT = re.compile(r"(?<![0-9])\.|\.(?![0-9])")
_EDGE_PUNCT = ".-_"
_APOSTROPHE = re.compile(r"['’]")


def error_words(raw_error: str, limit: int = 4000) -> list[str]:
    """Lower-cased words of a raw provider error, codes kept whole (`5.7.8`, `aadsts50173`)."""
    text = raw_error[:limit].lower().replace("\\r\\n", " ").replace("\\n", " ")
    words = (word.strip(_EDGE_PUNCT) for word in _NOT_WORD.split(_NAME_DOT.sub(" ", text)))
    return [word for word in words if word]


def fold(text: str) -> str:
    """Case and accents dropped ("Contraseña" → "contrasena", "Straße" → "strasse")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def strip_slack_markup(text: str) -> str:
    """Drop mentions and emoji; keep the visible label of links and mailto addresses."""

    def label(match: re.Match[str]) -> str:
        target, shown = match.group(1), match.group(2)
        if target.startswith(("@", "#", "!")):
            return " "
        return f" {shown or target} "

    return _EMOJI.sub(" ", _SLACK_LINK.sub(label, text))


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    """A light suffix stripper so that 'changed', 'changing' and 'change' compare equal."""
    if len(word) > 5 and word.endswith("ing"):
        word = word[:-3]
    elif len(word) > 4 and word.endswith("ed"):
        word = word[:-2]
    elif len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    if len(word) > 4 and word.endswith("e"):
        word = word[:-1]
    return word


def question_words(text: str) -> list[str]:
    """Stemmed words of a chat message, Slack markup and apostrophes removed ("didn't" → "didnt")."""
    text = _APOSTROPHE.sub("", strip_slack_markup(text).lower())
    words = (word.strip(_EDGE_PUNCT) for word in _NOT_WORD.split(text))
    return [stem(word) for word in words if word]
