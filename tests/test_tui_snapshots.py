"""Layout snapshots at the smallest supported size and a large one (Textual is pinned in the dev extra).

Only layout is checked here; behaviour is tested with Pilot in test_tui*.py. Review the SVG report
(`pytest --snapshot-report`) before updating with `pytest --snapshot-update`.
"""

from __future__ import annotations

import pytest

from conftest import FIXTURES
from fwadvisor.tui.app import make_app

LAB = FIXTURES / "answers" / "good_research_lab.yaml"


@pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=["80x24", "160x50"])
def test_interview_layout(snap_compare, size):
    app = make_app(LAB, save_path=None, load_last_profile=False)
    assert snap_compare(app, press=["n"], terminal_size=size)


@pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=["80x24", "160x50"])
def test_recommendation_layout(snap_compare, size):
    app = make_app(LAB, save_path=None, load_last_profile=False)
    assert snap_compare(app, press=["2"], terminal_size=size)
