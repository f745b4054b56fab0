"""Each family of equivalent spellings of reference section 7, written into real workbooks as plans and vendors
write them: every listed spelling passes with no finding, another letter case or spacing of it is a fixable
CODE-SPELLING warning fixed to the listed spelling, and anything else is an error."""

from __future__ import annotations

from typing import Any

import pytest
from builders import ERROR, WARNING, cell, codes, csprtf_row, member_cin, rtf_row, valid_row
from field_data import (
    CS_SERVICES,
    DISCONTINUATION,
    OLD_DISCONTINUATION,
    OUTREACH_SPELLINGS,
    POF_NAMES,
    POF_PREFIXES,
    REFERRAL_STATUSES,
)

from calaimfiles.layouts import load_layout
from calaimfiles.rules.fields import CodeParser, billing_spellings


def rows_of(layout: str, values: list[Any], column: str, **base: Any) -> list[dict[str, Any]]:
    """One row per value, each of another member (so that no two rows share a key)."""
    return [valid_row(layout, **{**base, "cin": member_cin(n + 1), column: value}) for n, value in enumerate(values)]


def parser(layout: str, column: str) -> CodeParser:
    found = load_layout(layout)
    return CodeParser(found.codeset_of(column), found.column(column).separator)


def assert_clean(found: list[Any]) -> None:
    assert [(f.code, f.cell, f.message) for f in found] == []


# -- 7.3 discontinuation reason codes ---------------------------------------------------------------------------

def test_every_real_discontinuation_code_passes(check) -> None:
    rows = [csprtf_row("5", cin=member_cin(n + 1), discontinuation_code=code) for n, code in enumerate(DISCONTINUATION)]
    assert_clean(check("CSPRTF", rows))


def test_the_meaning_written_instead_of_the_code_is_fixed_to_the_code(check) -> None:
    rows = [csprtf_row("5", cin=member_cin(n + 1), discontinuation_code=meaning)
            for n, meaning in enumerate(DISCONTINUATION.values())]
    found = check("CSPRTF", rows)
    assert [(f.code, f.severity) for f in found] == [("CODE-SPELLING", WARNING)] * len(DISCONTINUATION)
    assert [f.fix.value for f in found] == list(DISCONTINUATION)
    assert "is the meaning of code DP: write the code" in found[1].message


@pytest.mark.parametrize("value", [*OLD_DISCONTINUATION, 1, 9, "dp - member declined", "Declined"])
def test_anything_else_is_invalid_and_the_message_lists_the_real_codes(check, value) -> None:
    found = check("RTF", [rtf_row("4", discontinuation_code=value)])
    assert codes(found) == [("CODE-INVALID", cell("RTF", "discontinuation_code", 2))]
    assert found[0].severity == ERROR
    assert all(f"{code} ({meaning})" in found[0].message for code, meaning in DISCONTINUATION.items())


def test_code_and_meaning_together_pass_and_case_is_fixable() -> None:
    parse = parser("RTF", "discontinuation_code")
    assert parse("DP - Member declined to participate").issues == ()
    assert parse("DP - Member declined to participate").value == "DP"
    lower = parse("dp")
    assert (lower.value, [(i.code, i.fix) for i in lower.issues]) == ("DP", [("CODE-SPELLING", "DP")])


# -- 7.4 referral statuses -------------------------------------------------------------------------------------

def test_every_dhcs_referral_status_passes(check) -> None:
    rows = [rtf_row("2", cin=member_cin(n + 1), referral_status=status, referral_update="03/10/2026",
                    loop_closure_reason="Services Received" if status == "Referral Loop Closed" else "")
            for n, status in enumerate(REFERRAL_STATUSES)]
    assert_clean(check("RTF", rows))


@pytest.mark.parametrize("value", ["Closed", "closed", "CLOSED ", "referral loop  closed"])
def test_closed_is_fixed_to_referral_loop_closed(value) -> None:
    parsed = parser("RTF", "referral_status")(value.strip())
    assert parsed.value == "Referral Loop Closed"
    assert [(i.code, i.fix) for i in parsed.issues] == [("CODE-SPELLING", "Referral Loop Closed")]


def test_r11_fires_on_referral_loop_closed_and_on_closed(check) -> None:
    rows = [rtf_row("2", cin=member_cin(1), referral_status="Referral Loop Closed", referral_update="03/10/2026"),
            rtf_row("2", cin=member_cin(2), referral_status="Closed", referral_update="03/10/2026")]
    found = check("RTF", rows)
    assert sorted(codes(found)) == [("CODE-SPELLING", cell("RTF", "referral_status", 3)),
                                    ("RTF-R11", cell("RTF", "loop_closure_reason", 2)),
                                    ("RTF-R11", cell("RTF", "loop_closure_reason", 3))]


# -- 7.2 populations of focus ----------------------------------------------------------------------------------

def test_every_pof_name_with_or_without_a_prefix_is_its_code() -> None:
    parse = parser("RTF", "pof")
    for code, names in POF_NAMES.items():
        for name in names:
            for prefix in ["", *POF_PREFIXES]:
                written = prefix + name
                expected = code
                if name in ("Individuals Experiencing Homelessness",) and prefix.startswith("Child"):
                    expected = "1b"  # the homelessness prefix rule
                parsed = parse(written)
                assert (parsed.value, parsed.issues) == (expected, ()), written


