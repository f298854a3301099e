"""No input breaks the matchers: huge, binary, every Unicode plane, pathological for regexes."""

import pytest

from knowledge import classify, match, understand
from knowledge.language import LANGUAGES, detect_language
from knowledge.loader import INTENTS, REASON_CODES

MEGABYTE = 1_000_000
HOSTILE = {
    "letters": "a" * MEGABYTE,
    "angle brackets": "<" * MEGABYTE,
    "codes without end": "5.7." * (MEGABYTE // 4),
    "address fragments": "@a." * (MEGABYTE // 3),
    "slack links without end": "<mailto:" * (MEGABYTE // 8),
    "quotes": '"' * MEGABYTE,
    "brackets": "[" * MEGABYTE,
    "binary": bytes(range(256)).decode("latin-1") * (MEGABYTE // 256),
    "every plane": "".join(chr(plane * 0x10000 + 0x41) for plane in range(17)) * (MEGABYTE // 17),
    "nul and surrogates": ("\x00\ud800" * (MEGABYTE // 2))
    .encode("utf-8", "surrogatepass")
    .decode("utf-8", "replace"),
}

# What a chat message can add: Slack markup that never closes, '\b' at every character, no '?'.
QUESTIONS = {
    **HOSTILE,
    "dotted letters": "a." * (MEGABYTE // 2),
    "apostrophes": "a'" * (MEGABYTE // 2),
    "mentions without end": "<@" * (MEGABYTE // 2),
    "link labels without end": "<a|" * (MEGABYTE // 3),
    "possessives": "x's " * (MEGABYTE // 4),
    "spaces and newlines": " \n" * (MEGABYTE // 2),
    "accented letters": "é" * MEGABYTE,
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_megabyte_of_hostile_input_is_answered(name):
    text = HOSTILE[name]

    reason, confidence = classify(text)
    intent, named = match(text)

    assert reason in REASON_CODES and 0.0 <= confidence <= 1.0
    assert intent in ("why_disconnected", "how_to_reconnect", "contact_support", "other")
    assert named is None or named in REASON_CODES


def test_a_long_error_is_read_by_its_head_and_tail():
    page = "<html>" + "<p>lorem ipsum</p>" * 2000 + "AADSTS50057: The user account is disabled.</html>"

    assert classify(page)[0] == "account_suspended"


@pytest.mark.parametrize(
    "name", ["letters", "codes without end", "address fragments", "binary", "every plane"]
)
def test_repetitive_garbage_names_no_cause(name):
    # Each word counts once: repeating a word a million times must not make any cause certain.
    assert classify(HOSTILE[name])[0] == "unknown"


@pytest.mark.parametrize("name", sorted(QUESTIONS))
def test_a_megabyte_of_hostile_chat_is_understood(name):
    understanding = understand(QUESTIONS[name])

    assert understanding.intent in INTENTS
    assert understanding.reason is None or understanding.reason in REASON_CODES


@pytest.mark.parametrize("name", sorted(QUESTIONS))
def test_the_language_of_a_megabyte_of_hostile_chat_is_read(name):
    assert detect_language(QUESTIONS[name]) in LANGUAGES
