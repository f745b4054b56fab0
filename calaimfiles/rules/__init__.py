"""Every check of the product. Each rule module declares its codes and checks when it is imported; the
registry imports them all the first time the catalogue or the checks are asked for, so importing this package
(or a renderer that names rules) stays light: pandas loads only when a file is actually checked."""

from calaimfiles.rules.registry import Rule, all_rules, checks_for, get_rule

__all__ = ["Rule", "all_rules", "checks_for", "get_rule"]
