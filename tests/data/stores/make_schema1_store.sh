#!/usr/bin/env bash
# Writes schema1.db, the store fixture of migration_fixture_test (tests/store), with the first
# engram that had a store: commit 2b13bb8 (schema version 1), built from a temporary worktree.
# Not run by the tests: the file is committed, so it stays what that old binary wrote.
# Usage: tests/data/stores/make_schema1_store.sh OLD_ENGRAM_BINARY
set -euo pipefail
OLD=$1
OUT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/schema1.db
rm -f "$OUT" "$OUT-wal" "$OUT-shm"
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
e session add --owner alice --session s1 --role user "I moved to Porto last week" >/dev/null
e session add --owner alice --session s1 --role assistant \
  --tool-calls '[{"id":"c1","name":"remember","arguments":"{}"}]' "Noted." >/dev/null
e session add --owner alice --session s1 --role tool --tool-call-id c1 "stored" >/dev/null
sqlite3 "$OUT" "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE;" >/dev/null
echo "wrote $OUT"
