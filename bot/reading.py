"""Reading a chat message, pure: what it asks, about whom, in which language, and how it sounds.

`knowledge.match` reads the intent and the cause named; this module adds what a conversation needs on
top of it: whether the message is about a mailbox at all (an "email" alone is not: "write me a cold
email" is off-topic), greetings and thanks, someone else named (a mention, an address, "frank's inbox"),
and the cues of a follow-up ("still broken", "any update?") and of frustration ("wtf", "3rd time").
"""

from __future__ import annotations

import re

import knowledge
from knowledge.language import detect_language
from mailbox_assistant.conversations.types import Question

# A message is read by its head and tail: a pasted error's code is as often last as first, and a bound
# keeps the time of every pattern below bounded (Slack allows 40,000 characters).
MAX_READ = 4000
TAIL_CHARS = 1000
CUT_REACH = 200  # a cut moves to a space this close, so no word is read in halves
# Every pattern is linear in the text: quantifiers are bounded or their class stops at the next
# delimiter ('<', '@', '?'), and none may restart the same long scan at each position.
# An address: local part ≤ 64 characters, starting where a run of address characters starts; labels
# of the domain ≤ 63.
EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+'-])[A-Za-z0-9._%+'-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.){1,8}[A-Za-z]{2,63}"
)
_SLACK_LINK = re.compile(r"<(?:mailto:)?([^<>|]+)\|([^<>]+)>|<(?:mailto:)?([^<>|@!#]+@[^<>|]+)>")
_USER_MENTION = re.compile(r"<@([UW][A-Z0-9_]{1,30})(?:\|[^<>]*)?>")
_MENTION = re.compile(r"<[@!#][^<>]*>")
_PERSONAL = re.compile(r"\b(my|mine|i|i'm|im|me|our|ours|we|us)\b", re.IGNORECASE)
_GENERAL = re.compile(
    r"\b(mailboxes|inboxes|accounts|usually|generally|general|typically|common|commonly|reasons|"
    r"a mailbox|an inbox)\b",
    re.IGNORECASE,
)
# "Why do people's mailboxes disconnect?" is general; in a request for a person ("can someone from
# your team look?") these words are the person asked for, so they do not make it general.
_ANYONE = re.compile(r"\b(anyone|someone|people)\b", re.IGNORECASE)
# Words that make a message about a mailbox connection; "email" alone does not ("write me an email").
_ABOUT_MAILBOX = re.compile(
    r"\b(mailbox\w*|inbox\w*|gmail|outlook|office ?365|exchange|imap|smtp|disconnect\w*|connect\w*|"
    r"reconnect\w*|status|broken|wrong|sync\w*|token|password|log(?:ged)? ?(?:in|out)|"
    r"sign(?:ed)? ?(?:in|out)|"
    r"error|fail\w*|down|stopped|not working|isn'?t working|doesn'?t work|bounc\w*|"
    r"buz[oó]n|desconect\w*|conect\w*|contrase[nñ]a|no funciona|caixa|senha|n[aã]o funciona|"
    r"bo[iî]te|d[ée]connect\w*|mot de passe|ne marche|fonctionne pas|postfach|getrennt|verbind\w*|"
    r"verbunden|passwort|kennwort|funktioniert nicht|geht nicht)\b",
    re.IGNORECASE,
)
_HELP = re.compile(
    r"^(help|\?|help me|menu|commands|what can you do|what do you do|how does this work|"
    r"(hi|hello|hey|yo|hiya|howdy|good (morning|afternoon|evening)|hola|buenas|oi|ol[aá]|bonjour|"
    r"salut|hallo|guten (morgen|tag)|moin)( there| bot| team| all)?)[\s!.?]*$",
    re.IGNORECASE,
)
_THANKS = re.compile(
    r"\b(thanks|thank you|thx|ty|tysm|cheers|much appreciated|appreciate it|gracias|obrigad[oa]|merci|"
    r"danke|(that|it|this) (worked|works)|works (now|again)|working (now|again)|fixed it|all good|"
    r"all set|sorted)\b",
    re.IGNORECASE,
)
# An acknowledgement alone ("ok", "got it") is answered like thanks, not as an off-topic request.
_ACK = re.compile(
    r"^(ok|okay|k|kk|got it|cool|great|perfect|awesome|nice|will do|understood|makes sense|sounds good|"
    r"noted|alright|all right|vale|entendido|beleza|certo|d'accord|compris|alles klar|verstanden)[\s!.]*$",
    re.IGNORECASE,
)
_NOT_THANKS = re.compile(r"n['’]t\b|\b(not|no|still|again|but|broken|fail\w*|error|wrong|why|how)\b|\?", re.I)
# Words of Spanish, Portuguese, French and German that several patterns below share: "any news?",
# "fixed", "the third time".
_NEWS_INTL = r"alguna novedad|alguma novidade|du nouveau|des nouvelles|neuigkeiten"
_FIXED_INTL = (
    r"arreglad[oa]|resuelt[oa]|resolvid[oa]|consertad[oa]|r[ée]par[ée]e?|r[ée]solue?|"
    r"behoben|repariert|gel[öo]st"
)
_THIRD_TIME_INTL = r"tercera vez|terceira vez|troisi[èe]me fois|dritten? mal"
_FOLLOW_UP = re.compile(
    r"\b(still|again|yet|any (update|news|progress)|update|fixed|resolved|(working|work|back) now|"
    r"back (up|online)|and now|wtf|wth|ffs|seriously|ugh+|come on|same (thing|issue|problem)|"
    r"\d+(st|nd|rd|th) time|third time|(another|one more) time|keeps? (happening|disconnecting|breaking)|"
    r"sigue|todav[ií]a|otra vez|de nuevo|ainda|de novo|outra vez|encore|toujours|immer noch|wieder|"
    # "is it fixed yet?", "any news?" and "the third time" in Spanish, Portuguese, French and German
    rf"{_FIXED_INTL}|{_NEWS_INTL}|{_THIRD_TIME_INTL}|ya funciona|funciona ya|novedades|j[aá] voltou|"
    r"j[aá] funciona|novidades|[çc]a (?:re)?marche|geht (?:es|das) (?:jetzt|wieder)|"
    r"funktioniert (?:es|das)? ?(?:jetzt|wieder))\b"
    r"|\bnow\?|\?\?",
    re.IGNORECASE,
)
_FRUSTRATED = re.compile(
    r"\b(wtf|wth|ffs|fml|seriously|ridiculous|unacceptable|useless|annoying|fed up|sick of|tired of|"
    r"fuck\w*|shit\w*|damn\w*|crap|come on|ugh+|(3rd|third|4th|fourth|5th|fifth|\d+th) time|"
    r"keeps? (happening|disconnecting|breaking)|every (single )?(day|week)|not again|"
    rf"{_THIRD_TIME_INTL}|cuarta vez|cada semana|harto|harta|rid[ií]culo|inaceptable|mierda|"
    r"quarta vez|toda semana|farto|farta|inaceit[aá]vel|porra|"
    r"toutes les semaines|marre|ridicule|inacceptable|merde|putain|"
    r"jede woche|schon wieder|nase voll|l[äa]cherlich|inakzeptabel|schei(?:ß|ss)e|verdammt)\b"
    r"|!!|\?!",
    re.IGNORECASE,
)
# Asking whether it is fixed: one of these words before a '?' ("is it working again?"), or "any update".
_FIXED_WORD = re.compile(
    rf"\b(fixed|resolved|working|work|back|connected|ok|okay|up|{_FIXED_INTL}|funciona\w*|voltou|"
    r"(?:re)?marche|funktioniert|geht)\b",
    re.I,
)
_ANY_NEWS = re.compile(
    rf"\b(any (update|news|progress)|{_NEWS_INTL})\b",
    re.I,
)
# Words that deny, in the bot's five languages: a cause named only under one ("I did NOT change my
# password", "no cambié la contraseña", "je n'ai pas changé…") is denied, and read by matching again
# without them.
_DENIAL = re.compile(
    r"\b(?:not|never|didn['’]?t|haven['’]?t|hasn['’]?t|wasn['’]?t|don['’]?t|doesn['’]?t|no|nunca|não|nao|"
    r"pas|jamais|nicht|nie|niemals)\b|\bn['’](?=\w)",
    re.I,
)
# Asking what to do ("how do I fix it?"): the steps, not a follow-up's short news.
_ASKS_HOW = re.compile(
    r"\b(how(?!\s+come\b)|steps?|what (do|should|can) i do|what now|c[oó]mo|comment|wie|que fa(is|ire))\b",
    re.I,
)
# "frank's inbox", "Frank Moreau's mailbox"; "what about frank?" (the whole message).
_POSSESSIVE = re.compile(
    r"\b((?:[A-Z][\w.-]{1,40} )?[A-Za-z][\w.-]{0,40})['’]s\s{1,3}(?:\w{1,40}\s{1,3}){0,2}?"
    r"(mailbox|inbox|email|e-mail|mail|account|gmail|outlook|connection)\b"
)
_WHAT_ABOUT = re.compile(
    r"^(?:and |but |ok |so )?(?:what|how) about ([A-Za-z][\w.-]{0,40}(?: [A-Z][\w.-]{0,40})?)\W*$", re.I
)
# The same in Spanish, Portuguese, French and German (and "the inbox of …"): "el correo de Frank", "o email
# do frank", "la boîte mail de Frank", "das Postfach von Frank"; "¿y Frank?", "e a Ana?", "et Frank ?", "was
# ist mit Ivy?" (the whole message). A second name word must be capitalised, as in English.
_NAME = r"([^\W\d_][\w.-]{0,40}(?: [A-Z][\w.-]{0,40})?)"
_OF_PERSON = re.compile(
    r"\b(?i:correo|buz[oó]n|cuenta|bandeja|e-?mail|mail|caixa|conta|correio|bo[iî]te(?: mail)?|compte|"
    r"messagerie|courriel|postfach|konto|mailbox|inbox|outlook|gmail)\s{1,3}"
    r"(?i:de la|del|de|do|da|dos|das|du|von der|von|vom|of)\s{1,3}" + _NAME + r"(?!\w)"
)
_ABOUT_PHRASE = (
    r"(?i:qu[eé] (?:pasa|pas[oó]|hay|tal) (?:con|de)|o que (?:houve|aconteceu|h[aá]) com|qu'en est-il de|"
    r"et pour|was ist (?:mit|los mit)|wie sieht es (?:mit|bei)|what about)"
)
_WHAT_ABOUT_INTL = re.compile(
    r"^[¿¡\s]*(?:(?i:y|e|et|und)\s{1,3})?"
    + _ABOUT_PHRASE
    + r"\s{1,3}(?i:el |la |o |a |le |der |die )?"
    + _NAME
    + r"\W*$"
    + r"|^[¿¡\s]*(?i:y|e|et|und)\s{1,3}(?i:el |la |o |a |le |der |die )?"
    + _NAME
    + r"\W*$"
)
_NOT_NAME_WORDS = """it that what there here who he she one let everyone everybody someone somebody
    anyone anybody
    google microsoft outlook gmail office exchange today yesterday tomorrow tonight company team
    now me my mine this them him her you us reconnecting support why is how does did can check
    the a an our your their his its yours mailbox inbox email imap smtp pop oauth sso calendar sales
    marketing sequence sequences campaign campaigns week month
    ahora agora maintenant jetzt hoy hoje heute ayer ontem hier gestern mañana manana amanhã amanha
    demain morgen eso esto isso isto ça ca cela ceci das dies alors dann ai aí entonces então entao
    entrada réception reception eingang salida saída saida envoi trabajo trabalho travail arbeit
    empresa firma entreprise equipo equipe équipe mi mis tu tus su sus meu minha meus seu sua mon ma
    mes ton ta son sa notre votre mein meine meinem meiner meins dein deine sein seine ihr ihre unser
    mía mia mío mio mien mienne nuevo nueva novo nova nouveau nouvelle neu neue nada nichts rien lo
    la el los las le les der die den dem todos todo tous tout alle alles gente leute cliente client
    kunde prueba teste test spam voz usuario usuário utilisateur benutzer recuperación recuperação
    récupération soporte suporte servicio serviço service dienst correo conta compte cuenta
    messagerie courriel postfach konto caixa vez fois mal bien bem gut qué que quoi was wie como cómo
    comment porque por pour warum pourquoi sí si ja oui sim não nao non nein repente i
    yahoo zoho hotmail workspace icloud aol gmx ventas vendas comercial commercial vertrieb sdr time
    follow-up seguimiento seguimento relance prospection prospección prospecção apresentação
    presentación présentation bienvenida boas-vindas bienvenue um uma un une una uno ein eine einem
    einer correio envío envio plataforma plateforme plattform phishing oficina escritório
    escritorio bureau büro aquí aqui ici volta vuelta retour journée jour día dia tag pc
    vendedora vendedor estagiário estagiario becario stagiaire praktikant chef jefe chefe boss
    patron admin frau herr sr sra señor señora senhor senhora dona monsieur madame mme nun suspension
    suspensión suspensão sperrung alerta alerte alert aviso avis warnung notification notificação
    notificación error erro erreur fehler confirmação confirmación confirmation bestätigung rebote
    bounce"""
