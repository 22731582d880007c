"""Settings: one table of name, default and help; loaded defaults < config file < ``THEMEFLOW_*`` env < flags.

Secrets (API tokens, LLM keys, database passwords) come only from the environment: a config file that
names one is refused, so a secret never sits in a file that gets copied around.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from themeflow.errors import ConfigError


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    default: str | None
    help: str
    secret: bool = False

    @property
    def env(self) -> str:
        return "THEMEFLOW_" + self.name.upper()


SETTINGS: tuple[Setting, ...] = (
    Setting("home", "~/.themeflow", "Folder for the default database, config file and reports."),
    Setting("db", None, "Database: a SQLite file path (default: HOME/themeflow.db)."),
    Setting("timezone", "Asia/Shanghai", "Time zone assumed for publish times written without one."),
    Setting("summarizer", "extractive", "Default summarizer: extractive (built in, no model) or llm."),
    Setting("reports_dir", None, "Where digest reports are written (default: HOME/reports)."),
    Setting("api_token", None, "Token required by mutating web/API routes when set.", secret=True),
    Setting(
        "allowed_hosts",
        None,
        "Comma-separated extra Host names the web server answers to (loopback and the bound address always;"
        " * leaves the check to a reverse proxy).",
    ),
    Setting(
        "llm_base_url", None, "OpenAI-compatible endpoint for LLM summaries, e.g. http://127.0.0.1:8080/v1."
    ),
    Setting("llm_model", None, "Model name sent to the LLM endpoint (part of the summary cache key)."),
    Setting(
        "llm_api_key",
        None,
        "API key for the LLM endpoint (environment only; never logged or stored).",
        secret=True,
    ),
    Setting("llm_timeout", "120", "Seconds one LLM request may take."),
    Setting("llm_deadline", "600", "Seconds one LLM summary may take, retries and waits included."),
    Setting("llm_concurrency", "4", "LLM requests in flight at once."),
    Setting(
        "llm_price_in", None, "Price per million prompt tokens, for the cost estimate of runs (any currency)."
    ),
    Setting("llm_price_out", None, "Price per million completion tokens, for the cost estimate of runs."),
    Setting("user_agent", None, "User agent for fetching feeds and pages (default names themeflow)."),
    Setting(
        "embed",
        "0",
        "1 embeds new documents at ingest for semantic search (needs the semantic extra). Off by default: the"
        " bundled model embeds about 1-3 documents a second on two cores, which would make ingest hundreds of"
        " times slower; `themeflow embed` embeds in bulk when wanted.",
    ),
    Setting("fetch_min_interval", "1.0", "Minimum seconds between two requests to the same host."),
    Setting(
        "ingest_workers",
        None,
        "Worker processes that analyze and fingerprint documents while one writer writes them, and that tag"
        " concepts after a large ingest (default: the machine's cores, at most 8; 1 does everything in one"
        " process).",
    ),
    Setting(
        "public_url",
        None,
        "Address the web app is reached at (e.g. https://themeflow.example.com), for links in notifications.",
    ),
    Setting(
        "notify_webhook_url",
        None,
        "http(s) URL a run that finds new stories POSTs them to as signed JSON (off when unset).",
    ),
    Setting(
        "notify_webhook_secret",
        None,
        "Secret the webhook body is signed with (HMAC-SHA256; environment only; required with the URL).",
        secret=True,
    ),
    Setting("notify_email_to", None, "Comma-separated addresses a run that finds new stories e-mails."),
    Setting("notify_timeout", "10", "Seconds one notification request may take (webhook or SMTP)."),
    Setting("notify_attempts", "4", "Tries per notification before it is reported as not delivered."),
    Setting("smtp_host", None, "SMTP server for e-mail notifications."),
    Setting("smtp_port", None, "SMTP port (default: 587 for starttls, 465 for ssl, 25 for none)."),
    Setting(
        "smtp_security", "starttls", "starttls, ssl or none (none only to a loopback relay with a login)."
    ),
    Setting("smtp_user", None, "SMTP login (none: send without logging in)."),
    Setting("smtp_password", None, "SMTP password (environment only).", secret=True),
    Setting("smtp_from", None, "Sender address of notification e-mails (default: themeflow@SMTP_HOST)."),
    Setting(
        "fetch_allow_hosts",
        None,
        "Comma-separated hosts, IPs or CIDR ranges that fetching may reach although they are loopback,"
        " private or link-local (default: none; only public addresses are fetched).",
    ),
)

_BY_NAME = {s.name: s for s in SETTINGS}


@dataclass(frozen=True)
class Settings:
    values: dict[str, str | None] = field(default_factory=dict)

    def get(self, name: str) -> str | None:
        if name not in _BY_NAME:
            raise ConfigError(f"unknown setting {name!r}; known: {', '.join(_BY_NAME)}")
        return self.values.get(name, _BY_NAME[name].default)

    @property
    def home(self) -> Path:
        return Path(self.get("home") or "~/.themeflow").expanduser()

    @property
    def db_path(self) -> Path:
        db = self.get("db")
        return Path(db).expanduser() if db else self.home / "themeflow.db"

    @property
    def reports_dir(self) -> Path:
        d = self.get("reports_dir")
        return Path(d).expanduser() if d else self.home / "reports"

    @property
    def timezone(self) -> ZoneInfo:
        name = self.get("timezone") or "Asia/Shanghai"
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigError(
                f"unknown time zone {name!r} (THEMEFLOW_TIMEZONE); use e.g. Asia/Shanghai"
            ) from exc


MAX_DEFAULT_WORKERS = 8


def worker_count(setting: str | None) -> int:
    """Worker processes for bulk work (an ingest's analysis, a concept refresh): the ``ingest_workers``
    setting, else the cores (at most :data:`MAX_DEFAULT_WORKERS`)."""
    if setting:
        try:
            return max(1, int(setting))
        except ValueError:
            raise ConfigError(f"ingest_workers must be a whole number, not {setting!r}") from None
    return max(1, min(MAX_DEFAULT_WORKERS, os.cpu_count() or 1))


def load_settings(overrides: dict[str, str | None] | None = None) -> Settings:
    """Defaults < ``HOME/config.toml`` < environment < ``overrides`` (CLI flags); secrets only from env."""
    values: dict[str, str | None] = {}
    env_home = os.environ.get("THEMEFLOW_HOME")
    home = Path(env_home or (overrides or {}).get("home") or "~/.themeflow").expanduser()
    config_file = home / "config.toml"
    if config_file.exists():
        try:
            data = tomllib.loads(config_file.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read {config_file}: {exc}") from exc
        for key, value in data.items():
            setting = _BY_NAME.get(key)
            if setting is None:
                raise ConfigError(f"{config_file}: unknown setting {key!r}; known: {', '.join(_BY_NAME)}")
            if setting.secret:
                raise ConfigError(
                    f"{config_file}: {key} is a secret; set it in the environment as {setting.env}"
                )
            values[key] = str(value)
    for s in SETTINGS:
        if s.env in os.environ:
            values[s.name] = os.environ[s.env]
    for key, value in (overrides or {}).items():
        if value is not None:
            if key not in _BY_NAME:
                raise ConfigError(f"unknown setting {key!r}")
            values[key] = value
    return Settings(values)
