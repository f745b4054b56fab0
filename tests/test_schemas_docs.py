"""Generated artefacts stay in sync with the code: JSON Schemas in schemas/, the rule catalogue in docs/."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from calaimfiles.layouts import LAYOUT_NAMES, load_layout
from calaimfiles.layouts.records import record_model, schema_text
from calaimfiles.report.catalog import rules_markdown
from calaimfiles.rules import all_rules

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", LAYOUT_NAMES)
def test_committed_schema_matches_the_model(name: str) -> None:
    committed = (ROOT / "schemas" / f"{name.lower()}.schema.json").read_text(encoding="utf-8")
    assert committed == schema_text(load_layout(name)), "run: calaimfiles schemas export schemas"


@pytest.mark.parametrize("name", LAYOUT_NAMES)
def test_schema_names_every_column_and_requires_the_required(name: str) -> None:
    layout = load_layout(name)
    schema = json.loads(schema_text(layout))
    assert list(schema["properties"]) == [c.name for c in layout.columns]
    assert set(schema["required"]) == {c.name for c in layout.columns if c.required}


def test_record_model_accepts_a_clean_row_and_rejects_a_bad_code() -> None:
    model = record_model(load_layout("OTF"))
    row = {
        "Primary Payer (MCP) Identifier": "EHP", "MCP Name": "Example Health Plan",
        "ECM Provider Name": "Example Care", "ECM Provider National Provider Identifier (NPI)": "1234567893",
        "ECM Provider Tax ID Number (TIN)": "951234567", "Client Name": "Alex Testperson",
        "Member Client Index Number (CIN)": "91234567A", "Date of Outreach Attempt": dt.date(2026, 10, 2),
        "Outreach Attempt Method": "Mail", "Outreach Attempt Successful": "N", "Time Spent Performing Outreach": 1,
    }
    assert model.model_validate(row).method == "Mail"  # type: ignore[attr-defined]
    with pytest.raises(ValidationError):
        model.model_validate({**row, "Outreach Attempt Method": "Carrier pigeon"})


def test_rules_doc_is_generated_from_the_registry() -> None:
    committed = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert committed == rules_markdown(), "run: calaimfiles rules --markdown > docs/rules.md"


def test_every_rule_has_an_example_and_a_source() -> None:
    for rule in all_rules():
        assert rule.example and rule.source and rule.summary.endswith((".", ")")), rule.code
