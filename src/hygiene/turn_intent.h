// What a user turn asks of memory itself, beside what it discloses: to forget something ("please
// forget what I told you about the loan") or to correct a value just said ("sorry, I meant the
// 14th, not the 4th"; "no, the 7:40 train"; "March 13th, that was a typo").
//
// Contracts:
//   - Deterministic and offline, over util::Tokenize's words; any bytes are safe input.
//   - Phrases are returned as written (a span of the turn), trimmed of punctuation and of words
//     that only frame them ("what I told you about", "that was a typo").
//   - Conservative: "don't forget my meeting" (a reminder), "forget it" (never mind), "I forgot my
//     keys" (past) and questions are no forget requests; "not" alone is no correction.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace engram::hygiene {

// "forget what I told you about my cousin's loan": topic "my cousin's loan".
struct ForgetRequest {
  std::string topic;
};
std::optional<ForgetRequest> ParseForgetRequest(std::string_view text);

// "sorry, I meant the 14th, not the 4th": right "the 14th", wrong "the 4th". `wrong` is empty
// when the turn does not say it ("No, Valencia."; "actually March 13th, that was a typo"): the
// caller finds it in what was said just before.
struct Correction {
  std::string right;
  std::string wrong;
};
std::optional<Correction> ParseCorrection(std::string_view text);

// The bare value a turn opens with, if it is one: a first phrase of at most three words (articles
// aside) holding a digit, ended by punctuation or the turn ("6B! 4B is my old place.", "the
// 10th, Friday is the 10th"). Without a marker it corrects only what was said just before; the
// caller checks that this held a value of the same shape.
std::optional<std::string> ParseValueFragment(std::string_view text);

// Whether a turn announces a new value of something already known: it has a word of
// rules/change_markers.txt ("now", "switched", "took over", "these days").
bool AnnouncesChange(std::string_view text);

// The single-valued slots (memory keys) of the user that phrases of a turn name, by
// rules/slot_cues.txt ("we finally moved": "user.location.city"), each once, in order of
// appearance. A phrase one or two words after another's possessive ("'s", "his", "her", "their",
// "your") names that person's slot, not the user's: "my sister's new job", "her new job at Figma"
// name none.
std::vector<std::string> NamedSlots(std::string_view text);

}  // namespace engram::hygiene
