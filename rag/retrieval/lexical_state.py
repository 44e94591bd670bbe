"""The lexical index's storage: postings segments, the published state readers see, and
the pending write that builds the next state (see ``rag.retrieval.lexical`` for the layout
and why it is built this way).
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from functools import cached_property

import numpy as np

from .rowids import RowIds

#: BM25 parameters (Lucene's formula, as bm25s uses by default).
K1, B = 1.5, 0.75
NO_TIME = np.iinfo(np.int64).min  # a passage without a publication date


@dataclass(frozen=True)
class Segment:
    """Postings of rows [offset, offset + rows) for term ids below ``len(indptr) - 1``."""
    offset: int
    rows: int
    indptr: np.ndarray   # int64, one per term + 1
    indices: np.ndarray  # int32, local row of each posting
    tf: np.ndarray       # uint8, term frequency (capped at 255)

    def postings(self, term: int) -> tuple[np.ndarray, np.ndarray]:
        if term + 1 >= len(self.indptr):
            return EMPTY_I, EMPTY_F
        a, b = self.indptr[term], self.indptr[term + 1]
        return self.indices[a:b] + self.offset, self.tf[a:b]


EMPTY_I = np.zeros(0, dtype=np.int64)
EMPTY_F = np.zeros(0, dtype=np.uint8)


@dataclass(frozen=True)
class State:
    """What readers see: immutable once published (writers build the next one)."""
    n: int                          # rows (live and dead)
    ids: RowIds                     # row -> passage id
    segments: tuple[Segment, ...]
    alive: np.ndarray               # bool per row
    n_alive: int
    avgdl: float
    dl: np.ndarray                  # float32 tokens per row
    ts: np.ndarray                  # int64 publication time (s), NO_TIME when unknown
    day: np.ndarray                 # int64 yyyymmdd, NO_TIME when unknown
    lang: np.ndarray                # int16 code into ``names``
    outlet: np.ndarray              # int32 code into ``names``
    regs: dict[str, np.ndarray]     # regulation id -> rows citing it
    languages: list[str]            # languages of live rows
    names: dict[str, int] = field(default_factory=dict)  # language/outlet name -> code

    def __getstate__(self) -> dict:
        """Its fields alone: what it caches (``norm``, ``openings``) is derived again after a
        load, and a snapshot pickling a state while a question fills those caches in must
        not see the instance's dict change under it."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @cached_property
    def norm(self) -> np.ndarray:
        """BM25's length normalisation per row, K1 * (1 - B + B * dl / avgdl): once per
        state, not for every posting of every query term (10 ms a query at 1M rows)."""
        return K1 * (1 - B + B * self.dl / self.avgdl)

    @cached_property
    def openings(self) -> np.ndarray:
        """The live rows of each article's first passage (its title and opening)."""
        if not self.n_alive:
            return EMPTY_I
        first = np.concatenate([np.char.endswith(c, b":0") for c in self.ids.chunks])
        return np.flatnonzero(first & self.alive)

EMPTY_STATE = State(0, RowIds(), (), np.zeros(0, bool), 0, 1.0, np.zeros(0, np.float32),
                      np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int16),
                      np.zeros(0, np.int32), {}, [])



class Pending:
    """A sync in progress: rows added and rows killed since ``base``."""

    def __init__(self, base: State, fresh: bool = False) -> None:
        self.base = base
        self.fresh = fresh
        self.base_n = 0 if fresh else base.n
        self.ids: list[str] = []
        self.dl: list[int] = []
        self.ts: list[int] = []
        self.day: list[int] = []
        self.lang: list[int] = []
        self.outlet: list[int] = []
        self.regs: dict[str, list[int]] = {}
        self.dead: list[int] = []
        self.coo_rows: list[np.ndarray] = []
        self.coo_cols: list[np.ndarray] = []
        self.coo_tf: list[np.ndarray] = []

    def build(self, width: int, names: dict[str, int]) -> State:
        from scipy import sparse

        base = EMPTY_STATE if self.fresh else self.base
        n_new = len(self.ids)
        segs = list(base.segments)
        if n_new:
            m = sparse.csc_matrix((np.concatenate(self.coo_tf).astype(np.float32),
                                   (np.concatenate(self.coo_rows),
                                    np.concatenate(self.coo_cols))),
                                  shape=(n_new, width))
            self.coo_rows = self.coo_cols = self.coo_tf = []
            segs.append(Segment(self.base_n, n_new, m.indptr.astype(np.int64),
                                 m.indices.astype(np.int32), m.data.astype(np.uint8)))
        alive = np.concatenate([base.alive, np.ones(n_new, bool)])
        if self.dead:
            alive[np.asarray(self.dead, dtype=np.int64)] = False
        dl = np.concatenate([base.dl, np.asarray(self.dl, dtype=np.float32)])
        lang = np.concatenate([base.lang, np.asarray(self.lang, dtype=np.int16)])
        n_alive = int(alive.sum())
        regs = dict(base.regs)
        for r, rows in self.regs.items():
            regs[r] = np.concatenate([regs.get(r, EMPTY_I), np.asarray(rows, np.int64)])
        code_to_name = {c: nm for nm, c in names.items()}
        languages = sorted(code_to_name[int(c)] for c in np.unique(lang[alive]))
        return State(
            n=self.base_n + n_new, ids=base.ids.extended(self.ids), segments=tuple(segs),
            alive=alive, n_alive=n_alive,
            avgdl=float(dl[alive].mean()) if n_alive else 1.0, dl=dl,
            ts=np.concatenate([base.ts, np.asarray(self.ts, dtype=np.int64)]),
            day=np.concatenate([base.day, np.asarray(self.day, dtype=np.int64)]),
            lang=lang,
            outlet=np.concatenate([base.outlet, np.asarray(self.outlet, dtype=np.int32)]),
            regs=regs, languages=[lg for lg in languages if lg], names=names)
