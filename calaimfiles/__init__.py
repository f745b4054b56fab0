"""calaimfiles: check, fix and exchange CalAIM data files between Medi-Cal plans and their providers."""

from calaimfiles.findings import Finding, Fix, Severity
from calaimfiles.validate import InputError, SheetResult, ValidationRequest, validate_file, validate_set

__version__ = "0.1.0"
__all__ = ["Finding", "Fix", "InputError", "Severity", "SheetResult", "ValidationRequest", "validate_file",
           "validate_set"]
