// The file forms of engram archives (engram/archive.h; docs/export.md): JSONL, a header line and
// then one JSON object per line, or YAML, the header document and then a document holding the
// same objects as a sequence. The header carries the engram version, the archive schema version,
// the embedding model of the vectors, the counts of each kind of line and a SHA-256 checksum of
// the body as JSONL, so the two forms of one archive carry the same checksum.
#pragma once

#include <cstdint>
#include <functional>
#include <istream>
#include <map>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "engram/archive.h"
#include "engram/status.h"

namespace engram::portable {

// The archive schema this build writes; it reads this one and the older ones (1: before the
// checkpoint lines), and refuses a file of a newer one.
inline constexpr int kArchiveSchemaVersion = 2;

enum class ArchiveFormat { kJsonl, kYaml };

struct ArchiveHeader {
  std::string engram_version;
  int schema_version = kArchiveSchemaVersion;
  std::string embedding_model;  // "<model>/<dimension>" of the vectors; empty when none
  std::vector<std::string> owners;
};

// The body's lines for these owners, in order; each ends with '\n'.
std::vector<std::string> ArchiveLines(const std::vector<OwnerArchive>& owners);

// One owner's archive in canonical form: its lines per kind (memory, history, session, item,
// entity, observation, relation, graph_history, checkpoint, channel_value, checkpoint_write) and
// the SHA-256 of its lines. Equal content
// gives an equal digest whatever backend it was read from, so a copy is verified by comparing
// the source's digest with the target's.
struct OwnerDigest {
  std::map<std::string, int64_t> counts;
  std::string checksum;  // "sha256:<hex>"

  bool operator==(const OwnerDigest&) const = default;
};
OwnerDigest DigestOf(const OwnerArchive& owner);

// Writes the archive: the header (with counts and checksum of `lines`) and then the lines.
Status WriteArchive(std::ostream& out, ArchiveFormat format, const ArchiveHeader& header,
                    const std::vector<std::string>& lines);

// How many body lines ArchiveLines(owners) has, without making them.
size_t ArchiveLineCount(const std::vector<OwnerArchive>& owners);

// Receives an archive's text piece by piece; false stops the writing (the reader went away).
using ArchiveSink = std::function<bool(std::string_view)>;

// Writes the archive of these owners to `write` in pieces (the header, then one piece per body
// line) without holding its text: a first pass over the owners computes the header's counts and
// checksum, a second makes each line again and writes it. The same bytes as WriteArchive with
// ArchiveLines(owners). False when `write` returned false.
bool StreamArchive(ArchiveFormat format, const ArchiveHeader& header,
                   const std::vector<OwnerArchive>& owners, const ArchiveSink& write);

// Whether a file starting with `head` (its first bytes) is an archive, and in which form.
bool IsArchive(std::string_view head, ArchiveFormat* format);

struct ParsedArchive {
  ArchiveHeader header;
  std::vector<OwnerArchive> owners;  // in the file's order
};

// Reads a whole archive. InvalidArgument naming the line (JSONL) or entry (YAML) when it is
// malformed, DataLoss when the checksum or the counts do not match the body, FailedPrecondition
// when it was written with a newer archive schema.
Result<ParsedArchive> ReadArchive(std::istream& in, ArchiveFormat format);

}  // namespace engram::portable
