"""Pantau's data contracts: what flows between ingestion, the store, retrieval and answers.

These are pydantic models so the HTTP API can return them as they are; their field names
are the API's field names.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field


class Syndication(BaseModel):
    """One line of a syndication chain: 'Tulisan ini telah tayang di X oleh Y pada Z'."""

    outlet: str
    author: str | None = None
    published: str | None = None  # ISO date


class Copy(BaseModel):
    """Another outlet or source that carried the same story (a duplicate, stored once)."""

    id: str = ""
    outlet: str = ""
    url: str = ""
    published: str | None = None
    source: str = ""


class Article(BaseModel):
    """A news article as ingested: its clean text and its metadata."""

    id: str
    text: str
    title: str = ""
    outlet: str = ""
    url: str = ""
    published: str | None = None  # ISO 8601 date or date-time with offset
    language: str = ""  # "id", "en" or "" when unknown
    author: str = ""
    editor: str = ""
    section: str = ""
    source: str = ""  # where it came from: a path, URL or "api"
    place: str = ""  # where it was filed: the dateline's city ("Jakarta")
    # Where ``published`` came from: "metadata" (the source said so), "url" (a date in its
    # path), "text" (the dateline or the body's first dated reference), "" when unknown;
    # with the confidence of an inferred date (1.0 for metadata).
    date_source: str = ""
    date_confidence: float | None = None
    syndication: list[Syndication] = Field(default_factory=list)
    content_hash: str = ""
    # Copies of this story stored under it (exact or near duplicates), earliest first.
    also_published: list[Copy] = Field(default_factory=list)
    ingested_at: str | None = None  # when the store last wrote it (set by the store)

    def as_copy(self) -> Copy:
        """This article as an "also published by" entry of another."""
        return Copy(id=self.id, outlet=self.outlet, url=self.url, published=self.published,
                    source=self.source)


class Passage(BaseModel):
    """A span of an article's text: ``article.text[start:end] == text``."""

    id: str  # "{article_id}:{index}"
    article_id: str
    index: int
    text: str
    start: int
    end: int


class ArticleInfo(BaseModel):
    """An article as listed by the API (no body text)."""

    id: str
    title: str
    outlet: str
    url: str
    published: str | None
    language: str
    author: str
    editor: str
    section: str = ""
    source: str = ""
    place: str = ""
    date_source: str = ""
    date_confidence: float | None = None
    syndication: list[Syndication] = Field(default_factory=list)
    also_published: list[Copy] = Field(default_factory=list)
    ingested_at: str | None = None
    passages: int


class Filters(BaseModel):
    """Metadata filters for retrieval. Dates are inclusive."""

    since: date | datetime | None = None
    until: date | datetime | None = None
    outlets: list[str] = Field(default_factory=list)
    language: str | None = None
    regulations: list[str] = Field(default_factory=list)  # ids such as permendag-31-2023


class RetrievedPassage(BaseModel):
    """A passage returned by retrieval, with its article's metadata and its score."""

    passage_id: str
    article_id: str
    title: str
    outlet: str
    url: str
    published: str | None
    language: str
    text: str
    start: int
    end: int
    score: float
    regulations: list[str] = Field(default_factory=list)


class Citation(BaseModel):
    """What a marker [n] in an answer points to."""

    marker: int
    passage_id: str
    article_id: str
    title: str
    outlet: str
    url: str
    published: str | None
    quote: str  # the passage text, verbatim from the article
    start: int  # span of the quote in the article text
    end: int
    score: float
    # Spans (article offsets) of the sentences the answer took from this passage.
    highlights: list[tuple[int, int]] = Field(default_factory=list)

    @classmethod
    def of(cls, p: "RetrievedPassage", marker: int,
           highlights: list[tuple[int, int]]) -> "Citation":
        """The citation of a retrieved passage under ``marker``."""
        return cls(marker=marker, passage_id=p.passage_id, article_id=p.article_id,
                   title=p.title, outlet=p.outlet, url=p.url, published=p.published,
                   quote=p.text, start=p.start, end=p.end, score=round(p.score, 4),
                   highlights=highlights)


class Conflict(BaseModel):
    """An older cited claim that a newer cited source contradicts."""

    claim: str
    published: str  # date of the older claim
    marker: int  # its citation
    superseded_by: int  # the citation of the newest claim


class RelationRow(BaseModel):
    """One relation between two regulations, as a relations answer tables it."""

    source: str  # the regulation acting, as readers know it ("Permendag 31/2023")
    relation: str  # replaces / amends / revokes / implements
    target: str
    since: str | None = None  # ISO day it took effect (or was issued), as a source dates it
    marker: int | None = None  # the citation stating the relation


class Answer(BaseModel):
    """A grounded answer: text with inline markers [n] and the citations behind them."""

    answer: str
    found: bool
    as_of: str | None  # newest published date among the cited sources
    language: str
    mode: str  # "extractive" or "llm:<name>"
    citations: list[Citation] = Field(default_factory=list)
    # LLM answers: sentences that cite no passage (also tagged "[unsourced]" in the text).
    unsupported: list[str] = Field(default_factory=list)
    # Older cited claims that newer cited sources contradict (status questions).
    conflicts: list[Conflict] = Field(default_factory=list)
    # Closest passages when found is false, so a reader can judge for themselves.
    closest: list[RetrievedPassage] = Field(default_factory=list)
    # What the question asked for (rag.retrieval.intents.INTENTS): "status", "impact",
    # "obligations", "sanctions", "relations", "chronology", "whats_new", "definition",
    # "stakeholder" or "fact".
    intent: str | None = None
    # Relations answers: the relations they state, one row each (the UI tables them).
    relations: list[RelationRow] = Field(default_factory=list)


Outcome = Literal["added", "updated", "unchanged", "duplicate"]
