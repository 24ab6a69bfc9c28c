"""Hostile numbers in the app: a large saved run is read in a thread and then shown."""

from __future__ import annotations

import json

from hostile_numbers_helpers import _matmul, _noisy, _run_data

from conftest import REPO


async def test_the_app_reads_a_large_saved_run_in_a_thread_and_then_shows_it():
    """A run of 60 cases of 150 samples each (the most a worker saves): its intervals cost seconds
    of bootstrap. The app paints and answers keys meanwhile, then shows the run as evidence."""
    from textual.widgets import Static

    from fwadvisor.paths import runs_dir
    from fwadvisor.tui.app import make_app

    records = []
    for index in range(30):
        records += [
            _matmul("torch", _noisy(150, 0.010, 2 * index)),
            _matmul("tensorflow", _noisy(150, 0.012, 2 * index + 1)),
        ]
        records[-2]["params"] = records[-1]["params"] = {"m": 64 + index, "n": 64, "k": 64}
    runs = runs_dir()
    runs.mkdir(parents=True)
    (runs / "profile-20261201-000000-quick.json").write_text(json.dumps(_run_data(*records)), encoding="utf-8")
    answers = REPO / "tests" / "fixtures" / "answers" / "good_research_lab.yaml"
    app = make_app(answers, save_path=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")  # the advice, while the run is still being read
        await pilot.pause()
        priorities = app.screen.query_one("#priorities", Static)
        shown = str(priorities.render())
        assert "Reading the saved profile runs" in shown, f"read on the event loop, before the first key: {shown}"
        assert app.state.loading_runs
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not app.state.loading_runs and app.state.profile_document is not None
        assert "Measured evidence: profile-20261201-000000-quick.json" in str(priorities.render())
