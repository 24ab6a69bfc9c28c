"""Report formats: same content everywhere, HTML self-contained and escaped."""

from __future__ import annotations

import json
import re

from conftest import FIXTURES, run_cli
from fwadvisor.advisor.engine import recommend
from fwadvisor.advisor.loader import load_rules
from fwadvisor.advisor.questionnaire import load_answers
from fwadvisor.report.render import render

LAB = load_answers(FIXTURES / "answers" / "good_research_lab.yaml")


def test_html_is_self_contained_and_escapes_rule_text():
    rules = load_rules([FIXTURES / "rules" / "html_injection"], include_user=False)
    rec = recommend({**LAB, "team_experience": "pytorch"}, rules)
    page = render(rec, "html")
    assert "html-injection" in page
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(&#x27;pwned&#x27;)&lt;/script&gt;" in page
    assert "<img" not in page
    assert not re.search(r"<link|src=\"http|@import|url\(", page)
    assert page.count("<style>") == 1


def test_every_format_carries_the_same_reasons_and_sections():
    rec = recommend(LAB, load_rules(include_user=False))
    md, html, text = render(rec, "md"), render(rec, "html"), render(rec, "text", width=200)
    doc = json.loads(render(rec, "json"))
    for reason in rec.reasons:
        assert reason.rule in md and reason.rule in html and reason.rule in text
        assert reason.rule in {r["rule"] for r in doc["reasons"]}
    for section in ("What would change the answer", "Outlook", "Common misconceptions"):
        assert section in md and section in html and section in text
    assert len(rec.misconceptions) >= 6
    assert any("dL/dy * dy/dx" in m.correction for m in rec.misconceptions)


def test_next_steps_follow_the_answers_and_never_point_to_torchserve():
    rules = load_rules(include_user=False)
    on_device = recommend({"deploy_targets": ["android"], "existing_codebase": "pytorch"}, rules)
    assert on_device.recommendation == "pytorch"
    assert any("ExecuTorch" in s.title for s in on_device.next_steps)
    no_deploy = recommend({"existing_codebase": "pytorch"}, rules)
    assert not any("ExecuTorch" in s.title for s in no_deploy.next_steps)
    for rec in (on_device, no_deploy):
        assert not any("torchserve" in s.url.lower() for s in rec.next_steps)


def test_terminal_text_colours_only_when_wanted():
    rec = recommend(LAB, load_rules(include_user=False))
    forced = run_cli("recommend", "--answers", str(FIXTURES / "answers" / "good_research_lab.yaml"),
                     env={"FORCE_COLOR": "1"})
    assert "\x1b[" in forced.stdout
    piped = run_cli("recommend", "--answers", str(FIXTURES / "answers" / "good_research_lab.yaml"))
    assert "\x1b[" not in piped.stdout  # not a terminal: plain text
    no_colour = run_cli("recommend", "--answers", str(FIXTURES / "answers" / "good_research_lab.yaml"),
                        env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert "\x1b[" not in no_colour.stdout
    narrow = render(rec, "text", width=60)
    assert max(len(line) for line in narrow.splitlines()) <= 60
    assert "hf-transformers-v5-pytorch-only" in narrow
