"""Plan profiles: a plan's template is the reference layout patched by a TOML file under schemas/plans/."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from builders import AS_OF, valid_row, write_plan_xlsx, write_xlsx
from typer.testing import CliRunner, Result

from calaimfiles.commands import app
from calaimfiles.layouts import LAYOUT_NAMES, ProfileError, load_layout
from calaimfiles.layouts.profiles import LayoutPatch, Profile, apply_profile, plan_names

ROOT = Path(__file__).resolve().parents[1]
PACKAGED = ROOT / "calaimfiles" / "layouts" / "plans"
RENAMED = {"zip": "Member Residential Zip Code", "status": "Status of Member Engagement",
           "enrollment_start": "ECM Benefit Start Date", "enrollment_end": "ECM Benefit End Date",
           "discontinuation_date": "Recommendation for Discontinuation Date",
           "production_date": "Member Information RTF Production Date",
           "reporting_period": "Member Information RTF Reporting Period"}
REMOVED = ["mcp_id", "mcp_name", "last_name", "first_name", "dob", "homeless", "state", "pof_indicator", "pof",
           "acuity", "care_plan_revision", "care_conference", "assessment_started", "assessment_completed",
           "last_encounter", "lcm_email", "discontinuation_reason", "in_person", "telephonic", "referral_status",
           "referral_update", "loop_closure_reason", "provider_tin"]
ADDED = {"mrn": "MRN-0001", "age_group": "Adult", "authorization_number": "AUTH-77", "provider_type": "CBO",
         "medicare": "N", "outreach_date": dt.date(2026, 3, 2), "outreach_method": "Phone",
         "contact_reason": "Care plan follow-up", "contact_outcome": "Reached member", "outreach_minutes": 15,
         "language_spoken": "Spanish", "language_written": "English", "reauthorization": "N",
         "has_been_housed": "Y", "housing_type": "Permanent", "date_housed": dt.date(2026, 3, 1),
         "pof_homelessness": "Y", "pof_avoidable_utilization": "N", "pof_mental_health_sud": "Y",
         "pof_incarceration": "N", "pof_birth_equity": "N", "pof_ltc_risk": "N", "pof_nursing_facility": "N",
         "pof_ccs": "N", "pof_child_welfare": "N"}

runner = CliRunner()


def invoke(*args: Any) -> Result:
    return runner.invoke(app, [*map(str, args)])


def large_plan_rtf(folder: Path, **overrides: Any) -> Path:
    """A clean RTF on the large plan's template (its own column names, none of the columns it removes)."""
    return write_plan_xlsx(folder, "RTF", "large-plan", [{**valid_row("RTF"), **ADDED, **overrides}])


def codes(result: Result) -> list[str]:
    return [f["code"] for f in json.loads(result.stdout)["files"][0]["findings"]]


def test_schemas_plans_holds_the_packaged_profiles() -> None:
    shipped = sorted(p.name for p in PACKAGED.glob("*.toml"))
    assert shipped == sorted(p.name for p in (ROOT / "schemas" / "plans").glob("*.toml"))
    for name in shipped:
        assert (ROOT / "schemas" / "plans" / name).read_bytes() == (PACKAGED / name).read_bytes(), \
            f"copy calaimfiles/layouts/plans/{name} to schemas/plans/"
    assert plan_names() == ["large-plan", "reference"]


@pytest.mark.parametrize("name", LAYOUT_NAMES)
def test_the_reference_profile_changes_nothing(name: str) -> None:
    assert load_layout(name, "reference") == load_layout(name)
    assert load_layout(name, str(PACKAGED / "reference.toml")) == load_layout(name)


def test_large_plan_renames_keep_the_old_names_and_add_optional_columns() -> None:
    rtf = load_layout("RTF", "large-plan")
    for column_id, name in RENAMED.items():
        column = rtf.column(column_id)
        assert column.name == name
        assert load_layout("RTF").column(column_id).name in column.aliases
    added = [c for c in rtf.columns if c.id not in {c.id for c in load_layout("RTF").columns}]
    assert [c.id for c in added] == list(ADDED)
    assert not any(c.required for c in added)
    assert not {c.id for c in rtf.columns} & set(REMOVED)
    assert rtf.column_groups == ()  # the closed-loop referral columns went with the removed ones
    assert load_layout("MIF", "large-plan") == load_layout("MIF")


