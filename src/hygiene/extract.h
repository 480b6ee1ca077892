// Offline extraction: typed, keyed memory candidates from one user turn, by hand-written rules
// over tokens (no model, no I/O). docs/extraction.md has the rule table and what is deliberately
// left out.
//
// Contracts:
//   - Keys are stable dotted names for *what* a memory is about, never for its value, so a later
//     statement that changes the value yields the same key and the write policy can supersede
//     the old record ("I live in Paris", then "I moved to Berlin": both "user.location.city").
//     Single-valued things (name, city, employer, role, theme) have one fixed key; multi-valued
//     things (likes, tools, allergies, ...) one key per item ("pref.likes.sushi"). A negation
//     that states the opposite keeps the item's key and flips the value ("I don't like sushi":
//     "pref.likes.sushi" with "likes": false); one that states nothing useful yields nothing.
//   - Conservative: questions, hypotheticals ("if I lived in Paris"), modal or past statements
//     ("I would", "I used to", "I lived") and requests yield nothing. Facts about other people
//     and things yield a memory only as statements about the user's world with a relation of
//     rules/world_relations.txt (world_triples.h: "Lena runs the mobile team", keyed
//     "world.mobile_team.led_by", its triples in data), and not while they say "it".
//   - Deterministic: the same text and `now` give the same candidates, in order of appearance;
//     when one text yields a key twice, only the later candidate is kept.
//   - Any bytes are safe input: nothing is read outside `user_text`, invalid UTF-8 never forms
//     part of a word, and non-English text simply yields nothing.
//   - Dates are resolved on the UTC calendar of `now` (see docs/extraction.md).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engram/types.h"

namespace engram::hygiene {

// One memory the user's text supports, ready to become a NewMemory.
struct Candidate {
  MemoryType type = MemoryType::kFact;  // kFact, kPreference, kEpisode or kProcedure
  std::string key;                      // e.g. "user.name", "pref.ui.theme", "deadline.report"
  std::string text;                     // third-person sentence: "The user's name is Dana."
  double confidence = 0;                // in (0, 1], by the strength of the rule that matched
  std::string data = "{}";              // JSON object with the structured value: {"name":"Dana"}
  // Midnight UTC of the day the fact started to hold, when the text says so ("since 2020",
  // "starting Monday", "I moved to Berlin in 2021"); dates of deadlines go into `data` instead.
  std::optional<Timestamp> valid_from;
};

// The candidates of one user turn, in order of appearance; none when nothing matched.
// `now` anchors relative dates ("tomorrow", "Friday", "March 3rd").
std::vector<Candidate> ExtractCandidates(std::string_view user_text, Timestamp now);

}  // namespace engram::hygiene
