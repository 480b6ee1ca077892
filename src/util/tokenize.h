// The one tokenizer of engram's text rules: classification, extraction and claims all see the
// same words.
//
// Contracts:
//   - A word is a run of ASCII letters and digits, non-ASCII letters, and ' - . & between word
//     characters ("don't", "part-time", "node.js", "AT&T"); "C++", "C#" and "F#" keep their signs.
//     ’ inside a word is an apostrophe.
//   - Contractions are split into their words: "I'm" -> "i" "am", "don't" -> "do" "not",
//     "Dana's" -> "dana" "'s"; the parts share the written word as `raw`.
//   - Punctuation tokens are one of . , ! ? ; : ( ) "; a line break, … and 。 count as ".", a
//     spaced dash and – — as ",". Other symbols, emoji and undecodable bytes separate words and
//     yield no token.
//   - Any bytes are safe input; `raw` always views `text`, so tokens live as long as it does.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace engram::util {

struct Token {
  std::string_view raw;  // the written word; the parts of a contraction share it
  std::string norm;      // lowercase ASCII, ’ as ', contractions expanded ("i'm": "i", "am")
  bool word = true;      // false for punctuation, whose norm is one of . , ! ? ; : ( ) "
  bool cap = false;      // written with a capital ("Dana", "eBay", "Zürich"); first part only
};
using Tokens = std::vector<Token>;

Tokens Tokenize(std::string_view text);

// The one matcher of phrases over tokens, for every rule table that lists phrases: the index just
// past `phrase` (words separated by single spaces, spelled as Token::norm spells them: "as of",
// "i am", "dana 's") when its words are the word tokens from i on, else i. An empty phrase
// matches nothing.
size_t PhraseEnd(const Tokens& t, size_t i, std::string_view phrase);

// Non-ASCII code points that separate words: Latin-1 punctuation, general punctuation, symbols,
// arrows, dingbats, CJK punctuation, variation selectors, emoji, and undecodable bytes.
bool IsSeparator(char32_t cp);

inline bool IsAsciiAlpha(unsigned char c) {
  return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}
inline bool IsAsciiDigit(unsigned char c) {
  return c >= '0' && c <= '9';
}
inline bool IsAsciiAlnum(unsigned char c) {
  return IsAsciiAlpha(c) || IsAsciiDigit(c);
}
inline bool IsAsciiUpper(unsigned char c) {
  return c >= 'A' && c <= 'Z';
}
inline char AsciiLower(char c) {
  return IsAsciiUpper(static_cast<unsigned char>(c)) ? char(c | 0x20) : c;
}
inline char AsciiUpper(char c) {
  return c >= 'a' && c <= 'z' ? char(c & ~0x20) : c;
}
// s with its ASCII letters lower-cased (other bytes as they are).
inline std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = AsciiLower(c);
  return out;
}
// Whether w is one of words.
inline bool OneOf(std::string_view w, std::initializer_list<std::string_view> words) {
  for (std::string_view x : words) {
    if (x == w) return true;
  }
  return false;
}

}  // namespace engram::util
