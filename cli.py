"""The ``pantau`` command: ingest, ask, articles, delete, serve.

Each command parses its arguments, makes one service call and prints the result. Exit
codes: 0 success (including "nothing to do"), 1 some inputs failed or the answer was not
found, 2 usage errors.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys

from rag.config import Settings, enforce_offline


def _service(settings: Settings):
    from rag.service import PantauService

    return PantauService.from_settings(settings)


def cmd_ingest(args, settings: Settings) -> int:
    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    from ingest.pipeline import ingest_paths

    console = Console(stderr=True)
    service = _service(settings)
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task("ingesting", total=None)
        report = ingest_paths(service, args.paths, progress=lambda n: bar.advance(task, n))
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        table = Table(title="Ingest report")
        for col in ("added", "updated", "unchanged", "duplicates", "failed"):
            table.add_column(col, justify="right")
        table.add_row(str(report.added), str(report.updated), str(report.unchanged),
                      str(report.duplicates), str(len(report.failed)))
        Console().print(table)
        for f in report.failed:
            Console().print(f"[red]failed[/red] {f.source}: {f.error}", markup=True,
                            highlight=False)
        for n in report.notices:
            Console().print(f"[yellow]note[/yellow] {n.source}: {n.message}", highlight=False)
        if not report.changed and not report.failed:
            Console().print("Nothing changed: everything was already ingested.")
    return 1 if report.failed else 0


def cmd_ask(args, settings: Settings) -> int:
    from rag.answer import format_date

    answer = _service(settings).ask(args.question, args.top_k)
    if args.json:
        print(answer.model_dump_json(indent=2))
        return 0 if answer.found else 1
    print(answer.answer)
    for c in answer.citations:
        date = format_date(c.published, answer.language) if c.published else "-"
        print(f"\n[{c.marker}] {c.title} — {c.outlet or '?'}, {date}\n    {c.url or ''}")
    if not answer.found and answer.closest:
        print("\nClosest passages:")
        for p in answer.closest:
            print(f"  - {p.title} ({p.published or '-'}) score {p.score:.3f}")
    return 0 if answer.found else 1


def cmd_articles(args, settings: Settings) -> int:
    items = _service(settings).articles()
    if args.json:
        print(json.dumps([a.model_dump() for a in items], ensure_ascii=False, indent=2))
        return 0
    for a in items:
        print(f"{a.id}  {(a.published or '')[:10]:10}  {a.language:2}  {a.passages:3}  "
              f"{a.outlet[:20]:20}  {a.title[:70]}")
    print(f"{len(items)} articles")
    return 0


def cmd_delete(args, settings: Settings) -> int:
    service = _service(settings)
    missing = [i for i in args.ids if not service.delete(i)]
    for i in missing:
        print(f"no article with id {i}", file=sys.stderr)
    return 1 if missing else 0


def cmd_serve(args, settings: Settings) -> int:
    from app import serve

    logging.getLogger("pantau").setLevel(logging.INFO)
    updates = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
    serve(settings.model_copy(update=updates))
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="pantau", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("ingest", help="ingest files and folders")
    s.add_argument("paths", nargs="+", help="files (.txt .md .html .jsonl) or folders")
    s.add_argument("--json", action="store_true", help="print the report as JSON")
    s.set_defaults(func=cmd_ingest)
    s = sub.add_parser("ask", help="ask a question")
    s.add_argument("question")
    s.add_argument("--top-k", type=int, default=None)
    s.add_argument("--json", action="store_true", help="print the Answer as JSON")
    s.set_defaults(func=cmd_ask)
    s = sub.add_parser("articles", help="list stored articles")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_articles)
    s = sub.add_parser("delete", help="delete articles and their passages")
    s.add_argument("ids", nargs="+")
    s.set_defaults(func=cmd_delete)
    s = sub.add_parser("serve", help="serve the web UI and the HTTP API")
    s.add_argument("--host", default=None)
    s.add_argument("--port", type=int, default=None)
    s.set_defaults(func=cmd_serve)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``pantau`` console script."""
    enforce_offline()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    return args.func(args, Settings())


if __name__ == "__main__":
    sys.exit(main())
