"""The benchmark catalogue: every benchmark named once, and every place that names one asks it.

Data and pure Python (the catalogue imports no numpy): no framework starts here, except the one CLI run
that shows how a suite with an unknown parameter is refused.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from conftest import run_cli
from fwadvisor.errors import InputError
from fwadvisor.profiler.catalog import (
    CATALOG,
    LOWER_IS_BETTER,
    NOT_A_SPEED,
    TORCH_LAYOUT_PARAM,
    WORKER_BENCHMARKS,
    param_problem,
    shape_text,
)
from fwadvisor.profiler.suites import load_suite, resolve_cases, suite_paths


def write_suite(folder: Path, entry: str) -> Path:
    path = folder / "mine.yaml"
    path.write_text("name: mine\ndescription: catalogue test\nbenchmarks:\n" + textwrap.dedent(entry))
    return path


def test_every_single_device_benchmark_has_a_recipe_in_the_catalogues_order() -> None:
    from fwadvisor.bench.recipes import RECIPES  # numpy only, no framework

    assert tuple(RECIPES) == WORKER_BENCHMARKS


def test_the_units_that_read_lower_is_better_and_those_that_are_no_speed() -> None:
    # A time per op and a load time: less is better. A speed-up factor and an accuracy: no speed ratio.
    assert frozenset({"us/op", "load s"}) == LOWER_IS_BETTER
    assert frozenset({"x", "test accuracy"}) == NOT_A_SPEED
    assert not LOWER_IS_BETTER & NOT_A_SPEED


@pytest.mark.parametrize("suite", sorted(suite_paths()))
def test_every_built_in_case_fits_its_entry_and_reads_as_a_shape(suite: str) -> None:
    for device in ("cpu", "cuda"):
        for case in resolve_cases(load_suite(suite), device):
            spec = CATALOG[case.benchmark]
            params = {k: v for k, v in case.params.items() if k != TORCH_LAYOUT_PARAM}
            assert param_problem(case.benchmark, params) is None
            words = shape_text(case.params, case.benchmark)
            assert words and "\n" not in words
            if not spec.practice:  # a speed benchmark's shape is written as people write it
                assert "=" not in words, (case.benchmark, words)


def test_a_shape_without_its_parts_is_listed_rather_than_lost() -> None:
    assert shape_text({"m": 4}, "matmul") == "m=4"  # a saved run's params, cut short
    assert shape_text({"m": 4, "n": 2, "k": 3}, "matmul") == "4×3 @ 3×2"
    assert shape_text({"n": 1}, "fft") == "n=1"  # an id this catalogue does not know
    conv = {"batch": 1, "height": 2, "width": 3, "channels_in": 4, "channels_out": 5, "kernel": 3}
    assert shape_text({**conv, TORCH_LAYOUT_PARAM: "nchw"}, "conv2d") == "1×2×3, 4→5, k3, torch NCHW"


def test_an_unknown_parameter_is_refused_naming_the_file_the_line_and_what_is_allowed(tmp_path: Path) -> None:
    path = write_suite(
        tmp_path,
        """\
        - benchmark: matmul
          cpu:
            params:
              m: 8
              n: 8
              kk: 8
        """,
    )
    with pytest.raises(InputError) as info:
        load_suite(str(path))
    error = info.value
    assert error.line == 9  # the unknown key's own line
    assert "benchmark 'matmul' has no parameter 'kk'; it takes k, m, n" in str(error)
    result = run_cli("profile", "--suite", str(path), "--device", "cpu")
    assert result.returncode == 2, result.stderr
    assert f"{path.name}:9" in result.stderr and "has no parameter 'kk'; it takes k, m, n" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unknown_parameter_with_an_invisible_character_says_so(tmp_path: Path) -> None:
    path = write_suite(tmp_path, '- benchmark: bandwidth\n  gpu: {params: {"mega\\u200bbytes": 8}}\n')
    with pytest.raises(InputError, match="U\\+200B") as info:
        load_suite(str(path))
    assert "it takes megabytes" in str(info.value)


def test_a_missing_parameter_keeps_its_message(tmp_path: Path) -> None:
    path = write_suite(tmp_path, "- benchmark: host_to_device\n  gpu: {params: {pinned: 1}}\n")
    with pytest.raises(InputError, match="takes the parameters megabytes, pinned; got pinned"):
        load_suite(str(path))
    # A yes/no parameter may be left out (it is 0 then); a size may not be 0.
    flagless = write_suite(tmp_path, "- benchmark: host_to_device\n  gpu: {params: {megabytes: 0}}\n")
    with pytest.raises(InputError, match="`megabytes` must be greater than 0"):
        load_suite(str(flagless))


def test_each_speed_rule_metric_is_a_catalogue_benchmark_and_the_other_way_round() -> None:
    from fwadvisor.advisor.metrics import KNOWN_METRICS
    from fwadvisor.profiler.catalog import SPEED_METRIC_BENCHMARKS

    named = {name.removeprefix("speed_") for name in KNOWN_METRICS if name.startswith("speed_")}
    expected = {f"{benchmark}{end}" for benchmark in SPEED_METRIC_BENCHMARKS for end in ("", "_low", "_high")}
    assert named == expected