def test_large_plan_rtf_validates_clean_only_with_its_plan(tmp_path: Path) -> None:
    path = large_plan_rtf(tmp_path)
    clean = invoke("validate", path, "--as-of", AS_OF, "--plan", "large-plan", "-f", "json")
    assert clean.exit_code == 0, clean.stdout
    assert codes(clean) == []
    without = invoke("validate", path, "--as-of", AS_OF, "-f", "json")
    assert without.exit_code == 1  # the status column is missing under its reference name
    findings = json.loads(without.stdout)["files"][0]["findings"]
    unknown = [f["message"] for f in findings if f["code"] == "COLUMN-UNKNOWN"]
    large = load_layout("RTF", "large-plan")
    # the reference knows `Member Residential Zip Code` as an alias
    renamed_unknown = [name for column_id, name in RENAMED.items() if column_id != "zip"]
    assert len(unknown) == len(ADDED) + len(renamed_unknown)
    for header in [*renamed_unknown, *(large.column(column_id).name for column_id in ADDED)]:
        assert any(header in message for message in unknown), header


def test_old_header_names_stay_accepted(tmp_path: Path) -> None:
    """The large plan's template with the reference's names for the columns it renames is still its RTF."""
    path = large_plan_rtf(tmp_path)
    book = openpyxl.load_workbook(path)
    reference, large = load_layout("RTF"), load_layout("RTF", "large-plan")
    old_names = {large.column(column_id).name: reference.column(column_id).name for column_id in RENAMED}
    for cell in book["RTF"][1]:
        cell.value = old_names.get(cell.value, cell.value)
    book.save(path)
    result = invoke("validate", path, "--as-of", AS_OF, "--plan", "large-plan", "-f", "json")
    assert result.exit_code == 0, result.stdout
    assert codes(result) == []


@pytest.mark.parametrize(("plan", "message"), [
    ("nope", "calaimfiles: unknown plan 'nope': choose one of large-plan, reference or give a profile file (.toml)"),
    ("missing.toml", "calaimfiles: cannot read plan profile missing.toml (No such file or directory)"),
])
def test_an_unusable_plan_is_one_line_and_exit_2(tmp_path: Path, plan: str, message: str) -> None:
    result = invoke("validate", large_plan_rtf(tmp_path), "--plan", plan)
    assert result.exit_code == 2
    assert result.stderr == message + "\n"


@pytest.mark.parametrize(("body", "message"), [
    ('name = "x"\ntitle = "X"\n[layouts.RTF]\nrename = { statu = "Status" }',
     "plan x: [layouts.RTF] rename names unknown column ids ['statu']"),
    ('name = "x"\ntitle = "X"\n[layouts.RTF]\nremove = ["mrn"]',
     "plan x: [layouts.RTF] remove names unknown column ids ['mrn']"),
    ('name = "x"\ntitle = "X"\n[layouts.RTF]\nadd = [{ id = "cin", name = "CIN 2", type = "text" }]',
     "plan x: [layouts.RTF] add repeats column ids ['cin']"),
    ('name = "x"\ntitle = "X"\n[layouts.RTF]\nremove = ["cin"]', "plan x: layout RTF: unknown column ids ['cin']"),
    ('name = "x"\ntitle = "X"\n[layouts.XYZ]', "bad.toml: unknown layouts ['XYZ']: choose from MIF, RTF, OTF"),
    ('name = "x"\ntitle = "X"\n[layouts.RTF]\nrenames = {}', "layouts.RTF.renames: Extra inputs are not permitted"),
    ('name = "x"\ntitle = "X"\n[codesets.nope]\nvalues = [{ code = "A" }]', "plan x: unknown code sets ['nope']"),
    ('name = "x"\ntitle = "X"\n[layouts.RTF]\nchange = { statu = { required = true } }',
     "plan x: [layouts.RTF] change names unknown column ids ['statu']"),
    ('name = "x"\ntitle = "X"\n[layouts.RTF]\nchange = { status = { colour = "red" } }',
     "plan x: columns.16.colour: Extra inputs are not permitted"),
    ('name = "x"\ntitle = "X"\n[codesets.discontinuation_reason]\nspellings = { ZZ = ["Gone"] }',
     "plan x: [codesets.discontinuation_reason] spellings name unknown codes ['ZZ']"),
    ('name = "x"\ntitle = ', "not valid TOML"),
])
def test_profile_errors_are_clear(tmp_path: Path, body: str, message: str) -> None:
    profile = tmp_path / "bad.toml"
    profile.write_text(body, encoding="utf-8")
    with pytest.raises(ProfileError) as error:
        load_layout("RTF", str(profile))
    assert message in str(error.value)
    result = invoke("schemas", "show", "RTF", "--plan", profile)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr


