"""Forms of the search page and of saved searches."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..forms import DateInput, ExplainedFormMixin, country_choices, quick_selects
from ..limits import single_line
from ..models import Marking


class SavedSearchForm(ExplainedFormMixin, forms.Form):
    """Saving the search shown: its name and how often to be told of new items."""

    name = forms.CharField(
        label=_("Name of the saved search"), max_length=100, validators=[single_line]
    )
    frequency = forms.ChoiceField(
        label=_("Tell me of new items"),
        choices=[("immediate", _("At once")), ("daily", _("In a daily digest"))],
        initial="daily",
        widget=forms.RadioSelect,
    )


class SearchForm(forms.Form):
    """The search page's query and filters (read from the query string, all optional)."""

    q = forms.CharField(
        label=_("Search for"), required=False, max_length=200, widget=forms.SearchInput
    )
    area = forms.ChoiceField(label=_("Area"), required=False)
    type = forms.CharField(required=False, widget=forms.HiddenInput)
    country = forms.ChoiceField(label=_("Country"), required=False)
    marking = forms.ChoiceField(
        label=_("Handling marking"),
        required=False,
        choices=[("", _("Any marking")), *Marking.choices],
    )
    date_from = forms.DateField(label=_("Published from"), required=False, widget=DateInput)
    date_to = forms.DateField(label=_("Published until"), required=False, widget=DateInput)
    year = forms.IntegerField(
        required=False, widget=forms.HiddenInput, min_value=1900, max_value=9999
    )
    archived = forms.BooleanField(
        label=_("Include archived items"),
        required=False,
        help_text=_("Archived items are read-only and left out of searches unless asked for."),
    )

    def __init__(self, *args, areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [("", _("Every area")), *areas]
        self.fields["country"].choices = country_choices(_("Any country"))
        quick_selects(self)  # the country list, on every search page and its filter column

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end of the period comes before its start."))
        return cleaned


class SearchFilterForm(SearchForm):
    """The search page's filters, shown after its results: the words searched ride along (the
    search box above reports what is wrong with them, so these carry them unchecked)."""

    q = forms.CharField(required=False, widget=forms.HiddenInput)
