"""Read and validate the knowledge files into typed entries; every problem names its file."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

# libyaml's C parser when installed (about ten times faster), the pure-Python one otherwise.
_YamlLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Reason codes are a contract with other tools (ARCHITECTURE.md); a new one needs a release.
REASON_CODES = (
    "token_expired",
    "password_changed",
    "suspicious_activity",
    "sending_limit",
    "storage_full",
    "account_suspended",
    "provider_outage",
    "unknown",
)
INTENTS = ("why_disconnected", "how_to_reconnect", "contact_support", "other")
PROVIDER_SECTIONS = {
    "google": "google",
    "microsoft": "microsoft",
    "other providers": "other",
    "all providers": "other",
}
SIGNATURE_TIERS = ("codes", "phrases", "hints")

REASONS_DIR = Path(__file__).parent / "reasons"
INTENTS_FILE = Path(__file__).parent / "intents.yaml"

_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n(.*)\Z", re.DOTALL)
_SECTION = re.compile(r"^##\s+(.+?)\s*$", re.MULTILINE)
_SUBSECTION = re.compile(r"^###\s+(.+?)\s*$", re.MULTILINE)
_STEP = re.compile(r"^\s*\d+\.\s+(.*(?:\n(?!\s*\d+\.\s)(?!\s*#)\s+\S.*)*)", re.MULTILINE)
_ALLOWED_KEYS = {
    "code",
    "title",
    "self_serve",
    "escalate",
    "signatures",
    "question_phrases",
    "question_hints",
}
_REQUIRED_KEYS = ("code", "title", "self_serve", "escalate")


class KnowledgeError(ValueError):
    """A knowledge file is missing, malformed or inconsistent."""


@dataclass(frozen=True)
class Signature:
    """One way a reason shows up in a raw error: a phrase of words, or a regular expression."""

    reason: str
    tier: str
    text: str
    words: tuple[str, ...] = ()
    regex: re.Pattern[str] | None = None


@dataclass(frozen=True)
class Reason:
    """A documented reason a mailbox disconnects, as a support person wrote it."""

    code: str
    title: str
    summary: str
    self_serve: bool
    escalate: bool
    steps: dict[str, tuple[str, ...]] = field(default_factory=dict)
    signatures: tuple[Signature, ...] = ()
    question_phrases: tuple[str, ...] = ()
    question_hints: tuple[str, ...] = ()
    source: str = ""

    def steps_for(self, provider: str | None) -> tuple[str, ...]:
        """The numbered steps for this provider (google, microsoft, anything else)."""
        from mailbox_assistant.providers import canonical

        return self.steps.get(canonical(provider)) or self.steps.get("other", ())


def load_reasons(directory: Path = REASONS_DIR) -> dict[str, Reason]:
    """Every reason file in `directory`, validated; raises KnowledgeError naming the file."""
    reasons: dict[str, Reason] = {}
    for path in sorted(directory.glob("*.md")):
        reason = parse_reason_file(path)
        if reason.code in reasons:
            raise KnowledgeError(
                f"{path.name}: duplicate code {reason.code!r} (also in {reasons[reason.code].source})"
            )
        reasons[reason.code] = reason
    missing = [code for code in REASON_CODES if code not in reasons]
    if missing:
        raise KnowledgeError(f"{directory}: no file for reason code(s) {', '.join(missing)}")
    return reasons


def parse_reason_file(path: Path) -> Reason:
    """One reason file: YAML front matter, then '## Why this happens' and '## What to do'."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise KnowledgeError(f"{path.name}: cannot read: {exc}") from None
    found = _FRONT_MATTER.match(text)
    if not found:
        raise KnowledgeError(f"{path.name}: must start with YAML front matter between '---' lines")
    try:
        meta = yaml.load(found.group(1), Loader=_YamlLoader)
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"{path.name}: bad YAML in front matter: {exc}") from None
    if not isinstance(meta, dict):
        raise KnowledgeError(f"{path.name}: front matter must be a mapping of fields")
    _check_fields(path, meta)
    code = meta["code"]
    sections = _sections(found.group(2))
    summary = _paragraph(path, sections, "why this happens")
    steps = _steps(path, sections)
    return Reason(
        code=code,
        title=meta["title"].strip(),
        summary=summary,
        self_serve=meta["self_serve"],
        escalate=meta["escalate"],
        steps=steps,
        signatures=_signatures(path, code, meta.get("signatures") or {}),
        question_phrases=tuple(_strings(path, "question_phrases", meta.get("question_phrases") or [])),
        question_hints=tuple(_strings(path, "question_hints", meta.get("question_hints") or [])),
        source=path.name,
    )


