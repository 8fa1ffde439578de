"""The filters of the calendar pages, of the next steps and of the exports."""

from cdvs.core.bounds import IdField
from cdvs.core.filters import FilterForm


class SeriesFilter(FilterForm):
    """?instance=<pk>: the meetings of one instance."""

    instance = IdField()
    lookups = {"instance": "series_id"}


class MeetingFilters(SeriesFilter):
    """…&organisation=<pk>: the same filters on every calendar page."""

    organisation = IdField()

    def filter_organisation(self, queryset, pk):
        return queryset.for_organisation(pk)


class NextStepFilters(SeriesFilter):
    lookups = {"instance": "meeting__series_id"}
