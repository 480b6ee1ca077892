// Answer fit: whether a memory is the kind of thing a question asks for, beyond its words. A
// question opening "who" asks for a person, "when" for a time, "where" for a place; "which
// company employs me?" asks about the user's employer (a memory keyed user.employer) though it
// shares no word with "The user works at Contoso". The words are data: rules/search_*.txt of
// src/hygiene (docs/search.md, "Answer fit").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace engram::core {

// What a question asks for.
struct QuestionNeeds {
  uint8_t kinds = 0;               // bit set of the answer kinds its opening asks for
  std::vector<std::string> words;  // its words (lower case, stop words dropped, plural "s" off)

  // Whether any memory can fit it: a question with no kind and no word asks for nothing.
  bool empty() const { return kinds == 0 && words.empty(); }
};

// A word as QuestionNeeds::words holds it: lower case, without a plural "s".
std::string StemWord(std::string_view word);

// Reads the question's opening and words.
QuestionNeeds ReadQuestion(std::string_view query);

// How a memory fits a question.
enum class Fit {
  kNone,
  kKind,   // its key or text is of a kind the question asks for (rules/search_kind_words.txt,
           // digits, clock times, places after a preposition)
  kTopic,  // a segment of its key is a topic the question names (rules/search_key_topics.txt,
           // or the segment itself)
};

// How a memory with this key and text fits the question; a topic wins over a kind.
Fit FitsQuestion(const QuestionNeeds& needs, std::string_view key, std::string_view text);

}  // namespace engram::core
