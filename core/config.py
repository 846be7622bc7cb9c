"""Every setting of Bình Yên, declared once, read from ``BINHYEN_*`` variables.

Each setting names its type, default and meaning here; validation, the
``binhyen settings`` listing and the documentation all come from this table.
This module may touch the environment and the instance folder, nothing else.
"""

from __future__ import annotations

import base64
import logging
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

ENV_PREFIX = "BINHYEN_"


class SettingsError(ValueError):
    """A setting has a value that cannot be used; the message says which."""


def _boolean(raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ValueError("use one of true/false, yes/no, on/off, 1/0")


def _positive_int(raw: str) -> int:
    value = int(raw)
    if value <= 0:
        raise ValueError("must be a whole number above zero")
    return value


def _choice(*allowed: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        value = raw.strip().lower()
        if value not in allowed:
            raise ValueError("use one of " + ", ".join(allowed))
        return value

    return parse


def _proxies(raw: str) -> str:
    from core.forwarded import parse_allowed

    parse_allowed(raw)  # raises, naming the entry that is not an address
    return raw.strip()


@dataclass(frozen=True)
class Setting:
    """One configuration value: its name, how to parse it and what it means."""

    name: str
    description: str
    default: Any = None
    parse: Callable[[str], Any] = str
    secret: bool = False

    @property
    def env_var(self) -> str:
        return ENV_PREFIX + self.name.upper()


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "database_url",
        "SQLAlchemy URL the application connects with. On PostgreSQL this is "
        "the application role, which owns no table and is subject to row-level "
        "security. Empty: SQLite in the instance folder.",
        secret=True,
    ),
    Setting(
        "migration_database_url",
        "URL of the role that owns the tables and runs migrations. Empty: the "
        "same as database_url (fine for SQLite, not for production PostgreSQL).",
        secret=True,
    ),
    Setting(
        "database_app_role",
        "PostgreSQL role the application connects as; migrations grant it "
        "row access to every table.",
        default="binhyen_app",
    ),
    Setting(
        "redis_url",
        "Redis URL for throttling and jobs. Empty: counters live in the "
        "database and jobs run in-process (the embedded default).",
        secret=True,
    ),
    Setting(
        "secret_key",
        "Key that signs session cookies. Empty: generated once into the "
        "instance folder; production must set it.",
        secret=True,
    ),
    Setting(
        "master_key",
        "Base64 of 32 random bytes that wraps every commune's data key (make "
        "one with `binhyen keys new-master`). Empty: generated once into the "
        "instance folder; production must set it and keep a copy offline.",
        secret=True,
    ),
    Setting(
        "old_master_keys",
        "Comma-separated earlier master keys, still accepted for unwrapping "
        "while `binhyen keys rotate` re-wraps data keys under the new one.",
        default="",
        secret=True,
    ),
    Setting(
        "instance_path",
        "Folder for the embedded database and generated keys.",
        default="instance",
    ),
    Setting(
        "cookie_secure",
        "Send the session cookie over HTTPS only. Browsers accept secure "
        "cookies from http://127.0.0.1 and http://localhost, so this stays on "
        "in development too.",
        default=True,
        parse=_boolean,
    ),
    Setting(
        "session_hours",
        "How long a browser session lasts without activity.",
        default=12,
        parse=_positive_int,
    ),
    Setting(
        "token_max_days",
        "Longest lifetime an API token may be given.",
        default=365,
        parse=_positive_int,
    ),
    Setting(
        "max_body_bytes",
        "Largest request body accepted; larger ones are refused with 413.",
        default=1_048_576,
        parse=_positive_int,
    ),
    Setting(
        "max_upload_bytes",
        "Largest file accepted by an upload route (a scanned commitment, a "
        "photo); larger ones are refused with 413. Only upload routes take "
        "bodies above max_body_bytes.",
        default=10 * 1024 * 1024,
        parse=_positive_int,
    ),
    Setting(
        "sign_in_attempts",
        "Failed sign-ins allowed per account (and ten times that per client "
        "address) in one throttle window before further tries are refused.",
        default=5,
        parse=_positive_int,
    ),
    Setting(
        "sign_in_window_seconds",
        "Length of the sign-in throttle window.",
        default=900,
        parse=_positive_int,
    ),
    Setting(
        "small_cell_threshold",
        "Counts from 1 up to one less than this are shown to anyone outside "
        "the commune (region admins, regional reports) only as 'fewer than' "
        "this, and larger counts rounded to a multiple of it, so that nobody "
        "can be singled out. After changing it, run `binhyen report refresh`.",
        default=5,
        parse=_positive_int,
    ),
    Setting(
        "log_level",
        "Logging level of the application.",
        default="INFO",
    ),
    Setting(
        "log_format",
        "text: one readable line per record, for development. json: one JSON "
        "object per line with the request id and commune, for a log collector "
        "in production.",
        default="text",
        parse=_choice("text", "json"),
    ),
    Setting(
        "forwarded_allow_ips",
        "Comma-separated addresses or networks of the proxies (the ingress) "
        "whose X-Forwarded-For and X-Forwarded-Proto are believed; '*' trusts "
        "any peer, for a pod that only the ingress can reach.",
        default="127.0.0.1,::1",
        parse=_proxies,
    ),
    Setting(
        "metrics_token",
        "Bearer token Prometheus must send to read /metrics. Empty: /metrics "
        "is open to whoever reaches the port; set it when an ingress forwards "
        "every path.",
        secret=True,
    ),
    Setting(
        "web_bind",
        "Address and port gunicorn listens on.",
        default="0.0.0.0:8000",
    ),
    Setting(
        "web_workers",
        "Number of gunicorn worker processes per pod or server.",
        default=2,
        parse=_positive_int,
    ),
    Setting(
        "web_worker_class",
        "gunicorn worker class: gthread (threads per worker) or sync.",
        default="gthread",
        parse=_choice("gthread", "sync"),
    ),
    Setting(
        "web_threads",
        "Threads per gunicorn worker, with the gthread class.",
        default=4,
        parse=_positive_int,
    ),
    Setting(
        "web_timeout",
        "Seconds a request may take before gunicorn restarts its worker.",
        default=60,
        parse=_positive_int,
    ),
)

