// Statements about the user's world as knowledge-graph triples, by a table of verb phrases
// (rules/world_relations.txt): "Dimitri's team owns the payments service" is payments service
// -owned_by-> Dimitri's team, "our billing API depends on the ledger service" is billing API
// -depends_on-> ledger service (docs/graph.md, "Writing").
//
// Contracts:
//   - Offline and deterministic: word tables only, no model, no I/O. Any bytes are safe input.
//   - Present-tense declaratives only: questions, hypotheticals ("if Acme owns ..."), requests,
//     negations ("doesn't run"), the past ("used to run") and first- or second-person subjects
//     ("I", "we", "my team", "your app") state no triple.
//   - An end the table types as a person must be a name: "Lena reports to Tomasz", not "the
//     lists live in Buttondown".
//   - Names are as written, without a leading "the", "our", "a" or "an"; a relative's name
//     stands for the relative ("my sister Ana" is Ana). Relation types are lower_snake_case.
//   - "it" as either end is returned as a pronoun for the caller to resolve against what was said
//     before (ResolvePronoun); it is never guessed here.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engram/types.h"
#include "hygiene/extract.h"
#include "hygiene/slot_triples.h"

namespace engram::hygiene {

// The key of every world statement's memory starts so (WorldCandidate).
inline constexpr std::string_view kWorldKeyPrefix = "world.";

// The pronoun that may stand for a world entity, to be resolved by the caller.
inline constexpr std::string_view kWorldPronoun = "it";

struct WorldStatement {
  std::string_view sentence;        // as written, a span of the text
  std::vector<SlotTriple> triples;  // in order of appearance; ends may be kWorldPronoun
};

// The sentences of `text` that state at least one world triple.
std::vector<WorldStatement> WorldStatements(std::string_view text);

// Whether a triple has "it" at either end.
bool HasPronoun(const SlotTriple& t);

// The memory a statement makes once its pronouns are resolved: a fact with the sentence as its
// text, data {"triples": [...]}, and a key naming what it is about, so a new value supersedes:
// "world.<subject>.<relation>" for a single-valued relation (rules/graph_single_valued.txt),
// else "world.<subject>.<relation>.<object>". nullopt when a pronoun is left.
std::optional<Candidate> WorldCandidate(const WorldStatement& statement);

// The world's entities a text names, in order of appearance, each once (ignoring case).
struct Mentions {
  std::vector<std::string> names;  // capitalized runs that are no sentence opener: "Orion"
  std::vector<std::string> kinds;  // other ends of its triples, "the <...> service": "ads service"
};
Mentions NamedEntities(std::string_view text);

// What "it" stands for, given the texts said before it, latest first: in the latest text that
// names anything other than `other_end` (the triple's other entity), its one name, else its one
// kind of thing; nullopt when that text names several (ambiguous) or no text names any.
std::optional<std::string> ResolvePronoun(std::span<const std::string_view> earlier,
                                          std::string_view other_end);

}  // namespace engram::hygiene