# "minha conta da Rússia" is the asker's own account: a first-person owner before the noun names no one.
_OWN_WORDS = """my mi mis minha meu meus minhas mon ma mes mein meine meinen meinem nuestro nuestra nosso
    nossa notre unser unsere"""
_OWN = frozenset(_OWN_WORDS.split())
_NOT_NAMES = frozenset(_NOT_NAME_WORDS.split())


def read_question(raw_text: str, *, bot_user_id: str | None = None, with_file: bool = False) -> Question:
    """Clean Slack markup from a message and work out what is being asked (`with_file`: a file came
    with it, which the bot cannot read; `bot_user_id`: the bot's own mention, which names no one)."""
    raw_text = _head_and_tail(raw_text or "")
    mentioned = [uid for uid in _USER_MENTION.findall(raw_text) if uid != bot_user_id]
    text = _MENTION.sub(" ", _SLACK_LINK.sub(_link_text, raw_text))
    text = " ".join(text.split())
    language = detect_language(text)
    if not text or _HELP.match(text):
        if with_file:
            return Question(text=text, intent="why_disconnected", with_file=True, language=language)
        return Question(text=text, intent="other", wants_help=True, topic="help", language=language)
    found = EMAIL.search(text) if "@" in text else None
    intent, named_reason = knowledge.match(text)
    named_reason = named_reason if named_reason and named_reason != "unknown" else None
    denied_reason = _denied_reason(text) if named_reason is None and intent != "other" else None
    name = None if found or mentioned else _person_named(text)
    someone = bool(found or mentioned or name)
    topic = _topic(text, intent, mailbox_clue=bool(someone or with_file or named_reason))
    if with_file and intent == "other":
        intent = "why_disconnected"
    return Question(
        text=text,
        intent=intent,
        named_reason=named_reason,
        denied_reason=denied_reason,
        about_email=found.group(0).lower() if found else None,
        general=not someone and not _PERSONAL.search(text) and _is_general(text, intent),
        wants_help=topic != "mailbox",
        topic=topic,
        about_slack_id=mentioned[0] if mentioned else None,
        about_name=name,
        follow_up=topic == "mailbox" and bool(_FOLLOW_UP.search(text)),
        frustrated=bool(_FRUSTRATED.search(text)) or _shouting(text),
        asks_if_fixed=_asks_if_fixed(text),
        asks_how=bool(_ASKS_HOW.search(text)),
        language=language,
        with_file=with_file,
    )


