"""Hostile and careless inputs to the numbers (issue 20): the parse cache, huge sample counts, runs
from another machine, and comparisons with nothing in common. Each case uses the real code: the
cache and the CLI in a subprocess where a failure could hang or exhaust this process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import REPO, record_data, run_cli

# --- the parse cache ----------------------------------------------------------------------------

RULE_FILE = """\
rules:
  - id: r-1
    area: team
    when: {question: team_experience, in: [pytorch]}
    effect: favor
    framework: pytorch
    weight: 2
    message: a message long enough to be read
    evidence:
      - source: https://x.org
        checked: 2026-11-27
    tests:
      - answers: {team_experience: pytorch}
        fires: true
"""

# Loads the rules file argv[1] through the parse cache and prints its first rule's weight. It runs in
# a child with a 1 GiB address-space cap, so a cache read of /dev/zero fails there, not in pytest.
LOAD_THROUGH_CACHE = textwrap.dedent(
    """
    import resource, sys
    from pathlib import Path
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
    from fwadvisor.advisor.model import RuleFile
    from fwadvisor.parsecache import load_validated
    from fwadvisor.validation import convert_or_explain
    from fwadvisor.yamlio import load_yaml
    path = Path(sys.argv[1])
    parsed = load_validated(path, RuleFile, lambda p: convert_or_explain(load_yaml(p), RuleFile, p, "rules file"))
    print(parsed.rules[0].weight)
    """
)


def _load_in_child(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", LOAD_THROUGH_CACHE, str(path)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
        env=dict(os.environ),
    )


def _rules_file(tmp_path: Path) -> Path:
    path = tmp_path / "team.yaml"
    path.write_text(RULE_FILE, encoding="utf-8")
    return path


def _cache_path(path: Path) -> Path:
    from fwadvisor.parsecache import _cache_file

    cache = _cache_file(path)
    cache.parent.mkdir(parents=True, exist_ok=True)
    return cache


def test_a_cache_file_that_is_a_fifo_is_passed_over_not_waited_on(tmp_path):
    path = _rules_file(tmp_path)
    cache = _cache_path(path)
    os.mkfifo(cache)
    try:
        result = _load_in_child(path)
    except subprocess.TimeoutExpired:
        pytest.fail("reading a FIFO in the cache folder hung")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "2.0"
    # The bad entry was rebuilt: the next start finds a regular file there.
    assert cache.is_file() and not cache.is_symlink()


def test_a_cache_file_linked_to_dev_zero_is_passed_over(tmp_path):
    path = _rules_file(tmp_path)
    cache = _cache_path(path)
    cache.symlink_to("/dev/zero")
    result = _load_in_child(path)
    assert result.returncode == 0, result.stderr
    assert "Error" not in result.stderr and result.stdout.strip() == "2.0"
    assert cache.is_file() and not cache.is_symlink(), "the link was not replaced by a cache entry"
    assert Path("/dev/zero").is_char_device()


def test_an_oversized_cache_file_is_passed_over_and_rebuilt(tmp_path):
    from fwadvisor.parsecache import MAX_CACHE_BYTES

    path = _rules_file(tmp_path)
    cache = _cache_path(path)
    with cache.open("wb") as file:
        file.truncate(MAX_CACHE_BYTES + 1)  # sparse: no disk used
    result = _load_in_child(path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "2.0" and cache.stat().st_size < MAX_CACHE_BYTES


def test_an_edit_that_keeps_size_and_time_is_not_served_stale(tmp_path):
    """An edit within the same clock tick (or one whose time was put back, as `touch -r` or a copy
    that keeps times does) leaves size and mtime as they were; the cache must still see it."""
    from fwadvisor.advisor.model import RuleFile
    from fwadvisor.parsecache import load_validated
    from fwadvisor.validation import convert_or_explain
    from fwadvisor.yamlio import load_yaml

    def parse(p: Path) -> RuleFile:
        return convert_or_explain(load_yaml(p), RuleFile, p, "rules file")

    path = _rules_file(tmp_path)
    assert load_validated(path, RuleFile, parse).rules[0].weight == 2.0
    before = path.stat()
    path.write_text(RULE_FILE.replace("weight: 2", "weight: 9"), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (before.st_size, before.st_mtime_ns, before.st_ino)
    assert load_validated(path, RuleFile, parse).rules[0].weight == 9.0