def test_a_profile_can_patch_codes_parameters_window_and_sheets(tmp_path: Path) -> None:
    profile = tmp_path / "p.toml"
    profile.write_text('name = "p"\ntitle = "P"\n[layouts.RTF]\nremove = ["acuity"]\nsheet_names = ["ECM"]\n'
                       'file_pattern = "P_RTF_*.xlsx"\nparameters = { caseload_max = 60 }\nwindow = { due_day = 7, '
                       'accepted_until_day = 12 }\n[codesets.pof]\nvalues = [{ code = "1a" }]\n', encoding="utf-8")
    rtf = load_layout("RTF", str(profile))
    assert "acuity" not in [c.id for c in rtf.columns]
    assert (rtf.sheet_names, rtf.file_pattern, rtf.parameter("caseload_max")) == (("ECM",), "P_RTF_*.xlsx", 60)
    assert rtf.window is not None and (rtf.window.due_day, rtf.window.accepted_until_day) == (7, 12)
    assert [v.code for v in rtf.codeset_of("pof").values] == ["1a"]
    assert rtf.parameter("uc_min_days") == load_layout("RTF").parameter("uc_min_days")


def test_apply_profile_leaves_the_base_alone() -> None:
    base: dict[str, Any] = {"columns": [{"id": "status", "name": "Member ECM Status", "type": "text"}]}
    profile = Profile(name="p", title="P", layouts={"RTF": LayoutPatch(rename={"status": "Status"})})
    patched = apply_profile(base, profile, "RTF")
    assert base["columns"][0]["name"] == "Member ECM Status"
    assert patched["columns"][0]["aliases"] == ["Member ECM Status"]


def test_schemas_show_prints_the_effective_columns() -> None:
    result = invoke("schemas", "show", "rtf", "--plan", "large-plan")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert "large-plan profile" in lines[0]
    status = next(line for line in lines if " status " in line)
    assert "Status of Member Engagement" in status and "Member ECM Status" in status and "yes" in status
    assert any("date_housed" in line and "Date Housed" in line and "date" in line for line in lines)
    reference = invoke("schemas", "show", "RTF").stdout
    assert "Member ECM Status" in reference and "date_housed" not in reference


def test_convert_to_the_reference_plan_keeps_the_shared_columns(tmp_path: Path) -> None:
    output = tmp_path / "out.csv"
    result = invoke("convert", large_plan_rtf(tmp_path), "--plan", "large-plan", "--to-plan", "reference",
                    "--to", "csv", "-o", output)
    assert result.exit_code == 0, result.stderr
    assert "Medical Record Number (MRN), Age Group, Authorization Number" in result.stderr
    with output.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    reference = load_layout("RTF")
    assert list(rows[0]) == [c.name for c in reference.columns]
    assert rows[0]["Member ECM Status"] == "2" and rows[0]["ECM Enrollment Start Date"] == "2026-01-15"
    back = tmp_path / "back.xlsx"
    again = invoke("convert", output, "--to-plan", "large-plan", "--to", "xlsx", "-o", back)
    assert again.exit_code == 0
    assert "Member Last Name" in again.stderr  # a column the large plan's template does not have
    clean = invoke("validate", back, "--as-of", AS_OF, "--plan", "large-plan", "-f", "json")
    assert codes(clean) == []


