"""Helpers shared by test_project_advice.py and test_project_advice_in_the_app.py."""

from __future__ import annotations

from conftest import FIXTURES

PROJECTS = FIXTURES / "projects"
