// The storage codec of history snapshots: how a memory is kept in a history row (old_value,
// new_value) and read back for as_of replays. It is apart from the wire JSON (json_codec.h), so
// that a change to the API's JSON never changes what history holds, and versioned:
//
//   format 1 (every snapshot written so far): a JSON object with one member per MemoryRecord
//   field, named as the field; timestamps as ISO-8601 UTC text with milliseconds; absent optional
//   fields null; data and metadata embedded as JSON values. It carries no format number.
//
// A later format adds a "format" member with its number; DecodeSnapshot keeps reading every
// earlier one, since history rows are never rewritten.
#pragma once

#include <string>
#include <string_view>

#include "engram/status.h"
#include "engram/types.h"

namespace engram::core {

// The format EncodeSnapshot writes.
inline constexpr int kSnapshotFormat = 1;

// The snapshot of r in kSnapshotFormat.
std::string EncodeSnapshot(const MemoryRecord& r);

// The record a snapshot of any format holds. Corruption when it is not a snapshot (not a JSON
// object, no id, an unknown type, no creation or update time, an unknown format).
Result<MemoryRecord> DecodeSnapshot(std::string_view snapshot);

}  // namespace engram::core
