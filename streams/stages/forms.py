"""AcroForm field values (pypdf): fillable applications keep their values only in form fields.

`read_form` walks every widget annotation once and returns the field name -> value mapping
(check boxes and radio buttons as their state name, e.g. "Yes"/"Off") and each widget's place on
its page, so that values can also be laid out as words next to their printed labels.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from typing import Any

from pypdf import PdfReader
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, NameObject

logger = logging.getLogger(__name__)

MAX_PARENT_DEPTH = 32  # field trees are shallow; a deeper chain is a reference loop
CHECKED_MARK = "\u2612"  # BALLOT BOX WITH X, for a ticked check box laid out as a word


@dataclass(frozen=True)
class FieldWidget:
    """One widget of a form field: page (0-based), fully qualified name, value, field type
    (`/Tx`, `/Btn`, `/Ch`, `/Sig`), and its rectangle (l, b, r, t) in PDF user space."""

    page_index: int
    name: str
    value: str
    field_type: str
    rect: tuple[float, float, float, float]

    @property
    def display_text(self) -> str:
        """What the widget shows: a text value, or a mark for a ticked box; empty otherwise."""
        if self.field_type == "/Btn":
            return CHECKED_MARK if self.value not in ("", "Off") else ""
        if self.field_type == "/Sig":
            return ""
        return self.value


@dataclass(frozen=True)
class FormContent:
    """The values of a PDF's form fields by name, and the widgets that show them."""

    values: dict[str, str]
    widgets: tuple[FieldWidget, ...]


def read_form(data: bytes, *, password: str = "", pages: set[int] | None = None) -> FormContent:
    """Every form field of the PDF `data` (only the widgets of `pages` when given).

    Returns an empty `FormContent` when pypdf cannot read the form; never raises for bad input.
    """
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            reader.decrypt(password)
        widgets = tuple(_widgets(reader, pages))
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError, OSError) as exc:
        logger.warning("form fields could not be read: %s", exc)
        return FormContent({}, ())
    values: dict[str, str] = {}
    for widget in widgets:
        if widget.name and (widget.name not in values or widget.value not in ("", "Off")):
            values[widget.name] = widget.value
    return FormContent(values, widgets)


def _widgets(reader: PdfReader, pages: set[int] | None) -> list[FieldWidget]:
    found: list[FieldWidget] = []
    for index, page in enumerate(reader.pages):
        if pages is not None and index not in pages:
            continue
        annots = page.get("/Annots")
        for ref in annots.get_object() if annots is not None else ():
            annot = ref.get_object()
            if isinstance(annot, DictionaryObject) and annot.get("/Subtype") == "/Widget":
                found.append(_widget(index, annot))
    return found


def _widget(page_index: int, annot: DictionaryObject) -> FieldWidget:
    field_type = str(_inherited(annot, "/FT") or "")
    value = _value(_inherited(annot, "/V"), field_type)
    if field_type == "/Btn" and not value:
        value = _state_name(annot.get("/AS")) or "Off"
    rect = annot.get("/Rect")
    box = tuple(float(v) for v in rect.get_object()) if rect is not None else (0.0, 0.0, 0.0, 0.0)
    left, bottom, right, top = box if len(box) == 4 else (0.0, 0.0, 0.0, 0.0)
    rect_lbrt = (min(left, right), min(bottom, top), max(left, right), max(bottom, top))
    return FieldWidget(page_index, _qualified_name(annot), value, field_type, rect_lbrt)


def _inherited(node: DictionaryObject, key: str) -> Any:
    for _ in range(MAX_PARENT_DEPTH):
        if key in node:
            return node[key].get_object()
        parent = node.get("/Parent")
        if parent is None:
            return None
        node = parent.get_object()
    return None


def _qualified_name(node: DictionaryObject) -> str:
    parts: list[str] = []
    for _ in range(MAX_PARENT_DEPTH):
        if "/T" in node:
            parts.append(str(node["/T"]))
        parent = node.get("/Parent")
        if parent is None:
            break
        node = parent.get_object()
    return ".".join(reversed(parts))


def _value(raw: Any, field_type: str) -> str:
    if raw is None:
        return ""
    if field_type == "/Sig":
        return "signed"
    if isinstance(raw, NameObject):
        return _state_name(raw)
    if isinstance(raw, ArrayObject):
        return ", ".join(str(item.get_object()) for item in raw)
    return str(raw)


def _state_name(raw: Any) -> str:
    return str(raw)[1:] if raw is not None and str(raw).startswith("/") else str(raw or "")
