"""The code tables in `knowledge/codes/*.yaml`: provider and protocol codes → reason, with sources.

Support edits these files; `mailbox-assistant kb lint` validates them. A row says what a code means
for the user's own mailbox connection: a reason and a strength (`strong`: the code alone decides;
`weak`: a likely reason the wording may override), or `ambiguous` when only the wording can decide.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from dataclasses import astuple, dataclass
from pathlib import Path

import yaml

from knowledge.loader import REASON_CODES, KnowledgeError
from knowledge.structure import Structure

CODES_DIR = Path(__file__).parent / "codes"
STRENGTHS = ("strong", "weak")
PROVIDERS = ("any", "google", "microsoft")
STAGES = ("any", "auth", "mail_from", "rcpt_to", "data")
# Tables whose codes are names found as tokens of the text (not by a pattern of their own).
NAME_KINDS = ("oauth_errors", "gmail_api", "graph", "exceptions")
# Tables read from bracketed response codes: IMAP [AUTHENTICATIONFAILED], POP3 [SYS/TEMP].
BRACKET_KINDS = ("imap", "pop3")
# Which table answers a code the parser found, most specific first.
PATTERN_KINDS = {
    "smtp_enhanced": ("exchange_ndr", "smtp_enhanced"),
    "smtp_basic": ("smtp_basic",),
    "aadsts": ("aadsts",),
    "http_status": ("http_status",),
    "bracket": BRACKET_KINDS,
}
_ROW_KEYS = {"code", "reason", "strength", "meaning", "provider", "stage", "source"}
_YamlLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Parsed tables are kept beside the YAML, as Python keeps bytecode (`__pycache__/`), under a digest of
# the file, of this module and of the reason codes: YAML parsing was most of a process's start-up.
_CACHE_DIR = "__pycache__"
_CACHE_SALT = hashlib.sha256(Path(__file__).read_bytes() + ",".join(REASON_CODES).encode()).digest()
# A name too plain to be a code when it stands in running text ("invalid", "timeout").
_PLAIN_WORD = re.compile(r"[a-z]+")


@dataclass(frozen=True)
class Row:
    """One row of a code table."""

    kind: str
    code: str
    reason: str  # a reason code, or "ambiguous"
    strength: str
    meaning: str
    provider: str
    stage: str
    source: str


class CodeTables:
    """Every table, indexed for look-up by (kind, code) and by name token."""

    def __init__(self, rows: list[Row]) -> None:
        self._by_code: dict[tuple[str, str], list[Row]] = {}
        self._by_name: dict[str, list[Row]] = {}
        for row in rows:
            key = normal_code(row.kind, row.code)
            self._by_code.setdefault((row.kind, key), []).append(row)
            if row.kind in NAME_KINDS and not _PLAIN_WORD.fullmatch(row.code):
                self._by_name.setdefault(key, []).append(row)
        self.size = len(rows)

    def lookup(self, structure: Structure, provider: str | None = None) -> list[Row]:
        """The table rows the codes of an error select, most specific first, one per code.

        Without a provider (none given, none named by the text), a code that only one provider's
        table defines (an Exchange Online NDR, a Graph error) is read by that table.
        """
        provider = provider or structure.provider
        hits: list[Row] = []
        for code in structure.codes:
            candidates = [
                self._by_code.get((kind, normal_code(kind, code.value)), [])
                for kind in PATTERN_KINDS.get(code.kind, ())
            ]
            row = next(filter(None, (self._best(rows, structure, provider) for rows in candidates)), None)
            if row is None and provider is None:
                row = next(filter(None, (_only_provider(rows, structure) for rows in candidates)), None)
            if row is not None:
                hits.append(row)
        by_name = self._by_name
        for token in sorted(structure.tokens & by_name.keys()):
            row = self._best(by_name[token], structure, provider)
            if row is None and provider is None:
                row = _only_provider(by_name[token], structure)
            if row is not None and row not in hits:
                hits.append(row)
        return hits

    @staticmethod
    def _best(rows: list[Row], structure: Structure, provider: str | None) -> Row | None:
        """The row for this provider and SMTP stage when one is written, else the general one."""
        fitting = [
            row for row in rows if row.provider in ("any", provider) and row.stage in ("any", structure.stage)
        ]
        if not fitting:
            return None
        return max(fitting, key=lambda row: (row.provider != "any", row.stage != "any"))


def _only_provider(rows: list[Row], structure: Structure) -> Row | None:
    """The row of a code that one provider alone defines, for an error whose provider is not known."""
    providers = {row.provider for row in rows}
    if len(providers) != 1:
        return None
    return CodeTables._best(rows, structure, providers.pop())


def normal_code(kind: str, code: str) -> str:
    """A code as looked up: lower case, AADSTS without prefix and leading zeros, no '#' or brackets."""
    code = code.strip().strip("[]#").lower()
    if kind == "aadsts":
        code = code.removeprefix("aadsts").lstrip("0") or "0"
    return code


def load_tables(directory: Path = CODES_DIR) -> CodeTables:
    """Every table in `directory`, validated; raises KnowledgeError naming the file and row."""
    rows: list[Row] = []
    for path in sorted(directory.glob("*.yaml")):
        rows.extend(parse_table(path))
    return CodeTables(rows)


def parse_table(path: Path, *, cached: bool = True) -> list[Row]:
    """One table file: `kind`, `source` and `rows` of code → reason (validated, or from the cache
    of this very file's validated rows)."""
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise KnowledgeError(f"codes/{path.name}: cannot read: {exc}") from None
    if not cached:
        return _parse_table(path, content)
    digest = hashlib.sha256(_CACHE_SALT + content).hexdigest()[:20]
    cache = path.parent / _CACHE_DIR / f"{path.stem}.{digest}.json"
    try:
        return [Row(*fields) for fields in json.loads(cache.read_text(encoding="utf-8"))]
    except (OSError, ValueError, TypeError):
        pass  # no cache yet, or unreadable: parse the YAML
    rows = _parse_table(path, content)
    _write_cache(cache, rows)
    return rows


def _write_cache(cache: Path, rows: list[Row]) -> None:
    """Keep the parsed rows (best effort: a read-only install parses at each start); drop older copies."""
    try:
        cache.parent.mkdir(exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=cache.parent, suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump([astuple(row) for row in rows], out, ensure_ascii=False)
        os.replace(temporary, cache)
        stem = cache.name.split(".")[0]
        for old in cache.parent.glob(f"{stem}.*.json"):
            if old != cache:
                old.unlink(missing_ok=True)
    except OSError:
        pass


def _parse_table(path: Path, content: bytes) -> list[Row]:
    try:
        data = yaml.load(content.decode("utf-8"), Loader=_YamlLoader)
    except UnicodeDecodeError as exc:
        raise KnowledgeError(f"codes/{path.name}: cannot read: {exc}") from None
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"codes/{path.name}: bad YAML: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("rows"), list):
        raise KnowledgeError(f"codes/{path.name}: needs 'kind', 'source' and a list of 'rows'")
    kind, source = data.get("kind"), data.get("source")
    if kind != path.stem:
        raise KnowledgeError(f"codes/{path.name}: kind {kind!r} must match the file name")
    if not isinstance(source, str) or not source.strip():
        raise KnowledgeError(f"codes/{path.name}: 'source' must name where the rows come from")
    rows, seen = [], set()
    for number, raw in enumerate(data["rows"], start=1):
        row = _row(path, number, kind, source, raw)
        key = (normal_code(kind, row.code), row.provider, row.stage)
        if key in seen:
            raise KnowledgeError(f"codes/{path.name}: row {number}: code {row.code!r} appears twice")
        seen.add(key)
        rows.append(row)
    return rows


def _row(path: Path, number: int, kind: str, source: str, raw: object) -> Row:
    where = f"codes/{path.name}: row {number}"
    if not isinstance(raw, dict):
        raise KnowledgeError(f"{where}: must be a mapping with code, reason, strength, meaning")
    unknown = sorted(set(map(str, raw)) - _ROW_KEYS)
    if unknown:
        raise KnowledgeError(f"{where}: unknown field(s) {', '.join(unknown)}")
    code = raw.get("code")
    if isinstance(code, int | float) and not isinstance(code, bool):
        code = str(code)
    if not isinstance(code, str) or not code.strip():
        raise KnowledgeError(f"{where}: 'code' must be text (put numbers in quotes)")
    reason = raw.get("reason")
    if reason not in (*REASON_CODES, "ambiguous"):
        raise KnowledgeError(f"{where}: reason {reason!r} is none of {', '.join(REASON_CODES)}, ambiguous")
    strength = raw.get("strength", "weak" if reason == "ambiguous" else None)
    if strength not in STRENGTHS:
        raise KnowledgeError(f"{where}: strength must be strong or weak")
    provider = raw.get("provider", "any")
    if provider not in PROVIDERS:
        raise KnowledgeError(f"{where}: provider must be one of {', '.join(PROVIDERS)}")
    stage = raw.get("stage", "any")
    if stage not in STAGES:
        raise KnowledgeError(f"{where}: stage must be one of {', '.join(STAGES)}")
    meaning = raw.get("meaning", "")
    if not isinstance(meaning, str):
        raise KnowledgeError(f"{where}: 'meaning' must be text")
    row_source = raw.get("source", source)
    if not isinstance(row_source, str) or not row_source.strip():
        raise KnowledgeError(f"{where}: 'source' must be text")
    return Row(kind, code.strip(), reason, strength, meaning.strip(), provider, stage, row_source.strip())


def lint_tables(directory: Path = CODES_DIR) -> list[str]:
    """Every problem in the code tables, one line each; empty when all is well."""
    problems = []
    for path in sorted(directory.glob("*.yaml")):
        try:
            parse_table(path, cached=False)
        except KnowledgeError as exc:
            problems.append(str(exc))
    return problems
