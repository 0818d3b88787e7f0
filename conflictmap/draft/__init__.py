"""Drafting events from an article: places, dates, actors and quotes found for the analyst to curate.

Pure and offline: ``read_article`` -> ``find_places`` / ``find_dates`` ->
``draft_from_article`` -> ``write_draft``. The gazetteer is the vocabulary of
places; no model weights are needed.
"""

from conflictmap.draft.article import Article, ArticleError, read_article
from conflictmap.draft.build import Draft, draft_from_article
from conflictmap.draft.dates import DateMention, find_dates
from conflictmap.draft.places import PlaceMention, find_places, naive_places

__all__ = [
    "Article",
    "ArticleError",
    "DateMention",
    "Draft",
    "PlaceMention",
    "draft_from_article",
    "find_dates",
    "find_places",
    "naive_places",
    "read_article",
]
