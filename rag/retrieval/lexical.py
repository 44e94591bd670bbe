"""Lexical retrieval: BM25 over the same passages as the dense index.

Tokens suit Indonesian and English news: lower case, punctuation dropped, numbers such as
"31/2023" or "75,01" kept whole, light stop words, a light stemmer per the passage's
language, and every regulation reference added as its normalised id, so
"Peraturan Menteri Perdagangan Nomor 31 Tahun 2023" and "Permendag 31/2023" share the
token ``permendag-31-2023``.

The index is derived from Chroma, never written on its own, and follows the store's change
log (``rag.store.changes``): a write refreshes only the articles it touched, in every process
that shares the store (embedded or a Chroma server), so the lexical and dense sides see the
same passages through add, update and delete.

Layout, built for 100k+ passages in little memory and time per question:
- postings in segments, each a compressed sparse column block (term -> rows, term
  frequency as uint8); a write appends a small segment, deletes clear bits of an ``alive``
  mask, and segments are merged (dead rows dropped) when there are many or much is dead;
- no passage text is kept: per row only its id, length and the columns filters need
  (publication time and day, language, outlet, cited regulations), so a filter is a few
  numpy comparisons, not a Python call per passage;
- a question costs the postings of its own terms (document frequencies are counted over
  the live rows of those postings), not a pass over every passage.
"""
from __future__ import annotations

import logging
import math
import threading
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from functools import lru_cache

import numpy as np

from rag.regulations import reference_ids
from rag.store.changes import ChangeFollower, PassageRow
from rag.store.metadata import passage_regulations
from rag.store.store import PantauStore
from rag.text import content_words, root_stem, stem
from rag.types import Filters

from .lexical_state import EMPTY_F, EMPTY_I, EMPTY_STATE, NO_TIME, Pending, Segment, State
from .postings import accumulate_terms

log = logging.getLogger("pantau.lexical")

#: Merge the segments when there are more than this many ...
MAX_SEGMENTS = 12
#: ... or when this share of the rows is dead.
MAX_DEAD = 0.25
#: A name that at least this share of the articles in one language open with (title or
#: first passage) is the corpus's setting, not a subject (see ``LexicalView.setting``) ...
SETTING_SHARE = 0.8
#: ... read only from a language with at least this many articles; a verdict is read again
#: once the store's live passages changed by more than this share.
SETTING_MIN_ARTICLES = 10
SETTING_RECHECK = 0.1
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def tokens(text: str, language: str) -> list[str]:
    """Index/query tokens of ``text``: stemmed content words plus regulation ids."""
    return [_stem(w, language) for w in content_words(text)] + reference_ids(text)


@lru_cache(maxsize=200_000)
def _stem(word: str, language: str) -> str:
    return stem(word, language)


def query_tokens(terms: Iterable[str]) -> list[list[str]]:
    """Query tokens for already-expanded terms: one group per word, holding its stems in
    both languages (the question's language may differ from the passage's) and the stem of
    its Indonesian dictionary root (a question's "sanksinya", "ngelanggar" meet the
    articles' "sanksi", "melanggar")."""
    groups: list[list[str]] = []
    for t in terms:
        for w in content_words(t) if " " in t else [t.lower()]:
            groups.append(list(dict.fromkeys([_stem(w, "id"), _stem(w, "en"), root_stem(w)])))
        groups += [[r] for r in reference_ids(t)]
    seen: set[tuple[str, ...]] = set()
    return [g for g in groups if not (tuple(g) in seen or seen.add(tuple(g)))]



