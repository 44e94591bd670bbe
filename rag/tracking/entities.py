"""The gazetteer: the players Pantau tracks (platforms, ministries, regulators, ...).

Shipped as ``rag/data/gazetteer.yaml`` (id, kind, names, aliases); users add theirs with
``PANTAU_GAZETTEER_FILE`` (entries with the same id are merged). Mentions are found as whole
words, case-insensitively, longest name first, so "TikTok Shop" is the platform and not the
company TikTok.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from rag.text import lower_in_place

BUILTIN = Path(__file__).parent.parent / "data" / "gazetteer.yaml"
KINDS = {"platform", "ministry", "regulator", "company", "group"}


@dataclass
class Entity:
    id: str
    kind: str
    names: list[str]
    aliases: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.names[0]


#: A hyphen between a word and a capitalised one: two names joined ("TikTok-Tokopedia").
_JOINED = re.compile(r"(?<=[^\W\d_]{2})-(?=[A-Z])")


class Gazetteer:
    """Entities by id, and a matcher for their mentions in text."""

    def __init__(self, entities: list[Entity]) -> None:
        self.entities = {e.id: e for e in entities}
        forms = sorted(((f, e.id) for e in entities for f in e.names + e.aliases),
                       key=lambda x: len(x[0]), reverse=True)
        self._by_form = {f.lower(): eid for f, eid in forms}
        alternatives = "|".join(re.escape(f) for f, _ in forms)
        self._pattern = re.compile(r"(?<![\w-])(" + alternatives + r")(?![\w-])", re.I)
        # The same names in lower case, matched against lower-cased text without re.I:
        # 3-4 times faster, and the gazetteer is searched in every sentence it indexes.
        self._lower = re.compile(r"(?<![\w-])(" + alternatives.lower() + r")(?![\w-])")

    @classmethod
    def load(cls, *paths: Path) -> "Gazetteer":
        """Read gazetteer files; a malformed entry is an error naming the file and entry."""
        import yaml

        merged: dict[str, Entity] = {}
        for path in paths:
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or []
            for n, item in enumerate(data):
                if not isinstance(item, dict) or not item.get("id") or not item.get("names"):
                    raise ValueError(f"{path}: entry {n} needs an id and names")
                kind = item.get("kind", "company")
                if kind not in KINDS:
                    raise ValueError(f"{path}: entry {item['id']!r} has unknown kind {kind!r}")
                e = merged.setdefault(item["id"], Entity(item["id"], kind, []))
                e.names += [x for x in item["names"] if x not in e.names]
                e.aliases += [x for x in item.get("aliases", []) if x not in e.aliases]
        return cls(list(merged.values()))

    def find(self, text: str) -> list[tuple[str, int, int]]:
        """(entity id, start, end) of every mention, in order; names joined by a hyphen
        ("merger TikTok-Tokopedia", "kasus KPPU-TikTok") are each a mention, unless the
        joined form is a name itself."""
        found = [(self._by_form[m.group(0).lower()], m.start(), m.end())
                 for m in self._mentions(text)]
        split = _JOINED.sub(" ", text) if "-" in text else text  # same length: offsets hold
        if split != text:
            taken = [(s, e) for _, s, e in found]
            found += [(self._by_form[m.group(0).lower()], m.start(), m.end())
                      for m in self._mentions(split)
                      if not any(s < m.end() and m.start() < e for s, e in taken)]
            found.sort(key=lambda x: x[1])
        return found

    def _mentions(self, text: str):
        """The name matches in ``text`` (offsets into it)."""
        low = lower_in_place(text)
        return self._pattern.finditer(text) if low is None else self._lower.finditer(low)

    def shop_of(self, eid: str) -> str:
        """Where a seller "on" ``eid`` sells: a company's one platform named after it
        ("jualan di TikTok": TikTok Shop), else ``eid`` itself."""
        ent = self.entities.get(eid)
        if ent is None or ent.kind == "platform":
            return eid
        shops = [e.id for e in self.entities.values() if e.kind == "platform"
                 and e.label.lower().startswith(ent.label.lower() + " ")]
        return shops[0] if len(shops) == 1 else eid

    def owner_of(self, eid: str) -> str:
        """The company a platform is named after ("TikTok Shop": TikTok), else ``eid``."""
        ent = self.entities.get(eid)
        if ent is None or ent.kind != "platform":
            return eid
        owners = [e.id for e in self.entities.values() if e.kind in ("company", "group")
                  and ent.label.lower().startswith(e.label.lower() + " ")]
        return owners[0] if len(owners) == 1 else eid

    def ids_in(self, text: str) -> list[str]:
        """Distinct entity ids mentioned in ``text``, in order of first mention."""
        return list(dict.fromkeys(eid for eid, _, _ in self.find(text)))


@lru_cache(maxsize=8)
def load_gazetteer(extra: str = "") -> Gazetteer:
    """The built-in gazetteer plus an optional user file (cached per path)."""
    return Gazetteer.load(BUILTIN, *([Path(extra)] if extra else []))
