"""`pantau bench ingest | load | scale | pages`: the argument parsing and printing of the
benchmarks (their code is in bench/ingest.py, load.py, scale.py and pages.py). Nothing heavy is
imported until a command runs."""
from __future__ import annotations

import json
import sys

from rag.config import Settings


def cmd_bench_ingest(args, settings: Settings) -> int:
    from pathlib import Path

    from bench.ingest import run

    r = run(settings, args.articles, Path(args.sample))
    if args.json:
        print(json.dumps(r, indent=2))
        return 0
    print(f"embedding model      {r['embedding_model']}")
    print(f"articles             {r['articles']}  ({r['duplicates']} duplicates, {r['failed']} failed)")
    print(f"passages             {r['passages']}")
    print(f"pipeline             {r['pipeline_seconds']:.1f} s: {r['articles_per_s']:.2f} articles/s, "
          f"{r['passages_per_s']:.2f} passages/s")
    print(f"raw encoder          {r['raw_encoder_passages_per_s']:.2f} passages/s (same passages)")
    print(f"pipeline / encoder   {r['ratio']:.3f}")
    print(f"peak RSS             {r['peak_rss_mb']:.0f} MB (after model load: "
          f"{r['rss_after_model_load_mb']:.0f} MB)")
    return 0


def cmd_bench_load(args, settings: Settings) -> int:
    from pathlib import Path

    from bench.load import NotLoopback, run

    try:
        r = run(settings, args.clients, args.seconds, Path(args.questions), url=args.url,
                workers=args.workers, timeout=args.timeout, think=args.think)
    except (NotLoopback, ValueError) as exc:
        print(f"pantau bench load: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(r, indent=2))
        return 0 if r["errors"] == 0 else 1
    print(f"POST /api/ask        {r['clients']} clients for {r['seconds']:.1f} s"
          + (f", {args.think:g} s pause after each answer" if args.think else ""))
    print(f"requests             {r['requests']} ({r['ok']} ok, {r['errors']} errors)")
    print(f"requests/s           {r['requests_per_s']:.2f}")
    print(f"latency              p50 {r['p50_ms']:.0f} ms, p95 {r['p95_ms']:.0f} ms, "
          f"p99 {r['p99_ms']:.0f} ms, max {r['max_ms']:.0f} ms")
    for kind, n in sorted(r["errors_by_kind"].items()):
        print(f"  error {kind}: {n}")
    if r.get("server"):
        sv = r["server"]
        print(f"server               {sv['workers']} worker(s), {sv['processes']} processes, "
              f"peak RSS each {sv['peak_rss_mb_each']} MB")
    return 0 if r["errors"] == 0 else 1


def cmd_bench_scale(args, settings: Settings) -> int:
    from pathlib import Path

    from bench.scale import run

    steps = sorted({int(x) for x in args.steps.split(",") if x.strip()} | {args.passages})
    steps = [n for n in steps if n <= args.passages]

    def show(row: dict) -> None:
        if args.json:
            return
        line = (f"{row['passages']:>7} passages {row['articles']:>6} articles | ingest "
                f"{row['ingest_passages_per_s'] or 0:7.1f}/s | chroma "
                f"{'?' if row['chroma_dir_mb'] is None else row['chroma_dir_mb']} MB | "
                f"build bm25 {row['rebuild_bm25_s']:.1f}s "
                f"reg {row['rebuild_registry_s']:.1f}s tl {row['rebuild_timelines_s']:.1f}s "
                f"(+{row['derived_indexes_rss_mb']} MB), near-dup {row['rebuild_neardup_s']:.1f}s "
                f"({row['neardup_mb']:.1f} MB, {row['neardup_bytes_per_article']} B/article), "
                f"refresh after a write "
                f"{row['refresh_after_write_s']:.2f}s (max {row['refresh_after_write_max_s']:.2f}s) "
                f"| retrieve p50/p95 "
                f"{row['retrieve']['p50_ms']:.0f}/{row['retrieve']['p95_ms']:.0f} ms")
        if "retrieve_second_pass" in row:
            line += (f", 2nd pass {row['retrieve_second_pass']['p50_ms']:.0f}/"
                     f"{row['retrieve_second_pass']['p95_ms']:.0f}")
        if "query_embedding" in row:
            line += (f" (query embedding {row['query_embedding']['p50_ms']:.0f}/"
                     f"{row['query_embedding']['p95_ms']:.0f})")
        line += (f" | /api/ask p50/p95 {row['api_ask']['p50_ms']:.0f}/"
                 f"{row['api_ask']['p95_ms']:.0f} ms ({row['api_ask']['errors']} errors) | "
                 f"peak RSS {row['peak_rss_mb']} MB | load avg {row.get('load_average_1m')}")
        cold = row["cold_start"]
        line += (f" | cold start to first answer {cold['seconds']:.1f}s (RSS {cold['rss_mb']} MB,"
                 f" snapshots {row['snapshots_mb']:.1f} MB)")
        if "cold_start_without_snapshots" in row:
            line += f", without snapshots {row['cold_start_without_snapshots']['seconds']:.1f}s"
        print(line, flush=True)

    if not args.json:
        print(f"indexing in batches of {args.batch} articles; store: "
              f"{args.chroma_url or 'embedded Chroma, in this process'}", flush=True)
    r = run(settings.model_copy(update={"ingest_batch_articles": args.batch}), steps,
            args.embedder, Path(args.questions), Path(args.sample),
            seed=args.seed, real_passages=args.real_passages, report=show,
            keep=Path(args.keep) if args.keep else None, chroma_url=args.chroma_url,
            chroma_path=Path(args.chroma_path) if args.chroma_path else None)
    if args.json:
        print(json.dumps(r, indent=2))
        return 0
    if "real_model" in r:
        m = r["real_model"]
        print(f"real model {m['name']}: {m['raw_encoder_passages_per_s']} passages/s raw on "
              f"{m['passages_embedded']} passages; projected pipeline with it "
              f"{m['projected_pipeline_passages_per_s']} passages/s "
              f"({m['projected_hours_for_last_step']} h for {r['steps'][-1]['passages']})")
    print(f"peak RSS {r['peak_rss_mb']} MB")
    return 0


def cmd_bench_pages(args, settings: Settings) -> int:
    from pathlib import Path

    from bench.pages import KINDS, run

    corpus = Path(args.corpus)
    r = run(corpus, Path(args.labels) if args.labels else corpus.parent / "labels.jsonl",
            settings.chunk_size, settings.chunk_overlap)
    if args.json:
        print(json.dumps(r, indent=2, ensure_ascii=False))
        return 0
    pb, pa = r["passages"], r["passages_with_furniture"]
    print(f"corpus               {r['corpus']}: {r['articles']} articles "
          f"({len(r['unlabelled'])} without labels, {len(r['labels_without_article'])} "
          f"labels without an article)")
    print(f"passages with any furniture  before {pa['before']}/{pb['before']} "
          f"({pa['before'] / (pb['before'] or 1):.1%})   after {pa['after']}/{pb['after']} "
          f"({pa['after'] / (pb['after'] or 1):.1%})")
    print(f"{'kind':16}{'items':>7}{'in passages before':>20}{'after':>8}")
    for kind in KINDS:
        n = r["furniture_items"].get(kind, 0)
        if n:
            print(f"{kind:16}{n:>7}{r['items_in_passages']['before'].get(kind, 0):>20}"
                  f"{r['items_in_passages']['after'].get(kind, 0):>8}")
    print(f"removed, not labelled furniture  {len(r['removed_unlabelled'])} lines")
    d = r["dates"]
    print(f"dates (source's date hidden)  inferred {d['inferred']}/{d['articles']} "
          f"({d['inferred_share']:.1%}), exactly right {d['exact']} ({d['exact_share']:.1%} "
          f"of all, {d['exact_of_inferred']:.1%} of inferred); from url {d.get('from_url', 0)}, "
          f"from text {d.get('from_text', 0)}")
    if args.verbose:
        for kind, rows in r["left_after"].items():
            for row in rows:
                print(f"  left {kind}: {row}")
        for row in r["removed_unlabelled"]:
            print(f"  removed: {row}")
        for row in r["wrong_dates"]:
            print(f"  wrong date: {row}")
    return 0


def add_bench_parser(sub) -> None:
    """Add ``bench`` and its subcommands to the ``pantau`` parser's subparsers."""
    bench = sub.add_parser("bench", help="benchmarks that print figures")
    bsub = bench.add_subparsers(dest="bench", required=True)
    s = bsub.add_parser("ingest", help="ingestion throughput vs the raw encoder")
    s.add_argument("--articles", type=int, default=200)
    s.add_argument("--sample", default="data/sample", help="sentence source for the corpus")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_bench_ingest)
    s = bsub.add_parser("load", help="bounded load test of /api/ask on loopback")
    s.add_argument("--clients", type=int, default=32)
    s.add_argument("--seconds", type=float, default=60)
    s.add_argument("--url", help="a running server (loopback only); default: start one "
                   "with the sample corpus on a free port and stop it at the end")
    s.add_argument("--workers", type=int, default=1, help="workers of the server it starts")
    s.add_argument("--questions", default="data/eval/qa.jsonl",
                   help="JSONL with 'question' or one question a line (cycled)")
    s.add_argument("--timeout", type=float, default=60, help="seconds per request")
    s.add_argument("--think", type=float, default=0.0, metavar="SECONDS",
                   help="each client pauses this long after every answer (0: no pause)")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_bench_load)
    s = bsub.add_parser("scale", help="ingest, size, memory and latency from 1k to N passages")
    s.add_argument("--passages", type=int, default=100_000, help="the last step")
    s.add_argument("--steps", default="1000,10000,100000", help="passage counts to measure at")
    s.add_argument("--embedder", choices=["default", "fake"], default="default",
                   help="default: real model for questions, synthetic passage vectors")
    s.add_argument("--real-passages", type=int, default=256,
                   help="passages embedded with the real model to project its ingest rate")
    s.add_argument("--questions", default="data/eval/qa.jsonl")
    s.add_argument("--sample", default="data/sample", help="what the generator learns from")
    s.add_argument("--seed", type=int, default=7)
    s.add_argument("--batch", type=int, default=512, metavar="N",
                   help="articles per indexing batch: the bulk path large imports use "
                   "(`pantau ingest --batch`)")
    s.add_argument("--keep", metavar="DIR", default="",
                   help="keep the store in DIR and go on from it next time (built once)")
    s.add_argument("--chroma-url", default="", metavar="URL",
                   help="the store on this Chroma server (`chroma run`) instead of embedded: "
                   "the RSS figures are the app's alone")
    s.add_argument("--chroma-path", default="", metavar="DIR",
                   help="the server's --path, to report the disk it uses")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_bench_scale)
    s = bsub.add_parser("pages", help="page furniture left in passages and dates inferred, "
                        "on a labelled corpus")
    s.add_argument("corpus", nargs="?", default="data/realnews/corpus")
    s.add_argument("--labels", default="", help="labels.jsonl (default: beside the corpus)")
    s.add_argument("--verbose", action="store_true", help="list what is left and what is wrong")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_bench_pages)
