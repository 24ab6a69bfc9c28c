"""The cluster suite in the app (issue #22): listed with its expected time, and a CPU run says under
its table that its numbers test the plumbing, not a GPU cluster (the words of every report)."""

from __future__ import annotations

from cluster_runs import cpu_run, gpu_run
from tui_helpers import status_text, wait_for

from fwadvisor.advisor.cluster_evidence import CPU_PLUMBING
from fwadvisor.paths import runs_dir
from fwadvisor.profiler.documents import encode_run
from fwadvisor.tui.app import make_app
from fwadvisor.tui.messages import RunFinished
from fwadvisor.tui.widgets.progress import suite_options


def test_the_cluster_suite_is_listed_after_the_single_device_suites_with_its_time():
    labels = [text.plain for text, _name in suite_options("cpu")]
    builtin = [label.split()[0] for label in labels[:5]]
    assert builtin == ["quick", "standard", "full", "practice", "cluster"]
    assert labels[4] == "cluster <2 min"


async def test_a_cpu_cluster_run_says_it_tests_the_plumbing_and_a_gpu_run_does_not():
    folder = runs_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "profile-20261207T120000Z-cluster.json"
    path.write_bytes(encode_run(cpu_run()))
    app = make_app(save_path=None, load_last_profile=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await pilot.pause()
        app.screen.post_message(RunFinished(cpu_run(), path))
        assert await wait_for(pilot, lambda: "test that the distributed code" in status_text(app), 10)
        assert " ".join(CPU_PLUMBING.split()) in " ".join(status_text(app).split())
        app.screen.post_message(RunFinished(gpu_run(), path))
        assert await wait_for(pilot, lambda: "distributed code" not in status_text(app), 10), status_text(app)
