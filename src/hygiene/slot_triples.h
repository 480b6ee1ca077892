// The knowledge-graph triple a keyed memory states about the user, from the table
// rules/graph_slots.txt (docs/graph.md, "Writing"): `user.employer` with data
// {"employer":"Acme"} is user -works_at-> Acme (organization).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace engram::hygiene {

// The user's entity: every triple of a memory starts there (one per owner and scope).
inline constexpr std::string_view kUserEntity = "user";
inline constexpr std::string_view kUserEntityType = "person";
// The key of the memory that names the user: its data's "name" is an alias of the user's entity.
inline constexpr std::string_view kUserNameKey = "user.name";

struct SlotTriple {
  std::string relation;     // as written in the table, fields filled in
  std::string object;       // the other entity's name
  std::string object_type;  // its type
  std::string subject = std::string(kUserEntity);
  std::string subject_type = std::string(kUserEntityType);
};

// The triple of a memory with this key and data (a JSON object); nullopt when no pattern of the
// table matches the key, a field it names is missing or empty, or the data holds a false flag
// (a negated statement states no edge).
std::optional<SlotTriple> SlotTripleOf(std::string_view key, std::string_view data_json);

// Every triple a memory states: those of its data's "triples" array (statements about the user's
// world, the model's extraction: objects with "subject", "subject_type", "relation", "object",
// "object_type"), then its key's (SlotTripleOf). Entries that TripleProblem refuses are left
// out: the write path validated them before the memory was written.
std::vector<SlotTriple> MemoryTriples(std::string_view key, std::string_view data_json);

// Why a triple cannot be written, as a sentence ("its relation is empty"); nullopt when it can:
// every field non-empty and at most kMaxTripleField bytes, the relation in lower_snake_case
// ("depends_on"), the two ends different entities.
inline constexpr size_t kMaxTripleField = 200;
std::optional<std::string> TripleProblem(const SlotTriple& t);

// A triple as the JSON object of a memory's "triples" array, and back (nullopt with `why` set when
// the object lacks a field, holds a non-string, or TripleProblem refuses it).
nlohmann::json TripleToJson(const SlotTriple& t);
std::optional<SlotTriple> TripleFromJson(const nlohmann::json& j, std::string* why);

}  // namespace engram::hygiene
