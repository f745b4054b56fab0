"""Checks across files (reference section 9, RTF rules R7 and R9): a return file against the plan's file it
answers, and the RTF against the outreach trackers of the same provider.

Every finding goes on the return file, the one the provider can change: a member it lacks is reported on its
sheet (file-level, naming the plan's row), a row it should not have on that row. A member is named by position
only; the CIN travels in `Finding.value`, which renderers leave out unless values may be shown.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from calaimfiles.findings import Finding, Severity
from calaimfiles.rules.columns import first_row_with, readable, status_names, with_flag, with_role
from calaimfiles.rules.registry import Rule, register
from calaimfiles.rules.table import Table

_S9 = "reference §9"
R7 = register(
    "RTF-R7", "Member not on the MIF", severity=Severity.ERROR, layouts=("RTF",), source="reference §3, §9",
    summary="Members who are not on the provider's MIF cannot be added through the RTF: the plan wants them "
    "referred through its portal or by fax. Checked when the MIF is given (`--against`, or a folder).",
    example="a CIN on the RTF that the MIF of the same month does not list",
)
R9 = register(
    "RTF-R9", "Unable to Contact without the required outreach", severity=Severity.ERROR, layouts=("RTF",),
    source="reference §3, §9",
    summary="A member is Unable to Contact (status 3) only after outreach over at least 90 calendar days (first "
    "attempt to Discontinuation Date), with at least 5 attempts using at least 3 methods, as the OTF rows of "
    "the member show. Checked when the OTF is given (`--otf`, once per month of outreach, or a folder).",
    example="status `3` with 4 OTF attempts over 19 days",
)
RTF_MIF_MISSING = register(
    "RTF-MIF-MISSING", "MIF member missing from the RTF", severity=Severity.ERROR, layouts=("RTF",), source=_S9,
    summary="Every member on the MIF who is not in a termed status (5, 6) needs a row on the RTF. Reported on the "
    "RTF once per missing member, naming the MIF row (the CIN is shown only with `--show-values`).",
    example="MIF row 7, a member in status 1, with no RTF row",
)
RTF_MIF_PERIOD = register(
    "RTF-MIF-PERIOD", "RTF and MIF of different months", severity=Severity.ERROR, layouts=("RTF",), source=_S9,
    summary="The RTF's Member Information File Reporting Period is the period of the MIF it answers; when they "
    "differ, the members are not compared.",
    example="an RTF for 09/2026 checked against the MIF for 10/2026",
)
RTF_OTF_COUNTS = register(
    "RTF-OTF-COUNTS", "Encounter counts differ from the OTF", severity=Severity.WARNING, layouts=("RTF",),
    source=_S9,
    summary="In Person and Telephonic/Video count the member's outreach attempts of the reporting period on the "
    "OTF: In Person attempts toward In Person, every other method toward Telephonic/Video. For a member never "
    "enrolled (no Start Date) they equal the OTF's; an enrolled member's counts also hold care encounters, so "
    "they are at least the OTF's.",
    example="In Person blank while the OTF lists one In Person attempt in the month",
)
CSPRTF_CSASF_MISSING = register(
    "CSPRTF-CSASF-MISSING", "CSASF member and service missing from the CSPRTF", severity=Severity.WARNING,
    layouts=("CSPRTF",), source=_S9,
    summary="Every member + service on the CSASF whose authorization is not resolved (every status but Denied: "
    "Approved, Approved as Modified, Expired, Pending, Potential Member) needs a CSPRTF row. Reported on the "
    "CSPRTF once per missing pair, naming the CSASF row.",
    example="CSASF row 6, Transitional Rent Approved, with no CSPRTF row for that member and service",
)
CSPRTF_CSASF_UNKNOWN = register(
    "CSPRTF-CSASF-UNKNOWN", "Member and service neither assigned nor authorized", severity=Severity.ERROR,
    layouts=("CSPRTF",), source=_S9,
    summary="A CSPRTF member + service that is not on the CSASF needs the plan's Authorization Number (a member "
    "the provider referred itself, once approved); otherwise check the CIN and the service.",
    example="a CSPRTF row whose CIN the CSASF does not list, with a blank Authorization Number",
)

PLAN_FILE = {"RTF": "MIF", "CSPRTF": "CSASF"}  # each return file that answers a plan's file, and that file


def check_against_plan_file(answer: Table, plan: Table, plan_file: str) -> None:
    """Check a return file against the plan's file it answers (`PLAN_FILE`); `plan_file` names it in messages."""
    checks = {"RTF": check_rtf_against_mif, "CSPRTF": check_csprtf_against_csasf}
    checks[answer.layout.name](answer, plan, plan_file)


