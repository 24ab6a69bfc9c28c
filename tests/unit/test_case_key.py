"""One case, one key (documents.case_key): every table, comparison and report pairs records by it.

Two shapes whose words read alike (shape_text shows a matmul's m, k and n, not an extra parameter)
are two cases; the same params written in another order are one.
The tests with the app (Pilot) are in tests/app/test_case_key_in_the_app.py.
"""

from __future__ import annotations

from case_key_helpers import ALIKE, REORDERED, SHAPE, _records

from fwadvisor.profiler.catalog import shape_text
from fwadvisor.profiler.compare import compare_documents
from fwadvisor.profiler.documents import RunDocument, SuiteInfo, case_key
from fwadvisor.profiler.intervals import framework_comparisons
from fwadvisor.report.json import comparisons
from fwadvisor.report.profile_table import rows


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
