#include "hygiene/slot_values.h"

#include <algorithm>

#include "hygiene/sentences.h"
#include "hygiene/vocabulary.h"
#include "util/tokenize.h"

namespace engram::hygiene {

namespace {

constexpr size_t kMaxValueWords = 4;  // "ho chi minh city"
constexpr size_t kOwnerReach = 4;     // "my sister's new job at Figma"

// Whether a sentence is about someone other than the user, or about no lasting place of theirs.
bool SlotValueSentenceExcluded(const util::Tokens& t) {
  const WordSet& stops = WordList("slot_value_stops");
  const WordTable& relations = WordMap("relations");
  size_t first = 0;
  while (first < t.size() && !t[first].word) ++first;
  for (size_t k = 0; k < t.size(); ++k) {
    if (t[k].norm == "?") return true;
    if (!t[k].word) continue;
    for (std::string_view stop : stops) {
      if (util::PhraseEnd(t, k, stop) > k) return true;
    }
    if ((t[k].norm == "my" || t[k].norm == "our") && k + 1 < t.size() &&
        !CanonicalIn(relations, t[k + 1].norm).empty())
      return true;
  }
  // "The build server is in Frankfurt", "Our office is in Leeds": a thing's place, not the
  // user's home or employer.
  if (first < t.size() &&
      util::OneOf(t[first].norm, {"the", "a", "an", "this", "that", "our", "its"}))
    return true;
  return first + 1 < t.size() && t[first].cap && t[first].norm != "i" &&
         WordList("slot_value_other_verbs").count(t[first + 1].norm);
}

}  // namespace

std::vector<std::string> NamedSlotValues(std::string_view text) {
  const WordTable& values = WordMap("slot_values");
  const WordTable& frames = WordMap("slot_value_frames");
  const WordTable& phrases = WordMap("slot_value_phrases");
  const WordTable& contexts = WordMap("slot_value_contexts");
  std::vector<std::string> keys;
  auto add = [&keys](std::string_view key) {
    if (!key.empty() && std::find(keys.begin(), keys.end(), key) == keys.end())
      keys.emplace_back(key);
  };
  for (std::string_view sentence : SplitSentences(text)) {
    const util::Tokens t = util::Tokenize(sentence);
    if (SlotValueSentenceExcluded(t)) continue;
    for (size_t i = 0; i < t.size(); ++i) {
      if (!t[i].word || !t[i].cap || t[i].norm == "i") continue;
      // "my sister's new job at Figma", "her flat in Leeds": someone else's value.
      bool others = false;
      for (size_t k = i >= kOwnerReach ? i - kOwnerReach : 0; k < i; ++k)
        others = others || util::OneOf(t[k].norm, {"'s", "his", "her", "their", "your"});
      if (others) continue;
      // The name: capitalized words from i ("Brisa Airlines"), at most kMaxValueWords.
      size_t e = i + 1;
      while (e < t.size() && e - i < kMaxValueWords && t[e].word && t[e].cap) ++e;
      // "Swansea life", "the Antwerp apartment".
      if (e < t.size() && t[e].word) add(CanonicalIn(contexts, t[e].norm));
      if (i == 0 || !t[i - 1].word) continue;
      // "Four months in at Brisa Airlines", "life in Tromsø".
      if (i >= 2 && t[i - 2].word) add(CanonicalIn(phrases, t[i - 2].norm + " " + t[i - 1].norm));
      // "I'm at Stripe now", "Life in Bristol": a well-known value after its frame.
      const std::string_view frame = CanonicalIn(frames, t[i - 1].norm);
      if (frame.empty()) continue;
      std::string phrase;
      for (size_t k = i; k < t.size() && k - i < kMaxValueWords && t[k].word; ++k) {
        if (k > i) phrase += ' ';
        phrase += t[k].norm;
        if (CanonicalIn(values, phrase) == frame) {
          add(frame);
          break;
        }
      }
    }
  }
  return keys;
}

}  // namespace engram::hygiene