# -- --plan on the other commands ------------------------------------------------------------------------------

def test_build_template_and_draft_use_the_plans_column_names(tmp_path: Path) -> None:
    template = tmp_path / "template.xlsx"
    assert invoke("build", "template", "rtf", "--plan", "large-plan", "-o", template).exit_code == 0
    header = [c.value for c in openpyxl.load_workbook(template)["RTF"][1]]
    assert "Status of Member Engagement" in header and "Medical Record Number (MRN)" in header
    assert "Member ECM Status" not in header

    draft = tmp_path / "draft.xlsx"
    result = invoke("build", "rtf", "--from", ROOT / "examples" / "mif_clean.xlsx", "--plan", "large-plan",
                    "--as-of", "2026-11-05", "-o", draft)
    assert result.exit_code == 0, result.stderr
    assert "COLUMN-UNKNOWN" not in result.stdout
    assert "ECM Benefit Start Date" in [c.value for c in openpyxl.load_workbook(draft)["RTF"][1]]


def test_fix_and_diff_read_a_plan_variant(tmp_path: Path) -> None:
    for folder in ("old", "new"):
        (tmp_path / folder).mkdir()
    old = large_plan_rtf(tmp_path / "old")
    new = large_plan_rtf(tmp_path / "new", cin="91234567a")
    fixed = tmp_path / "fixed.xlsx"
    result = invoke("fix", new, "--plan", "large-plan", "--as-of", AS_OF, "-o", fixed)
    assert "CIN-LOWERCASE" in result.stdout and fixed.exists()
    assert "COLUMN-UNKNOWN" not in result.stdout
    compared = invoke("diff", old, fixed, "--plan", "large-plan", "-f", "json")
    assert compared.exit_code == 0, compared.stderr
    assert "Status of Member Engagement" not in compared.stdout  # same status: only the CIN's case was fixed


def test_calendar_follows_a_plans_window(tmp_path: Path) -> None:
    profile = tmp_path / "slow-plan.toml"
    profile.write_text('name = "slow-plan"\ntitle = "Due on the 7th"\n\n[layouts.RTF.window]\ndue_day = 7\n'
                       'accepted_until_day = 12\nmonths_after_period = 1\n', encoding="utf-8")
    reference = invoke("calendar", "--as-of", "2026-11-22", "--months", "1")
    slow = invoke("calendar", "--as-of", "2026-11-22", "--months", "1", "--plan", profile)
    assert reference.exit_code == slow.exit_code == 0, slow.stderr
    assert "Mon 12/07/2026" in slow.stdout and "RTF for period 11/2026 due" in slow.stdout
    assert "Mon 12/07/2026" not in reference.stdout
    assert invoke("calendar", "--plan", "no-such-plan").exit_code == 2


def test_a_profiles_added_columns_are_carried_forward_when_their_data_says_so(tmp_path: Path) -> None:
    (tmp_path / "mif").mkdir()
    mif = write_xlsx(tmp_path / "mif", "MIF", [valid_row("MIF", cin=valid_row("RTF")["cin"])])
    previous = large_plan_rtf(tmp_path)
    draft = tmp_path / "draft.xlsx"
    result = invoke("build", "rtf", "--from", mif, "--previous", previous, "--plan", "large-plan",
                    "--as-of", AS_OF, "-o", draft)
    assert result.exit_code == 0, result.stderr
    sheet = openpyxl.load_workbook(draft)["RTF"]
    header = [c.value for c in sheet[1]]
    row = {name: cell.value for name, cell in zip(header, sheet[2], strict=True)}
    assert row["Medical Record Number (MRN)"] == "MRN-0001"  # draft = "answered" in large-plan.toml
    assert row["Individuals Experiencing Homelessness"] == "Y"
    assert row["Date of Outreach Attempt"] is None  # no draft: answered afresh each month
