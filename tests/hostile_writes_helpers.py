"""Helpers shared by test_hostile_writes.py and test_hostile_writes_in_the_app.py."""

from __future__ import annotations

from conftest import FIXTURES

ANSWERS = FIXTURES / "answers" / "good_research_lab.yaml"
