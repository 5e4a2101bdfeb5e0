"""The personal-data check before publication: machine-readable-zone lines, document numbers
and dates of birth (with the names next to them) found in an item's text and image captions.

The network carries trends, routes and methods, never personal data of migrants. What the
check finds must be removed, or kept with a reason that is recorded
(`iconet.models.PersonalDataConfirmation`); `iconet.sharing.services.item_publish` refuses
an item with a finding nobody confirmed. It reads the item's own text fields (JSON answers
included) and the text of the related rows its type declares
(`ItemType.personal_data_related`, e.g. a note's images and their captions).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from .sharing.declarations import item_type_for

# A line of a machine-readable zone (ICAO 9303): 30, 36 or 44 characters of A-Z, 0-9 and the
# filler "<", with at least one run of fillers.
MRZ = re.compile(r"(?<![A-Z0-9<])(?=[A-Z0-9<]*<)[A-Z0-9<]{28,44}(?![A-Z0-9<])")
_DATE = (
    r"(?:\d{1,2}[./-]\d{1,2}[./-](?:19|20)?\d{2}|(?:19|20)\d{2}-\d{2}-\d{2}"
    r"|\d{1,2}(?:er)?\s+[A-Za-zéû]{3,9}\.?\s+(?:19|20)\d{2})"
)
# A date after "born", "date of birth", "né(e) le", "date de naissance", "DOB".
BIRTH_DATE = re.compile(
    r"\b(?:born(?:\s+on)?|date\s+of\s+birth|d\.?o\.?b\.?|n[ée]e?\s+le|n[ée]e?|"
    r"date\s+de\s+naissance)\s*[:,]?\s*(" + _DATE + r")",
    re.IGNORECASE,
)
# A number after the name of a document: "passport no. 12AB34567", "passeport n° ...".
DOCUMENT_NUMBER = re.compile(
    r"\b(?:passport|passeport|id\s+card|identity\s+card|carte\s+d['’]identit[ée]|"
    r"travel\s+document|titre\s+de\s+s[ée]jour|residence\s+permit|visa|document)"
    r"(?:\s+(?:no\.?|number|num[ée]ro|n[°º]))?\s*[:#]?\s*((?=[A-Z0-9]*\d)[A-Z0-9]{6,10})\b",
    re.IGNORECASE,
)
# A person's name as documents write it: a capitalised given name and a surname in capitals.
NAME = re.compile(r"\b[A-Z][a-zà-ÿ]+(?:[- ][A-Z][a-zà-ÿ]+)?\s+[A-Z]{2,}(?:[- ][A-Z]{2,})?\b")
NAME_REACH = 60  # characters between a name and the date of birth or number it goes with


@dataclass(frozen=True)
class Finding:
    """One stretch of text that looks like personal data, where it is, and what it looks like."""

    field: str
    kind: str
    match: str
    before: str
    after: str

    @property
    def kind_label(self) -> str:
        return str(KINDS[self.kind])


KINDS = {
    "mrz": _("machine-readable zone"),
    "document_number": _("document number"),
    "birth_date": _("date of birth"),
    "name": _("name next to a date of birth or document number"),
}


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for inner in value.values():
            yield from _strings(inner)
    elif isinstance(value, list | tuple):
        for inner in value:
            yield from _strings(inner)


def _text_fields(row) -> list[tuple[str, str]]:
    """(label, text) of the row's free text: its char, text and JSON fields without choices."""
    texts = []
    for field in row._meta.concrete_fields:
        if field.choices or not isinstance(
            field, models.CharField | models.TextField | models.JSONField
        ):
            continue
        for text in _strings(getattr(row, field.attname, None)):
            if text.strip():
                texts.append((str(field.verbose_name), text))
    return texts


def text_findings(label: str, text: str) -> list[Finding]:
    """What in one text looks like personal data."""
    found: list[tuple[str, int, int]] = []
    for match in MRZ.finditer(text):
        found.append(("mrz", match.start(), match.end()))
    for pattern, kind in ((DOCUMENT_NUMBER, "document_number"), (BIRTH_DATE, "birth_date")):
        for match in pattern.finditer(text):
            start, end = match.span(1)
            if any(s <= start < e for _k, s, e in found):
                continue  # inside an MRZ line already found
            found.append((kind, start, end))
            window = text[max(0, match.start() - NAME_REACH) : match.end() + NAME_REACH]
            offset = max(0, match.start() - NAME_REACH)
            for name in NAME.finditer(window):
                found.append(("name", offset + name.start(), offset + name.end()))
    seen: set[tuple[int, int]] = set()
    findings = []
    for kind, start, end in sorted(found, key=lambda f: f[1]):
        if (start, end) in seen:
            continue
        seen.add((start, end))
        findings.append(
            Finding(
                field=label,
                kind=kind,
                match=text[start:end],
                before=text[max(0, start - 30) : start],
                after=text[end : end + 30],
            )
        )
    return findings


def personal_data_findings(item) -> list[Finding]:
    """Everything in the item's text, and in the declared related rows, that looks like
    personal data."""
    findings = []
    for label, text in _text_fields(item):
        findings.extend(text_findings(label, text))
    item_type = item_type_for(type(item))
    for relation in item_type.personal_data_related if item_type else ():
        for row in getattr(item, relation).all():
            for label, text in _text_fields(row):
                findings.extend(text_findings(f"{row._meta.verbose_name}: {label}", text))
    return findings
