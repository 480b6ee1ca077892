// The knowledge-graph triple a keyed memory states about the user, from the table
// rules/graph_slots.txt (docs/graph.md, "Writing"): `user.employer` with data
// {"employer":"Acme"} is user -works_at-> Acme (organization).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace engram::hygiene {

// The user's entity: every triple of a memory starts there (one per owner and scope).
inline constexpr std::string_view kUserEntity = "user";
inline constexpr std::string_view kUserEntityType = "person";

struct SlotTriple {
  std::string relation;     // as written in the table, fields filled in
  std::string object;       // the other entity's name
  std::string object_type;  // its type
};

// The triple of a memory with this key and data (a JSON object); nullopt when no pattern of the
// table matches the key, a field it names is missing or empty, or the data holds a false flag
// (a negated statement states no edge).
std::optional<SlotTriple> SlotTripleOf(std::string_view key, std::string_view data_json);

}  // namespace engram::hygiene
