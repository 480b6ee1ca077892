#!/usr/bin/env bash
# The main job on the embedded default: two separate processes (two sessions) share one SQLite
# store; the second recalls what the first stored, and another owner sees nothing.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$ROOT/scripts/setup.sh" >/dev/null
ENGRAM="$ROOT/build/engram"
DEMO_DIR=$(mktemp -d)
trap 'rm -rf "$DEMO_DIR"' EXIT
export ENGRAM_DB="$DEMO_DIR/engram.db"

echo "== session_001 (process 1): user_42 says \"My name is Dana and I prefer dark mode.\""
"$ENGRAM" session add --owner user_42 --session session_001 --role user \
  "My name is Dana and I prefer dark mode."
"$ENGRAM" add --from-turn --owner user_42 --session session_001 \
  "My name is Dana and I prefer dark mode."

"$ENGRAM" add --owner user_42 --session session_001 --type fact \
  "Dana is preparing a talk about garbage collectors for March."

echo
echo "== session_002 (process 2): what does engram remember about user_42?"
"$ENGRAM" list --owner user_42
echo
echo "== session_002 asks: \"What UI preference did I mention?\""
"$ENGRAM" search --owner user_42 --limit 2 --explain "What UI preference did I mention?"

echo
echo "== session_002: the context an agent would get for that question (budget 300 tokens)"
"$ENGRAM" block set --owner user_42 --label persona "You are Dana's concise assistant." >/dev/null
"$ENGRAM" session add --owner user_42 --session session_002 --role user \
  "What UI preference did I mention?" >/dev/null
"$ENGRAM" context --owner user_42 --session session_002 --budget 300 \
  --query "What UI preference did I mention?"

echo
echo "== the same question for user_43 (another owner)"
"$ENGRAM" search --owner user_43 "What UI preference did I mention?"
echo
echo "store: $ENGRAM_DB (removed after the demo)"
