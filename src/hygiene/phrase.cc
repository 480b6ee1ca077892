#include "hygiene/phrase.h"

#include <algorithm>

#include "hygiene/lexicon.h"

namespace engram::hygiene::extraction {

bool In(std::string_view w, std::initializer_list<std::string_view> words) {
  return std::find(words.begin(), words.end(), w) != words.end();
}

bool Is(const Tokens& t, size_t i, std::string_view w) {
  return i < t.size() && t[i].norm == w;
}

bool IsWord(const Tokens& t, size_t i) {
  return i < t.size() && t[i].word;
}

bool IsPunct(const Tokens& t, size_t i) {
  return i < t.size() && !t[i].word;
}

bool IsAny(const Tokens& t, size_t i, std::initializer_list<std::string_view> words) {
  return IsWord(t, i) && In(t[i].norm, words);
}

bool IsIn(const Tokens& t, size_t i, const WordSet& set) {
  return IsWord(t, i) && set.count(t[i].norm) > 0;
}

bool Match(const Tokens& t, size_t& i, std::initializer_list<std::string_view> seq) {
  size_t j = i;
  for (std::string_view w : seq) {
    if (!Is(t, j, w)) return false;
    ++j;
  }
  i = j;
  return true;
}

bool MatchPhrase(const Tokens& t, size_t& i, std::string_view phrase) {
  const size_t end = util::PhraseEnd(t, i, phrase);
  if (end == i) return false;
  i = end;
  return true;
}

bool AtEnd(const Tokens& t, size_t i) {
  return i >= t.size() || !t[i].word;
}

std::string Span(const Tokens& t, size_t b, size_t e) {
  const char* first = t[b].raw.data();
  const char* last = t[e - 1].raw.data() + t[e - 1].raw.size();
  return std::string(first, static_cast<size_t>(last - first));
}

std::string TruncateUtf8(std::string s, size_t max) {
  if (s.size() <= max) return s;
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  s.resize(cut);
  return s;
}

std::string Singular(std::string w) {
  auto ends = [&](std::string_view s) { return std::string_view(w).ends_with(s); };
  if (w.size() <= 3 || ends("ss") || ends("us") || ends("is")) return w;
  if (ends("ies")) return w.substr(0, w.size() - 3) + "y";
  if (ends("ches") || ends("shes") || ends("xes") || ends("oes")) return w.substr(0, w.size() - 2);
  if (ends("s")) w.pop_back();
  return w;
}

std::string Slug(const Tokens& t, size_t b, size_t e, bool singular) {
  std::string out;
  for (size_t i = b; i < e; ++i) {
    if (!t[i].word || t[i].norm == "'s") continue;
    const std::string& w = t[i].norm;
    if (out.empty() && In(w, {"a", "an", "the", "to", "my", "our", "some", "your"})) continue;
    std::string part;
    for (char ch : w) {
      const auto u = static_cast<unsigned char>(ch);
      if (util::IsAsciiAlnum(u) || u >= 0x80) {
        part += ch;
      } else if (ch == '+') {
        part += 'p';
      } else if (ch == '#') {
        part += "sharp";
      } else if (ch == '&') {
        part += "and";
      } else if (ch == '-' && !part.empty() && part.back() != '-') {
        part += '-';
      }
    }
    while (!part.empty() && part.back() == '-') part.pop_back();
    if (part.empty()) continue;
    if (!out.empty() && out.size() + 1 + part.size() > 48) break;
    if (!out.empty()) out += '-';
    out += part;
  }
  if (singular && !out.empty()) {
    const size_t dash = out.rfind('-');
    const size_t start = dash == std::string::npos ? 0 : dash + 1;
    out = out.substr(0, start) + Singular(out.substr(start));
  }
  return TruncateUtf8(std::move(out), 48);
}

std::string KeySegment(std::string_view name) {
  std::string out;
  for (char ch : name) {
    if (ch == ' ')
      out += '-';
    else if (ch != '\'')
      out += util::AsciiLower(ch);
  }
  return out;
}

std::string Capitalize(std::string s) {
  if (!s.empty()) s[0] = util::AsciiUpper(s[0]);
  return s;
}

std::string TitleIfLower(std::string s) {
  if (std::any_of(s.begin(), s.end(),
                  [](char c) { return util::IsAsciiUpper(static_cast<unsigned char>(c)); }))
    return s;
  bool start = true;
  for (char& c : s) {
    if (start) c = util::AsciiUpper(c);
    start = c == ' ' || c == '-';
  }
  return s;
}

std::string_view Article(std::string_view next) {
  return !next.empty() && In(std::string_view(&next[0], 1),
                             {"a", "e", "i", "o", "u", "A", "E", "I", "O", "U"})
             ? "an"
             : "a";
}

std::string Conjugate(std::string_view verb) {
  std::string lower;
  for (char c : verb) lower += util::AsciiLower(c);
  if (lower == "am") return "is";
  if (lower == "have") return "has";
  if (lower == "do") return "does";
  if (In(lower, {"can", "could", "will", "would", "shall", "should", "may", "might", "must", "was",
                 "were", "did", "had", "used", "is", "has", "does"}) ||
      lower.ends_with("ed"))
    return std::string(verb);
  std::string out(verb);
  const auto ends = [&](std::string_view s) { return lower.ends_with(s); };
  if (ends("s") || ends("sh") || ends("ch") || ends("x") || ends("z") || ends("o"))
    return out + "es";
  if (lower.size() > 1 && ends("y") &&
      !In(lower.substr(lower.size() - 2, 1), {"a", "e", "i", "o", "u"}))
    return out.substr(0, out.size() - 1) + "ies";
  return out + "s";
}

std::string ThirdPerson(const Tokens& t, size_t b, size_t e) {
  if (b >= e) return {};
  const char* const first = t[b].raw.data();
  const char* const last = t[e - 1].raw.data() + t[e - 1].raw.size();
  std::string out;
  const char* pos = first;
  bool conjugate_next = false;  // the previous word was a bare "I"
  size_t i = b;
  while (i < e) {
    // A group is the tokens of one written word (a contraction yields several).
    size_t g = i + 1;
    while (g < e && t[g].raw.data() == t[i].raw.data()) ++g;
    const Token& head = t[i];
    std::string replacement;
    bool replace = false;
    if (head.word && head.norm == "i") {
      replace = true;
      replacement = "the user";
      for (size_t k = i + 1; k < g; ++k) {
        replacement += ' ';  // not += " " + ...: g++ 12's -Wrestrict false positive at -O3
        replacement += Conjugate(t[k].norm);
      }
      conjugate_next = g == i + 1;
    } else if (head.word && g == i + 1 && In(head.norm, {"my", "mine"})) {
      replace = true, replacement = "the user's";
    } else if (head.word && g == i + 1 && head.norm == "me") {
      replace = true, replacement = "the user";
    } else if (head.word && g == i + 1 && head.norm == "myself") {
      replace = true, replacement = "themselves";
    } else if (conjugate_next && head.word && !Adverbs().count(head.norm)) {
      replace = true;
      replacement = Conjugate(g == i + 1 ? head.raw : std::string_view(head.norm));
      for (size_t k = i + 1; k < g; ++k) replacement += " " + t[k].norm;
      conjugate_next = false;
    } else if (!head.word) {
      conjugate_next = false;
    }
    if (replace) {
      out.append(pos, head.raw.data());
      out += replacement;
      pos = head.raw.data() + head.raw.size();
    }
    i = g;
  }
  out.append(pos, last);
  return out;
}

}  // namespace engram::hygiene::extraction
