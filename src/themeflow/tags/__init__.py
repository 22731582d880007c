"""Concept tags: every document tagged with the concepts it is about, kept current, one feed per concept.

``vocabulary`` says which concepts there are (the finance lexicon's and every saved theme) and how each is
searched; ``tagger`` keeps their tags current (in full on a new definition, else only new documents);
``feed`` reads a concept's stories newest first; ``catalog`` is what the service hands the faces.
"""

from themeflow.tags.catalog import HEAT_DAYS, TagCatalog
from themeflow.tags.feed import FeedItem, FeedPage
from themeflow.tags.tagger import TagRefresh, refresh_tags
from themeflow.tags.vocabulary import TagConcept, lexicon_concepts, resolve_concept, theme_concept

__all__ = [
    "HEAT_DAYS",
    "FeedItem",
    "FeedPage",
    "TagCatalog",
    "TagConcept",
    "TagRefresh",
    "lexicon_concepts",
    "refresh_tags",
    "resolve_concept",
    "theme_concept",
]
