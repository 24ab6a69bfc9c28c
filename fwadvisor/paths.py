"""Where fwadvisor's data lives: built-in rules/profiles (in the wheel or the source tree) and user folders."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

APP_NAME = "fwadvisor"
_PACKAGE_DIR = Path(__file__).resolve().parent


def _data_dir(name: str) -> Path:
    # In a wheel the data sits inside the package; in a source checkout (editable install) beside it.
    for candidate in (_PACKAGE_DIR / name, _PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"fwadvisor's built-in {name}/ folder is missing from the installation")


@cache
def builtin_rules_dir() -> Path:
    return _data_dir("rules")


@cache
def builtin_profiles_dir() -> Path:
    return _data_dir("profiles")


def _platformdirs():  # imported lazily: only paths that are really used cost start-up time
    import platformdirs

    return platformdirs


def _user_dir(variable: str, platform_function: str) -> Path:
    """The folder the environment variable names when it is set (tests, a portable install), else
    the platform's (platformdirs' `platform_function`, e.g. user_config_dir)."""
    override = os.environ.get(variable)
    if override:
        return Path(override)
    return Path(getattr(_platformdirs(), platform_function)(APP_NAME, appauthor=False))


def user_config_dir() -> Path:
    return _user_dir("FWADVISOR_CONFIG_DIR", "user_config_dir")


def user_data_dir() -> Path:
    return _user_dir("FWADVISOR_DATA_DIR", "user_data_dir")


def user_cache_dir() -> Path:
    return _user_dir("FWADVISOR_CACHE_DIR", "user_cache_dir")


def user_rules_dir() -> Path:
    """Rules a user adds for every run; a rule here with a built-in rule's id replaces it."""
    return user_config_dir() / "rules"


def user_profiles_dir() -> Path:
    return user_config_dir() / "profiles"


def runs_dir() -> Path:
    return user_data_dir() / "runs"


def saved_answers_path() -> Path:
    return user_data_dir() / "answers.yaml"
