"""Every environment read of the project, typed, with defaults, in one place."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class ConfigError(Exception):
    """A required setting is missing or a setting has a bad value; the message names it."""


class Settings(BaseSettings):
    """The configuration of all processes (api, bot, worker), read from the environment and `.env`."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    database_url: str = "sqlite:///mailbox-assistant.db"
    status_api_url: str = "http://127.0.0.1:5000"
    status_api_key: SecretStr | None = None
    status_api_timeout_seconds: float = Field(default=2.0, gt=0)  # the bot answers within Slack's patience

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    admin_slack_ids: Annotated[frozenset[str], NoDecode] = frozenset()
    transcript_retention_days: int = Field(default=30, ge=1)  # conversation turns kept for escalations

    support_email: str = "support@amplemarket.com"
    email_from: str = "mailbox-assistant@localhost"
    smtp_url: SecretStr | None = None
    support_slack_channel: str | None = None
    escalations_per_day: int = Field(default=5, ge=1)  # cases one person may open in 24 hours

    public_url: str = "http://127.0.0.1:5000"
    reconnect_url_template: str | None = None
    secret_key: SecretStr | None = None
    token_encryption_key: SecretStr | None = None
    google_client_id: str | None = None
    google_client_secret: SecretStr | None = None
    google_authorize_url: str = "https://accounts.google.com/o/oauth2/v2/auth"
    google_token_url: str = "https://oauth2.googleapis.com/token"
    microsoft_client_id: str | None = None
    microsoft_client_secret: SecretStr | None = None
    microsoft_authorize_url: str = "https://login.microsoftonline.com/common/oauth2/v2.0/authorize"
    microsoft_token_url: str = "https://login.microsoftonline.com/common/oauth2/v2.0/token"
    # --- reconnect links and OAuth apps ---
    # ID tokens are verified against the provider's signing keys (JWKS) and issuer
    google_jwks_url: str = "https://www.googleapis.com/oauth2/v3/certs"
    google_issuer: str = "https://accounts.google.com"
    google_scopes: str = "openid email https://mail.google.com/"
    google_app_testing_mode: bool = False  # refresh tokens of a Google app in "Testing" die after 7 days
    microsoft_jwks_url: str = "https://login.microsoftonline.com/common/discovery/v2.0/keys"
    microsoft_issuer: str = "https://login.microsoftonline.com/{tenantid}/v2.0"  # {tenantid}: the token's tid
    microsoft_tenant_ids: str = ""  # comma-separated tids whose accounts may reconnect; empty: any
    # profile: Microsoft sends preferred_username and oid only with it
    microsoft_scopes: str = (
        "openid profile email offline_access https://outlook.office.com/IMAP.AccessAsUser.All "
        "https://outlook.office.com/SMTP.Send"
    )
    reconnect_link_hours: float = Field(default=24.0, gt=0)
    oauth_state_minutes: float = Field(default=15.0, gt=0)
    oauth_timeout_seconds: float = Field(default=10.0, gt=0)
    token_refresh_margin_seconds: float = Field(default=600.0, ge=0)
    token_monitor_interval_seconds: float = Field(default=30.0, gt=0)
    token_expiry_warning_hours: float = Field(default=48.0, ge=0)

    reminder_hours: float = Field(default=24.0, gt=0)
    # --- proactive messages ---
    notify_page_size: int = Field(default=200, ge=1, le=1000)  # events read per feed request
    notify_concurrency: int = Field(default=16, ge=1, le=64)  # owners served at once per worker
    notify_lease_seconds: float = Field(default=30.0, gt=0)  # a killed worker's owners wait this long
    notify_max_age_hours: float = Field(default=24.0, gt=0)  # older disconnections are not announced
    flap_threshold: int = Field(default=3, ge=1)  # more disconnections than this in FLAP_WINDOW_HOURS
    flap_window_hours: float = Field(default=24.0, gt=0)
    incident_threshold: int = Field(default=10, ge=2)  # mailboxes of one provider with provider_outage
    incident_window_minutes: float = Field(default=15.0, gt=0)
    incident_quiet_minutes: float = Field(default=120.0, gt=0)  # closes after this long without news
    slack_messages_per_second: float = Field(default=50.0, gt=0)  # shared by all workers
    slack_channel_messages_per_second: float = Field(default=1.0, gt=0)
    # --- support's page (/support): who may sign in, and "Sign in with Slack" (OpenID Connect) ---
    support_slack_ids: Annotated[frozenset[str], NoDecode] = frozenset()  # with ADMIN_SLACK_IDS
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    slack_openid_authorize_url: str = "https://slack.com/openid/connect/authorize"
    slack_openid_token_url: str = "https://slack.com/api/openid.connect.token"
    slack_openid_jwks_url: str = "https://slack.com/openid/connect/keys"
    support_session_hours: float = Field(default=8.0, gt=0)
    log_level: str = "INFO"

    @field_validator("admin_slack_ids", "support_slack_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(part.strip() for part in value.split(",") if part.strip())
        return value

    def require(self, *names: str) -> None:
        """Raise ConfigError naming the first of `names` (field names) that is unset."""
        for name in names:
            if getattr(self, name) in (None, ""):
                raise ConfigError(f"missing required setting {name.upper()}")

    def oauth_providers(self) -> list[str]:
        """The OAuth providers this deployment reconnects with (their client id is set)."""
        return [name for name in ("google", "microsoft") if getattr(self, f"{name}_client_id")]

    def check_for(self, process: str) -> None:
        """Stop `process` (api, bot-http, bot-socket, worker) at start, with one line naming the first
        setting it needs that is missing or unusable, instead of failing on the first request."""
        needs = {
            "api": [],
            "bot-http": ["slack_bot_token", "slack_signing_secret", "status_api_key"],
            "bot-socket": ["slack_bot_token", "slack_app_token", "status_api_key"],
            "worker": ["status_api_key", "slack_bot_token"],
        }[process]
        if process in ("api", "worker") and self.oauth_providers():
            # Reconnecting signs links (SECRET_KEY) and keeps tokens encrypted (TOKEN_ENCRYPTION_KEY).
            needs += ["token_encryption_key"] + (["secret_key"] if process == "api" else [])
            needs += [f"{name}_client_secret" for name in self.oauth_providers()]
        self.require(*needs)


def load_settings(**overrides: object) -> Settings:
    """Read the settings once; a bad value becomes a ConfigError naming the variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]).upper() if error["loc"] else "settings"
        raise ConfigError(f"bad setting {name}: {error['msg']}") from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read on first use."""
    return load_settings()
