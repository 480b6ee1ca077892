#include "util/claim.h"

#include <set>
#include <string>
#include <vector>

#include "util/text.h"
#include "util/tokenize.h"

namespace engram::util {

namespace {

// Words that carry no claim: articles, auxiliaries, pronouns of the speaker, politeness and
// intensity. Negations are deliberately absent: "not" changes the claim.
const std::set<std::string, std::less<>>& NeutralWords() {
  static const std::set<std::string, std::less<>> kWords = {
      "a",      "an",       "the",        "i",      "i'm",   "im",    "i'd",   "i've", "me",
      "my",     "mine",     "user",       "user's", "users", "he",    "she",   "they", "their",
      "his",    "her",      "is",         "am",     "are",   "was",   "were",  "be",   "been",
      "do",     "does",     "did",        "have",   "has",   "had",   "would", "will", "shall",
      "should", "really",   "very",       "quite",  "so",    "just",  "also",  "too",  "always",
      "please", "actually", "definitely", "truly",  "still", "that",  "this",  "to",   "of",
      "and",    "in",       "on",         "at",     "with",  "using", "via",   "by",   "for",
      "called", "named",    "it",         "it's",   "its",   "'d",    "'m",    "'s",   "d",
      "m",      "s",        "ll",         "'ll",    "some",  "much",  "lot",   "lots"};
  return kWords;
}

struct Word {
  std::string lower;
  bool capitalized_inside = false;  // upper-case first letter, not at a sentence start
};

std::vector<Word> Words(std::string_view text) {
  std::vector<Word> out;
  bool sentence_start = true;
  for (const Token& t : Tokenize(text)) {
    if (!t.word) {
      if (t.norm == "." || t.norm == "!" || t.norm == "?" || t.norm == ":") sentence_start = true;
      continue;
    }
    Word w;
    w.lower = t.norm;
    // The first part of a written word carries its capital: "Max" in "Max's".
    w.capitalized_inside = !sentence_start && t.cap && t.raw.data() != nullptr && !t.raw.empty() &&
                           IsAsciiUpper(static_cast<unsigned char>(t.raw.front())) && t.norm != "i";
    sentence_start = false;
    out.push_back(std::move(w));
  }
  return out;
}

bool IsNegation(std::string_view w) {
  static const std::set<std::string, std::less<>> kNegations = {
      "not", "no", "never", "nobody", "nothing", "none", "neither", "nor", "without", "cannot"};
  return kNegations.count(w) > 0 || (w.size() > 3 && w.substr(w.size() - 3) == "n't");
}

struct Claim {
  std::multiset<std::string> content;  // stems of words that carry the claim
  std::set<std::string> names;         // words capitalized mid-sentence, lower-cased
  int negations = 0;
};

Claim ClaimOf(std::string_view text) {
  Claim c;
  for (const Word& w : Words(text)) {
    if (IsNegation(w.lower)) {
      ++c.negations;
      continue;
    }
    if (w.capitalized_inside) c.names.insert(w.lower);
    if (NeutralWords().count(w.lower)) continue;
    c.content.insert(ClaimStem(w.lower));
  }
  return c;
}

std::set<std::string> Distinct(const std::multiset<std::string>& words) {
  return {words.begin(), words.end()};
}

}  // namespace

std::string ClaimStem(std::string w) {
  for (std::string_view suffix : {"ing", "ed", "es", "s"}) {
    if (w.size() > suffix.size() + 2 && w.ends_with(suffix)) {
      w.resize(w.size() - suffix.size());
      break;
    }
  }
  return w;
}

std::string ClaimKey(std::string_view text) {
  const Claim c = ClaimOf(text);
  // Names are kept apart from the other words so "Max" vs "max" is no difference but a new name
  // is. Sets are ordered, so equal claims give equal keys.
  std::string key = c.negations % 2 ? "not|" : "|";
  for (const std::string& name : c.names) key += name + " ";
  key += "|";
  for (const std::string& word : Distinct(c.content)) key += word + " ";
  return key;
}

std::string ClaimHash(std::string_view text) {
  return Fnv1aHex(ClaimKey(text));
}

bool SameClaim(std::string_view a, std::string_view b) {
  return ClaimKey(a) == ClaimKey(b);
}

std::vector<std::string> ClaimWords(std::string_view text) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const Word& w : Words(text)) {
    if (IsNegation(w.lower) || NeutralWords().count(w.lower)) continue;
    if (seen.insert(w.lower).second) out.push_back(w.lower);
  }
  return out;
}

}  // namespace engram::util
