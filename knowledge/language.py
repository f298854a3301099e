"""Which language a chat message is written in (English, Spanish, Portuguese, French or German), and the
one line per language that says the detailed help follows in English. Pure, no I/O.

Slack messages are short ("mi buzón no funciona", "Postfach getrennt?"), so the cues are the small words
every sentence needs (articles, pronouns, negations, question words), a few words our users type often
(mailbox, password, disconnected), and letters only some of the languages use (ñ, ã, ß, œ). Words
several languages share count for each of them, words only one uses count double. English wins whenever
the evidence for another language is thin, because an English reader is the safe default.
"""

from __future__ import annotations

import re

from knowledge.text import fold

LANGUAGES = ("en", "es", "pt", "fr", "de")

# The first line of an answer to a question in that language (none for English).
ENGLISH_FOLLOWS = {
    "es": "Te explico los detalles en inglés a continuación.",
    "pt": "Os detalhes seguem abaixo, em inglês.",
    "fr": "Je vous donne les détails en anglais ci-dessous.",
    "de": "Die ausführliche Hilfe folgt auf Englisch.",
}

# Words, written without accents (messages are compared without them, as people often type them so).
_WORDS = {
    "en": """the a an and or is are was were be been am i i'm im my me mine you your it it's its this that
        what why how when where who which did does do don't dont didn't not no yes can could would should
        will with for from to of in on at again still now any update help please thanks thank hi hello
        hey mailbox inbox account disconnected connected broken working fixed password changed wtf""",
    "es": """el la los las un una unos unas de y o es son esta estan fue ser soy yo mi mis me tu su que por
        porque como cuando donde quien cual no si puedo puede hay otra vez todavia sigue ya ahora ayuda
        favor gracias hola buenas buzon correo cuenta desconecto desconectado desconectada conectado
        conectar reconectar funciona contrasena cambie clave pasa paso hoy ayer tambien muy pero del al
        se le lo mas""",
    "pt": """o a os as um uma de e ou sao esta estao foi ser sou eu minha meu meus minhas me voce seu sua
        que por porque como quando onde quem qual nao sim posso pode tem outra vez ainda continua ja
        agora ajuda favor obrigado obrigada ola oi bom caixa conta desconectou desconectada desconectado
        conectada conectar reconectar funciona senha mudei troquei hoje ontem tambem muito mas do da dos
        das no na se isso isto ta em aqui abaixo""",
    "fr": """le la les un une des du de et ou est sont etait etre suis je j'ai ma mon mes me moi tu vous
        votre il elle que qu'est quoi pourquoi comment quand ou qui quel quelle ne pas non oui peux peut
        encore toujours deja maintenant aide merci bonjour salut boite messagerie compte deconnecte
        deconnectee connecte connectee reconnecter fonctionne marche passe mot change changé aujourd'hui
        hier aussi tres mais c'est ca n'est s'il plait""",
    "de": """der die das den dem des ein eine einen und oder ist sind war sein bin ich mein meine meinen
        mir mich du sie ihr es was warum wieso weshalb wie wann wo wer welche nicht kein keine nein ja
        kann konnen schon noch immer wieder jetzt hilfe bitte danke hallo postfach konto getrennt
        verbunden verbindung funktioniert geht passwort kennwort geandert heute gestern auch sehr aber
        mit fur von zu im""",
}
# Letters that point to a language (ç and ê are French or Portuguese, so they point to both).
_LETTERS = {
    "es": "ñ¿¡",
    "pt": "ãõçê",
    "fr": "œèêëîïûùç",
    "de": "ßäöü",
}
_MIN_SCORE = 2  # less evidence than one word only that language uses, and the message is English
MAX_CHARS = 4000  # of a message, the head is enough to tell its language


def _vocabulary() -> dict[str, set[str]]:
    """Each language's cue words, folded."""
    return {lang: {fold(word) for word in words.split()} for lang, words in _WORDS.items()}


_VOCABULARY = _vocabulary()
_OWNERS: dict[str, set[str]] = {}
for _lang, _words in _VOCABULARY.items():
    for _word in _words:
        _OWNERS.setdefault(_word, set()).add(_lang)
_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)?")
# Slack markup, emoji, links and addresses, whose words are no language's. Linear: '<…>' stops at the
# next '<', and an address is tried only where a word starts, so no long run is scanned again at each
# of its characters.
_MARKUP = re.compile(r"<[^<>]*>|:[a-z0-9_+\-']+:|https?://\S+|(?<!\S)[^\s@]+@\S+")


def language_scores(text: str) -> dict[str, int]:
    """How much each language's cues weigh in `text` (for tests and tuning)."""
    raw = _MARKUP.sub(" ", (text or "")[:MAX_CHARS].lower())
    scores = dict.fromkeys(LANGUAGES, 0)
    for word in _TOKEN.findall(fold(raw).replace("’", "'")):
        owners = _OWNERS.get(word, ())
        for lang in owners:
            scores[lang] += 2 if len(owners) == 1 else 1
    for lang, letters in _LETTERS.items():
        scores[lang] += 2 * sum(raw.count(letter) for letter in letters)
    return scores


def detect_language(text: str) -> str:
    """The language of a chat message: "en", "es", "pt", "fr" or "de"; English when unsure (or tied)."""
    scores = language_scores(text)
    english = scores.pop("en")
    best = max(scores, key=lambda lang: scores[lang])
    ranked = sorted(scores.values(), reverse=True)
    if scores[best] < _MIN_SCORE or scores[best] <= english or ranked[0] == ranked[1]:
        return "en"
    return best


def english_follows(language: str) -> str | None:
    """The line, in `language`, saying the detailed help follows in English; None for English."""
    return ENGLISH_FOLLOWS.get(language)
