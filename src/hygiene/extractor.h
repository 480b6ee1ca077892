// The rule-based extractor behind ExtractCandidates (extract.h): one object per text, which
// splits it into sentences and clauses and runs the rules over each clause. The mechanism
// (sentences, clauses, predicates, dates of validity) is in extract.cc; the rules are in
// extract_profile.cc (who the user is: name, places, work, family, health, diet) and
// extract_preferences.cc (likes, tools, settings, instructions, deadlines, procedures). Private
// to extraction.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hygiene/dates.h"
#include "hygiene/extract.h"
#include "hygiene/lexicon.h"
#include "hygiene/phrase.h"

namespace engram::hygiene::extraction {

using Json = nlohmann::json;

// What follows the subject "I" (or "we"): the main verb and how it is qualified.
struct Predicate {
  std::string_view lemma;  // "be" for am/are/been, "have" for possession, else Lemma()
  size_t next = 0;         // first token after the verb and the adverbs or negation after it
  bool negated = false;    // not, never, no longer
  bool cannot = false;     // can't, cannot: a constraint rather than a negation
};

// Words that begin a new clause after "and", "but" or a comma.
bool StartsClause(const Tokens& t, size_t i);

// Verbs that continue with an elided "I": "I live in Paris and work at Acme".
bool IsElidedVerb(const Tokens& t, size_t i);

// The first word of a question, or of the question part of "I'm vegan, any ideas?".
bool IsQuestionStart(const Tokens& t, size_t i);

// Words that open a condition or a supposition ("if", "suppose", "let's say").
bool IsHypotheticalMarker(const Tokens& t, size_t i);

// The detail after a thing at e, kept with it: " in the Dolomites" of "I love hiking in the
// Dolomites", " for work" of "I use a MacBook Air for work", " at a construction firm" of "I'm a
// project manager at a construction firm"; empty when none follows. A word of
// rules/detail_prepositions.txt opens it; it runs to the end of the clause or a word of
// rules/detail_stops.txt, eight words at most (else none).
std::string DetailAt(const Tokens& c, size_t e);

class Extractor {
 public:
  Extractor(std::string_view text, Timestamp now);
  std::vector<Candidate> Run();

 private:
  void Add(MemoryType type, std::string key, std::string text, double confidence, const Json& data,
           std::optional<Timestamp> valid_from = std::nullopt);

  // Leading interjections and discourse markers: "Hi,", "By the way,", "Oh and".
  static size_t SkipLead(const Tokens& t, size_t i);

  void Sentence(const Tokens& s, bool question);

  // Clauses of a sentence: split at "and", "but", commas ... when a new subject follows, and
  // with conditional clauses ("if it's cheap") dropped.
  static std::vector<Tokens> SplitClauses(const Tokens& s, size_t from);

  void Clause(const Tokens& c);

  static std::optional<Predicate> ParsePredicate(const Tokens& c, size_t i);

  void SubjectI(const Tokens& c, size_t i);

  // "I am ..." / "I'm ..." / "I've been ...".
  void Copula(const Tokens& c, size_t k, const Predicate& p);

  void Allergy(const Tokens& c, size_t j);

  // "I can't eat X", "I don't drink X", "I avoid X". With food_only, each item must be a food.
  void Avoid(const Tokens& c, size_t j, const std::string& verb, bool food_only);

  // Diet style word at d; valid_from from the rest of the clause.
  void Diet(const Tokens& c, size_t d);

  void Observance(std::string_view word);

  // A known condition named by the word at end - 1 ("diabetic", "diabetes"), as stated in
  // [b, end) ("type 2 diabetes").
  void ConditionAt(const Tokens& c, size_t b, size_t end);

  // "I have diabetes", "I suffer from migraines", "diagnosed with X". With any_phrase, an unknown
  // condition (up to four words) is kept under its own slug.
  void Condition(const Tokens& c, size_t j, bool any_phrase);

  // "I have ...": allergies, conditions, family members and pets, a job.
  void Possession(const Tokens& c, size_t k);

  // "I work at X (as a Y)", "I work as a Y (at X)", "I work in finance / in Python".
  void Work(const Tokens& c, size_t k);

  // An organization name at j; adds user.employer (user.school for students) and returns the
  // index after it, or 0 when there is none.
  size_t Employer(const Tokens& c, size_t j, bool event, bool school = false);

  // A role noun phrase at j ("a senior software engineer"), optionally followed by "at X".
  // Unless any_head, the phrase must end in a known role noun. Returns the index after the
  // phrase (and organization), or 0 when there is none.
  size_t RoleAt(const Tokens& c, size_t j, bool any_head = false);

  // "I live in X", "I'm based in X", "I moved to X": the single key user.location.city.
  void Location(const Tokens& c, size_t j, double confidence, bool event);

  void Origin(const Tokens& c, size_t j, double confidence);

  // "I was born in 1990 / in Lyon / on May 3", "I was diagnosed with X".
  void Was(const Tokens& c, size_t k, bool negated);

  void Birthday(const DateExpr& d, const std::string& key, const std::string& whose);

  void Age(const Tokens& c, size_t j);

