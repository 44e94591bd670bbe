"""The ``pantau`` command: ingest, ask, articles, delete, serve.

Each command parses its arguments, makes one service call and prints the result. Exit
codes: 0 success (including "nothing to do"), 1 some inputs failed or the answer was not
found, 2 usage errors, 3 the store cannot be reached or written (the message says where
and why; nothing stored before is lost).
"""
from __future__ import annotations

import argparse
import json
import logging
import re
import sys

from bench.commands import add_bench_parser
from rag.config import Settings, prepare_process


def _service(settings: Settings):
    from rag.service import PantauService

    return PantauService.from_settings(settings)


def cmd_ingest(args, settings: Settings) -> int:
    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    from ingest.pipeline import ingest

    console = Console(stderr=True)
    if args.batch is not None:
        if args.batch < 1:
            print(f"pantau ingest: --batch must be at least 1, got {args.batch}", file=sys.stderr)
            return 2
        settings = settings.model_copy(update={"ingest_batch_articles": args.batch})
    service = _service(settings)
    urls = [p for p in args.sources if re.match(r"^[a-z][a-z0-9+.-]*://", p, re.I)]
    paths = [p for p in args.sources if p not in urls]
    if not (paths or urls or args.feed):
        print("pantau ingest: give files, folders, URLs or --feed", file=sys.stderr)
        return 2
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task("ingesting", total=None)
        report = ingest(service, paths=paths, urls=urls, feeds=args.feed or [],
                        include=args.include or [], exclude=args.exclude or [],
                        progress=lambda n: bar.advance(task, n))
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
        if report.skipped_sources:
            Console().print(f"{report.skipped_sources} unchanged files skipped without reading "
                            "(ingest record).", highlight=False)
        if not report.changed and not report.failed:
            Console().print("Nothing changed: everything was already ingested.")
    return 1 if report.failed else 0


def cmd_ask(args, settings: Settings) -> int:
    from rag.dates import format_date

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


def cmd_regulations(args, settings: Settings) -> int:
    from rich.console import Console
    from rich.table import Table

    service = _service(settings)
    console = Console(width=None if sys.stdout.isatty() else 160)
    if args.id:
        found = service.regulation(args.id)
        if found is None:
            print(f"no regulation {args.id!r} is cited", file=sys.stderr)
            return 1
        rec, passages = found
        if args.json:
            print(json.dumps({**rec.model_dump(), "passages": [p.model_dump() for p in passages]},
                             ensure_ascii=False, indent=2))
            return 0
        console.print(f"[bold]{rec.id}[/bold]  {rec.title or ''}", highlight=False)
        console.print(f"issuer: {rec.issuer}; {rec.mentions} passages in {rec.articles} "
                      f"articles, {rec.first_seen} .. {rec.last_seen}", highlight=False)
        console.print("aliases: " + "; ".join(rec.aliases), highlight=False)
        for r in rec.relations:
            console.print(f"{r.type} {r.target}", highlight=False)
        table = Table("published", "title", "passage")
        for p in passages:
            table.add_row((p.published or "")[:10], p.title[:50], p.text[:160])
        console.print(table)
        return 0
    regs = service.regulations()
    if args.json:
        print(json.dumps([r.model_dump() for r in regs], ensure_ascii=False, indent=2))
        return 0
    table = Table("id", "type", "year", "mentions", "first seen", "last seen", "relations",
                  title="Regulations cited")
    for r in regs:
        table.add_row(r.id, r.type, str(r.year), str(r.mentions), r.first_seen or "",
                      r.last_seen or "", ", ".join(f"{x.type} {x.target}" for x in r.relations))
    console.print(table)
    return 0


def cmd_timeline(args, settings: Settings) -> int:
    from rich.console import Console
    from rich.table import Table

    tl = _service(settings).timeline(args.id, args.until)
    if tl is None:
        print(f"{args.id!r} is neither a tracked entity nor a cited regulation", file=sys.stderr)
        return 1
    if args.json:
        print(tl.model_dump_json(indent=2))
        return 0
    console = Console(width=None if sys.stdout.isatty() else 160)
    console.print(f"[bold]{tl.label}[/bold] ({tl.entity}): status {tl.status or '-'} "
                  f"as of {tl.as_of or '-'}", highlight=False)
    table = Table("date", "type", "what happened", "source")
    for e in tl.events:
        date = e.date[:7] if e.date_source == "text-month" else e.date
        src = f"{e.citation.title[:40]} ({(e.citation.published or '')[:10]})"
        table.add_row(date + ("*" if e.date_source == "article" else ""), e.type,
                      e.summary[:140], src)
    console.print(table)
    console.print("* dated by the article (the sentence gives no date)", highlight=False)
    return 0


