#include "core/turn_edits.h"

#include <algorithm>
#include <map>
#include <set>
#include <vector>

#include "hygiene/self_correction.h"
#include "hygiene/vocabulary.h"
#include "util/claim.h"
#include "util/text.h"
#include "util/tokenize.h"

namespace engram::core {

namespace {

// The shape of a value, so that a correction that does not name the wrong value can find it.
enum class Shape { kNone, kDate, kOrdinal, kTime, kVersion, kNumber, kCode, kName };

bool IsMonth(std::string_view w) {
  static const std::set<std::string_view> kMonths{
      "january",   "february", "march",    "april",    "may",  "june", "july", "august",
      "september", "october",  "november", "december", "jan",  "feb",  "mar",  "apr",
      "jun",       "jul",      "aug",      "sep",      "sept", "oct",  "nov",  "dec"};
  return kMonths.count(w) > 0;
}

bool AllDigits(std::string_view w) {
  return !w.empty() && std::all_of(w.begin(), w.end(), [](char c) {
    return util::IsAsciiDigit(static_cast<unsigned char>(c));
  });
}

bool IsOrdinal(std::string_view w) {
  size_t d = 0;
  while (d < w.size() && util::IsAsciiDigit(static_cast<unsigned char>(w[d]))) ++d;
  const std::string_view suffix = w.substr(d);
  return d > 0 && d <= 2 &&
         (suffix == "st" || suffix == "nd" || suffix == "rd" || suffix == "th" || suffix.empty());
}

// Word tokens of a text, with the byte range each covers in it.
struct Word {
  std::string norm;
  std::string head;  // the first part of a contraction ("i" of "I've"), else norm
  size_t begin = 0, end = 0;
  bool cap = false;
};

std::vector<Word> WordsOf(std::string_view text) {
  std::vector<Word> out;
  for (const util::Token& t : util::Tokenize(text)) {
    if (!t.word) continue;
    const size_t b = static_cast<size_t>(t.raw.data() - text.data());
    if (!out.empty() && out.back().begin == b) {
      // The parts of a contraction are one word here; a possessive "'s" changes nothing.
      if (t.norm != "'s") out.back().norm += t.norm;
      continue;
    }
    out.push_back({t.norm, t.norm, b, b + t.raw.size(), t.cap});
  }
  // "7:40" is written as "7", ":", "40" and "3,000" as "3", ",", "000": each is one word.
  std::vector<Word> merged;
  for (size_t k = 0; k < out.size(); ++k) {
    if (!merged.empty() && AllDigits(out[k].norm) && merged.back().end + 1 == out[k].begin &&
        text[merged.back().end] == ':' && AllDigits(merged.back().norm)) {
      merged.back().norm += ":" + out[k].norm;
      merged.back().end = out[k].end;
      continue;
    }
    if (!merged.empty() && AllDigits(out[k].norm) && out[k].norm.size() == 3 &&
        merged.back().end + 1 == out[k].begin && text[merged.back().end] == ',' &&
        !merged.back().norm.empty() &&
        util::IsAsciiDigit(static_cast<unsigned char>(merged.back().norm.front())) &&
        merged.back().norm.find(':') == std::string::npos) {
      merged.back().norm += out[k].norm;  // "3000": the same number however it is grouped
      merged.back().end = out[k].end;
      continue;
    }
    merged.push_back(out[k]);
  }
  return merged;
}

bool IsTime(std::string_view w) {
  // "4pm", "7:30am": a clock time however it is written.
  if (w.size() > 2 && (w.ends_with("am") || w.ends_with("pm"))) {
    w.remove_suffix(2);
    if (AllDigits(w) && w.size() <= 2) return true;
  }
  const size_t colon = w.find(':');
  return colon != std::string_view::npos && AllDigits(w.substr(0, colon)) &&
         AllDigits(w.substr(colon + 1));
}

// "1.29", "v2.4", "3.12.1": digits joined by dots, after an optional "v".
bool IsVersion(std::string_view w) {
  if (!w.empty() && w.front() == 'v') w.remove_prefix(1);
  size_t dots = 0;
  for (size_t k = 0; k < w.size(); ++k) {
    if (w[k] == '.') {
      if (k == 0 || k + 1 == w.size() || w[k - 1] == '.') return false;
      ++dots;
    } else if (!util::IsAsciiDigit(static_cast<unsigned char>(w[k]))) {
      return false;
    }
  }
  return dots > 0;
}

// "4B", "A12", "B2": a short code of letters and digits (a flat, a gate, a seat).
bool IsCode(std::string_view w) {
  const bool digit = std::any_of(
      w.begin(), w.end(), [](char c) { return util::IsAsciiDigit(static_cast<unsigned char>(c)); });
  const bool alpha = std::any_of(
      w.begin(), w.end(), [](char c) { return util::IsAsciiAlpha(static_cast<unsigned char>(c)); });
  return digit && alpha && w.size() <= 6 && !IsOrdinal(w) && !IsTime(w) && !IsVersion(w);
}

bool IsArticle(std::string_view w) {
  return w == "the" || w == "a" || w == "an";
}

// The shape of a value's words (articles dropped).
Shape ShapeOf(const std::vector<Word>& w) {
  if (w.empty()) return Shape::kNone;
  for (size_t k = 0; k + 1 < w.size(); ++k) {
    if ((IsMonth(w[k].norm) && IsOrdinal(w[k + 1].norm)) ||
        (IsOrdinal(w[k].norm) && IsMonth(w[k + 1].norm)))
      return Shape::kDate;
  }
  const std::string& head = w.front().norm;
  if (IsTime(head)) return Shape::kTime;
  if (IsVersion(head)) return Shape::kVersion;
  if (IsOrdinal(head) && !AllDigits(head)) return Shape::kOrdinal;
  if (AllDigits(head)) return Shape::kNumber;
  if (IsCode(head)) return Shape::kCode;
  if (std::all_of(w.begin(), w.end(), [](const Word& x) { return x.cap; })) return Shape::kName;
  return Shape::kNone;
}

// The range [b, e) of words of `text` with the given shape that ends last; false if none.
bool FindShape(const std::vector<Word>& w, Shape shape, size_t n, size_t* b, size_t* e) {
  for (size_t k = w.size(); k-- > 0;) {
    switch (shape) {
      case Shape::kDate:
        if (k + 1 < w.size() && IsMonth(w[k].norm) && IsOrdinal(w[k + 1].norm)) {
          *b = k, *e = k + 2;
          return true;
        }
        if (k + 1 < w.size() && IsOrdinal(w[k].norm) && IsMonth(w[k + 1].norm)) {
          *b = k, *e = k + 2;
          return true;
        }
        break;
      case Shape::kTime:
        if (IsTime(w[k].norm)) {
          *b = k, *e = k + 1;
          return true;
        }
        break;
      case Shape::kVersion:
        if (IsVersion(w[k].norm)) {
          *b = k, *e = k + 1;
          return true;
        }
        break;
      case Shape::kOrdinal:
        if (IsOrdinal(w[k].norm) && !AllDigits(w[k].norm)) {
          *b = k, *e = k + 1;
          return true;
        }
        break;
      case Shape::kNumber:
        if (AllDigits(w[k].norm)) {
          *b = k, *e = k + 1;
          return true;
        }
        break;
      case Shape::kCode:
        if (IsCode(w[k].norm)) {
          *b = k, *e = k + 1;
          return true;
        }
        break;
      case Shape::kName:
        // A name of n words, not the first word of the text (a capital there says nothing).
        if (k >= 1 && k + n <= w.size() &&
            std::all_of(w.begin() + static_cast<ptrdiff_t>(k),
                        w.begin() + static_cast<ptrdiff_t>(k + n),
                        [](const Word& x) { return x.cap; })) {
          *b = k, *e = k + n;
          return true;
        }
        break;
      case Shape::kNone:
        return false;
    }
  }
  return false;
}

std::vector<Word> WithoutLeadingArticles(std::vector<Word> w) {
  while (!w.empty() && IsArticle(w.front().norm)) w.erase(w.begin());
  return w;
}

// Words that end a value: "garden faces north, shade ..." ends at the comma; "the backend role"
// starts after "the".
bool IsFunctionWord(std::string_view w) {
  static const std::set<std::string_view> kWords{
      "the",  "a",   "an",   "my", "our", "your", "their", "his",  "her", "its", "this",
      "that", "for", "of",   "in", "on",  "at",   "to",    "with", "and", "or",  "is",
      "are",  "was", "were", "be", "as",  "by",   "from",  "so",   "but", "not"};
  return kWords.count(w) > 0;
}

// Whether only blanks lie between two adjacent words of `text`.
bool Adjacent(std::string_view text, const Word& a, const Word& b) {
  for (size_t k = a.end; k < b.begin; ++k) {
    if (text[k] != ' ') return false;
  }
  return true;
}

// A correction that names its slot instead of a shaped value: "faces south" for "your garden
// faces north" (the slot word leads, the words after it are replaced), "the data platform role"
// for "the backend role" (the slot word trails, the words before it are replaced). The replaced
// words run to punctuation or a function word, three at most.
std::optional<std::string> SlotCorrection(std::string_view text, const std::vector<Word>& words,
                                          std::string_view written,
                                          const std::vector<Word>& right) {
  constexpr size_t kMaxValue = 3;
  if (right.size() < 2 || right.size() > 4) return std::nullopt;
  auto replace = [&](size_t b, size_t e, size_t rb, size_t re) -> std::optional<std::string> {
    std::string out(text.substr(0, words[b].begin));
    out += written.substr(right[rb].begin, right[re - 1].end - right[rb].begin);
    out += text.substr(words[e - 1].end);
    if (out == text) return std::nullopt;
    return out;
  };
  for (size_t k = words.size(); k-- > 0;) {
    if (words[k].norm == right.front().norm && !IsFunctionWord(right.front().norm)) {
      size_t e = k + 1;
      while (e < words.size() && e - k - 1 < kMaxValue && Adjacent(text, words[e - 1], words[e]) &&
             !IsFunctionWord(words[e].norm))
        ++e;
      if (e == k + 1) continue;
      return replace(k + 1, e, 1, right.size());
    }
    if (words[k].norm == right.back().norm && !IsFunctionWord(right.back().norm)) {
      size_t b = k;
      while (b > 0 && k - b < kMaxValue && Adjacent(text, words[b - 1], words[b]) &&
             !IsFunctionWord(words[b - 1].norm))
        --b;
      if (b == k) continue;
      return replace(b, k, 0, right.size() - 1);
    }
  }
  return std::nullopt;
}

// A correction that gives another place: "in the living room cupboard" for "Our router is in the
// hallway closet" replaces the phrase that opens with the same preposition
// (rules/place_prepositions.txt), the last one, to the end of its clause.
std::optional<std::string> PlaceCorrection(std::string_view text, const std::vector<Word>& words,
                                           std::string_view written,
                                           const std::vector<Word>& right) {
  if (right.size() < 2 || !hygiene::WordList("place_prepositions").count(right.front().norm))
    return std::nullopt;
  for (size_t k = words.size(); k-- > 0;) {
    if (words[k].norm != right.front().norm) continue;
    size_t e = k + 1;
    while (e < words.size() && Adjacent(text, words[e - 1], words[e])) ++e;
    if (e == k + 1) return std::nullopt;
    std::string out(text.substr(0, words[k].begin));
    out += written.substr(right.front().begin, right.back().end - right.front().begin);
    out += text.substr(words[e - 1].end);
    if (out == text) return std::nullopt;
    return out;
  }
  return std::nullopt;
}

// The family of a lower-case word in rules/topic_families.txt, looked up as written, then by its
// stem; empty when it has none.
std::string_view TopicFamily(const std::string& w) {
  const hygiene::WordTable& families = hygiene::WordMap("topic_families");
  const std::string_view f = hygiene::CanonicalIn(families, w);
  return f.empty() ? hygiene::CanonicalIn(families, util::ClaimStem(w)) : f;
}

}  // namespace

double TopicOverlap(std::string_view topic, std::string_view text) {
  // "the anxiety stuff" names "panic attacks", "my meds" names "ibuprofen": a word names another
  // of its family.
  std::set<std::string> wanted;
  std::map<std::string, std::string_view> wanted_family;
  const hygiene::WordSet& stop = hygiene::WordList("topic_stopwords");
  for (std::string& w : util::ClaimWords(topic)) {
    if (stop.count(w)) continue;
    const std::string_view f = TopicFamily(w);
    std::string stem = util::ClaimStem(std::move(w));
    if (!f.empty()) wanted_family[stem] = f;
    wanted.insert(std::move(stem));
  }
  if (wanted.empty()) return 0;
  std::set<std::string> have;
  std::set<std::string_view> have_families;
  for (std::string& w : util::ClaimWords(text)) {
    if (const std::string_view f = TopicFamily(w); !f.empty()) have_families.insert(f);
    have.insert(util::ClaimStem(std::move(w)));
  }
  // "allergy" names "allergic", "pregnancy" names "pregnant": the same first six letters.
  // "plans" names "planning" (stems "plan", "plann"): one stem begins the other, one letter
  // longer, from four letters on.
  auto named = [&](const std::string& w) {
    if (have.count(w)) return true;
    if (const auto f = wanted_family.find(w);
        f != wanted_family.end() && have_families.count(f->second))
      return true;
    return std::any_of(have.begin(), have.end(), [&](const std::string& h) {
      if (w.size() >= 6 && h.size() >= 6 && h.compare(0, 6, w, 0, 6) == 0) return true;
      const std::string& shorter = h.size() < w.size() ? h : w;
      const std::string& longer = h.size() < w.size() ? w : h;
      return shorter.size() >= 4 && longer.size() == shorter.size() + 1 &&
             longer.compare(0, shorter.size(), shorter) == 0;
    });
  };
  size_t found = 0;
  for (const std::string& w : wanted) found += named(w);
  return static_cast<double>(found) / static_cast<double>(wanted.size());
}

std::string CorrectedSlot(std::string_view said) {
  constexpr size_t kMaxSlot = 6;
  const std::vector<Word> w = WordsOf(said);
  // Whether punctuation stands between word k - 1 and word k: the clause ends there.
  auto broken = [&](size_t k) {
    return said.substr(w[k - 1].end, w[k].begin - w[k - 1].end).find_first_of(",.;:!?") !=
           std::string_view::npos;
  };
  for (size_t k = 0; k + 2 < w.size(); ++k) {
    if (w[k].norm != "i" || (w[k + 1].norm != "got" && w[k + 1].norm != "had") || broken(k + 1))
      continue;
    size_t b = k + 2;
    while (b < w.size() && (IsArticle(w[b].norm) || w[b].norm == "my" || w[b].norm == "our")) ++b;
    size_t e = b;
    while (e < w.size() && e - b <= kMaxSlot && w[e].norm != "wrong" && !broken(e)) ++e;
    if (e >= w.size() || w[e].norm != "wrong" || broken(e) || e == b || e - b > kMaxSlot) continue;
    if (e - b == 1 && (w[b].norm == "that" || w[b].norm == "it" || w[b].norm == "this")) continue;
    return std::string(said.substr(w[b].begin, w[e - 1].end - w[b].begin));
  }
  return "";
}

namespace {

// Whether a word of `text` is a possessor: written with a possessive "'s" ("dad's", "Karl's"),
// not a pronoun contracted with "is" ("it's", "that's").
bool IsPossessor(std::string_view text, const Word& w) {
  const std::string_view raw = text.substr(w.begin, w.end - w.begin);
  if (!raw.ends_with("'s") && !raw.ends_with("\xE2\x80\x99s")) return false;
  static const std::set<std::string_view> kNotPossessors{
      "it", "that", "he", "she", "there", "here", "what", "who", "where", "this", "let"};
  return !kNotPossessors.count(w.head);
}

// The words of `topic` beyond whose it is: neither names nor possessors, joined by spaces.
std::string SubjectPart(std::string_view topic) {
  std::string rest;
  for (const Word& w : WordsOf(topic)) {
    if (!w.cap && !IsPossessor(topic, w)) rest += w.norm + " ";
  }
  return rest;
}

std::vector<std::string> ContentWords(std::string_view text) {
  const hygiene::WordSet& stop = hygiene::WordList("topic_stopwords");
  std::vector<std::string> out;
  for (std::string& w : util::ClaimWords(text)) {
    if (!stop.count(w)) out.push_back(std::move(w));
  }
  return out;
}

}  // namespace

bool HasTopicFamily(const std::string& word) {
  return !TopicFamily(word).empty();
}

std::vector<std::string> TopicSubjectWords(std::string_view topic) {
  return ContentWords(SubjectPart(topic));
}

std::vector<std::string> TopicCandidateWords(std::string_view text) {
  std::vector<std::string> out = ContentWords(SubjectPart(text));
  std::erase_if(out, [](const std::string& w) {
    return std::any_of(w.begin(), w.end(),
                       [](char c) { return util::IsAsciiDigit(static_cast<unsigned char>(c)); });
  });
  return out;
}

namespace {

// Whether a word of the topic and a word of the text are of one family (rules/topic_families.txt):
// "the mental health stuff" and "I see a therapist": a curated link of meaning, unlike a word both
// merely use ("the rent arrears", "I rent a room").
bool SharesTopicFamily(std::string_view topic, std::string_view text) {
  std::set<std::string_view> families;
  for (const std::string& w : util::ClaimWords(topic)) {
    if (const std::string_view f = TopicFamily(w); !f.empty()) families.insert(f);
  }
  if (families.empty()) return false;
  for (const std::string& w : util::ClaimWords(text)) {
    if (families.count(TopicFamily(w))) return true;
  }
  return false;
}

// How close in meaning a memory must be to a topic whose head it lacks to be named by it.
constexpr double kHeadlessSimilarity = 0.5;

// The word a forget request's topic is about: the last word of its first phrase, before a
// preposition or a clause ("arrears" in "the rent arrears", "loan" in "the loan from my cousin",
// "money" in "the money I owe Tim"); empty when that is a name or a possessor, or when the topic
// holds fewer than two words beyond whose it is.

std::string TopicHead(std::string_view topic) {
  static const std::set<std::string_view> kBreaks{
      "from", "about", "with", "to",  "for", "of", "in", "on",  "at",   "i",    "we",   "you",
      "that", "which", "who",  "and", "or",  "me", "he", "she", "they", "when", "after"};
  if (TopicSubjectWords(topic).size() < 2) return "";
  const std::vector<Word> w = WordsOf(topic);
  const Word* head = nullptr;
  for (const Word& x : w) {
    if (kBreaks.count(x.norm) && head != nullptr) break;
    if (!IsFunctionWord(x.norm)) head = &x;
  }
  if (head == nullptr || head->cap || IsPossessor(topic, *head)) return "";
  // "me looking for another job", "moving house": an activity, whose object says what it is about
  // more than its verb does; no head rule then.
  if (head->norm.size() > 5 && head->norm.ends_with("ing")) return "";
  return head->norm;
}

}  // namespace

bool NamedByForget(std::string_view topic, std::string_view text, double similarity,
                   const std::vector<std::string>& meant) {
  // A topic that says more than whose it is ("Karl's debts", "the money I owe Tim", "my dad's
  // illness") names only what shares that more: "Karl is a chef" is not about Karl's debts.
  const std::string rest = SubjectPart(topic);
  const bool beyond_names = TopicOverlap(rest, rest) > 0;
  std::string read(text);
  for (const std::string& w : meant) read += " " + w;
  const double overlap = TopicOverlap(topic, read);
  const double beyond = beyond_names ? TopicOverlap(rest, read) : overlap;
  if (beyond == 0) return similarity >= 0.75;
  // "forget the rent arrears" is about arrears: "I rent a room in Brixton" shares a word of it,
  // not what it is about, and is named only when its meaning is close.
  if (const std::string head = TopicHead(topic);
      !head.empty() && TopicOverlap(head, read) == 0 && !SharesTopicFamily(topic, read))
    return similarity >= kHeadlessSimilarity;
  return overlap >= 0.5 || similarity >= 0.3;
}

std::optional<std::string> ApplyCorrection(std::string_view text,
                                           const hygiene::Correction& correction) {
  const std::vector<Word> words = WordsOf(text);
  std::vector<Word> right = WithoutLeadingArticles(WordsOf(correction.right));
  if (right.empty()) return std::nullopt;
  size_t b = 0, e = 0;
  if (!correction.wrong.empty()) {
    const std::vector<Word> wrong = WithoutLeadingArticles(WordsOf(correction.wrong));
    if (wrong.empty() || wrong.size() > words.size()) return std::nullopt;
    bool found = false;
    for (size_t k = words.size() - wrong.size() + 1; k-- > 0 && !found;) {
      found = std::equal(wrong.begin(), wrong.end(), words.begin() + static_cast<ptrdiff_t>(k),
                         [](const Word& x, const Word& y) { return x.norm == y.norm; });
      if (found) b = k, e = k + wrong.size();
    }
    if (!found) return std::nullopt;
    // "100 per second, not per minute": the right value says again what the text has before the
    // wrong one ("100"); only its part from the wrong one's first word ("per second") replaces it.
    for (size_t p = 1; p < right.size(); ++p) {
      if (right[p].norm != wrong.front().norm) continue;
      const bool said = std::all_of(
          right.begin(), right.begin() + static_cast<ptrdiff_t>(p), [&words, b](const Word& r) {
            return std::any_of(words.begin(), words.begin() + static_cast<ptrdiff_t>(b),
                               [&r](const Word& w) { return w.norm == r.norm; });
          });
      if (said) right.erase(right.begin(), right.begin() + static_cast<ptrdiff_t>(p));
      break;
    }
  } else {
    // "the offsite is in Hamburg": the value is the sentence's last name, number or time.
    if (ShapeOf(right) == Shape::kNone) {
      // The last run of shaped words that the text does not already hold: "it opens at 9 on
      // Saturdays" corrects "opens at 8 on Saturdays" with "9", not with "Saturdays".
      size_t e_run = right.size(), b_use = 0, e_use = 0;
      for (;;) {
        while (e_run > 0 && ShapeOf({right[e_run - 1]}) == Shape::kNone) --e_run;
        if (e_run == 0) break;
        size_t b_run = e_run - 1;
        if (ShapeOf({right[b_run]}) == Shape::kName) {
          while (b_run > 1 && ShapeOf({right[b_run - 1]}) == Shape::kName) --b_run;
          if (b_run == 0) {
            if (e_use == 0) return std::nullopt;  // a capital at the start says nothing
            break;
          }
        } else if (b_run > 0 && IsMonth(right[b_run - 1].norm)) {
          --b_run;
        }
        const bool held =
            std::all_of(right.begin() + static_cast<ptrdiff_t>(b_run),
                        right.begin() + static_cast<ptrdiff_t>(e_run), [&words](const Word& r) {
                          return std::any_of(words.begin(), words.end(),
                                             [&r](const Word& w) { return w.norm == r.norm; });
                        });
        if (e_use == 0 || !held) b_use = b_run, e_use = e_run;
        if (!held) break;
        e_run = b_run;
      }
      if (e_use == 0) {
        if (auto place = PlaceCorrection(text, words, correction.right, right)) return place;
        return SlotCorrection(text, words, correction.right, right);
      }
      right.assign(right.begin() + static_cast<ptrdiff_t>(b_use),
                   right.begin() + static_cast<ptrdiff_t>(e_use));
    }
    const size_t n = right.size();
    if (!FindShape(words, ShapeOf(right), n, &b, &e)) return std::nullopt;
    // "100 per second" for "100 requests per minute": a rate replaces the rate after the number.
    const auto per = [](const Word& w) { return w.norm == "per"; };
    if (std::any_of(right.begin(), right.end(), per)) {
      for (size_t k = e; k < words.size() && k <= e + 2; ++k) {
        if (per(words[k]) && k + 1 < words.size()) {
          e = k + 2;
          break;
        }
      }
    }
  }
  // "the 7:40 train" replacing "7:10" in "the 7:10 train": drop the trailing words of the right
  // value that the text already has after the wrong one.
  size_t keep = right.size();
  for (size_t shared = std::min(right.size() - 1, words.size() - e); shared > 0; --shared) {
    bool same = true;
    for (size_t k = 0; k < shared && same; ++k)
      same = right[right.size() - shared + k].norm == words[e + k].norm;
    if (same) {
      keep = right.size() - shared;
      break;
    }
  }
  const std::string_view written(correction.right);
  const size_t rb = right.front().begin, re = right[keep - 1].end;
  std::string out(text.substr(0, words[b].begin));
  out += written.substr(rb, re - rb);
  out += text.substr(words[e - 1].end);
  if (out == text) return std::nullopt;
  return out;
}

namespace {

// Names and numbers of a text, lower-cased.
std::set<std::string> AnchorsOf(const std::vector<Word>& words) {
  static const std::set<std::string_view> kFunction{
      "i", "i'm", "my", "the", "a", "an", "our", "we", "it", "this", "that", "he", "she", "they",
      "his", "her", "their", "you", "your", "there", "home", "and",
      // Titles and pronouns of people are no names: "Ms. Kowalski" is "Kowalski".
      "mr", "mrs", "ms", "dr", "prof", "everyone", "everybody", "someone", "somebody", "nobody"};
  std::set<std::string> out;
  for (const Word& w : words) {
    const bool number = std::any_of(w.norm.begin(), w.norm.end(), [](char c) {
      return util::IsAsciiDigit(static_cast<unsigned char>(c));
    });
    // "I've", "We're": a contraction of a function word is no name; nor is a word that opens a
    // sentence with its capital ("Without", "Sold": rules/sentence_openers.txt).
    if (number ||
        (w.cap && !kFunction.count(w.head) && !hygiene::WordList("sentence_openers").count(w.head)))
      out.insert(w.norm);
  }
  return out;
}

}  // namespace

size_t SharedSlotWords(std::string_view a, std::string_view b) {
  const hygiene::WordSet& stop = hygiene::WordList("topic_stopwords");
  auto slot_words = [&stop](std::string_view text) {
    const std::set<std::string> anchors = AnchorsOf(WordsOf(text));
    std::set<std::string> out;
    for (std::string& w : util::ClaimWords(text)) {
      // "Changed doctors" names what "My GP is Dr. Mensah" is about, "an iPhone" what "a Pixel"
      // is: a family of rules/topic_families.txt counts as a shared word, names included.
      if (const std::string_view f = TopicFamily(w); !f.empty()) out.insert("#" + std::string(f));
      if (stop.count(w) || anchors.count(w) || std::any_of(w.begin(), w.end(), [](char c) {
            return util::IsAsciiDigit(static_cast<unsigned char>(c));
          }))
        continue;
      out.insert(util::ClaimStem(std::move(w)));
    }
    return out;
  };
  const std::set<std::string> wa = slot_words(a), wb = slot_words(b);
  return static_cast<size_t>(
      std::count_if(wa.begin(), wa.end(), [&wb](const std::string& w) { return wb.count(w); }));
}

bool RetiresValueOf(std::string_view turn, std::string_view memory) {
  constexpr size_t kNear = 3;
  const std::vector<Word> words = WordsOf(turn);
  const std::set<std::string> anchors = AnchorsOf(WordsOf(memory));
  if (anchors.empty()) return false;
  // Where the cues stand, as [first word, last word].
  std::vector<std::pair<size_t, size_t>> cues;
  for (std::string_view phrase : hygiene::WordList("retire_cues")) {
    for (size_t k = 0; k < words.size(); ++k) {
      std::string_view rest = phrase;
      size_t j = k;
      while (!rest.empty() && j < words.size()) {
        const size_t space = rest.find(' ');
        if (words[j].norm != rest.substr(0, space)) break;
        ++j;
        rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
      }
      if (rest.empty()) cues.emplace_back(k, j - 1);
    }
  }
  for (size_t k = 0; k < words.size(); ++k) {
    if (!anchors.count(words[k].norm)) continue;
    for (const auto& [b, e] : cues) {
      if ((k < b && b - k <= kNear) || (k > e && k - e <= kNear)) return true;
    }
  }
  return false;
}

bool ChangesVersionOf(std::string_view turn, std::string_view memory, bool change) {
  auto digit = [](const std::string& w) {
    return std::any_of(w.begin(), w.end(),
                       [](char c) { return util::IsAsciiDigit(static_cast<unsigned char>(c)); });
  };
  auto name = [&digit](const Word& w) {
    return w.cap && !digit(w.norm) && !IsFunctionWord(w.norm);
  };
  // Whether the turn still states `value` (not as what it moves "from").
  const std::vector<Word> wm = WordsOf(memory), wt = WordsOf(turn);
  auto still = [&wt](const std::string& value) {
    for (size_t j = 0; j < wt.size(); ++j) {
      if (wt[j].norm == value && (j < 2 || (wt[j - 1].norm != "from" && wt[j - 2].norm != "from")))
        return true;
    }
    return false;
  };
  // Content words in common besides the values: how surely the two are about one thing.
  auto shared = [&]() {
    std::set<std::string> mine;
    for (std::string& w : util::ClaimWords(memory)) {
      if (!digit(w)) mine.insert(util::ClaimStem(std::move(w)));
    }
    size_t n = 0;
    for (std::string& w : util::ClaimWords(turn)) {
      if (!digit(w) && mine.count(util::ClaimStem(std::move(w)))) ++n;
    }
    return n;
  };
  for (size_t k = 0; k + 1 < wm.size(); ++k) {
    if (!name(wm[k]) || !digit(wm[k + 1].norm) || IsTime(wm[k + 1].norm)) continue;
    bool other = false;
    for (size_t j = 0; j + 1 < wt.size(); ++j) {
      if (wt[j].norm == wm[k].norm && digit(wt[j + 1].norm) && wt[j + 1].norm != wm[k + 1].norm)
        other = true;
    }
    // The versioned name is one word in common; one more ties them without a word of change.
    if (other && !still(wm[k + 1].norm)) return change || shared() >= 2;
  }
  // "Our clusters run version 1.27" and "clusters are on Kubernetes 1.30": dotted versions,
  // wherever they stand, of a thing both name.
  for (const Word& m : wm) {
    if (!IsVersion(m.norm) || still(m.norm)) continue;
    for (const Word& t : wt) {
      if (IsVersion(t.norm) && t.norm != m.norm) return shared() >= 2;
    }
  }
  return false;
}

bool StillHolds(std::string_view turn, std::string_view memory) {
  const std::set<std::string> held = AnchorsOf(WordsOf(memory));
  const std::vector<Word> w = WordsOf(turn);
  for (size_t k = 0; k < w.size(); ++k) {
    if (w[k].norm != "still") continue;
    for (size_t j = k + 1; j < w.size() && j <= k + 3; ++j) {
      if (held.count(w[j].norm)) return true;
    }
  }
  return false;
}

bool HasAnchors(std::string_view text) {
  return !AnchorsOf(WordsOf(text)).empty();
}

// Whether an anchor is found in other words: as the same word, another form of it ("Saturday",
// "Saturdays"), or a word it begins or that begins it, of five letters or more ("Japan",
// "Japanese"). Numbers must be the same.
bool AnchorFoundIn(const std::string& x, const std::vector<Word>& words) {
  const std::string stem = util::ClaimStem(x);
  const bool number = std::any_of(
      x.begin(), x.end(), [](char c) { return util::IsAsciiDigit(static_cast<unsigned char>(c)); });
  return std::any_of(words.begin(), words.end(), [&](const Word& w) {
    if (w.norm == x) return true;
    if (number) return false;
    const std::string other = util::ClaimStem(w.norm);
    const size_t n = std::min(stem.size(), other.size());
    return other == stem || (n >= 5 && stem.compare(0, n, other, 0, n) == 0);
  });
}

bool SameAnchors(std::string_view a, std::string_view b) {
  const std::vector<Word> wa = WordsOf(a), wb = WordsOf(b);
  for (const std::string& x : AnchorsOf(wa)) {
    if (!AnchorFoundIn(x, wb)) return false;
  }
  for (const std::string& x : AnchorsOf(wb)) {
    if (!AnchorFoundIn(x, wa)) return false;
  }
  return true;
}

bool NamesAnotherValue(std::string_view turn, std::string_view memory) {
  const std::vector<Word> wt = WordsOf(turn), wm = WordsOf(memory);
  const std::set<std::string> old = AnchorsOf(wm), now = AnchorsOf(wt);
  if (old.empty() || now.empty()) return false;
  for (const std::string& x : old) {
    if (AnchorFoundIn(x, wt)) return false;
  }
  return std::any_of(now.begin(), now.end(),
                     [&](const std::string& x) { return !AnchorFoundIn(x, wm); });
}

std::optional<std::string> SelfCorrected(std::string_view turn) {
  const std::optional<hygiene::SelfCorrection> self = hygiene::ParseSelfCorrection(turn);
  if (!self) return std::nullopt;
  std::optional<std::string> fixed = ApplyCorrection(self->statement, self->fix);
  if (fixed && !fixed->empty() && util::IsAsciiAlnum(static_cast<unsigned char>(fixed->back())))
    *fixed += ".";
  return fixed;
}

std::optional<std::string> CorrectedStatement(std::string_view assistant,
                                              const hygiene::Correction& correction) {
  // Sentences end at . ! ? and line breaks.
  size_t b = 0;
  while (b < assistant.size()) {
    size_t e = assistant.find_first_of(".!?\n", b);
    e = e == std::string_view::npos ? assistant.size() : e;
    const std::string_view sentence = util::TrimWhitespace(assistant.substr(b, e - b));
    b = e + 1;
    std::optional<std::string> fixed = ApplyCorrection(sentence, correction);
    if (!fixed) continue;
    std::string text = std::move(*fixed);
    // Drop a question tag: "..., right", "..., correct", "..., isn't it".
    if (const size_t comma = text.rfind(", "); comma != std::string::npos) {
      const std::vector<Word> tag = WordsOf(std::string_view(text).substr(comma + 1));
      if (!tag.empty() && tag.size() <= 3) text.resize(comma);
    }
    std::string out;
    const std::vector<Word> words = WordsOf(text);
    size_t pos = 0;
    for (const Word& w : words) {
      out.append(text, pos, w.begin - pos);
      if (w.norm == "your" || w.norm == "yours")
        out += "the user's";
      else if (w.norm == "you're" || w.norm == "youre")
        out += "the user is";
      else if (w.norm == "you")
        out += "the user";
      else
        out.append(text, w.begin, w.end - w.begin);
      pos = w.end;
    }
    out.append(text, pos, std::string::npos);
    if (out.empty()) continue;
    out[0] = util::AsciiUpper(out[0]);
    return out + ".";
  }
  return std::nullopt;
}

std::string ExpandAbbreviations(std::string_view text) {
  const hygiene::WordTable& table = hygiene::WordMap("abbreviations");
  std::string out;
  size_t k = 0;
  while (k < text.size()) {
    size_t e = k;
    while (e < text.size() && util::IsAsciiAlnum(static_cast<unsigned char>(text[e]))) ++e;
    if (e == k) {
      out += text[k++];
      continue;
    }
    const std::string_view word = text.substr(k, e - k);
    const std::string_view full = hygiene::CanonicalIn(table, word);
    out += full.empty() ? word : full;
    k = e;
  }
  return out;
}

bool NamesRelationOf(std::string_view text, std::string_view key) {
  constexpr std::string_view kFamily = "family.", kName = ".name";
  if (!key.starts_with(kFamily) || !key.ends_with(kName)) return false;
  const std::string_view relation =
      key.substr(kFamily.size(), key.size() - kFamily.size() - kName.size());
  const hygiene::WordTable& relations = hygiene::WordMap("relations");
  const std::vector<util::Token> tokens = util::Tokenize(text);
  for (size_t k = 0; k + 1 < tokens.size(); ++k) {
    if (tokens[k].norm == "my" && tokens[k + 1].word &&
        hygiene::CanonicalIn(relations, tokens[k + 1].norm) == relation)
      return true;
  }
  return false;
}

}  // namespace engram::core
