#include "core/answer_fit.h"

#include <algorithm>
#include <cctype>

#include "core/recall.h"
#include "hygiene/vocabulary.h"
#include "util/tokenize.h"

namespace engram::core {

namespace {

enum Kind : uint8_t {
  kPerson = 1,
  kPlace = 2,
  kTime = 4,
  kQuantity = 8,
  kOrganization = 16,
};

uint8_t KindBit(std::string_view name) {
  if (name == "person") return kPerson;
  if (name == "place") return kPlace;
  if (name == "time") return kTime;
  if (name == "quantity") return kQuantity;
  if (name == "organization") return kOrganization;
  return 0;
}

// The words of a text with their case kept: letters, digits, apostrophes and the ':' of a time.
std::vector<std::string> RawWords(std::string_view text) {
  std::vector<std::string> out;
  std::string cur;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '\'' || c == ':' || c >= 0x80) {
      cur += static_cast<char>(c);
    } else if (!cur.empty()) {
      out.push_back(std::move(cur));
      cur.clear();
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

// The kinds of one word of a memory: from the table, or digits (a quantity; a time when it is a
// clock time such as "9:30").
uint8_t WordKinds(const std::string& lower) {
  static const hygiene::WordTable& kinds = hygiene::WordMap("search_kind_words");
  uint8_t out = KindBit(hygiene::CanonicalIn(kinds, lower));
  if (std::any_of(lower.begin(), lower.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    out |= kQuantity;
    if (lower.find(':') != std::string::npos || lower.ends_with("am") || lower.ends_with("pm")) {
      out |= kTime;
    }
  }
  return out;
}

uint8_t TextKinds(std::string_view text) {
  const std::vector<std::string> words = RawWords(text);
  uint8_t out = 0;
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string lower = util::LowerAscii(words[i]);
    out |= WordKinds(lower);
    // "in Frankfurt", "from Valencia", "at FitLife": a named place (or a place of a name).
    const bool place_preposition =
        lower == "in" || lower == "at" || lower == "from" || lower == "near";
    if (place_preposition && i + 1 < words.size() &&
        std::isupper(static_cast<unsigned char>(words[i + 1][0]))) {
      out |= kPlace;
    }
  }
  return out;
}

std::vector<std::string_view> Segments(std::string_view key) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= key.size()) {
    const size_t dot = std::min(key.find('.', start), key.size());
    if (dot > start) out.push_back(key.substr(start, dot - start));
    start = dot + 1;
  }
  return out;
}

}  // namespace

// Without a plural "s" (not of "ss" or short words), so "deadlines" meets "deadline".
std::string StemWord(std::string_view word) {
  std::string w = util::LowerAscii(word);
  if (w.size() > 3 && w.back() == 's' && w[w.size() - 2] != 's') w.pop_back();
  return w;
}

QuestionNeeds ReadQuestion(std::string_view query) {
  static const hygiene::WordTable& openings = hygiene::WordMap("search_question_kinds");
  QuestionNeeds needs;
  const std::vector<std::string> words = RawWords(query);
  // The longest opening of up to two words.
  for (size_t n = std::min<size_t>(2, words.size()); n > 0 && needs.kinds == 0; --n) {
    std::string opening = util::LowerAscii(words[0]);
    for (size_t i = 1; i < n; ++i) opening += " " + util::LowerAscii(words[i]);
    needs.kinds = KindBit(hygiene::CanonicalIn(openings, opening));
  }
  for (const std::string& term : QueryTerms(query)) needs.words.push_back(StemWord(term));
  return needs;
}

Fit FitsQuestion(const QuestionNeeds& needs, std::string_view key, std::string_view text) {
  static const hygiene::WordTable& topics = hygiene::WordMap("search_key_topics");
  uint8_t kinds = 0;
  for (std::string_view segment : Segments(key)) {
    const std::string lower = util::LowerAscii(segment);
    kinds |= WordKinds(lower);
    if (std::find(needs.words.begin(), needs.words.end(), StemWord(lower)) != needs.words.end()) {
      return Fit::kTopic;
    }
    const std::string_view about = hygiene::CanonicalIn(topics, lower);
    for (std::string_view word : RawWords(about)) {
      if (std::find(needs.words.begin(), needs.words.end(), StemWord(word)) != needs.words.end()) {
        return Fit::kTopic;
      }
    }
  }
  if (needs.kinds == 0) return Fit::kNone;
  return ((kinds | TextKinds(text)) & needs.kinds) != 0 ? Fit::kKind : Fit::kNone;
}

}  // namespace engram::core
