"""Real plans' files pass (issue 14): each complaint of a new user, reproduced with values and headers copied from
the reference's [field] sources (member data invented), gives the result the reference asks for, through the
command a user runs."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from builders import (
    AS_OF,
    member_cin,
    rtf_row,
    valid_row,
    write_csv,
    write_xlsx,
)
from field_data import DISCONTINUATION, LARGE_PLAN_HEADER, LARGE_PLAN_ROW, write_sheet
from typer.testing import CliRunner, Result

from calaimfiles.commands import app
from calaimfiles.layouts import load_layout

runner = CliRunner()


def invoke(*args: Any) -> Result:
    return runner.invoke(app, [*map(str, args)])


def findings(path: Path, *options: Any) -> list[dict[str, Any]]:
    result = invoke("validate", path, "--as-of", AS_OF, "-f", "json", *options)
    assert result.exit_code in (0, 1), result.stderr
    return [f for file in json.loads(result.stdout)["files"] for f in file["findings"]]


def errors(path: Path, *options: Any) -> list[str]:
    return [f["code"] for f in findings(path, *options) if f["severity"] == "error"]


def summary(path: Path, *options: Any) -> list[tuple[str, str | None]]:
    return [(f["code"], f.get("cell")) for f in findings(path, *options)]


# -- the issue's list, one by one ------------------------------------------------------------------------------

def test_discontinuation_code_dp_passes(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path, "RTF", [rtf_row("4", discontinuation_code="DP")])
    assert summary(path) == []


def test_dhcs_referral_statuses_pass_and_r11_fires_on_real_data(tmp_path: Path) -> None:
    rows = [rtf_row("2", cin=member_cin(1), referral_status="Outreach Initiated", referral_update="03/02/2026"),
            rtf_row("2", cin=member_cin(2), referral_status="Referral Loop Closed", referral_update="03/09/2026",
                    loop_closure_reason="Services Received"),
            rtf_row("2", cin=member_cin(3), referral_status="Referral Loop Closed", referral_update="03/09/2026")]
    found = summary(write_xlsx(tmp_path, "RTF", rows))
    assert [code for code, _ in found] == ["RTF-R11"]


def test_rtf_on_a_template_from_before_july_2025_has_no_missing_columns(tmp_path: Path) -> None:
    row = valid_row("RTF", reporting_period="06/2025", production_date=dt.date(2025, 7, 3),
                    enrollment_start=dt.date(2025, 1, 15), care_plan_revision=dt.date(2025, 2, 1),
                    care_conference=dt.date(2025, 2, 10), assessment_started=dt.date(2025, 1, 20),
                    assessment_completed=dt.date(2025, 2, 5), last_encounter=dt.date(2025, 6, 14))
    path = write_xlsx(tmp_path, "RTF", [row], drop=["referral_status", "referral_update", "loop_closure_reason"])
    result = invoke("validate", path, "--as-of", "2025-07-05", "-f", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["files"][0]["findings"] == []


@pytest.mark.parametrize("header", ["Member Client Index Number", "CIN", "MEMBER_CLIENT_INDEX_NUMBER",
                                    "Member Client\nIndex Number (CIN)"])
def test_otf_cin_column_headed_without_cin(tmp_path: Path, header: str) -> None:
    path = write_xlsx(tmp_path, "OTF", [valid_row("OTF")], rename={"cin": header})
    assert summary(path) == []


def test_cs_services_as_plans_spell_them_and_a_plan_file_naming_the_billing_code(tmp_path: Path) -> None:
    services = ["Recuperative Care", "Housing Deposit", "Day Habilitation Services", "NF Transition to ALF",
                "Medically-Supportive Food", "Housing Transition/ Navigation Services"]
    csprtf = write_xlsx(tmp_path, "CSPRTF", [valid_row("CSPRTF", cin=member_cin(n + 1), service=s)
                                             for n, s in enumerate(services)])
    assert summary(csprtf) == []
    plan_file = write_xlsx(tmp_path, "CSASF", [valid_row("CSASF", cin=member_cin(n + 1), service=s)
                                               for n, s in enumerate(["T2033 U6", "T2033-U6", "t2033u6"])])
    found = findings(plan_file)
    assert [(f["code"], f["severity"]) for f in found] == [("CODE-SPELLING", "warning")]  # only the lower case


def test_population_of_focus_written_as_its_name(tmp_path: Path) -> None:
    names = ["Adults Experiencing Homelessness", "Child - Individuals Experiencing Homelessness",
             "Individuals at Risk for Avoidable Hospital or ED Utilization", "Adult \u2013 SMI or SUD;Birth Equity"]
    path = write_xlsx(tmp_path, "RTF", [rtf_row("2", cin=member_cin(n + 1), pof_indicator="Y", pof=name)
                                        for n, name in enumerate(names)])
    assert summary(path) == []


@pytest.mark.parametrize("written", ["03-04-2026", "3-4-2026", "03/04/2026 14:30", "3/4/2026 2:30 PM",
                                     "2026-03-04T14:30:00"])
def test_dates_with_dashes_or_a_time_are_fixable_warnings(tmp_path: Path, written: str) -> None:
    path = write_xlsx(tmp_path, "OTF", [valid_row("OTF", attempt_date=written)])
    found = findings(path)
    assert [(f["code"], f["severity"], f["fixable"]) for f in found] == [("DATE-FORMAT", "warning", True)]


def test_outreach_methods_as_vendors_write_them(tmp_path: Path) -> None:
    rows = [valid_row("OTF", cin=member_cin(n + 1), method=m) for n, m in enumerate(["In-Person", "Telehealth",
                                                                                   "Telephonic"])]
    assert summary(write_xlsx(tmp_path, "OTF", rows)) == []


@pytest.mark.parametrize(("cin", "code"), [("12345678C", "CIN-NOT-MEDI-CAL"), ("99999999D", "CIN-PLACEHOLDER")])
def test_cins_that_are_not_medi_cal_cins_are_errors(tmp_path: Path, cin: str, code: str) -> None:
    assert errors(write_xlsx(tmp_path, "RTF", [valid_row("RTF", cin=cin)])) == [code]


# -- the large plan's template ------------------------------------------------------------------------------------

def test_large_plan_profile_carries_exactly_the_templates_column_names() -> None:
    assert sorted(c.name for c in load_layout("RTF", "large-plan").columns) == sorted(LARGE_PLAN_HEADER)


def test_large_plan_template_with_its_exact_header_row_validates_clean(tmp_path: Path) -> None:
    path = write_sheet(tmp_path / "large_plan_rtf.xlsx", LARGE_PLAN_HEADER, [LARGE_PLAN_ROW])
    result = invoke("validate", path, "--as-of", AS_OF, "--plan", "large-plan", "-f", "json")
    assert result.exit_code == 0, result.stdout
    file = json.loads(result.stdout)["files"][0]
    assert (file["layout"], file["findings"]) == ("RTF", [])


def test_large_plan_template_catches_what_is_broken(tmp_path: Path) -> None:
    broken = {**LARGE_PLAN_ROW, "Member Client Index Number (CIN)": "12345678C", "Age Group": "Senior",
              "Outreach Attempt Method": "Carrier pigeon", "Status of Member Engagement": "2",
              "ECM Lead Care Manager Name": None, "Date Housed": "31/02/2026"}
    path = write_sheet(tmp_path / "large_plan_rtf.xlsx", LARGE_PLAN_HEADER, [broken])
    found = {(f["code"], f["column"]) for f in findings(path, "--plan", "large-plan")}
    assert found == {("CIN-NOT-MEDI-CAL", "Member Client Index Number (CIN)"), ("CODE-INVALID", "Age Group"),
                     ("CODE-INVALID", "Outreach Attempt Method"), ("RTF-R2", "ECM Lead Care Manager Name"),
                     ("DATE-INVALID", "Date Housed")}


def test_large_plan_header_with_line_breaks_and_underscores(tmp_path: Path) -> None:
    header = [name.replace(" ", "_").upper() if n % 3 == 0 else name.replace(" ", "\n", 1)
              for n, name in enumerate(LARGE_PLAN_HEADER)]
    row = {written: LARGE_PLAN_ROW[name] for written, name in zip(header, LARGE_PLAN_HEADER, strict=True)}
    path = write_sheet(tmp_path / "large_plan_rtf.xlsx", header, [row])
    assert summary(path, "--plan", "large-plan") == []


# -- return file formats per plan ----------------------------------------------------------------------------

def test_a_plan_profile_says_which_formats_its_return_files_may_have(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "RTF", [valid_row("RTF")])
    assert errors(path) == ["FILE-FORMAT"]
    profile = tmp_path / "csv-plan.toml"
    profile.write_text('name = "csv-plan"\ntitle = "Takes CSV"\nreturn_formats = [".xlsx", ".xlsm", ".csv"]\n',
                       encoding="utf-8")
    assert errors(path, "--plan", profile) == []
    assert load_layout("MIF", str(profile)).return_formats == ()  # files from the plan: any format


# -- fix, build, convert and templates use the new code sets -------------------------------------------------

def test_fix_applies_every_new_fixable_finding(tmp_path: Path) -> None:
    rows = [rtf_row("4", cin=member_cin(1), discontinuation_code="Member declined to participate",
                    last_encounter="03-14-2026"),
            rtf_row("2", cin=member_cin(2), referral_status="Closed", referral_update="03/09/2026 16:45",
                    loop_closure_reason="Services Received", pof="adult - smi or sud"),
            rtf_row("2", cin=member_cin(3), referral_status="outreach initiated", referral_update="3/9/2026 4:45 PM")]
    path = write_xlsx(tmp_path, "RTF", rows)
    before = findings(path)
    assert {f["code"] for f in before} == {"CODE-SPELLING", "DATE-FORMAT"}
    assert all(f["fixable"] for f in before)
    fixed = tmp_path / "fixed.xlsx"
    result = invoke("fix", path, "--as-of", AS_OF, "-o", fixed)
    assert result.exit_code == 0, result.stdout
    assert summary(fixed) == []
    sheet = openpyxl.load_workbook(fixed)["RTF"]
    header = [c.value for c in sheet[1]]
    values = [{name: c.value for name, c in zip(header, row, strict=True)} for row in sheet.iter_rows(min_row=2)]
    assert values[0]["Discontinuation Reason Code"] == "DP"
    assert values[0]["Date of Most Recent Encounter with Member"] == dt.datetime(2026, 3, 14)
    assert values[1]["Referral Status"] == "Referral Loop Closed"
    assert values[1]["Date of Referral Status Update"] == dt.datetime(2026, 3, 9)  # the time dropped
    assert values[1]["Member POF"] == "Adult - SMI or SUD"
    assert values[2]["Referral Status"] == "Outreach Initiated"


def test_template_drop_downs_list_the_codes_and_instructions_give_their_meanings(tmp_path: Path) -> None:
    template = tmp_path / "template.xlsx"
    assert invoke("build", "template", "rtf", "-o", template).exit_code == 0
    book = openpyxl.load_workbook(template)
    sheet = book["RTF"]
    header = [c.value for c in sheet[1]]
    letter = openpyxl.utils.get_column_letter(header.index("Discontinuation Reason Code") + 1)
    formulas = {str(v.sqref).split(":")[0].rstrip("0123456789"): v.formula1
                for v in sheet.data_validations.dataValidation}
    assert formulas[letter] == '"' + ",".join(DISCONTINUATION) + '"'
    referral = openpyxl.utils.get_column_letter(header.index("Referral Status") + 1)
    assert formulas[referral] == '"Pending,Accepted,Declined,Outreach Initiated,Referral Loop Closed"'
    instructions = {row[1].value: row[4].value for row in book["Instructions"].iter_rows(min_row=2)}
    assert all(f"{code} - {meaning}" in instructions["Discontinuation Reason Code"]
               for code, meaning in DISCONTINUATION.items())
    assert "T2033 U6" in _instructions_of(tmp_path, "csprtf")["Community Supports Service"]


def _instructions_of(folder: Path, layout: str) -> dict[str, str]:
    path = folder / f"{layout}.xlsx"
    assert invoke("build", "template", layout, "-o", path).exit_code == 0
    return {row[1].value: row[4].value for row in openpyxl.load_workbook(path)["Instructions"].iter_rows(min_row=2)}


def test_build_and_convert_carry_the_codes_as_written_back(tmp_path: Path) -> None:
    (tmp_path / "mif").mkdir()
    mif = write_xlsx(tmp_path / "mif", "MIF", [valid_row("MIF", pof="Child - Individuals Experiencing Homelessness")])
    previous = write_xlsx(tmp_path, "RTF", [rtf_row("4", discontinuation_code="DP", referral_status="Closed",
                                                    referral_update=dt.date(2026, 3, 2),
                                                    loop_closure_reason="Member Declined")])
    draft = tmp_path / "draft.xlsx"
    result = invoke("build", "rtf", "--from", mif, "--previous", previous, "--as-of", AS_OF, "-o", draft)
    assert result.exit_code == 0, result.stderr
    sheet = openpyxl.load_workbook(draft)["RTF"]
    row = {h.value: c.value for h, c in zip(sheet[1], sheet[2], strict=True)}
    assert (row["Discontinuation Reason Code"], row["Referral Status"]) == ("DP", "Referral Loop Closed")
    converted = tmp_path / "large.xlsx"
    result = invoke("convert", previous, "--to-plan", "large-plan", "--to", "xlsx", "-o", converted)
    assert result.exit_code == 0, result.stderr
    sheet = openpyxl.load_workbook(converted)["RTF"]
    row = {h.value: c.value for h, c in zip(sheet[1], sheet[2], strict=True)}
    assert row["Discontinuation Reason Code"] == "DP"
    assert row["Recommendation for Discontinuation Date"] == dt.datetime(2026, 3, 20)
