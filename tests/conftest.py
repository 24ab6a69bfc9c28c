"""Shared test helpers: run the real CLI in a subprocess with isolated user folders."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(autouse=True)
def isolated_user_dirs(tmp_path_factory, monkeypatch):
    """Keep every test away from the real user's config and data folders."""
    home = tmp_path_factory.mktemp("user")
    monkeypatch.setenv("FWADVISOR_CONFIG_DIR", str(home / "config"))
    monkeypatch.setenv("FWADVISOR_DATA_DIR", str(home / "data"))
    monkeypatch.setenv("FWADVISOR_CACHE_DIR", str(home / "cache"))
    return home


def run_cli(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fwadvisor", *args],
        capture_output=True,
        text=True,
        cwd=cwd or REPO,
        timeout=timeout,
        env={**os.environ, "COLUMNS": "120", **(env or {})},
    )