def cmd_updates(args, settings: Settings) -> int:
    up = _service(settings).updates(args.since, args.subject)
    if args.json:
        print(up.model_dump_json(indent=2))
        return 0
    print(f"Since {up.since}: {up.articles} new articles")
    for g in up.groups:
        print(f"\n## {g.label} ({g.kind} {g.key})")
        for e in g.events:
            print(f"  {e.date}  {e.type:9}  {e.summary[:110]}\n"
                  f"              [{e.citation.title[:50]}, {(e.citation.published or '')[:10]}]")
        for a in g.articles:
            print(f"  + {(a.published or '')[:10]}  {a.title[:90]} ({a.outlet or a.url})")
    return 0


def cmd_watch(args, settings: Settings) -> int:
    from pathlib import Path

    from ingest.watch import Watcher, parse_every, watch

    service = _service(settings)
    if args.watchlist is not None:
        saved = Watcher(service).save_watchlist(args.watchlist.split(","))
        print(f"watchlist: {', '.join(saved) or '(everything)'}")
        if not args.feeds:
            return 0
    if not args.feeds:
        print("pantau watch: give --feeds FILE (one feed URL or path per line)", file=sys.stderr)
        return 2
    try:
        every = parse_every(args.every)
    except ValueError as exc:
        print(f"pantau watch: {exc}", file=sys.stderr)
        return 2
    logging.getLogger("pantau.watch").setLevel(logging.INFO)
    try:
        watch(service, Path(args.feeds), every, 1 if args.once else None)
    except KeyboardInterrupt:
        pass
    return 0


def cmd_delete(args, settings: Settings) -> int:
    service = _service(settings)
    missing = [i for i in args.ids if not service.delete(i)]
    for i in missing:
        print(f"no article with id {i}", file=sys.stderr)
    return 1 if missing else 0


def cmd_migrate(args, settings: Settings) -> int:
    from rag.models.embeddings import make_embeddings
    from rag.store.migrate import migrate
    from rag.store.store import PantauStore

    done = migrate(PantauStore(settings, make_embeddings(settings)))
    for name, n in done.items():
        print(f"{name}: {f'{n:,} records rewritten' if n else 'up to date'}")
    return 0


def cmd_serve(args, settings: Settings) -> int:
    from app import check_workers, serve

    logging.getLogger("pantau").setLevel(logging.INFO)
    updates = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
    settings = settings.model_copy(update=updates)
    try:
        check_workers(args.workers, settings)
    except ValueError as exc:
        print(f"pantau serve: {exc}", file=sys.stderr)
        return 2
    serve(settings, workers=args.workers)
    return 0


