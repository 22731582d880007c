"""Summarizer benchmark: documents/s for the extractive summary, for verification, and for both in turn.

Usage::

    python bench/summarize.py            # 400 documents: half fr-, half crud- (../shared/data/news.jsonl)
    python bench/summarize.py --n 2000
    git worktree add /tmp/base 03b99a1 && python bench/summarize.py --n 300 --against /tmp/base --rounds 6

Single process, so the numbers are per core (``os.cpu_count()`` is printed for context). Three passes over
the same documents, each starting with every per-text cache of the package emptied (figures, tags,
alignments, doubt features …; the loaded dictionaries, patterns and models stay):

* ``summarize``: every summary;
* ``verify``: every summary's verification, as if it ran on its own (on summaries made before);
* ``in turn``: each document summarized, then its summary verified, as the service does
  (``Themeflow.summarize``): the verifier reads the paragraphs, sentences and candidate bullets the summarizer
  has just read, so this is the cost of one verified summary.

``apart`` adds the first two. CPU time (``process_time``) is reported next to wall time because the benchmark
machines are shared.

``--against TREE`` compares this checkout with another (a worktree of the baseline commit): one process per
tree, each with its documents loaded, takes turns on the same batch of 50 documents in turn (caches emptied
first), the order swapped every batch, for ``--rounds`` passes over the documents. Two runs of whole passes
minutes apart on a shared machine differ by ±15 %; batches a second apart see the same machine, so the ratio
of their CPU times holds where the rates do not.
"""

from __future__ import annotations

import argparse
import functools
import gc
import math
import os
import subprocess
import sys
import time
from pathlib import Path

from themeflow.model import Document
from themeflow.summarize.extractive import ExtractiveSummarizer
from themeflow.summarize.verify import verify

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
from eval_summaries import DEFAULT_DATA, sample  # noqa: E402

BATCH = 50


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=400)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--against", type=Path, help="a checkout of the baseline: alternate batches with it")
    ap.add_argument("--rounds", type=int, default=4, help="passes over the documents with --against")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.n < 1 or args.rounds < 1:
        ap.error("--n and --rounds must be at least 1")
    if not args.data.exists():
        print(f"needs the shared corpus at {args.data} (../shared/data)", file=sys.stderr)
        return 2
    if args.worker:
        return _worker(_documents(args))
    if args.against is not None:
        return _against(args)
    return _passes(_documents(args))


