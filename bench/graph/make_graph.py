"""Writes a graph_bench input folder and the same graph as an MCP memory server file, for timing
imports (docs/graph.md, "Bulk writes"): DIR/edges.csv, entities.txt, starts.txt, pairs.csv (as
compare.mjs writes them) and DIR/graph.jsonl (one entity line per entity, with one observation,
then one relation line per edge). "knows" edges among edges/5 entities, no loops or repeats, a
fixed seed per size.

    python3 bench/graph/make_graph.py EDGES QUERIES DIR
"""
import json
import os
import random
import sys

edges_n, queries, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
os.makedirs(out, exist_ok=True)
rnd = random.Random(42 + edges_n)
n = max(2, edges_n // 5)
seen, edges = set(), []
while len(edges) < edges_n:
    a, b = rnd.randrange(n), rnd.randrange(n)
    if a == b or (a, b) in seen:
        continue
    seen.add((a, b))
    edges.append((a, b))
with open(f"{out}/entities.txt", "w") as f:
    f.write(f"{n}\n")
with open(f"{out}/edges.csv", "w") as f:
    f.write("".join(f"{a},{b}\n" for a, b in edges))
with open(f"{out}/starts.txt", "w") as f:
    f.write("".join(f"{rnd.randrange(n)}\n" for _ in range(queries)))
with open(f"{out}/pairs.csv", "w") as f:
    f.write("".join(f"{rnd.randrange(n)},{rnd.randrange(n)}\n" for _ in range(queries)))
with open(f"{out}/graph.jsonl", "w") as f:
    for i in range(n):
        entity = {"type": "entity", "name": f"e{i}", "entityType": "node",
                  "observations": [f"node number {i}"]}
        f.write(json.dumps(entity) + "\n")
    for a, b in edges:
        f.write(json.dumps({"type": "relation", "from": f"e{a}", "to": f"e{b}",
                            "relationType": "knows"}) + "\n")
