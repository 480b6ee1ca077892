// What the write path does with a turn that edits memory rather than adds to it: which memories a
// forget request said in chat names, and how a correction rewrites the value it corrects. Pure
// functions over texts; the engine (RememberTurn) reads and writes the store.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "hygiene/turn_intent.h"

namespace engram::core {

// How strongly a memory's text is about a forget request's topic, in [0, 1]: the share of the
// topic's content words (util::ClaimWords, stemmed; a word also names one with the same first six
// letters: "allergy", "allergic", or whose stem is its own plus one letter: "plans", "planning";
// or a word of the same family of rules/topic_families.txt: "meds", "ibuprofen") that the text
// contains. "that loan from my cousin" is 1.0 about "The user borrowed 500 euros from their
// cousin Marta" ("loan" and "borrowed" are of one family).
double TopicOverlap(std::string_view topic, std::string_view text);

// The slot a correction names instead of its wrong value: the words between "I got/had" and
// "wrong" in one clause, without a leading article or possessive (at most six; not "that" or "it"
// alone). "I got the clinic hours wrong yesterday, it opens at 9" -> "clinic hours"; empty when
// the turn names none. The caller corrects the memories most about it (TopicOverlap).
std::string CorrectedSlot(std::string_view said);

// Whether a memory is about a forget request's topic: it contains at least half of the topic's
// content words, or one of them while its vector is close to the topic's (cosine `similarity`,
// 0 when unknown), or its vector is very close (>= 0.75). When the topic says more than whose or
// whom it is about, the person alone does not count: a name ("Karl is a chef" is not about
// "Karl's debts") or a possessor ("My uncle lives in Derry" is not about "my uncle's illness").
// `meant` are words of TopicSubjectWords(topic) that the memory says in other words (the engine
// finds them by meaning: "salary" says "pay"); they count as found in it.
bool NamedByForget(std::string_view topic, std::string_view text, double similarity,
                   const std::vector<std::string>& meant = {});

// The words of a forget request's topic that say what it is about beyond whose it is: its content
// words (util::ClaimWords), neither rules/topic_stopwords.txt nor names nor possessors, lower case
// as written: "my uncle's illness" -> {"illness"}; "Maeve's surprise party" -> {"surprise",
// "party"}; empty for "Karl".
std::vector<std::string> TopicSubjectWords(std::string_view topic);

// The content words of a memory's text that a topic word may be said in: util::ClaimWords without
// rules/topic_stopwords.txt, names, possessors and numbers, lower case as written.
std::vector<std::string> TopicCandidateWords(std::string_view text);

// Whether a lower-case word has a family in rules/topic_families.txt (as written or by its stem):
// the family says what it names ("bereavement": "funeral", "died"), so its words are not also
// read by meaning, which for such words reaches neighbouring matters ("bereavement", "grandad").
bool HasTopicFamily(const std::string& word);

// `text` with the value that `correction` corrects replaced by the right one, or nullopt when
// `text` does not hold it. With `wrong` given, its words are found in `text` (ignoring case and
// the articles it starts with); without, the last phrase of `text` shaped like `right` (a date
// like "March 13th", an ordinal like "14th", a time like "7:40", a version like "v2.4", a number,
// a capitalized name) is taken to be the wrong value. Words that `right` shares with the text just
// after the wrong value are not repeated ("the 7:10 train" corrected by "the 7:40 train").
std::optional<std::string> ApplyCorrection(std::string_view text,
                                           const hygiene::Correction& correction);

// The turn as it stands once it corrects a value it said itself (hygiene::ParseSelfCorrection):
// its statement with the correction applied ("Our anniversary is on the 12th of September, no,
// the 21st" -> "Our anniversary is on the 21st of September"; "My train home is the 17:45, sorry,
// the 17:54" -> "My train home is the 17:54"). nullopt when the turn does not correct itself or
// its statement holds no value the correction fits.
std::optional<std::string> SelfCorrected(std::string_view turn);

// Whether two texts name the same particulars: every name (a capitalized word other than a
// sentence's function word or its contraction, "I've") and number of each also occurs in the
// other, ignoring case; a name also as another form of it ("Saturday", "Saturdays") or one of
// five letters or more that begins the other ("Japan", "Japanese"). "Mira is the PM for Atlas"
// and "Atlas's PM is Mira" do; "Atlas launches in the autumn" does not.
bool SameAnchors(std::string_view a, std::string_view b);

// Whether `turn` gives another value than `memory` holds: the memory names something (a name or
// a number, as SameAnchors reads them), the turn names none of it, and the turn names something
// the memory does not ("Our apartment in Malmö gets the morning sun" and "The user lives in
// Aarhus"). Said of a memory holding a single-valued slot that the turn names, it is a change.
bool NamesAnotherValue(std::string_view turn, std::string_view memory);

// The words two texts share that name what they are about, not a value: content words
// (util::ClaimWords, stemmed) that are neither names, numbers nor rules/topic_stopwords.txt
// ("My usual order is a flat white" and "I switched my usual to a cortado" share "usual").
size_t SharedSlotWords(std::string_view a, std::string_view b);

// Whether `turn` retires a value that `memory` holds: a name or number of the memory occurs in
// the turn within three words of a phrase of rules/retire_cues.txt ("The GCP projects are shut
// down" retires "Our main cloud is GCP"; "I left my keys at Tom's place" retires nothing).
bool RetiresValueOf(std::string_view turn, std::string_view memory);

// `text` with the abbreviations of rules/abbreviations.txt written out, each where it stands as a
// whole word spelled exactly so ("Atlas's PM is Mira" -> "Atlas's product manager is Mira"); the
// text itself when it holds none.
std::string ExpandAbbreviations(std::string_view text);

// Whether `text` names, as "my <relation>", the relation of a family key ("family.partner.name":
// "I live with Ilse, my partner"), reading relations through rules/relations.txt ("mum" is
// "mother").
bool NamesRelationOf(std::string_view text, std::string_view key);

// Whether `turn` gives a new version or number of something `memory` names by the same word: a
// name written with a capital and then a value with a digit ("Java 11", "Node 18", "Galaxy S21")
// stands in the memory, the turn has that name with another value ("Java 21"), and the turn does
// not still state the old one unless it moves "from" it ("from Node 18 to Node 22"). Either the
// two share another content word ("payments") or `change` says the turn announces a change.
// Dotted versions ("1.27", "v2.4") count wherever they stand, when the texts share two content
// words ("our clusters run version 1.27", "all clusters are on Kubernetes 1.30").
bool ChangesVersionOf(std::string_view turn, std::string_view memory, bool change);

// Whether `turn` says that a value of `memory` still holds: "still" and, within three words after
// it, a name or number of the memory ("Still at Monzo, though I'm a product manager there now"
// keeps "The user works at Monzo"). Such a memory is no value the turn replaces.
bool StillHolds(std::string_view turn, std::string_view memory);

// Whether a text names any particular (a name or a number, as SameAnchors reads them).
bool HasAnchors(std::string_view text);

// The statement the user makes by correcting the assistant's guess: the sentence of `assistant`
// that holds the corrected value, with the right value, without its question tag (", right?"),
// in the third person ("your" -> "the user's"). nullopt when no sentence holds it.
std::optional<std::string> CorrectedStatement(std::string_view assistant,
                                              const hygiene::Correction& correction);

}  // namespace engram::core