def check_rtf_against_mif(rtf: Table, mif: Table, mif_file: str = "the MIF") -> None:
    """Same month; every MIF member not termed is on the RTF (RTF-MIF-MISSING); no one else is (R7)."""
    if not _same_period(rtf, mif, mif_file):
        return
    expected = ~with_flag(mif, "status", "termed")
    termed = status_names(mif, "status", flag="termed")
    _report_missing(rtf, mif, expected, RTF_MIF_MISSING, mif_file,
                    f"lists a member not in a termed status ({termed}) who has no row here: add one")
    rtf.report(R7, np.flatnonzero(_not_on(rtf, mif)), "cin",
               f"is not on {mif_file}: a member cannot be added through the RTF; refer the member through the "
               "plan's portal or by fax, or check the CIN")


def check_csprtf_against_csasf(csprtf: Table, csasf: Table, csasf_file: str = "the CSASF") -> None:
    """Every unresolved CSASF member + service is on the CSPRTF (warning); a pair the CSASF does not list needs
    an Authorization Number (error)."""
    expected = ~with_flag(csasf, "authorization_status", "resolved")
    _report_missing(csprtf, csasf, expected, CSPRTF_CSASF_MISSING, csasf_file,
                    "lists a member and service whose authorization is not resolved, with no row here: report "
                    "them until the plan resolves the authorization")
    unknown = _not_on(csprtf, csasf) & ~csprtf.filled["authorization_number"]
    csprtf.report(CSPRTF_CSASF_UNKNOWN, np.flatnonzero(unknown), "authorization_number",
                  f"is blank, and this member and service are not on {csasf_file}: report a member the plan has not "
                  "assigned to you only with the plan's Authorization Number, or check the CIN and the service")


def check_rtf_against_otf(rtf: Table, otfs: Sequence[Table]) -> None:
    """R9 for every Unable to Contact member, and the period's attempts against In Person / Telephonic/Video.

    `otfs` may hold several months of one provider: R9 looks at the whole outreach, the counts at the RTF's
    reporting period only. An attempt on several trackers counts once.
    """
    parts: list[pd.DataFrame] = []
    for otf in otfs:
        found = _attempts(otf)
        if parts:  # an attempt already on another tracker is the same attempt (a copy such as NAME.fixed.xlsx)
            earlier = pd.concat(parts)
            found = found[~_attempt_keys(found).isin(_attempt_keys(earlier))]
        parts.append(found)
    attempts = pd.concat(parts, ignore_index=True)
    _check_r9(rtf, attempts)
    _check_counts(rtf, attempts)


@dataclass(frozen=True)
class Summary:
    """What pairing needs to know of one table of a folder's file: small, so it travels between processes
    where the table would not."""

    file: str
    sheet: str
    layout: str
    provider: object
    period: pd.Timestamp | None
    produced: pd.Timestamp
    last_attempt: pd.Timestamp | None


def summarize(file: str, table: Table) -> Summary:
    def agreed(column_id: str) -> Any:
        return table.most_common(column_id) if column_id in table.frame else None

    day = agreed("production_date")
    last = table.frame["attempt_date"].max() if "attempt_date" in table.frame else None
    return Summary(
        file, table.sheet, table.layout.name, agreed("provider_npi"), agreed("reporting_period"),
        pd.Timestamp.min if day is None else day,  # a file without a production date counts as the oldest
        None if last is None or pd.isna(last) else last,
    )


@dataclass(frozen=True)
class Pairing:
    """A return file's table and the tables of the folder it is checked against: the plan's file it answers
    (MIF or CSASF) and, for an RTF, its outreach trackers."""

    answer: Summary
    plan: Summary | None
    otfs: tuple[Summary, ...] = ()


