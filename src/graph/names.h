// How the knowledge graph compares names and relation types (docs/graph.md).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace engram::graph {

// The key an entity name or alias is found by: NFKC case-folded, apostrophes dropped ("O'Brien"
// is "obrien"), every other run of punctuation, symbols and whitespace one space, trimmed. So
// "Project  Alpha", "project alpha." and "PROJECT-ALPHA" share a key; "Alice" and "Alice Smith"
// do not (no name is ever merged with another by a shared word). "" when nothing is left.
std::string NameKey(std::string_view name);

// The words of a text as NameKey compares them, a possessive "'s" or "’s" at a word's end dropped
// first ("Alice's team" is "alice", "team"): what a text is scanned by for entity names.
std::vector<std::string> NameWords(std::string_view text);

// A relation type as stored: NameKey with spaces as underscores ("Works At" -> "works_at",
// "reports-to" -> "reports_to"). "" when nothing is left.
std::string RelationTypeKey(std::string_view type);

}  // namespace engram::graph
