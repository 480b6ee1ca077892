// Claims: whether two texts whose vectors are close say the same thing (near-duplicate merging).
//
// Sentence embeddings place "The user prefers dark mode" and "The user prefers light mode" close
// together, so vector similarity alone would merge a changed preference into the old one, the
// opposite of what memory must do. The claim of a text is what must agree besides the vectors:
// texts may differ in function words, word order, inflection and intensifiers, but not in a
// number, a name, a negation or any other content word. Stores keep ClaimHash beside each record
// so candidates for a merge are found through an index, not by search.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace engram::util {

// True when a and b differ at most in words that carry no claim of their own ("the", "really",
// "please", "'d", a plural or past-tense ending). Any other word present in one and not the other
// makes them different claims.
bool SameClaim(std::string_view a, std::string_view b);

// The canonical form of text's claim: SameClaim(a, b) iff ClaimKey(a) == ClaimKey(b).
std::string ClaimKey(std::string_view text);
// The version of ClaimKey's rules; stores that keep claim hashes recompute them when it changes.
// 2: words from util::Tokenize (contractions split, "part-time" and "node.js" one word).
inline constexpr int kClaimHashVersion = 2;

// 16 hex digits: Fnv1aHex of ClaimKey(text).
std::string ClaimHash(std::string_view text);

// A crude stem of a lower-cased word (a plural, past or -ing ending dropped), so "likes"/"like"
// and "prefers"/"preferred" compare equal.
std::string ClaimStem(std::string word);

// The distinct lower-cased words of `text` that SameClaim compares (no neutral words, no
// negations), in order of first appearance: every record making the same claim contains them.
std::vector<std::string> ClaimWords(std::string_view text);

}  // namespace engram::util