def pair_folder(summaries: Sequence[Summary]) -> list[Pairing]:
    """Pair the tables of a folder's files. Files go together when they are of the same provider (NPI) and:

    - an RTF and the MIF of its reporting period (the latest produced, should there be several); when the folder
      holds one RTF and one MIF of the provider, those two, so that a wrong period is reported;
    - an RTF and every OTF whose attempts end by the close of its period (earlier months feed rule R9); when the
      folder holds one RTF of the provider, every OTF of the provider;
    - a CSPRTF and the latest CSASF produced on or before the CSPRTF.
    """
    by_provider: dict[tuple[str, object], list[Summary]] = {}
    for summary in summaries:
        by_provider.setdefault((summary.layout, summary.provider), []).append(summary)

    def of_provider(layout: str, other: Summary) -> list[Summary]:
        return by_provider.get((layout, other.provider), [])

    pairings = []
    for rtf in (s for s in summaries if s.layout == "RTF"):
        alone = len(of_provider("RTF", rtf)) == 1
        mifs = of_provider("MIF", rtf)
        mif = mifs[0] if alone and len(mifs) == 1 else _latest([m for m in mifs if m.period == rtf.period])
        otfs = tuple(otf for otf in of_provider("OTF", rtf) if alone or _ends_by(otf, rtf.period))
        if mif is not None or otfs:
            pairings.append(Pairing(rtf, mif, otfs))
    for csprtf in (s for s in summaries if s.layout == "CSPRTF"):
        sent = csprtf.produced
        csasf = _latest([c for c in of_provider("CSASF", csprtf) if sent == pd.Timestamp.min or not c.produced > sent])
        if csasf is not None:
            pairings.append(Pairing(csprtf, csasf))
    return pairings


def check_pairing(pairing: Pairing, table_of: Callable[[Summary], Table]) -> None:
    """Run the checks across the files of one pairing; `table_of` hands out the table a summary stands for."""
    answer = table_of(pairing.answer)
    if pairing.plan is not None:
        check_against_plan_file(answer, table_of(pairing.plan), pairing.plan.file)
    if pairing.otfs:
        check_rtf_against_otf(answer, [table_of(otf) for otf in pairing.otfs])


def check_folder(tables: Sequence[tuple[str, Table]]) -> None:
    """Pair the tables of a folder's files (name, table) as `pair_folder` says and check each pairing."""
    summaries = {summarize(name, table): table for name, table in tables}
    for pairing in pair_folder(list(summaries)):
        check_pairing(pairing, summaries.__getitem__)


def _latest(files: list[Summary]) -> Summary | None:
    return max(files, key=lambda file: file.produced, default=None)


def _ends_by(otf: Summary, month: pd.Timestamp | None) -> bool:
    """Whether every readable attempt of the OTF lies before the end of `month`."""
    last = otf.last_attempt
    return month is not None and last is not None and last < month + pd.offsets.MonthBegin(1)


def _same_period(answer: Table, plan: Table, plan_file: str) -> bool:
    """Whether both files report the same month (or either does not say); RTF-MIF-PERIOD when they differ."""
    mine, theirs = answer.most_common("reporting_period"), plan.most_common("reporting_period")
    if mine is None or theirs is None or mine == theirs:
        return True
    answer.report(RTF_MIF_PERIOD, [first_row_with(answer, "reporting_period", mine)], "reporting_period",
                  f"is {mine:%m/%Y}, but {plan_file} is for {theirs:%m/%Y}: an RTF answers the MIF of its month "
                  "(members are not compared across months)")
    return False


def _keys(table: Table) -> pd.MultiIndex:
    return pd.MultiIndex.from_arrays([table.frame[k] for k in table.layout.key])


def _complete(table: Table) -> np.ndarray:
    """Rows whose key (CIN, or CIN + service) could be read in full."""
    return table.select(table.layout.key).notna().all(axis=1).to_numpy()


def _not_on(table: Table, other: Table) -> np.ndarray:
    """Rows of `table` with a readable key that `other` does not list."""
    listed = _keys(other)[_complete(other)]
    return _complete(table) & ~_keys(table).isin(listed)


