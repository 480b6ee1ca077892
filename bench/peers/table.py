"""Prints run.sh's comparison table: each run's figures and their ratio to engram's.

Usage: python3 table.py results.jsonl   (one JSON object per run, with the "name" run.sh added)
A ratio is peer / engram, so for latency and memory above 1 means engram is lower (better), and
for insert rate below 1 means engram is faster. With several reps each figure is the median.
"""
import json
import statistics
import sys


def main(path):
    runs = {}
    with open(path) as f:
        for line in f:
            if line.strip():
                r = json.loads(line)
                runs.setdefault(r["name"], []).append(r)
    if "engram" not in runs:
        sys.exit("no engram run in " + path)

    def med(name, field):
        values = [r[field] for r in runs[name] if r.get(field) is not None]
        return statistics.median(values) if values else None

    base = {f: med("engram", f) for f in ("insertPerSec", "p50", "p95", "recall", "rssMB")}
    head = (f"{'run':<24}{'insert/s':>10}{'x':>7}{'p50 ms':>10}{'x':>8}{'p95 ms':>10}{'x':>8}"
            f"{'recall@10':>11}{'RSS MB':>9}{'x':>7}{'reps':>6}")
    print()
    print("ratios (x) are peer / engram: p50 x 20 means engram's p50 is 20 times lower")
    print(head)
    print("-" * len(head))
    for name in runs:
        v = {f: med(name, f) for f in base}
        ratio = {f: v[f] / base[f] if v[f] and base[f] else float("nan") for f in base}
        build = med(name, "buildSec")
        print(f"{name:<24}{v['insertPerSec']:>10.0f}{ratio['insertPerSec']:>7.2f}"
              f"{v['p50']:>10.3f}{ratio['p50']:>8.1f}{v['p95']:>10.3f}{ratio['p95']:>8.1f}"
              f"{v['recall']:>11.3f}{v['rssMB']:>9.0f}{ratio['rssMB']:>7.2f}{len(runs[name]):>6}"
              + (f"   (+ index build {build:.1f} s)" if build else ""))
    if "chroma" in runs:
        speedup = med("chroma", "p50") / base["p50"]
        verdict = "met" if speedup >= 20 else "NOT met"
        print(f"\ngoal: engram p50 >= 20x lower than Chroma's: {speedup:.1f}x, {verdict}")


if __name__ == "__main__":
    main(sys.argv[1])