def _documents(args: argparse.Namespace) -> list[Document]:
    return sample(args.data, {"fr-": args.n // 2, "crud-": args.n - args.n // 2})


def _passes(docs: list[Document]) -> int:
    chars = sum(len(d.text) for d in docs)
    summ = ExtractiveSummarizer()
    summ.summarize(docs[0])  # load the segmenter dictionary outside the timing

    forget_texts()
    w0, c0 = time.perf_counter(), time.process_time()
    summaries = [summ.summarize(d) for d in docs]
    w1, c1 = time.perf_counter(), time.process_time()
    forget_texts()
    w2, c2 = time.perf_counter(), time.process_time()
    checked = [verify(s, d) for s, d in zip(summaries, docs, strict=True)]
    w3, c3 = time.perf_counter(), time.process_time()
    forget_texts()
    w4, c4 = time.perf_counter(), time.process_time()
    in_turn = [verify(summ.summarize(d), d) for d in docs]
    w5, c5 = time.perf_counter(), time.process_time()
    assert in_turn == checked, "a verified summary depends on what was cached"

    n = len(docs)
    bullets = sum(len(s.bullets()) for s in checked)
    print(f"documents {n} ({chars / n:.0f} chars avg), bullets {bullets}, os.cpu_count() = {os.cpu_count()}")
    rows = {
        "summarize": (w1 - w0, c1 - c0),
        "verify": (w3 - w2, c3 - c2),
        "apart": (w1 - w0 + w3 - w2, c1 - c0 + c3 - c2),
        "in turn": (w5 - w4, c5 - c4),
    }
    for name, (wall, cpu) in rows.items():
        print(f"{name:<10}: {n / wall:7.1f} docs/s wall, {n / cpu:7.1f} docs/s CPU (one core)")
    return 0


def _worker(docs: list[Document]) -> int:
    """Serve ``START END`` lines from the comparing process: the CPU seconds of that batch in turn."""
    summ = ExtractiveSummarizer()
    summ.summarize(docs[0])
    print(f"ready {len(docs)}", flush=True)
    for line in sys.stdin:
        start, end = map(int, line.split())
        forget_texts()
        c0 = time.process_time()
        for d in docs[start:end]:
            verify(summ.summarize(d), d)
        print(time.process_time() - c0, flush=True)
    return 0


def _against(args: argparse.Namespace) -> int:
    base = args.against.resolve()
    if not (base / "src" / "themeflow").is_dir():
        print(f"--against needs a checkout of themeflow (no src/themeflow under {base})", file=sys.stderr)
        return 2
    here = REPO
    workers = {name: _start(tree, args) for name, tree in (("this", here), ("base", base))}
    n = min(count for _, count in workers.values())  # the corpus may hold fewer than --n
    try:
        cpu = {"this": 0.0, "base": 0.0}
        ratios: list[float] = []
        for r in range(args.rounds):
            for k, start in enumerate(range(0, n, BATCH)):
                order = ("this", "base") if (r + k) % 2 == 0 else ("base", "this")
                took = {name: _ask(workers[name][0], start, min(start + BATCH, n)) for name in order}
                for name in took:
                    cpu[name] += took[name]
                ratios.append(took["this"] / took["base"])
    finally:
        for proc, _ in workers.values():
            proc.terminate()
    done = args.rounds * n
    ratios.sort()
    geo = math.exp(sum(map(math.log, ratios)) / len(ratios))
    print(f"in turn, {args.rounds} rounds of {n} documents in batches of {BATCH}, alternating")
    print(f"  this checkout ({here}): {done / cpu['this']:7.1f} docs/s CPU")
    print(f"  baseline ({base}): {done / cpu['base']:7.1f} docs/s CPU")
    print(
        f"  CPU time this / baseline: {cpu['this'] / cpu['base']:.3f} in all; geometric mean of the"
        f" {len(ratios)} batch ratios {geo:.3f} (quartiles {ratios[len(ratios) // 4]:.3f}–"
        f"{ratios[3 * len(ratios) // 4]:.3f})"
    )
    return 0


def _start(tree: Path, args: argparse.Namespace) -> tuple[subprocess.Popen[str], int]:
    """A worker process on ``tree``'s code, with the number of documents it loaded."""
    env = dict(os.environ, PYTHONPATH=str(tree / "src"), OPENBLAS_NUM_THREADS="1")
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        "--n",
        str(args.n),
        "--data",
        str(args.data),
    ]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    ready = proc.stdout.readline().split()
    if len(ready) != 2 or ready[0] != "ready":
        proc.terminate()
        raise SystemExit(f"the worker for {tree} did not start")
    return proc, int(ready[1])


def _ask(proc: subprocess.Popen[str], start: int, end: int) -> float:
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(f"{start} {end}\n")
    proc.stdin.flush()
    return float(proc.stdout.readline())


def forget_texts() -> None:
    """Empty every bounded per-text cache of the package (``functools.lru_cache`` with a size); unbounded
    ``cache``s and single-entry ones hold what a running service loads once (patterns, the doubt model)."""
    for obj in gc.get_objects():
        if (
            isinstance(obj, functools._lru_cache_wrapper)
            and getattr(obj, "__module__", "").startswith("themeflow")
            and obj.cache_parameters()["maxsize"] not in (None, 1)
        ):
            obj.cache_clear()


if __name__ == "__main__":
    raise SystemExit(main())