  // "I speak French and German".
  void Speaks(const Tokens& c, size_t k);

  // Tools and languages, one key per item under `prefix`; UI and editor settings go to their
  // fixed preference keys instead. With require_language, only programming languages count.
  void Tools(const Tokens& c, size_t k, bool negated, const std::string& prefix,
             bool require_language, double confidence);

  // Binary settings with a fixed key: theme, indentation, units. Returns whether r was one.
  // A negation states the other value ("I don't like dark mode": light).
  bool Dimension(const Tokens& c, const Range& r, bool negated, double confidence);

  // Likes and dislikes: pref.likes.<item> with "likes" true or false.
  void Likes(const Tokens& c, size_t k, std::string_view verb, const Predicate& p);

  // pref.likes.<item> for each item of the list at j; `phrase` is the verb of the text
  // ("likes", "does not like", "cannot stand").
  void LikeItems(const Tokens& c, size_t j, bool likes, const std::string& phrase,
                 double confidence);

  // A person's name at j ("Dana", "Dana Scully"); adds user.name.
  // A pronoun set at j ("she/her", "they/them"), as written; adds user.pronouns. Whether one was.
  bool Pronouns(const Tokens& c, size_t j);
  void Name(const Tokens& c, size_t j, double confidence, bool require_cap);

  std::optional<Range> NameAt(const Tokens& c, size_t j, bool require_cap) const;

  // "I'm Dana": only a capitalized word that is not an adjective, nationality or the like,
  // and only where the clause ends or goes on with "from ...", "and ...".
  void MaybeName(const Tokens& c, size_t j);

  // The name at j of the user's `rel` (a canonical relation): family.<rel>.name.
  void RelationName(const Tokens& c, size_t j, std::string_view rel, double confidence);

  void PetName(const Tokens& c, size_t j, std::string_view species);

  void My(const Tokens& c, size_t k);

  // "my wife is called Ana", "my son's name is Leo", "my dog is named Rex", "my mom's birthday
  // is June 1", "my husband is Sam".
  void RelativeOrPet(const Tokens& c, size_t j);

  // "Ana is my wife".
  void ReverseRelation(const Tokens& c, size_t i);

  // "my favourite color is blue": pref.favorite.<category>.
  void Favorite(const Tokens& c, size_t j);

  // "we use X", "our stack is X", "we live in X", "we have a dog named X", "our dog is called X".
  void Team(const Tokens& c, size_t i);

  // "please call me Dee", "you can call me Dee", "just call me Dee".
  // Also "I'd prefer to be called Dee", "I like to be called Dee".
  bool CallMe(const Tokens& c, size_t i);

  // "please always X", "never X", "from now on, X", "I want you to always X": a standing
  // instruction, keyed by what it is about so that "always" and "never" supersede each other.
  bool Instruction(const Tokens& c, size_t i);

  // Deadlines anywhere in a clause: "the report is due Friday", "the deadline for the grant is
  // 2026-03-01", "I need to finish the slides by Thursday". Returns whether there was one.
  bool Deadline(const Tokens& c, size_t i);

  // Adds deadline.<task> for the task [tb, te) due at the date (or phrase) from index w and
  // returns the index after the date, or 0 when there is no deadline. With a verb index, the
  // text says what is to be done ("finish the slides").
  size_t DeadlineAt(const Tokens& c, size_t tb, size_t te, size_t w,
                    size_t verb = std::string::npos);

  // "when I say X, do Y": a procedure keyed by its trigger.
  bool Procedure(const Tokens& s, size_t i);

  // "remember that X", "note: X", "keep in mind X": the rules run on X with more confidence;
  // if none matches, X itself becomes a note. Returns whether the sentence was one.
  bool Remember(const Tokens& s, size_t i);

  // Items of a list object ("pizza, sushi and tacos"), each at most max_len words; an item that
  // is longer makes the whole list doubtful and yields none. Pronouns and references to the
  // conversation ("it", "that idea") are dropped. With infinitive, "to <verb ...>" is one item.
  std::vector<Range> Items(const Tokens& c, size_t j, size_t max_len,
                           bool infinitive = false) const;

  // A proper name at j ("Paris", "the Bay Area", "Bank of America", "Johnson & Johnson") of at
  // most max words. Lower-case words count only alone, or when the whole text is lower case,
  // and never when they are common nouns ("home", "a startup").
  std::optional<Range> ProperPhrase(const Tokens& c, size_t j, size_t max) const;

  // When the fact of a clause started: "since 2020", "starting Monday", "as of today"; with
  // event (a move, a new job), also "in 2021", "on Monday", "yesterday".
  std::optional<Timestamp> ValidFrom(const Tokens& c, size_t from, bool event) const;

  const std::string_view text_;
  const Timestamp now_;
  bool all_lower_ = false;   // no capital anywhere: capitalization says nothing
  bool shouting_ = false;    // no lower case anywhere: neither does it
  bool title_case_ = false;  // Every Word Capitalized: neither does it
  double boost_ = 0;         // added to confidences inside "remember that ..."
  std::vector<Candidate> out_;
};

}  // namespace engram::hygiene::extraction
