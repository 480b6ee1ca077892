#include "util/tokenize.h"

#include <utility>

#include "util/utf8.h"

namespace engram::util {

namespace {

// The punctuation token a separator stands for, or "" when it is just a gap.
std::string_view SeparatorPunct(char32_t cp) {
  switch (cp) {
    case 0x2026:  // …
    case 0x3002:  // 。
      return ".";
    case 0xFF01:
      return "!";
    case 0xFF1F:
      return "?";
    case 0x2013:  // – and — separate clauses like commas
    case 0x2014:
      return ",";
    case 0x201C:
    case 0x201D:
    case 0x00AB:
    case 0x00BB:
      return "\"";
    default:
      return "";
  }
}

// Splits contractions so that rules see "i am", "do not", "name 's".
void PushWord(Tokens& out, std::string_view raw, std::string norm, bool cap) {
  auto push = [&](std::string_view part, bool part_cap) {
    out.push_back({raw, std::string(part), true, part_cap});
  };
  struct Whole {
    std::string_view word, first, second;
  };
  // Apostrophe-less spellings and irregular negations.
  static constexpr Whole kWhole[] = {
      {"im", "i", "am"},         {"ive", "i", "have"},      {"dont", "do", "not"},
      {"doesnt", "does", "not"}, {"didnt", "did", "not"},   {"cant", "can", "not"},
      {"cannot", "can", "not"},  {"isnt", "is", "not"},     {"wasnt", "was", "not"},
      {"arent", "are", "not"},   {"can't", "can", "not"},   {"won't", "will", "not"},
      {"ain't", "am", "not"},    {"shan't", "shall", "not"}};
  for (const Whole& w : kWhole) {
    if (norm == w.word) {
      push(w.first, cap);
      push(w.second, false);
      return;
    }
  }
  struct Suffix {
    std::string_view suffix, part;
  };
  static constexpr Suffix kSuffixes[] = {{"n't", "not"},  {"'m", "am"},   {"'ve", "have"},
                                         {"'ll", "will"}, {"'re", "are"}, {"'d", "would"},
                                         {"'s", "'s"}};
  for (const Suffix& s : kSuffixes) {
    if (norm.size() > s.suffix.size() && std::string_view(norm).ends_with(s.suffix)) {
      push(std::string_view(norm).substr(0, norm.size() - s.suffix.size()), cap);
      push(s.part, false);
      return;
    }
  }
  push(norm, cap);
}

bool IsWordStart(std::string_view s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return IsAsciiAlnum(c);
  char32_t cp;
  DecodeUtf8(s, i, cp);
  return !IsSeparator(cp);
}

}  // namespace

bool IsSeparator(char32_t cp) {
  return (cp >= 0x80 && cp <= 0xBF) || cp == 0xD7 || cp == 0xF7 || (cp >= 0x2000 && cp <= 0x2BFF) ||
         (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFE00 && cp <= 0xFE0F) ||
         (cp >= 0xFF00 && cp <= 0xFF0F) || (cp >= 0x1F000 && cp <= 0x1FAFF) ||
         (cp >= 0xE0000 && cp <= 0xE007F) || cp == 0xFFFD;
}

Tokens Tokenize(std::string_view s) {
  Tokens out;
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (IsWordStart(s, i)) {
      std::string norm;
      bool cap = IsAsciiUpper(c);
      size_t j = i;
      while (j < n) {
        const auto d = static_cast<unsigned char>(s[j]);
        if (d < 0x80) {
          if (IsAsciiAlnum(d)) {
            cap = cap || IsAsciiUpper(d);
            norm += AsciiLower(char(d));
            ++j;
          } else if ((d == '\'' || d == '-' || d == '.' || d == '&') && j + 1 < n &&
                     IsWordStart(s, j + 1) &&
                     (d != '\'' || IsAsciiAlpha(static_cast<unsigned char>(s[j + 1])))) {
            norm += char(d);
            ++j;
          } else {
            break;
          }
        } else if (s.substr(j, 3) == "\xE2\x80\x99" && j + 3 < n &&
                   IsAsciiAlpha(static_cast<unsigned char>(s[j + 3]))) {
          norm += '\'';  // ’ inside a word is an apostrophe
          j += 3;
        } else {
          char32_t cp;
          const size_t len = DecodeUtf8(s, j, cp);
          if (IsSeparator(cp)) break;
          if (j == i) cap = true;  // a non-ASCII initial is taken as a capital (Ørsted, Zürich)
          norm.append(s.substr(j, len));
          j += len;
        }
      }
      // "C++", "C#", "F#": trailing signs that belong to the name.
      if (j + 1 < n && s[j] == '+' && s[j + 1] == '+' &&
          (j + 2 == n || !IsAsciiAlnum(static_cast<unsigned char>(s[j + 2])))) {
        norm += "++";
        j += 2;
      } else if (j < n && s[j] == '#' &&
                 (j + 1 == n || !IsAsciiAlnum(static_cast<unsigned char>(s[j + 1])))) {
        norm += '#';
        ++j;
      }
      PushWord(out, s.substr(i, j - i), std::move(norm), cap);
      i = j;
      continue;
    }
    std::string_view punct;
    size_t len = 1;
    if (c >= 0x80) {
      char32_t cp;
      len = DecodeUtf8(s, i, cp);
      punct = SeparatorPunct(cp);
    } else if (c == '\n') {
      punct = ".";  // a line break ends a sentence
    } else if (std::string_view(".,!?;:()\"").find(char(c)) != std::string_view::npos) {
      punct = s.substr(i, 1);
    } else if (c == '-' && i > 0 && s[i - 1] == ' ' && i + 1 < n && s[i + 1] == ' ') {
      punct = ",";  // a spaced dash
    }
    if (!punct.empty()) out.push_back({s.substr(i, len), std::string(punct), false, false});
    i += len;
  }
  return out;
}

size_t PhraseEnd(const Tokens& t, size_t i, std::string_view phrase) {
  size_t j = i;
  while (!phrase.empty()) {
    const size_t space = phrase.find(' ');
    if (j >= t.size() || !t[j].word || t[j].norm != phrase.substr(0, space)) return i;
    ++j;
    phrase = space == std::string_view::npos ? std::string_view() : phrase.substr(space + 1);
  }
  return j;
}

}  // namespace engram::util
