"""Every check of the product. Importing this package declares all rule codes and table checks."""

from calaimfiles.rules import (
    columns,
    community,
    crossfile,
    fields,
    mif,
    otf,
    rtf,
    structure,
    table,
    transitions,
    windows,
)
from calaimfiles.rules.registry import Rule, all_rules, checks_for, get_rule

__all__ = ["Rule", "all_rules", "checks_for", "columns", "community", "crossfile", "fields", "get_rule", "mif", "otf",
           "rtf", "structure", "table", "transitions", "windows"]