def _check_fields(path: Path, meta: dict) -> None:
    unknown = sorted(set(meta) - _ALLOWED_KEYS)
    if unknown:
        raise KnowledgeError(f"{path.name}: unknown field(s) {', '.join(map(str, unknown))}")
    for key in _REQUIRED_KEYS:
        if meta.get(key) in (None, ""):
            raise KnowledgeError(f"{path.name}: missing field {key!r}")
    if meta["code"] not in REASON_CODES:
        raise KnowledgeError(
            f"{path.name}: unknown code {meta['code']!r}; known codes: {', '.join(REASON_CODES)}"
        )
    if path.stem != meta["code"]:
        raise KnowledgeError(f"{path.name}: code {meta['code']!r} must match the file name")
    if not isinstance(meta["title"], str):
        raise KnowledgeError(f"{path.name}: title must be text")
    for key in ("self_serve", "escalate"):
        if not isinstance(meta[key], bool):
            raise KnowledgeError(f"{path.name}: {key} must be true or false")


def _strings(path: Path, name: str, values: object) -> list[str]:
    if not isinstance(values, list):
        raise KnowledgeError(f"{path.name}: {name} must be a list of texts")
    texts = []
    for value in values:
        if isinstance(value, float):
            raise KnowledgeError(
                f"{path.name}: {name}: put {value!r} in quotes, as YAML reads it as a number"
            )
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value.strip():
            raise KnowledgeError(f"{path.name}: {name}: {value!r} is not a non-empty text")
        texts.append(value.strip())
    return texts


def _signatures(path: Path, code: str, raw: object) -> tuple[Signature, ...]:
    from knowledge.text import error_words

    if not isinstance(raw, dict):
        raise KnowledgeError(f"{path.name}: signatures must map {', '.join(SIGNATURE_TIERS)} to lists")
    unknown = sorted(set(raw) - set(SIGNATURE_TIERS))
    if unknown:
        raise KnowledgeError(f"{path.name}: unknown signature tier(s) {', '.join(map(str, unknown))}")
    signatures = []
    for tier in SIGNATURE_TIERS:
        items = raw.get(tier) or []
        if not isinstance(items, list):
            raise KnowledgeError(f"{path.name}: signatures.{tier} must be a list")
        for item in items:
            if isinstance(item, dict) and set(item) == {"re"}:
                item = f"re:{item['re']}"
            (item,) = _strings(path, f"signatures.{tier}", [item])
            if item.startswith("re:"):
                try:
                    regex = re.compile(item[3:].strip(), re.IGNORECASE)
                except re.error as exc:
                    raise KnowledgeError(f"{path.name}: invalid pattern {item!r}: {exc}") from None
                signatures.append(Signature(code, tier, item, regex=regex))
                continue
            words = tuple(error_words(item))
            if not words or words[0] == "*":
                raise KnowledgeError(f"{path.name}: signature {item!r} must start with a word")
            signatures.append(Signature(code, tier, item, words=words))
    return tuple(signatures)


