"""A Pydantic record model per layout, derived from its layout data: the shape of one normalised row.

Other tools consume the JSON Schemas generated from these models (`schemas/*.schema.json`); converters use
the models to describe a clean record. Validation itself does not go through them: it works on whole
columns, which is what keeps a 100,000-row file fast.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from calaimfiles.layouts.model import Column, FieldType, Layout
from calaimfiles.writing.output import atomic_output

_PATTERNS = {
    FieldType.CIN: r"^9[0-9]{7}[A-Z]$",  # a placeholder (9 and seven same digits) is the validator's to catch
    FieldType.NPI: r"^[12][0-9]{9}$",
    FieldType.TIN: r"^[0-9]{9}$",
    FieldType.PHONE: r"^[0-9]{10}$",
    FieldType.ZIP: r"^[0-9]{5}(-[0-9]{4})?$",
    FieldType.STATE: r"^[A-Z]{2}$",
    FieldType.EMAIL: r"^[^@\s]+@[^@\s]+\.[^@\s.]+$",
}


def _field_type(column: Column, layout: Layout) -> Any:
    if column.type is FieldType.CODE:
        codes = tuple(v.code for v in layout.codeset_of(column.id).values)
        if column.separator:
            alternatives = "|".join(c.replace("(", r"\(").replace(")", r"\)") for c in codes)
            sep = column.separator
            return Annotated[str, Field(pattern=f"^({alternatives})({sep}({alternatives}))*$")]
        return Literal[codes]
    if column.type in (FieldType.DATE, FieldType.PERIOD):
        return dt.date
    if column.type is FieldType.COUNT:
        return Annotated[int, Field(ge=0)]
    if column.type is FieldType.MINUTES:
        return Annotated[int, Field(ge=1)]
    if column.type is FieldType.YES_NO:
        return Literal["Y", "N"]
    if column.type in _PATTERNS:
        return Annotated[str, Field(pattern=_PATTERNS[column.type])]
    return Annotated[str, Field(min_length=1)]


def _description(column: Column) -> str:
    parts = [f"Field type: {column.type.value}."]
    if column.type is FieldType.PERIOD:
        parts.append("The first day of the reporting month.")
    if column.required_if:
        parts.append("Required when: " + "; ".join(
            f"{c.column} {'filled' if c.filled else 'in ' + ', '.join(c.equals or c.role or (c.flag or '',))}"
            for c in column.required_if))
    if column.same_every_row:
        parts.append("Holds one value for the whole file.")
    if column.note:
        parts.append(column.note[0].upper() + column.note[1:] + ".")
    return " ".join(parts)


def record_model(layout: Layout) -> type[BaseModel]:
    """The record model of a layout: fields named by column id, aliased by the canonical header."""
    fields: dict[str, Any] = {}
    for column in layout.columns:
        annotation = _field_type(column, layout)
        description = _description(column)
        if column.required:
            fields[column.id] = (annotation, Field(alias=column.name, title=column.name, description=description))
        else:
            fields[column.id] = (
                annotation | None,
                Field(default=None, alias=column.name, title=column.name, description=description),
            )
    model: type[BaseModel] = create_model(
        f"{layout.name}Record",
        __config__=ConfigDict(populate_by_name=True, extra="forbid", title=f"{layout.name} record"),
        **fields,
    )
    model.__doc__ = f"One normalised row of the {layout.title} ({layout.name})."
    return model


def json_schema(layout: Layout) -> dict[str, Any]:
    schema = record_model(layout).model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"calaimfiles/{layout.name.lower()}.schema.json"
    return schema


def schema_text(layout: Layout) -> str:
    return json.dumps(json_schema(layout), indent=2, ensure_ascii=False) + "\n"


def write_schemas(layouts: list[Layout], folder: Path) -> list[Path]:
    """Write one `<layout>.schema.json` per layout into `folder`; returns the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for layout in layouts:
        path = folder / f"{layout.name.lower()}.schema.json"
        with atomic_output(path) as partial:  # whole or absent, like every output
            partial.write_text(schema_text(layout), encoding="utf-8")
        written.append(path)
    return written