SETTINGS_BY_NAME: Mapping[str, Setting] = {s.name: s for s in SETTINGS}

OIDC_PREFIX = ENV_PREFIX + "OIDC_"
OIDC_FIELDS = ("ISSUER", "CLIENT_ID", "CLIENT_SECRET", "PROFILE", "CLAIM")
OIDC_PROFILES = ("vneid", "generic")
# The claim that identifies a person, per profile, unless CLAIM says otherwise.
# VNeID's is the 12-digit personal identification number; the claim name is
# configuration because the provider's documentation is not public.
DEFAULT_CLAIMS = {"vneid": "citizen_id", "generic": "sub"}


@dataclass(frozen=True)
class OidcProvider:
    """One OpenID Connect provider, from BINHYEN_OIDC_<NAME>_* variables."""

    name: str
    issuer: str
    client_id: str
    client_secret: str
    profile: str
    claim: str


def _oidc_providers(env: Mapping[str, str]) -> dict[str, OidcProvider]:
    grouped: dict[str, dict[str, str]] = {}
    for var, value in env.items():
        if not var.startswith(OIDC_PREFIX):
            continue
        rest = var[len(OIDC_PREFIX) :]
        for field_name in OIDC_FIELDS:
            if rest.endswith("_" + field_name):
                name = rest[: -len(field_name) - 1].lower()
                grouped.setdefault(name, {})[field_name] = value.strip()
                break
        else:
            raise SettingsError(
                f"{var} is not a provider setting; use {OIDC_PREFIX}<NAME>_"
                + "/".join(OIDC_FIELDS)
            )
    providers = {}
    for name, fields in grouped.items():
        missing = [f for f in ("ISSUER", "CLIENT_ID") if not fields.get(f)]
        if missing:
            names = [f"{OIDC_PREFIX}{name.upper()}_{m}" for m in missing]
            raise SettingsError(f"provider {name} lacks {', '.join(names)}")
        profile = fields.get("PROFILE", "generic").lower()
        if profile not in OIDC_PROFILES:
            raise SettingsError(
                f"{OIDC_PREFIX}{name.upper()}_PROFILE must be one of "
                + ", ".join(OIDC_PROFILES)
            )
        providers[name] = OidcProvider(
            name=name,
            # Kept exactly as given: the id_token's "iss" must equal it, and
            # some issuers (Auth0's) end in "/".
            issuer=fields["ISSUER"],
            client_id=fields["CLIENT_ID"],
            client_secret=fields.get("CLIENT_SECRET", ""),
            profile=profile,
            claim=fields.get("CLAIM") or DEFAULT_CLAIMS[profile],
        )
    return providers


