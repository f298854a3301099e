"""Knowledge-base benchmark: accuracy on the labelled sets, matcher speed, load time and memory.

Run: .venv/bin/python bench/kb_accuracy.py   (bars: issue 2; figures go in the README)
"""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import astuple
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT / "tests" / "data"

from knowledge.evaluation import read_examples, score_classify, score_match  # noqa: E402

LOAD_PROBE = """
import time, tracemalloc, resource
import rapidfuzz, yaml  # libraries are imported by any process using the project
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
tracemalloc.start()
start = time.perf_counter()
from knowledge.base import KnowledgeBase
kb = KnowledgeBase()
elapsed = time.perf_counter() - start
_, peak = tracemalloc.get_traced_memory()
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(elapsed * 1000, peak / 2**20, (after - before) / 1024)
"""


def read(name: str) -> list[dict]:
    return read_examples(DATA / name)


def rate(function, texts: list[str], seconds: float = 2.0) -> float:
    """Calls per second over `texts`, repeated for about `seconds`, on this one thread."""
    calls, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for text in texts:
            function(text)
        calls += len(texts)
    return calls / (time.perf_counter() - start)


def main() -> int:
    from knowledge import classify, match

    ok = True
    print("Knowledge-base benchmark")
    for name in ("failures-dev.jsonl", "failures-extra.jsonl"):
        right, wrong = astuple(score_classify(read(name), classify))
        print(f"  classify {name:24s} right {right:6.1%}  confidently wrong {wrong:5.1%}")
        ok &= name != "failures-dev.jsonl" or (right >= 0.95 and wrong <= 0.02)
    for name in ("questions-dev.jsonl", "questions-extra.jsonl"):
        right, wrong = astuple(score_match(read(name), match))
        print(f"  match    {name:24s} right {right:6.1%}  confidently wrong {wrong:5.1%}")
        ok &= name != "questions-dev.jsonl" or (right >= 0.95 and wrong <= 0.02)

    errors = [row["text"] for row in read("failures-dev.jsonl") + read("failures-extra.jsonl")]
    questions = [row["text"] for row in read("questions-dev.jsonl") + read("questions-extra.jsonl")]
    classify_rate, match_rate = rate(classify, errors), rate(match, questions)
    print(f"  classify speed {classify_rate:10,.0f} errors/s     (bar 20,000)")
    print(f"  match speed    {match_rate:10,.0f} questions/s  (bar 5,000)")
    ok &= classify_rate >= 20_000 and match_rate >= 5_000

    probe = subprocess.run(
        [sys.executable, "-c", LOAD_PROBE], capture_output=True, text=True, check=True, cwd=ROOT
    )
    load_ms, traced_mb, rss_mb = map(float, probe.stdout.split())
    print(f"  load time      {load_ms:10.1f} ms           (bar 200)")
    print(f"  load memory    {traced_mb:10.1f} MB allocated, {rss_mb:.1f} MB resident growth (bar 20)")
    ok &= load_ms < 200 and max(traced_mb, rss_mb) < 20
    print("  all bars met" if ok else "  SOME BARS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
