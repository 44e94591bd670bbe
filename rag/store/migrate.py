"""Bring a store made by older code up to date (``pantau migrate``); run it while no
Pantau process uses the store.

One migration so far: **article records without vectors**. Older stores gave each article
record the mean of its passages' vectors. Nothing searches articles by vector, yet Chroma
loads a collection's whole vector index on any read of it: 0.7 GB of memory at 365k
articles of 384 dimensions, in every process. The records are copied, page by page, into a
new collection whose vectors are placeholders (``chroma_conn.ARTICLE_VECTORS``), which then
takes the old one's name:

1. ``{prefix}_articles_next`` is made afresh (one left by an interrupted run is dropped);
2. every record (id, full text, metadata) is copied; the counts must agree;
3. the old collection is renamed ``{prefix}_articles_old``, the new one
   ``{prefix}_articles``, and the old one deleted.

Passages, the change log and the snapshots are untouched. Stopped anywhere, it loses
nothing: before step 3 the old collection is still in place; inside step 3 the store
refuses to open (``chroma_conn._articles``) until ``pantau migrate`` runs again and
finishes the renames.
"""
from __future__ import annotations

from collections.abc import Callable

from .chroma_conn import NEXT_ARTICLES, NO_VECTORS, holds_vectors
from .store import PantauStore

_OLD = "_articles_old"


def migrate(store: PantauStore, say: Callable[[str], None] = print,
            page: int = 500) -> dict[str, int]:
    """Apply every migration the store needs; what was done, by name (0: nothing to do)."""
    return {"article_vectors": _drop_article_vectors(store, say, page)}


def _drop_article_vectors(store: PantauStore, say: Callable[[str], None], page: int) -> int:
    """Rewrite the articles collection without vectors; the records copied (0 when it has
    none already)."""
    client = store._chroma.client()
    prefix = store.settings.collection
    name, nxt, old = f"{prefix}_articles", prefix + NEXT_ARTICLES, prefix + _OLD
    names = {c.name for c in client.list_collections()}
    if name not in names and nxt in names:
        # stopped between the renames: the copy was complete (it is renamed only then)
        client.get_collection(nxt, embedding_function=store._chroma.embedding_function()
                              ).modify(name=name)
        names = (names - {nxt}) | {name}
        say(f"finished an interrupted migration: {nxt} is now {name}")
    if old in names:
        client.delete_collection(old)
        say(f"removed {old}, left by an interrupted migration")
    current = store.articles_collection
    if not holds_vectors(current):
        return 0
    if nxt in names:
        client.delete_collection(nxt)
    fresh = client.create_collection(
        nxt, embedding_function=store._chroma.embedding_function(),
        metadata=dict(NO_VECTORS))
    total = current.count()
    copied = 0
    for got in store._scan(current, ["documents", "metadatas"], page):
        n = len(got["ids"])
        fresh.add(ids=got["ids"], documents=got["documents"], metadatas=got["metadatas"],
                  embeddings=[[1.0]] * n)
        copied += n
        if copied % (page * 40) < n:
            say(f"article records copied: {copied:,} of {total:,}")
    if fresh.count() != current.count():
        client.delete_collection(nxt)
        raise RuntimeError(f"the copy holds {fresh.count()} articles, {name} "
                           f"{current.count()}: nothing changed (was a process writing?)")
    current.modify(name=old)
    fresh.modify(name=name)
    client.delete_collection(old)
    store._chroma.reset()
    say(f"{name}: {copied:,} article records rewritten without vectors")
    return copied