def _is_general(text: str, intent: str) -> bool:
    """True for a question about mailboxes in general, not one's own ("why do mailboxes disconnect?")."""
    return bool(_GENERAL.search(text)) or (intent != "contact_support" and bool(_ANYONE.search(text)))


def _head_and_tail(text: str) -> str:
    """The part of a message that is read: all of it up to MAX_READ characters, else its head and its
    last TAIL_CHARS, each cut at a space when one is near."""
    if len(text) <= MAX_READ:
        return text
    head_end = MAX_READ - TAIL_CHARS - 1
    space = text.rfind(" ", head_end - CUT_REACH, head_end)
    head = text[: space if space > 0 else head_end]
    tail_start = len(text) - TAIL_CHARS
    space = text.find(" ", tail_start, tail_start + CUT_REACH)
    tail = text[space + 1 if space >= 0 else tail_start :]
    return head + "\n" + tail


def _asks_if_fixed(text: str) -> bool:
    """True for "is it fixed now?", "working again?", "any update": a word of _FIXED_WORD before a '?'
    (searched up to the last '?', not from each word to a '?')."""
    last_mark = text.rfind("?")
    return bool(last_mark > 0 and _FIXED_WORD.search(text, 0, last_mark)) or bool(_ANY_NEWS.search(text))