@dataclass
class Settings:
    """The parsed settings of one application instance."""

    values: dict[str, Any] = field(default_factory=dict)
    generated: list[str] = field(default_factory=list)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def is_embedded(self) -> bool:
        """True when no database URL is set: SQLite in the instance folder."""
        return bool(self.values["embedded"])


def load_settings(
    environ: Mapping[str, str] | None = None, **overrides: Any
) -> Settings:
    """Parse every declared setting from the environment, then apply overrides.

    Unknown ``BINHYEN_*`` variables are reported, since a typo in a variable
    name would otherwise silently leave the default in force.
    """
    env = os.environ if environ is None else environ
    values = {setting.name: read_setting(setting.name, env) for setting in SETTINGS}

    values["oidc_providers"] = _oidc_providers(env)
    for name, value in overrides.items():
        if name not in SETTINGS_BY_NAME and name != "oidc_providers":
            raise SettingsError(f"unknown setting {name!r}")
        values[name] = value

    known = {s.env_var for s in SETTINGS}
    for var in env:
        if (
            var.startswith(ENV_PREFIX)
            and var not in known
            and not var.startswith((ENV_PREFIX + "TEST_", OIDC_PREFIX))
        ):
            logger.warning("ignoring unknown setting %s", var)

    settings = Settings(values)
    _fill_embedded_defaults(settings)
    return settings


def read_setting(name: str, environ: Mapping[str, str] | None = None) -> Any:
    """One setting, parsed, without the embedded defaults of the rest.

    For code that runs before any app exists, such as gunicorn's master
    process reading its own settings.
    """
    setting = SETTINGS_BY_NAME[name]
    raw = (os.environ if environ is None else environ).get(setting.env_var, "")
    if raw == "":
        return setting.default
    try:
        return setting.parse(raw)
    except ValueError as exc:
        raise SettingsError(
            f"{setting.env_var} is not valid: {exc}. {setting.description}"
        ) from exc


def _fill_embedded_defaults(settings: Settings) -> None:
    """Give the embedded default what production must configure by hand."""
    instance = Path(settings.values["instance_path"]).resolve()
    settings.values["instance_path"] = str(instance)
    settings.values["embedded"] = not settings.values["database_url"]

    if not settings.values["database_url"]:
        instance.mkdir(parents=True, exist_ok=True)
        settings.values["database_url"] = f"sqlite:///{instance / 'binhyen.sqlite3'}"
    if not settings.values["migration_database_url"]:
        settings.values["migration_database_url"] = settings.values["database_url"]

    if not settings.values["master_key"]:
        settings.values["master_key"] = _instance_secret(
            instance, "master_key", _new_master_key
        )
        settings.generated.append("master_key")
        logger.warning(
            "BINHYEN_MASTER_KEY is not set; using a key generated in %s. "
            "Production must set BINHYEN_MASTER_KEY and keep a copy offline: "
            "without it every encrypted field is lost.",
            instance,
        )

    if not settings.values["secret_key"]:
        settings.values["secret_key"] = _instance_secret(instance, "secret_key")
        settings.generated.append("secret_key")
        logger.warning(
            "BINHYEN_SECRET_KEY is not set; using a key generated in %s. "
            "Production must set BINHYEN_SECRET_KEY.",
            instance,
        )


def _new_master_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def _instance_secret(
    instance: Path, name: str, make: Callable[[], str] | None = None
) -> str:
    """Read a generated secret from the instance folder, creating it 0600."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / name
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(make() if make else secrets.token_urlsafe(48))
    return path.read_text().strip()
