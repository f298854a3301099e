"""detect_language(text): the language of short Slack messages, English when unsure."""

import pytest

from knowledge.language import ENGLISH_FOLLOWS, LANGUAGES, detect_language, english_follows

MESSAGES = {
    "es": [
        "mi buzón se desconectó, por qué?",
        "hola, no me funciona el correo",
        "¿por qué se desconectó mi cuenta?",
        "cambié la contraseña ayer y ahora no conecta",
        "sigue sin funcionar",
        "otra vez desconectado!!",
        "necesito ayuda con mi gmail",
        "gracias, ya funciona",
    ],
    "pt": [
        "por que minha caixa de email desconectou?",
        "oi, meu email não conecta",
        "minha conta desconectou de novo",
        "mudei a senha ontem, é por isso?",
        "ainda não funciona",
        "obrigado, funcionou",
        "preciso de ajuda com o outlook",
        "você pode ver minha caixa?",
    ],
    "fr": [
        "pourquoi ma boîte mail est déconnectée ?",
        "bonjour, mon compte ne marche plus",
        "j'ai changé mon mot de passe hier",
        "toujours pas connecté",
        "ça ne fonctionne pas",
        "merci, ça marche",
        "ma messagerie est encore déconnectée",
        "qu'est-ce qui se passe avec mon gmail ?",
    ],
    "de": [
        "warum ist mein Postfach getrennt?",
        "hallo, mein Konto geht nicht",
        "ich habe gestern mein Passwort geändert",
        "immer noch nicht verbunden",
        "schon wieder getrennt!",
        "danke, funktioniert wieder",
        "was ist mit meinem Gmail los?",
        "Postfach getrennt?",
    ],
    "en": [
        "why did my mailbox disconnect?",
        "wtf",
        "still broken",
        "is it fixed now?",
        "3rd time this week",
        "any update?",
        "can you write me a cold email?",
        "thanks!",
        "what about bo@acme.com?",
        "why is frank's inbox down",
        "outlook down again??",
        "me too",
        "no",
        "ok",
        "gmail?",
        "",
    ],
}


@pytest.mark.parametrize(
    ("language", "text"), [(language, text) for language, texts in MESSAGES.items() for text in texts]
)
def test_short_slack_messages(language, text):
    assert detect_language(text) == language


@pytest.mark.parametrize(
    "text",
    [
        "la la land",  # a few words that several languages share are not enough
        "<@U0ABC> <mailto:de@acme.com|de@acme.com> :la:",  # markup and addresses are not words
        "José's mailbox is down",  # an accented name in an English sentence
        "I sent it to the team at die hard corp",
    ],
)
def test_english_when_unsure(text):
    assert detect_language(text) == "en"


def test_every_other_language_has_its_line_in_that_language():
    assert english_follows("en") is None
    assert set(ENGLISH_FOLLOWS) == set(LANGUAGES) - {"en"}
    for language, line in ENGLISH_FOLLOWS.items():
        assert detect_language(line) == language, line
