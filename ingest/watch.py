"""`pantau watch`: poll feeds, ingest what is new, write a digest for the watchlist.

Each round reads the feed list (one URL or path per line, `#` comments), ingests every feed
(the ingest is idempotent: known articles cost a store lookup), then writes what changed
since the previous round for the watched subjects (entity or regulation ids) as Markdown and
JSON under `<data dir>/digests/`. The watchlist and the time of the last round live in
`<data dir>/watch.json`.
"""
from __future__ import annotations

import json
import logging
import re
import time
from datetime import datetime, timezone
from pathlib import Path

from rag.service import PantauService
from rag.tracking.updates import Updates

from .pipeline import IngestReport, ingest

log = logging.getLogger("pantau.watch")


def parse_every(text: str) -> float:
    """'30m', '1h', '90s', '2h30m' -> seconds (ValueError naming the input otherwise)."""
    parts = re.findall(r"(\d+(?:\.\d+)?)\s*([hms])", text.strip().lower())
    if not parts or "".join(n + u for n, u in parts) != re.sub(r"\s+", "", text.lower()):
        raise ValueError(f"cannot read interval {text!r}: use forms like 30m, 1h, 90s")
    return sum(float(n) * {"h": 3600, "m": 60, "s": 1}[u] for n, u in parts)


def read_feed_list(path: Path) -> list[str]:
    """Feed URLs or paths, one per line; blank lines and # comments ignored."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [ln.split("#", 1)[0].strip() for ln in lines if ln.split("#", 1)[0].strip()]


class Watcher:
    """State (watchlist, last round) in the data dir; one `round()` per poll."""

    def __init__(self, service: PantauService) -> None:
        self.service = service
        self.state_path = service.settings.data_dir / "watch.json"
        self.digest_dir = service.settings.data_dir / "digests"

    def state(self) -> dict:
        if self.state_path.exists():
            return json.loads(self.state_path.read_text(encoding="utf-8"))
        return {"watchlist": [], "last_round": None}

    def save_watchlist(self, subjects: list[str]) -> list[str]:
        """Replace the watchlist (entity or regulation ids)."""
        st = self.state()
        st["watchlist"] = sorted({s.strip().lower() for s in subjects if s.strip()})
        self._write(st)
        return st["watchlist"]

    def _write(self, st: dict) -> None:
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(st, indent=2), encoding="utf-8")
        tmp.replace(self.state_path)

    def round(self, feeds: list[str]) -> tuple[IngestReport, Path]:
        """Ingest the feeds and write the digest of what is new since the last round."""
        st = self.state()
        started = datetime.now(timezone.utc)
        since = (st["last_round"] or started.isoformat())[:10]
        report = ingest(self.service, feeds=feeds)
        subjects = st["watchlist"] or [None]
        groups = []
        for subject in subjects:
            groups += self.service.updates(since, subject).groups
        digest = Updates(since=since, articles=report.added + report.updated, groups=groups)
        path = self._write_digest(digest, report, started)
        st["last_round"] = started.isoformat(timespec="seconds")
        self._write(st)
        return report, path

    def _write_digest(self, digest: Updates, report: IngestReport, at: datetime) -> Path:
        self.digest_dir.mkdir(parents=True, exist_ok=True)
        stem = self.digest_dir / f"digest-{at.strftime('%Y%m%dT%H%M%SZ')}"
        stem.with_suffix(".json").write_text(json.dumps(
            {"at": at.isoformat(timespec="seconds"), "ingest": report.to_dict(),
             **digest.model_dump()}, ensure_ascii=False, indent=2), encoding="utf-8")
        lines = [f"# Pantau digest, {at:%Y-%m-%d %H:%M} UTC", "",
                 f"New or updated articles this round: {report.added + report.updated} "
                 f"(unchanged {report.unchanged}, copies {report.duplicates}, "
                 f"failed {len(report.failed)}). Developments since {digest.since}:", ""]
        for g in digest.groups:
            lines.append(f"## {g.label} ({g.kind} `{g.key}`)")
            for e in g.events:
                c = e.citation
                lines.append(f"- {e.date} **{e.type}**: {e.summary} "
                             f"([{c.title}]({c.url}) {(c.published or '')[:10]})")
            for a in g.articles:
                lines.append(f"- new article: [{a.title}]({a.url}) {(a.published or '')[:10]}")
            lines.append("")
        for f in report.failed:
            lines.append(f"- failed: {f.source}: {f.error}")
        path = stem.with_suffix(".md")
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path


def watch(service: PantauService, feeds_file: Path, every: float, rounds: int | None = None) -> None:
    """Run rounds every ``every`` seconds (``rounds`` of them, or until interrupted)."""
    watcher = Watcher(service)
    n = 0
    while rounds is None or n < rounds:
        report, path = watcher.round(read_feed_list(feeds_file))
        log.warning("watch round %d: %d new, %d failed; digest %s", n + 1,
                    report.added + report.updated, len(report.failed), path)
        n += 1
        if rounds is None or n < rounds:
            time.sleep(every)
