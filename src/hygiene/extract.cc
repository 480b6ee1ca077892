#include "hygiene/extract.h"

#include <algorithm>
#include <unordered_map>
#include <utility>

#include "hygiene/extractor.h"
#include "hygiene/world_triples.h"

namespace engram::hygiene::extraction {

bool StartsClause(const Tokens& t, size_t i) {
  return IsAny(t, i, {"i", "my", "we", "our", "please", "remember", "always", "never", "call"});
}

bool IsElidedVerb(const Tokens& t, size_t i) {
  return IsAny(t, i,
               {"live", "work", "use", "like", "love", "prefer", "enjoy", "hate", "dislike", "code",
                "program", "moved", "relocated", "am", "speak", "have"});
}

bool IsQuestionStart(const Tokens& t, size_t i) {
  return IsAny(
      t, i,
      {"do",   "does",  "did",   "am",     "is",       "are",   "was",         "were",
       "can",  "could", "would", "should", "will",     "shall", "may",         "might",
       "have", "has",   "what",  "where",  "who",      "whom",  "whose",       "why",
       "how",  "which", "any",   "got",    "thoughts", "ideas", "suggestions", "recommendations",
       "tips", "advice"});
}

bool IsHypotheticalMarker(const Tokens& t, size_t i) {
  return IsAny(t, i,
               {"if", "unless", "whether", "suppose", "supposing", "imagine", "assuming", "assume",
                "hypothetically", "pretend", "lets", "let"}) &&
         !(Is(t, i, "let") && !Is(t, i + 1, "'s"));
}

Extractor::Extractor(std::string_view text, Timestamp now) : text_(text), now_(now) {
  bool has_upper = false, has_lower = false;
  for (char c : text) {
    has_upper = has_upper || util::IsAsciiUpper(static_cast<unsigned char>(c));
    has_lower = has_lower || (c >= 'a' && c <= 'z');
  }
  all_lower_ = !has_upper;
  shouting_ = has_upper && !has_lower;
}

std::vector<Candidate> Extractor::Run() {
  const Tokens tokens = util::Tokenize(text_);
  size_t words = 0, capitalized = 0;
  for (const Token& tk : tokens) {
    if (!tk.word) continue;
    ++words;
    if (tk.cap) ++capitalized;
  }
  title_case_ = words >= 4 && capitalized == words;
  // Sentences end at . ! ? ; and line breaks, but not at the dot of "Dr." or
  // "St.".
  Tokens sentence;
  for (const Token& tk : tokens) {
    const bool ends = !tk.word && In(tk.norm, {".", "!", "?", ";"}) &&
                      !(tk.norm == "." && !sentence.empty() && sentence.back().word &&
                        In(sentence.back().norm, {"dr", "mr", "mrs", "ms", "st", "jr", "sr", "mt",
                                                  "ft", "vs", "e.g", "i.e", "etc"}));
    if (ends) {
      Sentence(sentence, tk.norm == "?");
      sentence.clear();
    } else {
      sentence.push_back(tk);
    }
  }
  Sentence(sentence, false);
  // One key per text: a later statement overrides an earlier one.
  std::unordered_map<std::string_view, size_t> last;
  for (size_t k = 0; k < out_.size(); ++k) last[out_[k].key] = k;
  std::vector<bool> keep(out_.size());
  for (const auto& [key, k] : last) keep[k] = true;
  std::vector<Candidate> result;
  for (size_t k = 0; k < out_.size(); ++k) {
    if (keep[k]) result.push_back(std::move(out_[k]));
  }
  return result;
}

void Extractor::Add(MemoryType type, std::string key, std::string text, double confidence,
                    const Json& data, std::optional<Timestamp> valid_from) {
  Candidate c;
  c.type = type;
  c.key = std::move(key);
  c.text = Capitalize(std::move(text)) + ".";
  c.confidence = std::min(1.0, confidence + boost_);
  c.data = data.dump(-1, ' ', false, Json::error_handler_t::replace);
  c.valid_from = valid_from;
  out_.push_back(std::move(c));
}

// Leading interjections and discourse markers: "Hi,", "By the way,", "Oh and".
size_t Extractor::SkipLead(const Tokens& t, size_t i) {
  for (;;) {
    if (IsPunct(t, i) && t[i].norm != "\"") {
      ++i;
    } else if (IsIn(t, i, LeadWords()) && !(Is(t, i, "no") && Is(t, i + 1, "longer"))) {
      ++i;
    } else if (!std::any_of(LeadPhrases().begin(), LeadPhrases().end(),
                            [&](std::string_view phrase) { return MatchPhrase(t, i, phrase); })) {
      return i;
    }
  }
}

void Extractor::Sentence(const Tokens& s, bool question) {
  const size_t i = SkipLead(s, 0);
  if (i >= s.size()) return;
  if (Procedure(s, i)) return;
  // "Can you remember that I'm vegan?" is a request, not a question.
  size_t r = i;
  if (IsAny(s, r, {"can", "could", "would", "will"}) && Is(s, r + 1, "you")) {
    r += 2;
    if (Is(s, r, "please")) ++r;
    if (Remember(s, r)) return;
  }
  if (question) {
    // "I'm vegetarian, any recipe ideas?": the statement before the question
    // still counts.
    for (size_t k = s.size(); k-- > i + 1;) {
      if (Is(s, k, ",") && IsQuestionStart(s, k + 1)) {
        Sentence(Tokens(s.begin(), s.begin() + static_cast<ptrdiff_t>(k)), false);
        break;
      }
    }
    return;
  }
  if (Remember(s, i)) return;
  if (IsQuestionStart(s, i) && !(Is(s, i, "do") && Is(s, i + 1, "not"))) return;  // "Don't X"
  if (IsHypotheticalMarker(s, i) || Is(s, i, "when")) return;
  for (const Tokens& clause : SplitClauses(s, i)) Clause(clause);
}

// Clauses of a sentence: split at "and", "but", commas ... when a new subject
// follows, and with conditional clauses ("if it's cheap") dropped.
std::vector<Tokens> Extractor::SplitClauses(const Tokens& s, size_t from) {
  std::vector<Tokens> out;
  Tokens cur;
  bool dropping = false;
  auto flush = [&] {
    if (!cur.empty()) out.push_back(std::move(cur));
    cur.clear();
  };
  for (size_t k = from; k < s.size(); ++k) {
    const Token& tk = s[k];
    const bool joiner = tk.word && In(tk.norm, {"and", "but", "plus", "because", "although",
                                                "though", "while", "whereas", "so", "also", "as"});
    const bool comma = !tk.word && In(tk.norm, {",", ":", "(", ")"});
    if (joiner || comma) {
      size_t j = k + 1;
      while (
          IsAny(s, j,
                {"also", "then", "now", "so", "and", "but", "since", "well", "btw", "actually"}) ||
          (IsPunct(s, j) && s[j].norm == ","))
        ++j;
      if (StartsClause(s, j)) {
        flush();
        dropping = false;
        k = j - 1;
        continue;
      }
      if (joiner && In(tk.norm, {"and", "but"}) && IsElidedVerb(s, j) && !dropping) {
        flush();
        Token subject = s[j];
        subject.raw = s[j].raw.substr(0, 0);
        subject.norm = "i";
        subject.cap = false;
        cur.push_back(std::move(subject));
        k = j - 1;
        continue;
      }
    }
    if (IsHypotheticalMarker(s, k) || (Is(s, k, "in") && Is(s, k + 1, "case"))) {
      // The clause so far stands; what the condition says does not.
      while (!cur.empty() &&
             (!cur.back().word || In(cur.back().norm, {"even", "only", "except", "but", "and"})))
        cur.pop_back();
      flush();
      dropping = true;
      continue;
    }
    if (!dropping) cur.push_back(tk);
  }
  flush();
  return out;
}

void Extractor::Clause(const Tokens& c) {
  const size_t i = SkipLead(c, 0);
  if (i >= c.size()) return;
  if (Deadline(c, i) || CallMe(c, i) || Instruction(c, i)) return;
  if (Is(c, i, "i")) {
    SubjectI(c, i);
  } else if (Is(c, i, "my")) {
    My(c, i + 1);
  } else if (Is(c, i, "we") || Is(c, i, "our")) {
    Team(c, i);
  } else {
    ReverseRelation(c, i);
  }
}

std::optional<Predicate> Extractor::ParsePredicate(const Tokens& c, size_t i) {
  Predicate p;
  size_t j = i + 1;
  auto skip_mods = [&] {
    for (;;) {
      if (IsIn(c, j, Adverbs())) {
        ++j;
      } else if (Is(c, j, "not") || Is(c, j, "never")) {
        p.negated = true;
        ++j;
      } else if (Is(c, j, "no") && Is(c, j + 1, "longer")) {
        p.negated = true;
        j += 2;
      } else {
        return;
      }
    }
  };
  auto finish = [&](std::string_view lemma) {
    p.lemma = lemma;
    ++j;
    skip_mods();
    p.next = j;
    return p;
  };
  skip_mods();
  if (!IsWord(c, j) ||
      IsAny(c, j, {"would", "could", "might",   "should",  "may",    "must",   "shall", "will",
                   "wish",  "hope",  "guess",   "think",   "used",   "did",    "had",   "feel",
                   "felt",  "mean",  "suppose", "believe", "assume", "wonder", "bet",   "heard"}))
    return std::nullopt;
  if (Is(c, j, "can")) {
    ++j;
    const bool was_negated = p.negated;
    skip_mods();
    if (p.negated == was_negated) return std::nullopt;  // "I can eat X" is ability, not a fact
    p.negated = false;
    p.cannot = true;
  } else if (IsAny(c, j, {"do", "does"})) {
    ++j;
    skip_mods();
  } else if (IsAny(c, j, {"am", "are"})) {
    ++j;
    skip_mods();
    if (IsWord(c, j) && c[j].norm.ends_with("ing") && Lemma(c[j].norm) != c[j].norm)
      return finish(Lemma(c[j].norm));
    p.lemma = "be";
    p.next = j;
    return p;
  } else if (IsAny(c, j, {"have", "has"})) {
    ++j;
    skip_mods();
    if (Is(c, j, "been")) {
      ++j;
      skip_mods();
      if (IsWord(c, j) && c[j].norm.ends_with("ing") && Lemma(c[j].norm) != c[j].norm)
        return finish(Lemma(c[j].norm));
      p.lemma = "be";
      p.next = j;
      return p;
    }
    if (Is(c, j, "got")) {
      ++j;
      skip_mods();
    } else if (IsWord(c, j) && !PerfectLemma(c[j].norm).empty()) {
      return finish(PerfectLemma(c[j].norm));
    }
    p.lemma = "have";
    p.next = j;
    return p;
  } else if (IsAny(c, j, {"was", "were"})) {
    return finish("was");  // past: only "I was born ..." and "I was diagnosed ..." count
  }
  if (!IsWord(c, j)) return std::nullopt;
  return finish(Lemma(c[j].norm));
}

void Extractor::SubjectI(const Tokens& c, size_t i) {
  const std::optional<Predicate> p = ParsePredicate(c, i);
  if (!p) return;
  const std::string_view v = p->lemma;
  const size_t k = p->next;
  if (v == "be") {
    Copula(c, k, *p);
  } else if (v == "have") {
    if (!p->negated && !p->cannot) Possession(c, k);
    if (p->cannot) Avoid(c, k, "cannot have", true);
  } else if (In(v, {"live", "reside"})) {
    if (!p->negated && Is(c, k, "in")) Location(c, k + 1, 0.9, false);
  } else if (In(v, {"moved", "relocated"})) {
    size_t j = k;
    if (Is(c, j, "back")) ++j;
    if (!p->negated && Is(c, j, "to")) Location(c, j + 1, 0.9, true);
  } else if (v == "grew" && Is(c, k, "up") && Is(c, k + 1, "in")) {
    if (!p->negated) Origin(c, k + 2, 0.8);
  } else if (v == "was") {
    Was(c, k, p->negated);
  } else if (v == "work") {
    if (!p->negated) Work(c, k);
  } else if (In(v, {"joined", "started"})) {
    size_t j = k;
    if (v == "started") {
      if (!(Match(c, j, {"working", "at"}) || Match(c, j, {"working", "for"}) ||
            Match(c, j, {"at"}) || Match(c, j, {"a", "new", "job", "at"}) ||
            Match(c, j, {"a", "job", "at"})))
        return;
    }
    if (!p->negated) Employer(c, j, true);
  } else if (v == "use") {
    Tools(c, k, p->negated, "user.tools.", /*require_language=*/false, 0.75);
  } else if (In(v, {"code", "program", "develop", "write"})) {
    // "I code in Go" names languages or tools; "I write Go" only counts for a
    // language.
    if (IsAny(c, k, {"in", "with"}))
      Tools(c, k + 1, p->negated, "user.tools.", false, 0.85);
    else
      Tools(c, k, p->negated, "user.tools.", true, 0.8);
  } else if (v == "speak") {
    if (!p->negated) Speaks(c, k);
  } else if (In(v, {"like", "love", "enjoy", "adore", "prefer", "hate", "dislike", "detest",
                    "loathe", "despise", "stand"})) {
    Likes(c, k, v, *p);
  } else if (In(v, {"eat", "drink"})) {
    if (p->negated || p->cannot)
      Avoid(c, k, std::string(p->cannot ? "cannot " : "does not ") + std::string(v), false);
  } else if (v == "avoid") {
    if (!p->negated) Avoid(c, k, "avoids", true);
  } else if (v == "go" && Is(c, k, "by")) {
    if (!p->negated && !Pronouns(c, k + 1)) Name(c, k + 1, 0.85, !all_lower_);
  } else if (v == "suffer" && Is(c, k, "from")) {
    if (!p->negated) Condition(c, k + 1, true);
  } else if (v == "follow") {
    if (!p->negated && IsAny(c, k, {"a", "an"}) && IsWord(c, k + 1) &&
        !DietStyle(c[k + 1].norm).empty() && IsAny(c, k + 2, {"diet", "lifestyle"}))
      Diet(c, k + 1);
  } else if (v == "keep" && IsAny(c, k, {"kosher", "halal"})) {
    if (!p->negated) Observance(c[k].norm);
  } else if (v == "turned") {
    Age(c, k);
  } else if (v == "want") {
    size_t j = k;
    if (Match(c, j, {"you", "to"})) Instruction(c, j);
  }
}

// "I am ..." / "I'm ..." / "I've been ...".
void Extractor::Copula(const Tokens& c, size_t k, const Predicate& p) {
  size_t j = k;
  if (p.negated) {
    if (Match(c, j, {"a", "fan", "of"}) || Match(c, j, {"a", "big", "fan", "of"}) ||
        Match(c, j, {"much", "of", "a", "fan", "of"}))
      LikeItems(c, j, false, "does not like", 0.8);
    return;
  }
  if (Match(c, j, {"allergic", "to"})) return Allergy(c, j);
  if (IsWord(c, j) && Is(c, j + 1, "intolerant") && !Is(c, j + 2, "to")) {
    const std::string what = c[j].norm;
    return Add(MemoryType::kFact, "diet.intolerance." + Slug(c, j, j + 1),
               "the user is " + what + " intolerant", 0.9, Json{{"intolerance", what}},
               ValidFrom(c, j + 2, false));
  }
  if (Match(c, j, {"intolerant", "to"})) {
    for (const Range& r : Items(c, j, 4)) {
      Add(MemoryType::kFact, "diet.intolerance." + Slug(c, r.b, r.e, true),
          "the user is intolerant to " + Span(c, r.b, r.e), 0.9,
          Json{{"intolerance", Span(c, r.b, r.e)}});
    }
    return;
  }
  {
    size_t d = j;
    if (IsAny(c, d, {"a", "an"})) ++d;
    if (Match(c, d, {"on", "a"})) {
      if (IsWord(c, d) && !DietStyle(c[d].norm).empty() && IsAny(c, d + 1, {"diet", "plan"}))
        return Diet(c, d);
    } else if (IsWord(c, d) && !DietStyle(c[d].norm).empty()) {
      return Diet(c, d);
    }
  }
  if (IsAny(c, j, {"kosher", "halal"})) return Observance(c[j].norm);
  if (IsWord(c, j) && c[j].norm.ends_with("-free") && c[j].norm.size() > 5) {
    const std::string food = c[j].norm.substr(0, c[j].norm.size() - 5);
    return Add(MemoryType::kFact, "diet.avoid." + Singular(food), "the user is " + c[j].norm, 0.85,
               Json{{"food", food}, {"constraint", "avoids"}});
  }
  if (IsAny(c, j, {"teetotal", "teetotaler", "teetotaller"}))
    return Add(MemoryType::kFact, "diet.avoid.alcohol", "the user does not drink alcohol", 0.85,
               Json{{"food", "alcohol"}, {"constraint", "does not drink"}});
  {
    size_t d = j;
    if (!Match(c, d, {"type", "1"})) Match(c, d, {"type", "2"});
    if (IsWord(c, d) &&
        In(c[d].norm, {"diabetic", "asthmatic", "epileptic", "celiac", "coeliac", "colorblind",
                       "colourblind", "deaf", "dyslexic", "autistic", "anemic"}))
      return ConditionAt(c, j, d + 1);
  }
  if (Match(c, j, {"diagnosed", "with"})) return Condition(c, j, true);
  if (IsAny(c, j, {"based", "located"})) {
    size_t l = j + 1;
    if (Match(c, l, {"in"}) || Match(c, l, {"out", "of"})) return Location(c, l, 0.9, false);
    return;
  }
  if (Is(c, j, "from")) return Origin(c, j + 1, 0.7);
  if (Match(c, j, {"married", "to"})) return RelationName(c, j, "spouse", 0.9);
  if (Match(c, j, {"engaged", "to"})) return RelationName(c, j, "fiance", 0.9);
  if (Is(c, j, "into")) return LikeItems(c, j + 1, true, "likes", 0.75);
  if (Match(c, j, {"a", "fan", "of"}) || Match(c, j, {"a", "big", "fan", "of"}) ||
      Match(c, j, {"a", "huge", "fan", "of"}) || Match(c, j, {"fond", "of"}) ||
      Match(c, j, {"obsessed", "with"}))
    return LikeItems(c, j, true, "likes", 0.8);
  if (IsAny(c, j, {"employed", "working"}) && IsAny(c, j + 1, {"at", "by", "for"})) {
    Employer(c, j + 2, false);
    return;
  }
  if (IsWord(c, j) && util::IsAsciiDigit(static_cast<unsigned char>(c[j].norm[0])))
    return Age(c, j);
  if (RoleAt(c, j)) return;
  if (!IsAny(c, k, {"a", "an", "the"})) MaybeName(c, k);
}

// Items of a list object ("pizza, sushi and tacos"), each at most max_len
// words; an item that is longer makes the whole list doubtful and yields none.
// Pronouns and references to the conversation ("it", "that idea") are dropped.
// With infinitive, "to <verb ...>" is one item.
std::vector<Range> Extractor::Items(const Tokens& c, size_t j, size_t max_len,
                                    bool infinitive) const {
  std::vector<Range> items;
  for (;;) {
    while (IsAny(c, j, {"a", "an", "the", "some"})) ++j;
    const size_t b = j;
    if (infinitive && Is(c, j, "to")) ++j;
    // Stop words are lower-case function words; "VS Code" is a name.
    while (IsWord(c, j) && !IsAny(c, j, {"and", "or", "&", "plus"}) &&
           !(IsIn(c, j, PhraseStops()) &&
             !(c[j].cap && c[j].norm != "i" && !shouting_ && !title_case_)))
      ++j;
    size_t e = j;
    while (e > b && IsAny(c, e - 1, {"the", "a", "an", "of", "to", "and", "or", "my"})) --e;
    if (e == b) break;
    if (e - b > max_len) return {};
    // "that idea", "your code" point at the conversation; "VS Code" is a name.
    const bool proper_head = c[e - 1].cap && !shouting_ && !title_case_;
    if (!IsDeictic(c[b].norm) && (!IsVagueHead(c[e - 1].norm) || proper_head))
      items.push_back({b, e});
    if (Is(c, j, ",") && IsWord(c, j + 1) && !IsIn(c, j + 1, PhraseStops())) {
      ++j;
      continue;
    }
    if (Is(c, j, ",") && IsAny(c, j + 1, {"and", "or"})) {
      j += 2;
      continue;
    }
    if (IsAny(c, j, {"and", "or", "&", "plus"})) {
      ++j;
      continue;
    }
    break;
  }
  return items;
}

// A proper name at j ("Paris", "the Bay Area", "Bank of America", "Johnson &
// Johnson") of at most max words. Lower-case words count only alone, or when
// the whole text is lower case, and never when they are common nouns ("home",
// "a startup").
std::optional<Range> Extractor::ProperPhrase(const Tokens& c, size_t j, size_t max) const {
  if (Is(c, j, "the") && IsWord(c, j + 1) && c[j + 1].cap) ++j;
  if (!IsWord(c, j) || IsIn(c, j, PhraseStops()) || IsDeictic(c[j].norm) ||
      (!c[j].cap && IsCommonPlaceNoun(c[j].norm)))
    return std::nullopt;
  size_t e = j;
  if (c[j].cap) {
    while (e - j < max) {
      if (IsWord(c, e) && c[e].cap && c[e].norm != "i" &&
          !(e > j && c[e].raw.data() == c[e - 1].raw.data())) {
        ++e;
        // "St. Louis", "Mt. Vernon": the dot of an abbreviation inside the
        // name.
        if (IsAny(c, e - 1, {"st", "mt", "ft"}) && Is(c, e, ".") && IsWord(c, e + 1) &&
            c[e + 1].cap)
          ++e;
      } else if (e > j &&
                 IsAny(c, e,
                       {"of", "de", "la", "le", "du", "del", "der", "van", "von", "upon", "am", "&",
                        "and", "the"}) &&
                 IsWord(c, e + 1) && c[e + 1].cap && c[e + 1].norm != "i") {
        e += 2;
      } else {
        break;
      }
    }
  } else {
    const size_t limit = all_lower_ ? std::min<size_t>(max, 3) : 1;
    while (e - j < limit && IsWord(c, e) && !IsIn(c, e, PhraseStops()) &&
           !IsCommonPlaceNoun(c[e].norm) && !IsDeictic(c[e].norm) &&
           (e == j || c[e].raw.data() != c[e - 1].raw.data()))
      ++e;
    if (!all_lower_ && !AtEnd(c, e) && !IsIn(c, e, PhraseStops())) return std::nullopt;
  }
  if (e == j) return std::nullopt;
  return Range{j, e};
}

// When the fact of a clause started: "since 2020", "starting Monday", "as of
// today"; with event (a move, a new job), also "in 2021", "on Monday",
// "yesterday".
std::optional<Timestamp> Extractor::ValidFrom(const Tokens& c, size_t from, bool event) const {
  for (size_t j = from; j < c.size(); ++j) {
    std::optional<DateExpr> d;
    Direction dir = Direction::kPast;
    size_t k = j;
    if (Match(c, k, {"since"})) {
      d = ParseDate(c, k, true);
    } else if (Match(c, k, {"starting"}) || Match(c, k, {"as", "of"}) ||
               Match(c, k, {"effective"}) || Match(c, k, {"beginning"})) {
      Match(c, k, {"from"});
      d = ParseDate(c, k, true);
      dir = Direction::kFuture;
    } else if (event && IsAny(c, j, {"in", "on", "yesterday", "today"})) {
      d = ParseDate(c, Is(c, j, "in") ? j + 1 : j, true);
    }
    if (!d) continue;
    if (const std::optional<sys_days> day = Resolve(*d, now_, dir)) return ToTimestamp(*day);
    return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace engram::hygiene::extraction

namespace engram::hygiene {

std::vector<Candidate> ExtractCandidates(std::string_view user_text, Timestamp now) {
  std::vector<Candidate> out = extraction::Extractor(user_text, now).Run();
  // Statements about the user's world ("Dimitri's team owns the payments service"); those that
  // say "it" wait for the write path, which knows what was said before (world_triples.h).
  for (const WorldStatement& statement : WorldStatements(user_text)) {
    std::optional<Candidate> c = WorldCandidate(statement);
    if (!c) continue;
    std::erase_if(out, [&](const Candidate& o) { return o.key == c->key; });
    out.push_back(std::move(*c));
  }
  return out;
}

}  // namespace engram::hygiene