class LexicalIndex:
    """BM25 over all passages, kept in step with the store (see module doc)."""

    def __init__(self, store: PantauStore) -> None:
        self.store = store
        self.follower = ChangeFollower(store, self, name="lexical")
        self._state = EMPTY_STATE
        self._vocab: dict[str, int] = {}   # append-only, shared by every state
        # LexicalView.setting's verdicts by word, with the live passages they were read at
        self._settings: dict[str, tuple[bool, int]] = {}
        self._names: dict[str, int] = {}   # language and outlet codes, append-only
        # article id -> its rows, as 32-bit integers (a list of Python ints costs 3 times as
        # much: 117 MB for the 365k articles of a 1M-passage store)
        self._by_article: dict[str, array] = {}
        self._wlock = threading.Lock()
        self._pending: Pending | None = None

    # -- reads ----------------------------------------------------------------------------
    def view(self) -> "LexicalView":
        """The index as of now (brought up to date with the store first): what one
        question should use for all its lookups, so they agree and cost one check."""
        self.follower.sync()
        return LexicalView(self._state, self._vocab, self._settings)

    def languages(self) -> list[str]:
        """Languages of the stored passages."""
        return self.view().languages()

    def size(self) -> int:
        """Live passages indexed."""
        return self.view().size()

    def coverage(self, groups: Sequence[Sequence[str]]) -> float:
        """See ``LexicalView.coverage``."""
        return self.view().coverage(groups)

    def search(self, groups: Sequence[Sequence[str]], k: int,
               filters: Filters | None = None) -> list[tuple[str, float]]:
        """See ``LexicalView.search``."""
        return self.view().search(groups, k, filters)

    # -- snapshots (rag.store.snapshots) ----------------------------------------------------
    def capture(self) -> tuple:
        """The published state with copies of what later writes append to."""
        with self._wlock:
            st = self._state
            return (st, dict(self._vocab), dict(self._names),
                    {a: array("i", rows) for a, rows in self._by_article.items()})

    def restore(self, state: tuple) -> None:
        st, vocab, names, by_article = state
        with self._wlock:
            self._state, self._vocab, self._names, self._by_article = st, vocab, names, by_article
            self._pending = None

    # -- writes (called by the follower, under its lock) ------------------------------------
    def reset(self) -> None:
        with self._wlock:
            self._pending = Pending(EMPTY_STATE, fresh=True)
            self._by_article = {}

    def remove(self, article_ids: set[str]) -> None:
        with self._wlock:
            p = self._begin()
            for a in article_ids:
                rows = self._by_article.pop(a, None)
                if rows:
                    p.dead.extend(rows)

    def add(self, rows: Sequence[PassageRow]) -> None:
        with self._wlock:
            p = self._begin()
            c_rows: list[int] = []
            c_cols: list[int] = []
            c_tf: list[int] = []
            for pid, doc, meta in rows:
                lang = meta.get("language") or "id"
                counts = Counter(tokens(f"{meta.get('title', '')}\n{doc}", lang))
                row = p.base_n + len(p.ids)
                self._by_article.setdefault(meta.get("article_id", ""), array("i")).append(row)
                p.ids.append(pid)
                p.dl.append(sum(counts.values()))
                local = len(p.ids) - 1
                for tok, c in counts.items():
                    c_rows.append(local)
                    c_cols.append(self._vocab.setdefault(tok, len(self._vocab)))
                    c_tf.append(min(c, 255))
                ts, day = meta.get("published_ts"), meta.get("published_day")
                p.ts.append(NO_TIME if ts is None else int(ts))
                p.day.append(NO_TIME if day is None else int(day))
                p.lang.append(self._names.setdefault(lang, len(self._names)))
                p.outlet.append(self._names.setdefault(meta.get("outlet") or "",
                                                       len(self._names)))
                for reg in passage_regulations(meta):
                    p.regs.setdefault(reg, []).append(row)
            # numpy per page: Python int lists of every posting would cost ~70 B each
            p.coo_rows.append(np.asarray(c_rows, dtype=np.int32))
            p.coo_cols.append(np.asarray(c_cols, dtype=np.int32))
            p.coo_tf.append(np.asarray(c_tf, dtype=np.uint8))

    def commit(self) -> None:
        with self._wlock:
            p, self._pending = self._pending, None
            if p is None:
                return
            self._state = self._compact(p.build(len(self._vocab), dict(self._names)))

    def _begin(self) -> "Pending":
        if self._pending is None:
            self._pending = Pending(self._state)
        return self._pending

    def _compact(self, st: State) -> State:
        """Merge the segments into one, dropping dead rows, when there are many segments or
        many dead rows; rows are renumbered (``_by_article`` with them)."""
        dead = st.n - st.n_alive
        if len(st.segments) <= MAX_SEGMENTS and dead <= MAX_DEAD * max(st.n, 1):
            return st
        from scipy import sparse

        width = len(self._vocab)
        blocks = []
        for seg in st.segments:
            indptr = np.concatenate([seg.indptr, np.full(width + 1 - len(seg.indptr),
                                                         seg.indptr[-1], dtype=np.int64)])
            blocks.append(sparse.csc_matrix((seg.tf, seg.indices, indptr),
                                            shape=(seg.rows, width)))
        keep = np.flatnonzero(st.alive)
        m = sparse.vstack(blocks, format="csr")[keep].tocsc() if blocks else None
        renumber = np.full(st.n, -1, dtype=np.int64)
        renumber[keep] = np.arange(len(keep))
        kept = ((a, array("i", (int(renumber[r]) for r in rows if renumber[r] >= 0)))
                for a, rows in self._by_article.items())
        self._by_article = {a: rows for a, rows in kept if rows}
        segs = () if m is None or not len(keep) else (Segment(
            0, len(keep), m.indptr.astype(np.int64), m.indices.astype(np.int32),
            m.data.astype(np.uint8)),)
        regs = {r: renumber[rows][renumber[rows] >= 0] for r, rows in st.regs.items()}
        log.info("lexical index compacted: %d segments, %d dead rows dropped",
                 len(st.segments), dead)
        return State(len(keep), st.ids.take(keep), segs, np.ones(len(keep), bool),
                      len(keep), st.avgdl, st.dl[keep], st.ts[keep], st.day[keep],
                      st.lang[keep], st.outlet[keep], {r: v for r, v in regs.items() if len(v)},
                      st.languages, st.names)


