"""Text → features for the linear models: words, word pairs, character n-grams and evidence.

One definition serves training (`knowledge.training`, with scikit-learn) and answering (pure Python
in `knowledge.model`), so the two cannot drift. A word's own features (the word and its character
3–5-grams) depend on the word alone, so the model can sum them once per distinct word and cache it.
Volatile parts of errors (addresses, URLs, GUIDs, timestamps, long numbers) become placeholders.
"""

from __future__ import annotations

import re
import unicodedata

MAX_WORDS = 160  # a model reads at most this many words: the head of the text and a little of its tail
TAIL_WORDS = 40
CHAR_NGRAMS = (3, 4, 5)
MAX_GRAM_WORD = 24  # longer ASCII "words" (base64, hashes) get no character n-grams

# Volatile parts of errors → placeholder words, each pattern run only when its marker is present
# (an address pattern tried at every position of a long text was most of the time of a call).
_VOLATILE = (
    ("http", re.compile(r"https?://\S{1,500}", re.I), " zurl "),
    ("@", re.compile(r"[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,6}"), " zemail "),
    ("-", re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"), " zguid "),
    (":", re.compile(r"\b\d{4}-\d\d-\d\d[t ]\d\d:\d\d(?::\d\d(?:\.\d{1,9})?)?z?"), " zdate "),
    (".", re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b"), " zip "),
    ("", re.compile(r"\b[0-9a-f]{16,}\b|\b\d{7,}\b"), " znum "),
)


# Words: codes with dots (5.7.8) first, then runs of letters and digits in any script.
_WORD = re.compile(r"\d{1,3}(?:\.\d{1,3}){1,3}|[^\W_]{1,60}")
_NEGATION = frozenset(
    # en, es, pt, fr, de: a word after one of these, up to the end of the clause, is negated.
    (
        "not",
        "no",
        "never",
        "dont",
        "didnt",
        "doesnt",
        "havent",
        "hasnt",
        "wasnt",
        "isnt",
        "cant",
        "wont",
        "arent",
        "werent",
        "couldnt",
        "wouldnt",
        "shouldnt",
        "hadnt",
        "aint",
        "nobody",
        "noone",
        "none",
        "nothing",
        "neither",
        "nor",
        "nunca",
        "nada",
        "tampoco",
        "nadie",
        "ningún",
        "ningun",
        "ninguno",
        "ninguna",
        "nao",
        "não",
        "nem",
        "ninguém",
        "ninguem",
        "nenhum",
        "nenhuma",
        "jamais",
        "ne",
        "pas",
        "aucun",
        "rien",
        "ni",
        "nicht",
        "kein",
        "keine",
        "keinen",
        "keiner",
        "keinem",
        "niemand",
        "nie",
        "niemals",
    )
)
_CLAUSE_END = re.compile(r"[.!?;,\n]|\bbut\b|\bpero\b|\bmas\b|\bmais\b|\baber\b")
_HYPOTHETICAL = re.compile(
    r"\b(?:if|would|will it|could it|what happens|suppose|si|se eu|caso|falls|wenn|würde|wuerde|"
    r"lorsque|quand)\b",
    re.I,
)


def normalise(text: str) -> str:
    """Lower case, accents kept, volatile parts replaced, apostrophes dropped ("didn't" → "didnt")."""
    text = unicodedata.normalize("NFKC", text).lower().replace("\\n", " ").replace("\\r", " ")
    text = text.replace("'", "").replace("’", "")
    for marker, pattern, placeholder in _VOLATILE:
        if marker in text:
            text = pattern.sub(placeholder, text)
    return text


def words_of(text: str, *, normalised: bool = False) -> list[str]:
    """The words a model reads: the first MAX_WORDS - TAIL_WORDS and the last TAIL_WORDS."""
    words = _WORD.findall(text if normalised else normalise(text))
    if len(words) > MAX_WORDS:
        words = words[: MAX_WORDS - TAIL_WORDS] + words[-TAIL_WORDS:]
    return words


def word_features(word: str) -> list[str]:
    """The features of one word: itself and its character n-grams (with word edges marked).

    A negated word (`neg_password`) has features of its own, so "did not change my password" does
    not read as naming a password change.
    """
    prefix = ""
    if word.startswith("neg_"):
        prefix, word = "n", word[4:]
    features = [prefix + "w:" + word]
    # Chinese and Japanese write a clause as one run of letters (at most 60, see _WORD): its n-grams
    # are all the model can read of it.
    if len(word) <= MAX_GRAM_WORD or not word.isascii():
        padded = f"<{word}>"
        for n in CHAR_NGRAMS:
            features.extend(prefix + "c:" + padded[i : i + n] for i in range(len(padded) - n + 1))
    return features


def marked_words(text: str, *, negation: bool, normalised: bool = False) -> list[str]:
    """Words of a text; with `negation`, words inside a negated clause carry a `neg_` mark."""
    if not negation:
        return words_of(text, normalised=normalised)
    marked: list[str] = []
    for clause in _CLAUSE_END.split(text if normalised else normalise(text))[:80]:
        negated = False
        for word in _WORD.findall(clause):
            marked.append("neg_" + word if negated else word)
            negated = negated or word in _NEGATION
    if len(marked) > MAX_WORDS:
        marked = marked[: MAX_WORDS - TAIL_WORDS] + marked[-TAIL_WORDS:]
    return marked


def pair_features(words: list[str]) -> list[str]:
    """Neighbouring word pairs."""
    return ["b:" + a + " " + b for a, b in zip(words, words[1:], strict=False)]


_SENTENCE_END = re.compile(r"[.!?;\n]+")
LAST_SENTENCE_WORDS = 12


def position_features(text: str, *, normalised: bool = False) -> list[str]:
    """Where a message's ask usually sits: its first word and first two ("how do …", "can someone
    …"), and, when it has more than one sentence, the words of its last ("… it went red on Monday.
    what do I do now?"). Stored with the word pairs, as text features."""
    text = text if normalised else normalise(text)
    words = _WORD.findall(text[:400])
    if not words:
        return []
    features = ["b:<s> " + words[0]] + (["b:<s> " + " ".join(words[:2])] if len(words) > 1 else [])
    sentences = [part for part in _SENTENCE_END.split(text[-2000:]) if _WORD.search(part)]
    if len(sentences) > 1:
        features += ["b:<last> " + word for word in _WORD.findall(sentences[-1])[:LAST_SENTENCE_WORDS]]
    return list(dict.fromkeys(features))


def is_hypothetical(text: str) -> bool:
    """Whether a message asks about what would happen ("if I change my password, will it …?")."""
    return bool(_HYPOTHETICAL.search(text[:2000]))


def text_features(
    text: str, *, negation: bool = False, normalised: bool = False
) -> tuple[list[str], list[str]]:
    """(the distinct words, their distinct pairs) of a text, as the model reads them.

    Each word and pair counts once (presence, not count): a word repeated a thousand times says no
    more than once, so repetitive input cannot push a score past any threshold.
    """
    words = marked_words(text, negation=negation, normalised=normalised)
    return list(dict.fromkeys(words)), list(dict.fromkeys(pair_features(words)))
