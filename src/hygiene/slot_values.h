// Values of the user's single-valued slots named without a word of change: "Three weeks in at
// KPMG" places the user at an employer, "Life in Bristol is good to us" in a city. The values are
// data (rules/slot_values.txt: well-known cities and employers), so a change said only by naming
// the new value ("I'm at Stripe" after "I work at Acme") reaches the slot's memory.
//
// Contracts:
//   - A value counts when it is written with a capital and either is a name of
//     rules/slot_values.txt right after a word of rules/slot_value_frames.txt that places the
//     user there for its slot ("in", "into", "to" for a city; "at", "for", "joined" for an
//     employer), or is any name after two words of rules/slot_value_phrases.txt ("in at Brisa
//     Airlines", "life in Tromsø") or before a word of rules/slot_value_contexts.txt ("Swansea
//     life", "the Antwerp apartment").
//   - Not in a question, nor in a sentence with a word of rules/slot_value_stops.txt (a visit, a
//     plan, the past, an application, someone else: "an interview at Google", "flying to Paris",
//     "his job at Figma"), nor one naming a relative ("my brother", rules/relations.txt) or
//     opening with a name and a verb of rules/slot_value_other_verbs.txt ("Priya works at Google").
//   - Keys come once each, in order of appearance. Any bytes are safe input.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace engram::hygiene {

std::vector<std::string> NamedSlotValues(std::string_view text);

}  // namespace engram::hygiene
