// The vocabulary of the extraction rules, by what each word list means (the words themselves are
// data: src/hygiene/rules/*.txt). Private to extraction.
#pragma once

#include <string_view>

#include "hygiene/vocabulary.h"

namespace engram::hygiene::extraction {

// Degree and frequency adverbs that may sit between the subject and the verb.
const WordSet& Adverbs();
// Words that end an object phrase (function words, time words, hedges).
const WordSet& PhraseStops();
// Leading interjections and discourse markers: words ("hi", "oh") and phrases ("by the way").
const WordSet& LeadWords();
const WordSet& LeadPhrases();
// Words after "never"/"always" that show no imperative follows ("never mind", "always happy").
const WordSet& NotImperative();

// Lemma of the inflections the rules care about; other words map to themselves.
std::string_view Lemma(std::string_view w);
// Past participles after "I have" that keep a statement in the present ("I've lived here
// since"); empty for other words.
std::string_view PerfectLemma(std::string_view w);

// Objects that refer to the conversation or to nothing in particular.
bool IsDeictic(std::string_view w);
// Heads of objects that are about the assistant's last answer, not the user.
bool IsVagueHead(std::string_view w);
// Programming languages: "I use X" and "I code in X" share the key of X.
bool IsProgrammingLanguage(std::string_view w);
// Role nouns: "I'm a <...> engineer" is a role, "I'm a <...> fan" is not.
bool IsRoleHead(std::string_view w);
// Capitalized words that follow "I'm" without being a name.
bool IsNonName(std::string_view w);
// Words that never are (part of) a name after "call me", "my name is", "named".
bool IsNameStop(std::string_view w);
// Lower-case nouns after "live in" / "work at" that are not places or organizations.
bool IsCommonPlaceNoun(std::string_view w);
// Foods and drinks for "I avoid X" / "I can't have X", where a free object would be too broad.
bool IsFood(std::string_view w);

// Canonical forms; empty when w is not one.
std::string_view ConditionName(std::string_view w);  // health conditions
std::string_view DietStyle(std::string_view w);      // diet styles, mutually exclusive
std::string_view Relation(std::string_view w);       // family relations
std::string_view PetSpecies(std::string_view w);     // pet species

}  // namespace engram::hygiene::extraction
