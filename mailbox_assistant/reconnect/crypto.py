"""Encryption at rest of OAuth tokens: Fernet keys from TOKEN_ENCRYPTION_KEY, rotatable with MultiFernet."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from mailbox_assistant.settings import ConfigError, Settings

__all__ = ["InvalidToken", "TokenCipher", "cipher_from_settings", "new_key"]


class TokenCipher:
    """Encrypts with the first (newest) key and decrypts with any of them, so keys can be rotated.

    Rotation: put a new key first in TOKEN_ENCRYPTION_KEY (comma-separated, newest first) on every
    process, run `mailbox-assistant tokens rotate` (reconnect.rotation, which calls `rotate` on every
    stored value), then drop the old key once it reports no unreadable token.
    """

    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise ConfigError("missing required setting TOKEN_ENCRYPTION_KEY")
        try:
            self._fernet = MultiFernet([Fernet(key.encode()) for key in keys])
        except ValueError:
            raise ConfigError(
                "bad setting TOKEN_ENCRYPTION_KEY: each comma-separated key must be a Fernet key "
                "(32 url-safe base64-encoded bytes)"
            ) from None

    @classmethod
    def from_setting(cls, value: str) -> TokenCipher:
        """A cipher from the comma-separated keys of TOKEN_ENCRYPTION_KEY (newest first)."""
        return cls([part.strip() for part in value.split(",") if part.strip()])

    def encrypt(self, plaintext: str | None) -> str | None:
        """The Fernet token of `plaintext` under the newest key (None stays None)."""
        if plaintext is None:
            return None
        return self._fernet.encrypt(plaintext.encode()).decode("ascii")

    def decrypt(self, ciphertext: str | None) -> str | None:
        """The plaintext of a stored value; raises InvalidToken if no configured key opens it."""
        if ciphertext is None:
            return None
        return self._fernet.decrypt(ciphertext.encode("ascii")).decode()

    def rotate(self, ciphertext: str | None) -> str | None:
        """The same value re-encrypted under the newest key."""
        if ciphertext is None:
            return None
        return self._fernet.rotate(ciphertext.encode("ascii")).decode("ascii")


def cipher_from_settings(settings: Settings) -> TokenCipher:
    """The cipher configured by TOKEN_ENCRYPTION_KEY; ConfigError naming it when missing or bad."""
    settings.require("token_encryption_key")
    assert settings.token_encryption_key is not None
    return TokenCipher.from_setting(settings.token_encryption_key.get_secret_value())


def new_key() -> str:
    """A fresh Fernet key, for TOKEN_ENCRYPTION_KEY."""
    return Fernet.generate_key().decode("ascii")
