// The rule tables of classification and extraction, read from the text files under
// src/hygiene/rules/ that the build compiles in (docs/extraction.md describes each).
//
// File format: one entry per line; blank lines and lines starting with '#' are ignored. A word
// list has one word or phrase per line ("by the way"); a table has "word = canonical form".
//
// Contracts:
//   - Tables are parsed once, on first use, and live for the whole program: the string_views
//     they hold point into the compiled-in text.
//   - Asking for a file that is not compiled in throws std::logic_error naming it: every name is
//     a constant in the code, so a test that runs the rule finds the mistake.
#pragma once

#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace engram::hygiene {

using WordSet = std::unordered_set<std::string_view>;
using WordTable = std::unordered_map<std::string_view, std::string_view>;

// The entries of rules/<name>.txt, a word list.
const WordSet& WordList(std::string_view name);

// The entries of rules/<name>.txt, a table: word -> canonical form.
const WordTable& WordMap(std::string_view name);

// The canonical form of word in a table; empty when it is not there.
std::string_view CanonicalIn(const WordTable& table, std::string_view word);

}  // namespace engram::hygiene
