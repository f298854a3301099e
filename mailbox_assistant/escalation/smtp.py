"""Send one email over SMTP as `SMTP_URL` says: plain, STARTTLS or TLS, with optional auth and a timeout."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

SCHEMES = {"smtp": ("plain", 25), "smtp+starttls": ("starttls", 587), "smtps": ("tls", 465)}
DEFAULT_TIMEOUT = 15.0


class SmtpConfigError(ValueError):
    """SMTP_URL cannot be understood; the message never contains the password."""


@dataclass(frozen=True)
class SmtpTarget:
    """Where and how to send: host, port, security (plain/starttls/tls), credentials, CA file, timeout."""

    host: str
    port: int
    security: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    ca_file: str | None = None
    timeout: float = DEFAULT_TIMEOUT

    def describe(self) -> str:
        """The target for logs: never the password."""
        user = f"{self.username}@" if self.username else ""
        return f"{self.security}://{user}{self.host}:{self.port}"


def parse_smtp_url(url: str, timeout: float = DEFAULT_TIMEOUT) -> SmtpTarget:
    """`smtp://`, `smtp+starttls://` or `smtps://` with `user:password@host:port`; `?ca_file=` and
    `?timeout=` are optional (a CA file trusts a private certificate authority)."""
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES:
        raise SmtpConfigError(f"SMTP_URL scheme must be one of {', '.join(SCHEMES)}, not {parts.scheme!r}")
    if not parts.hostname:
        raise SmtpConfigError("SMTP_URL has no host")
    security, default_port = SCHEMES[parts.scheme]
    try:
        port = parts.port or default_port
    except ValueError:
        raise SmtpConfigError("SMTP_URL has a bad port") from None
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    return SmtpTarget(
        host=parts.hostname,
        port=port,
        security=security,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
        ca_file=query.get("ca_file"),
        timeout=float(query.get("timeout", timeout)),
    )


def send_message(target: SmtpTarget, message: EmailMessage) -> None:
    """Deliver `message`; a refusal, timeout or connection failure raises (SMTPException or OSError)."""
    context = ssl.create_default_context(cafile=target.ca_file)
    if target.security == "tls":
        connection: smtplib.SMTP = smtplib.SMTP_SSL(
            target.host, target.port, timeout=target.timeout, context=context
        )
    else:
        connection = smtplib.SMTP(target.host, target.port, timeout=target.timeout)
    with connection:
        connection.ehlo()
        if target.security == "starttls":
            connection.starttls(context=context)
            connection.ehlo()
        if target.username:
            connection.login(target.username, target.password or "")
        refused = connection.send_message(message)
        if refused:
            raise smtplib.SMTPRecipientsRefused(refused)


def describe_error(exc: BaseException) -> str:
    """A short, secret-free description of a sending failure (for the row's last_error and logs)."""
    if isinstance(exc, smtplib.SMTPResponseException):
        detail = (
            exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
        )
        return f"SMTP {exc.smtp_code}: {' '.join(str(detail).split())[:300]}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return f"recipients refused: {', '.join(exc.recipients)}"[:300]
    return f"{type(exc).__name__}: {exc}"[:300]
