#!/usr/bin/env python3
"""Checks the public scenario set (docs/scenarios.md): every line parses, ids are unique across
the splits, and dev and test share no sentence and no run of five words (so no template spans the
split). Every held-out split (test, test2 ... test9, docs/scenarios.md) is checked against dev
the same way. Prints the number of scenarios per category and split.

Usage: scripts/check_scenarios.py [DIR]   (default tests/data/scenarios)
"""
import collections
import json
import pathlib
import re
import sys

SPLITS = ("dev", "test", "test2", "test3", "test4", "test5", "test6", "test7", "test8", "test9")
HELD_OUT = ("test", "test2", "test3", "test4", "test5", "test6", "test7", "test8", "test9")
NGRAM = 5


def texts(scenario):
    for event in scenario["events"]:
        for verb in ("user", "assistant", "add"):
            if verb in event:
                yield event[verb]


def words(text):
    return re.findall(r"[a-z0-9']+", text.lower())


def ngrams(text):
    w = words(text)
    return {" ".join(w[i:i + NGRAM]) for i in range(len(w) - NGRAM + 1)}


def main():
    folder = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "tests/data/scenarios")
    counts = collections.defaultdict(collections.Counter)
    ids = {}
    sentences = {s: {} for s in SPLITS}
    grams = {s: collections.defaultdict(set) for s in SPLITS}
    problems = []
    for split in SPLITS:
        path = folder / f"{split}.jsonl"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            try:
                scenario = json.loads(line)
            except json.JSONDecodeError as e:
                problems.append(f"{path}:{n}: not JSON ({e})")
                continue
            sid = scenario.get("id")
            if sid in ids:
                problems.append(f"{path}:{n}: id {sid} also at {ids[sid]}")
            ids[sid] = f"{path}:{n}"
            counts[scenario.get("category")][split] += 1
            for text in texts(scenario):
                sentences[split][" ".join(words(text))] = sid
                for g in ngrams(text):
                    grams[split][g].add(sid)
    for held in HELD_OUT:
        for sentence, sid in sentences[held].items():
            if sentence in sentences["dev"]:
                problems.append(f"sentence shared by {sentences['dev'][sentence]} and {sid}: {sentence}")
        for g, held_ids in grams[held].items():
            if g in grams["dev"]:
                problems.append(f"{NGRAM} words shared by {sorted(grams['dev'][g])[0]} and "
                                f"{sorted(held_ids)[0]}: '{g}'")
    print(f"{'category':<20}" + "".join(f" {split:>5}" for split in SPLITS) + f" {'total':>6}")
    for category in sorted(counts):
        c = counts[category]
        print(f"{category:<20}" + "".join(f" {c[split]:>5}" for split in SPLITS) +
              f" {sum(c.values()):>6}")
    totals = [sum(c[split] for c in counts.values()) for split in SPLITS]
    print(f"{'total':<20}" + "".join(f" {t:>5}" for t in totals) + f" {sum(totals):>6}")
    for p in problems:
        print("problem:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
