"""Run-time settings: command-line options with `BILANG_KARYO_*` environment fallbacks."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from server.errors import ConfigError
from server.root_path import RootPathError, normalize_root

ENV_PREFIX = "BILANG_KARYO_"

# The shipped sample guides and office file sit beside the package, so that
# `bilang-karyo serve` works from a fresh checkout with no set-up.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
PWA_DIR = PROJECT_ROOT / "pwa"


class SettingsError(ConfigError):
    """A setting given on the command line or in the environment is unusable."""


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    guides_dir: Path = PROJECT_ROOT / "guides"
    office_file: Path = PROJECT_ROOT / "office.toml"
    data_dir: Path = field(default_factory=lambda: Path("data"))
    watch: bool = True
    # How long the watcher waits for a burst of file events to settle (ms).
    watch_step_ms: int = 50
    # Publishing and the admin (issue 4).
    max_upload_mb: int = 25
    review_days: int = 180  # a guide checked longer ago than this "needs review"
    session_minutes: int = 30  # admin sessions end after this long without activity
    login_slow_after: int = 3  # failed logins before each further try is slowed
    login_delay_seconds: float = 1.0  # added per failure past login_slow_after (max 5 s)
    login_lock_after: int = 10  # failed logins within login_lock_minutes before 429
    login_lock_minutes: int = 15
    usage_flush_seconds: float = 10.0  # how often counted visits are written to the database
    # "Was this helpful?" answers accepted per client address per minute, and from everyone.
    feedback_per_minute: int = 10
    feedback_overall_per_minute: int = 600
    # How often the server looks for notices posted by the CLI, or starting or ending.
    notice_check_seconds: float = 30.0
    # The path the public reaches the site under; None takes public_url's path (root_path.py).
    root_path: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        settings = cls()
        values: dict[str, object] = {}
        if (host := env.get(ENV_PREFIX + "HOST")) is not None:
            values["host"] = host
        if (port := env.get(ENV_PREFIX + "PORT")) is not None:
            values["port"] = parse_port(port, ENV_PREFIX + "PORT")
        for name, attr in (
            ("GUIDES", "guides_dir"),
            ("OFFICE", "office_file"),
            ("DATA", "data_dir"),
        ):
            if (raw := env.get(ENV_PREFIX + name)) is not None:
                values[attr] = Path(raw)
        if (raw := env.get(ENV_PREFIX + "NOTICE_CHECK_SECONDS")) is not None:
            values["notice_check_seconds"] = parse_positive_int(
                raw, ENV_PREFIX + "NOTICE_CHECK_SECONDS"
            )
        if (root := env.get(ENV_PREFIX + "ROOT_PATH")) is not None:
            values["root_path"] = parse_root_path(root, ENV_PREFIX + "ROOT_PATH")
        if (watch := env.get(ENV_PREFIX + "WATCH")) is not None:
            values["watch"] = parse_bool(watch, ENV_PREFIX + "WATCH")
        for name, attr in (
            ("MAX_UPLOAD_MB", "max_upload_mb"),
            ("REVIEW_DAYS", "review_days"),
            ("SESSION_MINUTES", "session_minutes"),
            ("FEEDBACK_PER_MINUTE", "feedback_per_minute"),
        ):
            if (raw := env.get(ENV_PREFIX + name)) is not None:
                values[attr] = parse_positive_int(raw, ENV_PREFIX + name)
        return replace(settings, **values)  # type: ignore[arg-type]

    def with_overrides(self, **values: object) -> Settings:
        """Apply command-line options; `None` means "not given"."""
        given = {key: value for key, value in values.items() if value is not None}
        return replace(self, **given)  # type: ignore[arg-type]


def parse_port(raw: str, name: str) -> int:
    try:
        port = int(raw)
    except ValueError:
        raise SettingsError(f"{name}: expected a port number, got {raw!r}") from None
    if not 0 <= port <= 65535:
        raise SettingsError(f"{name}: port must be between 0 and 65535, got {port}")
    return port


def parse_root_path(raw: str, name: str) -> str:
    """A root path setting, normalised: "/" is the root ("")."""
    try:
        return normalize_root(raw)
    except RootPathError as exc:
        raise SettingsError(f"{name}: {exc}") from None


def parse_positive_int(raw: str, name: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name}: expected a whole number, got {raw!r}") from None
    if value < 1:
        raise SettingsError(f"{name}: must be at least 1, got {value}")
    return value


def parse_bool(raw: str, name: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{name}: expected true or false, got {raw!r}")
