"""A real SMTP server on loopback for tests (aiosmtpd): records what it accepts, can refuse or stall,
can be stopped and started again on the same port, speaks STARTTLS/TLS with a self-signed certificate."""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import ipaddress
import ssl
import threading
import time
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


class LoopbackController(Controller):
    """aiosmtpd's Controller on port 0: it learns the chosen port before its readiness probe."""

    def _trigger_server(self) -> None:
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class Mailroom:
    """The SMTP handler: `mode` is `accept`, `reject` (550) or `slow` (stalls `delay` s, then 451)."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[Any] = []
        self.mode = "accept"
        self.delay = 2.0
        self._changed = threading.Condition()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        """Accept, refuse or stall, as scripted."""
        if self.mode == "reject":
            return "550 5.7.1 Message rejected by policy"
        if self.mode == "slow":
            await asyncio.sleep(self.delay)
            return "451 4.3.0 Try again later"
        message = email.message_from_bytes(envelope.original_content, policy=policy.default)
        with self._changed:
            self.messages.append(message)  # type: ignore[arg-type]
            self.envelopes.append(envelope)
            self._changed.notify_all()
        return "250 2.0.0 OK queued"

    def wait_for_messages(self, count: int = 1, timeout: float = 5.0) -> list[EmailMessage]:
        """Wait until `count` messages arrived; fail after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.messages) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"{len(self.messages)} message(s) arrived, expected {count}")
                self._changed.wait(remaining)
            return list(self.messages)


class Credentials:
    """An authenticator accepting one login and password (aiosmtpd calls it for AUTH)."""

    def __init__(self, login: str, password: str) -> None:
        self.login, self.password = login.encode(), password.encode()
        self.attempts: list[bytes] = []

    def __call__(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        """Check a LOGIN/PLAIN attempt."""
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        self.attempts.append(auth_data.login)
        ok = auth_data.login == self.login and auth_data.password == self.password
        return AuthResult(success=ok, handled=False)


class SmtpServer:
    """Start, stop and restart an aiosmtpd server on one loopback port."""

    def __init__(self, mailroom: Mailroom, **controller_kwargs: Any) -> None:
        self.mailroom = mailroom
        self.kwargs = controller_kwargs
        self.port = 0
        self._controller: LoopbackController | None = None

    def start(self) -> SmtpServer:
        """Listen (on the same port as before, once one was chosen)."""
        controller = LoopbackController(self.mailroom, hostname="127.0.0.1", port=self.port, **self.kwargs)
        controller.start()
        self.port = controller.port
        self._controller = controller
        return self

    def stop(self) -> None:
        """Stop listening: connections are refused until `start` again."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost: (cert.pem, key.pem)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


def server_tls_context(cert_path: Path, key_path: Path) -> ssl.SSLContext:
    """The server side of TLS with the test certificate."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    return context
