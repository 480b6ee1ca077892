#!/usr/bin/env bash
# Writes schemaN.db, a store fixture of migration_fixture_test (tests/store), with an old engram
# whose SQLite schema version is N (2 and later; schema1.db has make_schema1_store.sh), built
# from a temporary worktree of the commit listed here. Not run by the tests: the files are
# committed, so each stays what its old binary wrote.
#   schema version 2: 83c6492 (the last commit of main at 2: FTS5 and vectors)
#   schema version 3: 986216c (vectors carry their write's number)
#   schema version 4: 13a5f90 (content hashes, backfilled when a store opens)
#   schema version 5: 1e3933f (claim hashes, backfilled when a store opens; session summaries)
#   schema version 6: 99012b9 (branch 'lexical': the FTS index rebuilt with an owner tag per row)
#   schema version 7: 758cc97 (records carry their write's number)
#   schema version 8: 2b9fb7c (the knowledge graph's tables)
# (Main's b937ff1 alone numbered the records' write numbers 6 and the owner-tagged index 7, for
# four minutes before 758cc97 swapped them; by the migrations' text its version-6 stores would
# fail today's 6 -> 7 step (change_seq exists already). Not built, no fixture.)
# How: git worktree add --detach /tmp/old COMMIT; cmake -S /tmp/old -B /tmp/old/build
#   -DCMAKE_BUILD_TYPE=Release -DENGRAM_BUILD_TESTS=OFF -DENGRAM_BUILD_BENCH=OFF;
#   cmake --build /tmp/old/build --target engram_cli
# Usage: tests/data/stores/make_store.sh N OLD_ENGRAM_BINARY
# The memories are embedded by the built-in USE-lite model (scripts/install_model.sh).
set -euo pipefail
N=$1
OLD=$2
OUT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/schema$N.db
rm -f "$OUT" "$OUT-wal" "$OUT-shm"
export ENGRAM_EMBEDDER=use-lite
e() { "$OLD" --db "$OUT" --json "$@"; }
id_of() { python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'; }
e add --owner alice --type preference --key drink.morning --meta '{"team":{"name":"infra"}}' \
  --observed-at 2025-03-01T09:00:00Z "Alice drinks green tea in the morning" >/dev/null
home=$(e add --owner alice --type fact --key home.city --data '{"city":"Lisbon"}' \
  --observed-at 2025-03-02T10:00:00Z "Alice lives in Lisbon" | id_of)
e update --owner alice --meta '{"checked":true}' "$home" "Alice lives in Porto" >/dev/null
gone=$(e add --owner alice --type episode --scope project/alpha "Alice met Bob about the launch" |
  id_of)
e delete --owner alice "$gone" >/dev/null
e add --owner bob --expires-at 2099-01-01T00:00:00Z "Bob's parking spot is B12" >/dev/null
e add --owner bob --type fact "Bob plays the cello in an orchestra" >/dev/null
e session add --owner alice --session s1 --role user "I moved to Porto last week" >/dev/null
e session add --owner alice --session s1 --role assistant \
  --tool-calls '[{"id":"c1","name":"remember","arguments":"{}"}]' "Noted." >/dev/null
e session add --owner alice --session s1 --role tool --tool-call-id c1 "stored" >/dev/null
version=$(sqlite3 "$OUT" "SELECT max(version) FROM schema_version")
[ "$version" = "$N" ] || { echo "the binary wrote schema version $version, not $N" >&2; exit 1; }
sqlite3 "$OUT" "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE;" >/dev/null
echo "wrote $OUT"
