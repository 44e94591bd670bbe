"""Per-article items frozen into mapped arrays (rag.store.frozen): the mapping a per-article
index keeps, its changes over a frozen base, and what a snapshot makes of it."""
import mmap
import pickle

import numpy as np

from rag.store import frozen
from rag.store.frozen import ArticleItems, FrozenItems
from rag.store.snapshots import Snapshots


def _same(items: ArticleItems, expected: dict) -> None:
    assert dict(items.items()) == expected and len(items) == len(expected)
    for key, value in expected.items():
        assert items.get(key) == value
    assert items.get("a-nothing") is None and items.get("a-nothing", 7) == 7


def test_changes_over_a_frozen_base_read_as_one_mapping():
    model = {f"a{i:016x}": ((f"subject-{i % 3}", "2024-05-0%d" % (i % 9 + 1)), b"\x01" * i)
             for i in range(40)}
    model["ünïcode-ïd"] = (("x",), b"")
    items = ArticleItems()
    for key, value in model.items():
        items[key] = value
    _same(items, model)
    items = pickle.loads(pickle.dumps(items))  # frozen, as a snapshot keeps it
    assert not items.changes and len(items.base) == len(model)
    assert list(items.base.keys()) == sorted(model, key=str.encode)  # binary search
    _same(items, model)
    work = items.copy()  # a sync's copy: the published one does not change
    work["a-new"] = (("y",), b"\x02")
    assert work.pop(f"a{3:016x}") == model[f"a{3:016x}"]
    assert work.pop(f"a{3:016x}") is None and work.pop("a-never", 5) == 5
    work[f"a{4:016x}"] = (("z",), b"")
    _same(items, model)
    expected = dict(model)
    del expected[f"a{3:016x}"]
    expected.update({"a-new": (("y",), b"\x02"), f"a{4:016x}": (("z",), b"")})
    _same(work, expected)
    again = pickle.loads(pickle.dumps(work))
    _same(again, expected)
    assert again.base.dead > 0  # the replaced and removed articles' bytes


def test_a_base_mostly_dead_is_compacted_into_one_chunk():
    base = FrozenItems().merged({f"a{i}": ("v" * 50, i) for i in range(100)})
    assert len(base.chunks) == 1 and base.dead == 0
    half = base.merged({f"a{i}": ("w", i) for i in range(30)})
    assert len(half.chunks) == 2 and half.dead > 0
    most = half.merged({f"a{i}": frozen._GONE for i in range(30, 80)})
    assert len(most.chunks) == 1 and most.dead == 0  # compacted
    expected = {f"a{i}": ("w", i) for i in range(30)} | {
        f"a{i}": ("v" * 50, i) for i in range(80, 100)}
    assert dict(most.items()) == expected
    assert sum(len(c) for c in most.chunks) == sum(
        len(pickle.dumps(v, protocol=5)) for v in expected.values())
    # ids longer than any kept, or ending in NUL, are simply absent
    assert most.get("a1" + "x" * 40) is None and "a1\0" not in most and "a1" in most


def test_a_snapshot_maps_the_frozen_items_instead_of_reading_them(tmp_path):
    items = ArticleItems()
    for i in range(20000):  # large enough to lie outside the pickle
        items[f"a{i:016x}"] = ((f"s{i % 7}",), np.arange(i % 5, dtype=np.int32).tobytes())
    snaps = Snapshots(tmp_path / "snaps", "store")
    snaps.save("timelineindex", "r", {"gen": "g"}, (items, {}, {}))
    _, (got, _, _) = snaps.load("timelineindex", "r")

    def mapped(a):
        base = a.base
        while base is not None and not isinstance(base, mmap.mmap):
            base = getattr(base, "obj", None) or getattr(base, "base", None)
        return base is not None

    assert mapped(got.base.ids) and mapped(got.base.where)
    assert all(mapped(c) for c in got.base.chunks)
    assert dict(got.items()) == dict(items.items())