@pytest.mark.parametrize(("written", "code"), [
    ("Adult - Individuals Experiencing Homelessness", "1a"),
    ("Individuals Experiencing Homelessness", "1a"),
    ("Child - Individuals Experiencing Homelessness", "1b"),
    ("Child \u2013 Individuals Experiencing Homelessness", "1b"),
    ("Children/Youth - Individuals Experiencing Homelessness", "1b"),
    ("Adult - Families Experiencing Homelessness", "1b"),
    ("Families Experiencing Homelessness", "1b"),
])
def test_homelessness_is_decided_by_the_prefix(written: str, code: str) -> None:
    assert parser("RTF", "pof")(written).value == code


def test_pof_names_in_a_workbook_and_in_a_list_of_several(check) -> None:
    values = ["Adult - SMI or SUD", "Child \u2013 Child Welfare;Birth Equity", "1a;Adult - LTC At-Risk for "
              "Institutionalization", "Individuals with Serious Mental Health or Substance Use Disorder Needs"]
    assert_clean(check("RTF", rows_of("RTF", values, "pof", pof_indicator="Y")))


def test_pof_name_in_another_case_is_fixable_and_a_wrong_name_is_an_error(check) -> None:
    found = check("RTF", rows_of("RTF", ["birth equity", "Adults in a hurry"], "pof", pof_indicator="Y"))
    assert [(f.code, f.severity) for f in found] == [("CODE-SPELLING", WARNING), ("CODE-INVALID", ERROR)]
    assert found[0].fix.value == "Birth Equity"


# -- 7.6 outreach methods --------------------------------------------------------------------------------------

def test_every_outreach_spelling_passes_and_counts_as_its_method(check) -> None:
    spellings = [s for group in OUTREACH_SPELLINGS.values() for s in group]
    rows = [valid_row("OTF", cin=member_cin(n + 1), method=s, minutes=1 if s == "Letter" else 15)
            for n, s in enumerate(spellings)]
    assert_clean(check("OTF", rows))
    parse = parser("OTF", "method")
    for code, group in OUTREACH_SPELLINGS.items():
        assert {parse(s).value for s in group} == {code}


def test_outreach_spelling_in_another_case_is_fixable(check) -> None:
    found = check("OTF", [valid_row("OTF", method="in-person")])
    assert [(f.code, f.fix.value if f.fix else None) for f in found] == [("CODE-SPELLING", "In-Person")]


# -- 7.7 Community Supports services ---------------------------------------------------------------------------

def test_every_cs_service_spelling_and_billing_code_passes_in_a_plan_file(check) -> None:
    written = [s for spellings, billing in CS_SERVICES.values() for s in spellings
               + [form for code in billing for form in billing_spellings(code)]]
    assert {"T2033 U6", "T2033-U6", "T2033U6"} <= set(written)
    assert_clean(check("CSASF", rows_of("CSASF", written, "service")))


def test_every_cs_service_spelling_and_billing_code_passes_in_a_return_file(check) -> None:
    written = [s for spellings, billing in CS_SERVICES.values() for s in spellings + billing]
    assert_clean(check("CSPRTF", rows_of("CSPRTF", written, "service")))


def test_each_spelling_is_its_service() -> None:
    parse = parser("CSPRTF", "service")
    for service, (spellings, billing) in CS_SERVICES.items():
        forms = [form for code in billing for form in billing_spellings(code)]
        assert {parse(s).value for s in [service, *spellings, *forms]} == {service}


@pytest.mark.parametrize(("written", "fixed"), [("recuperative care", "Recuperative Care"),
                                                ("t2033 u6", "T2033 U6"), ("Housing  Deposit", "Housing Deposit")])
def test_cs_service_in_another_case_or_spacing_is_fixable(written: str, fixed: str) -> None:
    parsed = parser("CSPRTF", "service")(written)
    assert [(i.code, i.fix) for i in parsed.issues] == [("CODE-SPELLING", fixed)]


def test_an_unknown_billing_code_is_an_error(check) -> None:
    found = check("CSASF", [valid_row("CSASF", service="T2033 U9")])
    assert codes(found) == [("CODE-INVALID", cell("CSASF", "service", 2))]


def test_a_plan_profile_can_add_spellings(tmp_path) -> None:
    from builders import findings_of, validate, write_xlsx
    profile = tmp_path / "p.toml"
    profile.write_text('name = "p"\ntitle = "P"\n[codesets.discontinuation_reason]\n'
                       'spellings = { DP = ["Member Refused"] }\n', encoding="utf-8")
    path = write_xlsx(tmp_path, "RTF", [rtf_row("4", discontinuation_code="Member Refused")])
    assert codes(findings_of(validate(path, plan=str(profile)))) == []
    assert [c for c, _ in codes(findings_of(validate(path)))] == ["CODE-INVALID"]
    assert [v.code for v in load_layout("RTF", str(profile)).codeset_of("discontinuation_code").values] == list(
        DISCONTINUATION)
