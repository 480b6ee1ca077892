// Reading and writing phrases of tokens for the extraction rules: matching words at a position,
// spans of the original text, key segments, and third-person sentences. Private to extraction.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

#include "hygiene/vocabulary.h"
#include "util/tokenize.h"

namespace engram::hygiene::extraction {

using util::Token;
using util::Tokens;

// Whether w is one of words.
bool In(std::string_view w, std::initializer_list<std::string_view> words);

// Whether token i exists and reads w (IsAny: one of words; IsIn: in set).
bool Is(const Tokens& t, size_t i, std::string_view w);

bool IsWord(const Tokens& t, size_t i);

bool IsPunct(const Tokens& t, size_t i);

bool IsAny(const Tokens& t, size_t i, std::initializer_list<std::string_view> words);

bool IsIn(const Tokens& t, size_t i, const WordSet& set);

// Matches the words `seq` at i and moves i past them.
bool Match(const Tokens& t, size_t& i, std::initializer_list<std::string_view> seq);

// Matches the space-separated words of `phrase` at i (util::PhraseEnd) and moves i past them.
bool MatchPhrase(const Tokens& t, size_t& i, std::string_view phrase);

// Whether the clause ends at i (end of tokens or a clause-internal punctuation mark).
bool AtEnd(const Tokens& t, size_t i);

// The original text of tokens [b, e), b < e.
std::string Span(const Tokens& t, size_t b, size_t e);

// Tokens [b, e) of a clause.
struct Range {
  size_t b = 0, e = 0;
  bool empty() const { return b >= e; }
};

// Cuts s to at most max bytes without splitting a UTF-8 sequence.
std::string TruncateUtf8(std::string s, size_t max);

// "peanuts" -> "peanut", "strawberries" -> "strawberry", "peaches" -> "peach"; short words and
// "-ss", "-us", "-is" endings stay.
std::string Singular(std::string w);

// A key segment: lowercase words of tokens [b, e) joined by '-', determiners and possessives
// dropped at the start; "C++" -> "cpp", "C#" -> "csharp", "Node.js" -> "nodejs". At most 48
// bytes; empty when nothing is left.
std::string Slug(const Tokens& t, size_t b, size_t e, bool singular = false);

// A fixed key segment from a canonical name: "Crohn's disease" -> "crohns-disease".
std::string KeySegment(std::string_view name);

// s with its first byte upper-cased.
std::string Capitalize(std::string s);

// Title-cases text typed all in lower case ("new york" -> "New York"); keeps any other casing.
std::string TitleIfLower(std::string s);

// "a" or "an" before a word, by its first letter.
std::string_view Article(std::string_view next);

// Third-person singular of a verb after "the user": "live" -> "lives", "can" -> "can".
std::string Conjugate(std::string_view verb);

// Tokens [b, e) in the third person, from the original text: "I" -> "the user" (with the verb
// agreeing: "I live" -> "the user lives", "I'm" -> "the user is"), "my" -> "the user's",
// "me" -> "the user". Everything else, spacing included, is copied as written.
std::string ThirdPerson(const Tokens& t, size_t b, size_t e);

}  // namespace engram::hygiene::extraction
