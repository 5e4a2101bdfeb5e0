"""Bounds on what a user may type: lengths of free text, and one-line fields.

Every text field of an item has a maximum, in its form (which says what is wrong and keeps
what was typed) and in its model (`full_clean` in the services): a page, an e-mail or an
export of an item then has a bounded cost. Single-line fields (headlines, names, places)
refuse line breaks, so that no value can start a new header of an e-mail.
"""

import re

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

# Long free text: an alert's summary, an answer of a report.
LONG_TEXT = 10_000
# Other free text: a method, a purpose, a comment, a follow-up.
MEDIUM_TEXT = 4_000
# A one-line value.
SHORT_TEXT = 255

# The hint of every free-text field of every area: the network exchanges no personal data.
PERSONAL_DATA_WARNING = _(
    "Do not enter personal data of migrants or names of persons: trends, routes, methods and "
    "aggregate numbers only."
)

# Line and paragraph separators, and every other control character but the tab.
_BREAKS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")


def single_line(value) -> None:
    """Refuse line breaks and control characters in a one-line field."""
    if isinstance(value, str) and _BREAKS.search(value):
        raise ValidationError(_("Write this on one line, without line breaks."), code="single_line")


def text_limit(maximum: int = MEDIUM_TEXT) -> dict:
    """Keyword arguments of a model `TextField` bounded to `maximum` characters: the form field
    gets the limit, and model validation enforces it (Django's TextField alone does not)."""
    return {"max_length": maximum, "validators": [MaxLengthValidator(maximum)]}


def one_line_text(value: str, maximum: int = SHORT_TEXT) -> str:
    """`value` as one clean line (for e-mail subjects): breaks and control characters become
    spaces, runs of spaces one, and it is cut to `maximum` characters."""
    return " ".join(_BREAKS.sub(" ", str(value)).split())[:maximum]