def _topic(text: str, intent: str, *, mailbox_clue: bool) -> str:
    """The topic: "thanks", "off_topic" (nothing about a mailbox connection in it) or "mailbox"."""
    thanks = bool(_THANKS.search(text) or _ACK.match(text)) and not _NOT_THANKS.search(text)
    if thanks and intent != "contact_support":
        return "thanks"
    if mailbox_clue or intent != "other" or _ABOUT_MAILBOX.search(text) or _FOLLOW_UP.search(text):
        return "mailbox"
    return "off_topic"


def _denied_reason(text: str) -> str | None:
    """The documented cause a message names only under a denial ("I did NOT change my password"), if any:
    the message read again by the matcher with the denying words left out."""
    if not _DENIAL.search(text):
        return None
    _, named = knowledge.match(_DENIAL.sub(" ", text))
    return named if named and named != "unknown" else None


def _person_named(text: str) -> str | None:
    """The name of someone the message asks about ("frank's inbox", "what about Frank?"), if any."""
    found = _POSSESSIVE.search(text) or _WHAT_ABOUT.match(text)
    if not found:
        found = _OF_PERSON.search(text)
        before = text[: found.start()].split() if found else []
        if before and before[-1].lower() in _OWN:
            found = None
    found = found or _WHAT_ABOUT_INTL.match(text)
    if not found:
        return None
    named = next(group for group in found.groups() if group)
    words = [w.rstrip(".-") for w in named.split() if w.rstrip(".-").lower() not in _NOT_NAMES]
    words = [w for w in words if len(w) > 1]
    return " ".join(words) or None


def _shouting(text: str) -> bool:
    """True for a message in capitals ("STILL BROKEN"), which reads as angry."""
    letters = [ch for ch in text if ch.isalpha()]
    return len(letters) >= 6 and sum(ch.isupper() for ch in letters) / len(letters) > 0.8


def _link_text(match: re.Match[str]) -> str:
    """The visible text of a Slack link (its label, or the bare address)."""
    return match.group(2) or match.group(3) or ""
