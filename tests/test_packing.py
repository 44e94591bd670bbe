"""An article's timeline events packed (rag.tracking.packing): the same events back, the
values shared across articles."""
import pytest

from rag.tracking.packing import EventPacker
from rag.tracking.timeline import Event, TimelineEvent
from rag.types import Citation


def _event(**kw) -> Event:
    base = dict(subject="tiktok-shop", date="2023-10-04", date_source="text", type="stopped",
                passage_id="a1:0", start=10, end=90, published="2023-10-05T08:00:00")
    return Event(**{**base, **kw})


def test_round_trip_keeps_every_field_and_the_passage_groups():
    groups = [
        [_event(), _event(subject="permendag-31-2023", type="in_force", whole=False,
                          named=("tiktok-shop", "permendag-31-2023"))],
        [_event(passage_id="a1:1", start=120000, end=120400, date="2023-10",
                date_source="text-month", published=None, names_rule=True)],
        [_event(passage_id="a1:2", type="resumed", date="2023-12-12")],
    ]
    packer = EventPacker(Event)
    packed = packer.pack(groups)
    assert isinstance(packed[1], bytes)
    assert packer.unpack(packed) == groups
    assert packer.pack([]) == ((), b"") and packer.unpack(((), b"")) == []


def test_equal_values_are_one_object_across_articles_but_passage_ids_are_not_kept():
    packer = EventPacker(Event)
    # made separately, as two articles' dates are
    d1, d2 = "-".join(["2023", "10", "04"]), "-".join(["2023", "10", "04"])
    assert d1 == d2 and d1 is not d2
    one = packer.unpack(packer.pack([[_event(date=d1)]]))[0][0]
    two = packer.unpack(packer.pack([[_event(date=d2, passage_id="b7:0")]]))[0][0]
    assert one.date is two.date
    assert packer.one(("x", d2)) is packer.one(("x", d1))
    assert "a1:0" not in packer.shared and "b7:0" not in packer.shared


def test_an_event_read_from_a_passage_is_not_packed():
    told = TimelineEvent(date="2023-10-04", date_source="text", type="stopped",
                         summary="TikTok Shop stopped.",
                         citation=Citation(marker=1, passage_id="p", article_id="a",
                                           title="t", outlet="o", url="", published=None,
                                           quote="q", start=0, end=5, score=1.0))
    with pytest.raises(ValueError):
        EventPacker(Event).pack([[_event(told=told)]])


def test_the_registry_keeps_what_passages_share_once():
    """Two passages citing the same regulation in the same words hold one copy of what
    they say of it (a million passages: 4.1M strings were mostly such copies)."""
    from rag.tracking.registry import RegulationRegistry

    class Store:  # extract reads no store
        pass

    reg = RegulationRegistry.__new__(RegulationRegistry)
    RegulationRegistry.__init__(reg, Store())
    text = ("Permendag 31/2023 tentang Perizinan Berusaha mengganti Permendag 50/2020. "
            "Aturan itu berlaku sejak September.")
    a = reg.extract("a1:0", text, {"article_id": "a1", "published": "2023-09-27"})
    b = reg.extract("b2:3", "".join(text), {"article_id": "b2", "published": "2023-09-27"})
    assert a.refs == b.refs and a.refs is b.refs and a.relations is b.relations
    assert a.relations and a.day is b.day
    assert (a.pid, a.article) != (b.pid, b.article)
