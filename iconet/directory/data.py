"""Reference data of the participants: the EU-27 and the Schengen-associated states."""

from ..models import Country

EU_MEMBER_STATES = {
    "AT": "Austria",
    "BE": "Belgium",
    "BG": "Bulgaria",
    "HR": "Croatia",
    "CY": "Cyprus",
    "CZ": "Czechia",
    "DK": "Denmark",
    "EE": "Estonia",
    "FI": "Finland",
    "FR": "France",
    "DE": "Germany",
    "GR": "Greece",
    "HU": "Hungary",
    "IE": "Ireland",
    "IT": "Italy",
    "LV": "Latvia",
    "LT": "Lithuania",
    "LU": "Luxembourg",
    "MT": "Malta",
    "NL": "Netherlands",
    "PL": "Poland",
    "PT": "Portugal",
    "RO": "Romania",
    "SK": "Slovakia",
    "SI": "Slovenia",
    "ES": "Spain",
    "SE": "Sweden",
}
SCHENGEN_ASSOCIATED = {"IS": "Iceland", "LI": "Liechtenstein", "NO": "Norway", "CH": "Switzerland"}


def countries_ensure() -> int:
    """Create the 31 participating countries that are missing; returns how many were added."""
    existing = set(Country.objects.values_list("code", flat=True))
    rows = [
        Country(code=code, name=name, is_eu_member=True)
        for code, name in EU_MEMBER_STATES.items()
        if code not in existing
    ] + [
        Country(code=code, name=name, is_schengen_associated=True)
        for code, name in SCHENGEN_ASSOCIATED.items()
        if code not in existing
    ]
    Country.objects.bulk_create(rows)
    return len(rows)