def _report_missing(answer: Table, plan: Table, expected: np.ndarray, rule: Rule, plan_file: str, text: str) -> None:
    """One file-level finding on `answer` per expected key of `plan` it lacks (a repeated key counts once)."""
    missing = expected & _not_on(plan, answer) & ~_keys(plan).duplicated()
    cins = plan.frame["cin"]
    for position in np.flatnonzero(missing).tolist():
        row = int(plan.excel_rows[position])
        answer.findings.append(Finding(
            rule.code, rule.severity, f"Row {row} of {plan_file} {text}.", sheet=answer.sheet,
            value=str(cins.iloc[position]), member_data=True,
        ))


def _attempts(otf: Table) -> pd.DataFrame:
    """One row per OTF attempt of a readable CIN: the CIN, date, method and whether it was in person."""
    attempts = pd.DataFrame({
        "cin": otf.frame["cin"], "date": otf.frame["attempt_date"], "method": otf.frame["method"],
        "in_person": with_role(otf, "method", "in_person"),
    })
    return attempts[attempts["cin"].notna()]


def _attempt_keys(attempts: pd.DataFrame) -> pd.MultiIndex:
    return pd.MultiIndex.from_frame(attempts[["cin", "date", "method"]])


def _check_r9(rtf: Table, attempts: pd.DataFrame) -> None:
    unable = np.flatnonzero(with_role(rtf, "status", "unable_to_contact") & rtf.frame["cin"].notna().to_numpy())
    if not len(unable):
        return
    minimum = {name: int(rtf.layout.parameter(f"uc_min_{name}")) for name in ("days", "attempts", "modalities")}
    status = status_names(rtf, "status", ("unable_to_contact",))
    by_cin = dict(tuple(attempts.groupby("cin")))
    for position in unable.tolist():
        member = by_cin.get(rtf.frame["cin"].iloc[position], attempts.iloc[:0])
        left = rtf.frame["discontinuation_date"].iloc[position]
        if not pd.isna(left):
            member = member[~(member["date"] > left)]  # outreach after the member left does not count
        first = member["date"].min()
        end = left if not pd.isna(left) else member["date"].max()
        found = {
            "days": 0 if pd.isna(first) or pd.isna(end) else int((end - first).days),
            "attempts": len(member),
            "modalities": member["method"].nunique(),
        }
        short = [f"{found[name]} {name} (at least {minimum[name]})" for name in minimum if found[name] < minimum[name]]
        if short:
            rtf.report(R9, [position], "status",
                       f"is {status}, but the member's outreach on the OTF falls short: {', '.join(short)}; if it "
                       "began in earlier months, check their OTFs with it too")


def _check_counts(rtf: Table, attempts: pd.DataFrame) -> None:
    period = rtf.most_common("reporting_period")
    if period is None:
        return
    in_period = attempts[(attempts["date"] >= period) & (attempts["date"] < period + pd.offsets.MonthBegin(1))]
    counts = in_period.groupby("cin")["in_person"].agg(["sum", "size"])
    cins = rtf.frame["cin"]
    in_person = cins.map(counts["sum"]).fillna(0).to_numpy()
    expected = {
        "in_person": (in_person, "In Person attempt{s}"),
        "telephonic": (cins.map(counts["size"]).fillna(0).to_numpy() - in_person, "attempt{s} by other methods"),
    }
    enrolled = rtf.filled["enrollment_start"]
    for column_id, (wanted, kind) in expected.items():
        if not rtf.has(column_id):
            continue
        given = rtf.frame[column_id].fillna(0).to_numpy()
        wrong = cins.notna().to_numpy() & readable(rtf, column_id) & np.where(enrolled, given < wanted, given != wanted)
        for position in np.flatnonzero(wrong).tolist():
            note = "; an enrolled member's count includes them" if enrolled[position] else ""
            rtf.report(RTF_OTF_COUNTS, [position], column_id,
                       f"is {given[position]:g}, but the OTF lists {wanted[position]:g} "
                       f"{kind.format(s='' if wanted[position] == 1 else 's')} for this member in {period:%m/%Y}{note}")
