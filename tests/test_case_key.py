"""One case, one key (documents.case_key): every table, comparison and report pairs records by it.

Two shapes whose words read alike (shape_text shows a matmul's m, k and n, not an extra parameter)
are two cases; the same params written in another order are one.
"""

from __future__ import annotations

from textual.widgets import DataTable

from fwadvisor.profiler.catalog import Params, shape_text
from fwadvisor.profiler.compare import compare_documents
from fwadvisor.profiler.documents import Metric, Record, RunDocument, SuiteInfo, case_key
from fwadvisor.profiler.intervals import framework_comparisons
from fwadvisor.profiler.protocol import Case
from fwadvisor.report.json import comparisons
from fwadvisor.report.profile_table import rows
from fwadvisor.tui.app import make_app
from fwadvisor.tui.widgets.results import ResultsView

SHAPE: Params = {"m": 64, "n": 64, "k": 64}
ALIKE: Params = {"m": 64, "n": 64, "k": 64, "batch": 2}  # reads as SHAPE does: "64×64 @ 64×64"
REORDERED: Params = {"k": 64, "n": 64, "m": 64}


def _record(framework: str, value: float, params: Params) -> Record:
    samples = [1 / value] * 5
    return Record(
        benchmark="matmul",
        framework=framework,  # type: ignore[arg-type]
        dtype="fp32",
        params=params,
        metric=Metric("TFLOP/s", value),
        samples_s=samples,
        median_s=samples[0],
        correct=True,
    )


def _records() -> list[Record]:
    # torch writes the shape's params in one order, TensorFlow in another: still one case.
    return [
        _record("torch", 2.0, SHAPE),
        _record("tensorflow", 1.0, REORDERED),
        _record("torch", 4.0, ALIKE),
        _record("tensorflow", 1.0, ALIKE),
    ]


def test_the_key_ignores_the_order_of_params_and_not_a_parameter_the_words_leave_out():
    assert shape_text(SHAPE, "matmul") == shape_text(ALIKE, "matmul")
    assert case_key("matmul", "fp32", SHAPE) == case_key("matmul", "fp32", REORDERED)
    assert case_key("matmul", "fp32", SHAPE) != case_key("matmul", "fp32", ALIKE)
    assert case_key("matmul", "fp32", SHAPE) != case_key("matmul", "bf16", SHAPE)


def test_tables_comparisons_and_reports_pair_the_same_records():
    records = _records()
    table = rows(records)
    assert [row.key for row in table] == [case_key("matmul", "fp32", SHAPE), case_key("matmul", "fp32", ALIKE)]
    assert [sorted(row.cells) for row in table] == [["tensorflow", "torch"]] * 2
    assert [round(c.speed, 6) for c in framework_comparisons(records)] == [2.0, 4.0]
    document = RunDocument(schema_version=2, suite=SuiteInfo(name="quick"), results=records)
    assert [entry["speed"] for entry in comparisons(document)] == [2.0, 4.0]
    # Run against itself: each record meets its own case, never the one that reads alike.
    compared = compare_documents(document, document)
    assert len(compared.rows) == 4 and not compared.only_first and not compared.only_second


async def test_the_app_keeps_two_cases_that_read_alike_in_two_rows():
    app = make_app(save_path=None, load_last_profile=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await pilot.pause()
        view = app.screen.query_one(ResultsView)
        view.prepare([Case("matmul", SHAPE, "fp32", 0.1), Case("matmul", ALIKE, "fp32", 0.1)], ["torch", "tensorflow"])
        view.show_records(_records(), final=True)
        await pilot.pause()
        assert view.query_one("#profiler-results", DataTable).row_count == 2
        by_shape = [{fw: record.params for fw, record in entry.records.items()} for entry in view.entries.values()]
        assert by_shape == [{"torch": SHAPE, "tensorflow": REORDERED}, {"torch": ALIKE, "tensorflow": ALIKE}]
