#include "hygiene/lexicon.h"

namespace engram::hygiene::extraction {

namespace {

bool InList(std::string_view list, std::string_view w) {
  return WordList(list).count(w) > 0;
}

std::string_view MapIn(std::string_view table, std::string_view w) {
  return CanonicalIn(WordMap(table), w);
}

}  // namespace

const WordSet& Adverbs() {
  return WordList("adverbs");
}
const WordSet& PhraseStops() {
  return WordList("phrase_stops");
}
const WordSet& LeadWords() {
  return WordList("lead_words");
}
const WordSet& LeadPhrases() {
  return WordList("lead_phrases");
}
const WordSet& NotImperative() {
  return WordList("not_imperative");
}

std::string_view Lemma(std::string_view w) {
  const std::string_view lemma = MapIn("lemmas", w);
  return lemma.empty() ? w : lemma;
}
std::string_view PerfectLemma(std::string_view w) {
  return MapIn("perfect_lemmas", w);
}

bool IsDeictic(std::string_view w) {
  return InList("deictic", w);
}
bool IsVagueHead(std::string_view w) {
  return InList("vague_heads", w);
}
bool IsProgrammingLanguage(std::string_view w) {
  return InList("programming_languages", w);
}
bool IsRoleHead(std::string_view w) {
  return InList("role_heads", w);
}
bool IsNonName(std::string_view w) {
  return InList("non_names", w);
}
bool IsNameStop(std::string_view w) {
  return InList("name_stops", w);
}
bool IsCommonPlaceNoun(std::string_view w) {
  return InList("common_place_nouns", w);
}
bool IsFood(std::string_view w) {
  return InList("foods", w);
}

std::string_view ConditionName(std::string_view w) {
  return MapIn("conditions", w);
}
std::string_view DietStyle(std::string_view w) {
  return MapIn("diet_styles", w);
}
std::string_view Relation(std::string_view w) {
  return MapIn("relations", w);
}
std::string_view PetSpecies(std::string_view w) {
  return MapIn("pet_species", w);
}

}  // namespace engram::hygiene::extraction