def cmd_eval(args, settings: Settings) -> int:
    """Ingest each corpus into a temporary store (model cache shared) and run its QA sets,
    for Pantau and, in the same run, for the textbook baseline. Without a QA file: every
    set of the suite (rag.evaluate.SUITE), each corpus ingested once."""
    import tempfile
    from pathlib import Path

    from bench.baseline import baseline_runner
    from ingest.pipeline import ingest_paths
    from rag.evaluate import SUITE, evaluate, load_qa, pantau_runner

    sets = ([(Path(args.qa).name, args.qa, args.corpus or "data/sample")] if args.qa
            else [(name, qa, corpus) for name, qa, corpus in SUITE if Path(qa).exists()])
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="pantau-eval-") as tmp:
        models = settings.models_dir.resolve()
        models.mkdir(parents=True, exist_ok=True)
        for n, corpus in enumerate(dict.fromkeys(c for _, _, c in sets)):
            data = Path(tmp) / f"corpus{n}"
            data.mkdir()
            (data / "models").symlink_to(models, target_is_directory=True)
            service = _service(settings.model_copy(update={"data_dir": data}))
            ingest_paths(service, [corpus])
            baseline = None if args.no_baseline else baseline_runner(service, Path(corpus))
            for name, qa, c in sets:
                if c != corpus:
                    continue
                items = load_qa(qa)
                results[name] = {"pantau": evaluate(pantau_runner(service), items, k=args.top_k)}
                if baseline:
                    results[name]["baseline"] = evaluate(baseline, items, k=args.top_k)
    if args.json:
        out = {name: {system: {"summary": {"all": r.summary(), **r.by_kind()},
                               "items": [vars(i) for i in r.items]}
                      for system, r in reports.items()}
               for name, reports in results.items()}
        print(json.dumps(out[sets[0][0]] if args.qa else out, indent=2))
        return 0
    cols = ["items", "evidence@1", "evidence@5", "mrr", "citation_precision", "cited_evidence",
            "answer_correct", "first_sentence", "refusal_accuracy", "false_refusals",
            "intent_recognised", "p50_ms", "p95_ms"]
    for set_name, reports in results.items():
        corpus = next(c for n, _, c in sets if n == set_name)
        for name, report in reports.items():
            print(f"\n== {set_name} over {corpus}: {name} ==")
            print(f"{'kind':15}" + "".join(f"{c[:11]:>12}" for c in cols))
            for kind, m in {"all": report.summary(), **report.by_kind()}.items():
                print(f"{kind:15}" + "".join(
                    f"{m[c]:>12.3f}" if c in m and c != "items" else f"{m.get(c, ''):>12}"
                    for c in cols))
            if args.misses:
                print(f"\n-- {set_name}, {name}: misses (evidence rank, cited ranks) --")
                for r in report.misses():
                    answer = " ".join(r.answer.split())[:150]
                    print(f"{r.id:6} {r.kind:14} {r.miss():15} ev@{r.evidence_rank or '-'} "
                          f"cited {r.cited_ranks}  {r.question}\n{'':22}-> {answer}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="pantau", description=__doc__.splitlines()[0])
    p.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("ingest", help="ingest files, folders, web pages and feeds")
    s.add_argument("sources", nargs="*", metavar="SOURCE",
                   help="files (.txt .md .html .pdf .jsonl .csv), folders, or http(s) URLs")
    s.add_argument("--feed", action="append", metavar="URL_OR_FILE", help="an RSS/Atom feed")
    s.add_argument("--include", action="append", metavar="GLOB", help="only these folder files")
    s.add_argument("--exclude", action="append", metavar="GLOB", help="skip these folder files")
    s.add_argument("--json", action="store_true", help="print the report as JSON")
    s.add_argument("--batch", type=int, metavar="N", help="articles per indexing batch "
                   "(default PANTAU_INGEST_BATCH_ARTICLES, 32; 512 for large imports)")
    s.set_defaults(func=cmd_ingest)
    s = sub.add_parser("ask", help="ask a question")
    s.add_argument("question")
    s.add_argument("--top-k", type=int, default=None)
    s.add_argument("--json", action="store_true", help="print the Answer as JSON")
    s.set_defaults(func=cmd_ask)
    s = sub.add_parser("articles", help="list stored articles")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_articles)
    s = sub.add_parser("regulations", help="the regulations the stored news cites")
    s.add_argument("id", nargs="?", help="one regulation id, e.g. permendag-31-2023")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_regulations)
    s = sub.add_parser("timeline", help="dated events of an entity or a regulation")
    s.add_argument("id", help="an entity id (tiktok-shop) or a regulation id (permendag-31-2023)")
    s.add_argument("--until", help="only events up to this date (YYYY-MM-DD)")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_timeline)
    s = sub.add_parser("updates", help="what is new since a date, by regulation and entity")
    s.add_argument("--since", required=True, help="YYYY-MM-DD")
    s.add_argument("--subject", help="one entity or regulation id")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_updates)
    s = sub.add_parser("watch", help="poll feeds, ingest, write digests for a watchlist")
    s.add_argument("--feeds", help="file with one feed URL or path per line")
    s.add_argument("--every", default="30m", help="interval: 30m, 1h, 90s (default 30m)")
    s.add_argument("--watchlist", help="comma-separated entity/regulation ids to watch (saved)")
    s.add_argument("--once", action="store_true", help="one round, then exit")
    s.set_defaults(func=cmd_watch)
    s = sub.add_parser("delete", help="delete articles and their passages")
    s.add_argument("ids", nargs="+")
    s.set_defaults(func=cmd_delete)
    s = sub.add_parser("migrate", help="bring a store made by older code up to date "
                       "(stop every Pantau process on it first)")
    s.set_defaults(func=cmd_migrate)
    s = sub.add_parser("eval", help="evaluate retrieval and answers on a QA set")
    s.add_argument("qa", nargs="?", default="",
                   help="one QA set (default: every set of the suite, see docs/EVALUATION.md)")
    s.add_argument("--corpus", default="", help="the QA set's corpus (default data/sample)")
    s.add_argument("--top-k", type=int, default=5)
    s.add_argument("--no-baseline", action="store_true", help="skip the textbook baseline")
    s.add_argument("--misses", action="store_true",
                   help="list the items answered wrongly, refused or cited wrongly, with why")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_eval)
    add_bench_parser(sub)
    s = sub.add_parser("serve", help="serve the web UI and the HTTP API")
    s.add_argument("--host", default=None)
    s.add_argument("--port", type=int, default=None)
    s.add_argument("--workers", type=int, default=1,
                   help="worker processes (API only; more than 1 needs PANTAU_CHROMA_URL)")
    s.set_defaults(func=cmd_serve)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``pantau`` console script."""
    prepare_process()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    # `pantau ingest a.txt --feed URL b.html`: sources may come after options too.
    if args.command == "ingest" and not any(e.startswith("-") for e in extra):
        args.sources += extra
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.verbose:
        logging.getLogger("pantau").setLevel(logging.INFO)
    from rag.store.store import StoreUnavailable

    try:
        return args.func(args, Settings())
    except StoreUnavailable as exc:  # server down, read-only or full data dir: say so
        print(f"pantau {args.command}: {exc}", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