def _sections(body: str) -> dict[str, str]:
    parts = _SECTION.split(body)
    return {parts[i].strip().lower(): parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def _paragraph(path: Path, sections: dict[str, str], name: str) -> str:
    text = " ".join(sections.get(name, "").split())
    if not text:
        raise KnowledgeError(f"{path.name}: missing section '## {name.capitalize()}'")
    return text


def _steps(path: Path, sections: dict[str, str]) -> dict[str, tuple[str, ...]]:
    body = sections.get("what to do", "")
    parts = _SUBSECTION.split(body)
    blocks = {"other": parts[0]} if len(parts) == 1 else {}
    for i in range(1, len(parts) - 1, 2):
        heading = parts[i].strip().lower()
        if heading not in PROVIDER_SECTIONS:
            raise KnowledgeError(
                f"{path.name}: unknown provider heading '### {parts[i].strip()}' "
                f"(use Google, Microsoft, Other providers or All providers)"
            )
        blocks[PROVIDER_SECTIONS[heading]] = parts[i + 1]
    steps = {
        provider: tuple(" ".join(s.split()) for s in _STEP.findall(text)) for provider, text in blocks.items()
    }
    if "other" not in steps:
        raise KnowledgeError(
            f"{path.name}: '## What to do' needs an 'Other providers' (or 'All providers') list"
        )
    for provider, items in steps.items():
        if not items:
            raise KnowledgeError(f"{path.name}: '## What to do' has no numbered steps for {provider}")
    return steps


def load_intents(path: Path = INTENTS_FILE) -> dict[str, dict[str, list[str]]]:
    """The intent phrase lists: {section: {name: [phrases]}}; raises KnowledgeError on problems."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_YamlLoader)
    except OSError as exc:
        raise KnowledgeError(f"{path.name}: cannot read: {exc}") from None
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"{path.name}: bad YAML: {exc}") from None
    if not isinstance(data, dict):
        raise KnowledgeError(f"{path.name}: must be a mapping of sections")
    result: dict[str, dict[str, list[str]]] = {}
    for section, groups in data.items():
        if not isinstance(groups, dict):
            raise KnowledgeError(f"{path.name}: section {section!r} must map names to phrase lists")
        result[section] = {
            name: _strings(path, f"{section}.{name}", phrases) for name, phrases in groups.items()
        }
    unknown = sorted(set(result.get("intents", {})) - set(INTENTS))
    if "intents" not in result or unknown:
        raise KnowledgeError(f"{path.name}: needs an 'intents' section naming only {', '.join(INTENTS)}")
    return result


def lint(directory: Path = REASONS_DIR, intents_file: Path = INTENTS_FILE) -> list[str]:
    """Every problem in the knowledge files, one line each naming the file; empty when all is well."""
    problems: list[str] = []
    reasons: dict[str, Reason] = {}
    for path in sorted(directory.glob("*.md")):
        try:
            reason = parse_reason_file(path)
        except KnowledgeError as exc:
            problems.append(str(exc))
            continue
        if reason.code in reasons:
            problems.append(
                f"{path.name}: duplicate code {reason.code!r} (also in {reasons[reason.code].source})"
            )
            continue
        reasons[reason.code] = reason
    problems += [
        f"{directory}: no file for reason code {code}" for code in REASON_CODES if code not in reasons
    ]
    problems += _shared_signatures(reasons.values())
    try:
        load_intents(intents_file)
    except KnowledgeError as exc:
        problems.append(str(exc))
    return problems + _lint_data()


def _lint_data() -> list[str]:
    """Problems of the code tables, support's examples and the model files."""
    from knowledge.codes import lint_tables
    from knowledge.concepts import read_concepts
    from knowledge.examples import failure_examples, question_examples
    from knowledge.model import MODELS_DIR, LinearModel

    problems = lint_tables()
    try:
        read_concepts()
    except KnowledgeError as exc:
        problems.append(str(exc))
    for load in (failure_examples, question_examples):
        try:
            load()
        except KnowledgeError as exc:
            problems.append(str(exc))
    for name in ("failures.npz", "questions.npz"):
        try:
            LinearModel(MODELS_DIR / name)
        except KnowledgeError as exc:
            problems.append(str(exc))
    return problems


def _shared_signatures(reasons: Iterable[Reason]) -> list[str]:
    """The same signature under two reasons makes both answers a tie: name it."""
    owners: dict[tuple[str, ...] | str, Reason] = {}
    problems = []
    for reason in reasons:
        for signature in reason.signatures:
            key = signature.words or signature.text
            owner = owners.setdefault(key, reason)
            if owner.code != reason.code:
                problems.append(
                    f"{reason.source}: signature {signature.text!r} is also a signature of {owner.code} "
                    f"({owner.source}); keep it in one file"
                )
    return problems