class LexicalView:
    """One published state of the index: immutable, safe to use from any thread."""

    def __init__(self, state: State, vocab: dict[str, int],
                 settings: dict[str, tuple[bool, int]] | None = None) -> None:
        self._st = state
        self._vocab = vocab
        self._settings = settings if settings is not None else {}

    def languages(self) -> list[str]:
        """Languages of the indexed passages."""
        return list(self._st.languages)

    def size(self) -> int:
        """Live passages indexed."""
        return self._st.n_alive

    def coverage(self, groups: Sequence[Sequence[str]]) -> float:
        """Share of the query's words (token groups) that occur anywhere in the index, 0..1:
        how much the lexical side can match at all (English over Indonesian news: little)."""
        st = self._st
        if not groups:
            return 0.0
        return sum(any(self._df(st, t) > 0 for t in g) for g in groups) / len(groups)

    def setting(self, words: Iterable[str]) -> frozenset[str]:
        """Those of ``words`` (lower case) that nearly every article of one language names
        in its title or opening passage: what the corpus takes as its setting. News about
        Indonesia written in English opens with "Indonesia" ("Indonesian") in nearly every
        article; the same news in Indonesian in a third of them, so a question's
        "Indonesia's data protection law" must not require an Indonesian source to name the
        country (rag.answering.grounding's anchors). About 10 ms a new word at 1M passages."""
        st = self._st
        words = list(dict.fromkeys(words))
        out = set()
        for w in words:
            # a verdict holds while the store has grown or shrunk by less than a tenth
            known = self._settings.get(w)
            if known is None or abs(st.n_alive - known[1]) > SETTING_RECHECK * known[1]:
                if len(self._settings) > 10_000:  # the words questions asked, bounded
                    self._settings.clear()
                known = self._settings[w] = (self._names_setting(st, w), st.n_alive)
            if known[0]:
                out.add(w)
        return frozenset(out)

    def _names_setting(self, st: State, word: str) -> bool:
        if len(word) < 5:
            return False
        # the name (as each language's stemmer indexes it) and the words an ending of a
        # letter or two makes of it ("Indonesia", "Indonesian"): looked up, not searched
        # for, so the vocabulary's size costs nothing
        bases = dict.fromkeys([word] + [_stem(word, lg) for lg in st.languages])
        endings = ["", *_LETTERS, *(x + y for x in _LETTERS for y in _LETTERS)]
        tids = [t for t in map(self._vocab.get, {base + end for base in bases
                                                  for end in endings}) if t is not None]
        if not tids:
            return False
        hit = np.zeros(st.n, dtype=bool)
        for t in tids:
            hit[self._postings(st, t)[0]] = True
        openings = st.openings
        named, codes = hit[openings], st.lang[openings]
        for lang in st.languages:
            mine = codes == st.names.get(lang, -1)
            total = int(mine.sum())
            if total >= SETTING_MIN_ARTICLES and named[mine].sum() >= SETTING_SHARE * total:
                return True
        return False

    def search(self, groups: Sequence[Sequence[str]], k: int,
               filters: Filters | None = None) -> list[tuple[str, float]]:
        """The ``k`` best (passage id, BM25 score) for the query's token groups, among the
        passages passing ``filters``; passages matching no token are left out."""
        st = self._st
        if st.n_alive == 0:
            return []
        terms = list(dict.fromkeys(t for g in groups for t in g))
        rows_l, score_l = [], []
        for t in terms:
            tid = self._vocab.get(t)
            if tid is None:
                continue
            rows, tf = self._postings(st, tid)
            if st.n_alive < st.n:  # some rows are dead (a state with none skips the mask)
                live = st.alive[rows]
                rows, tf = rows[live], tf[live]
            tf = tf.astype(np.float32)
            if not len(rows):
                continue
            df = len(rows)
            idf = math.log(1 + (st.n_alive - df + 0.5) / (df + 0.5))
            norm = st.norm[rows]
            rows_l.append(rows)
            score_l.append(idf * tf / (tf + norm))
        if not rows_l:
            return []
        cand, total = accumulate_terms(rows_l, score_l, st.n)
        if filters is not None:
            keep = self._mask(st, filters, cand)
            cand, total = cand[keep], total[keep]
        if not len(cand):
            return []
        if len(cand) > k:  # the k best, and whatever ties the k-th (ties go by passage id)
            kth = np.partition(-total, k - 1)[k - 1]
            top = np.flatnonzero(-total <= kth)
        else:
            top = np.arange(len(cand))
        best = sorted(((-float(total[i]), st.ids[cand[i]]) for i in top if total[i] > 0))
        return [(pid, -neg) for neg, pid in best[:k]]

    def _postings(self, st: State, tid: int) -> tuple[np.ndarray, np.ndarray]:
        parts = [seg.postings(tid) for seg in st.segments]
        if len(parts) == 1:
            return parts[0]
        return (np.concatenate([p[0] for p in parts]) if parts else EMPTY_I,
                np.concatenate([p[1] for p in parts]) if parts else EMPTY_F)

    def _df(self, st: State, token: str) -> int:
        tid = self._vocab.get(token)
        if tid is None:
            return 0
        rows, _ = self._postings(st, tid)
        return int(st.alive[rows].sum()) if len(rows) else 0

    def _mask(self, st: State, f: Filters, rows: np.ndarray) -> np.ndarray:
        """Which of ``rows`` pass ``f``: the semantics of ``rag.store.metadata.matches``."""
        keep = np.ones(len(rows), dtype=bool)
        for bound, ge in ((f.since, True), (f.until, False)):
            if bound is None:
                continue
            if isinstance(bound, datetime):
                t = bound if bound.tzinfo else bound.replace(tzinfo=timezone.utc)
                have, want = st.ts[rows], int(t.timestamp())
            else:
                have, want = st.day[rows], bound.year * 10000 + bound.month * 100 + bound.day
            keep &= (have != NO_TIME) & ((have >= want) if ge else (have <= want))
        if f.outlets:
            codes = [st.names[o] for o in f.outlets if o in st.names]
            keep &= np.isin(st.outlet[rows], codes)
        if f.language:
            keep &= st.lang[rows] == st.names.get(f.language, -1)
        if f.regulations:
            citing = [st.regs[r] for r in f.regulations if r in st.regs]
            keep &= np.isin(rows, np.concatenate(citing)) if citing else False
        return keep
