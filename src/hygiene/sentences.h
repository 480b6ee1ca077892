// The sentences of a turn, as written: what the write path judges one at a time when a turn says
// several things ("My dog is Biscuit. Lena runs the mobile team.").
//
// Contracts:
//   - Sentences end at . ! ? ; and line breaks (util::Tokenize's words and punctuation), not at
//     the dot of a title or an abbreviation ("Dr. Klein", "St. Louis", "e.g.").
//   - Each is a span of `text` from its first token to its last, end mark included; sentences
//     without a word are left out. Any bytes are safe input.
#pragma once

#include <string_view>
#include <vector>

namespace engram::hygiene {

std::vector<std::string_view> SplitSentences(std::string_view text);

}  // namespace engram::hygiene
