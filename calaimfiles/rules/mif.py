"""The MIF checks of reference section 10 that one file can decide; duplicates and one-value columns are
the layout's generic rules."""

from __future__ import annotations

from calaimfiles.findings import Severity
from calaimfiles.rules.columns import first_row_with
from calaimfiles.rules.registry import register, table_check
from calaimfiles.rules.table import Table
from calaimfiles.rules.windows import ordinal

MIF_PRODUCTION_DAY = register(
    "MIF-PRODUCTION-DAY", "MIF produced after the 15th", severity=Severity.WARNING, layouts=("MIF",),
    source="reference §10",
    summary="The plan sends the MIF no later than the 15th; a later production date suggests a wrong date or a "
    "late file.",
    example="Member Information File Production Date `03/20/2026`",
)


@table_check("MIF", needs=("production_date",), whole_file=True)
def check_production_day(table: Table) -> None:
    last_day = int(table.layout.parameter("production_last_day"))
    produced = table.most_common("production_date")
    if produced is None or produced.day <= last_day:
        return
    first = first_row_with(table, "production_date", produced)
    table.report(MIF_PRODUCTION_DAY, [first], "production_date",
                 f"is after the {ordinal(last_day)}, the day the plan sends the MIF by")
