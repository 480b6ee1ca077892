#include "hygiene/world_triples.h"

#include <algorithm>
#include <initializer_list>
#include <utility>

#include "hygiene/dates.h"
#include "hygiene/sentences.h"
#include "hygiene/vocabulary.h"
#include "util/tokenize.h"

namespace engram::hygiene {
namespace {

using util::Token;
using util::Tokens;

constexpr size_t kMaxPhraseWords = 4;  // the longest verb phrase of rules/world_relations.txt
constexpr size_t kMaxNameWords = 6;    // a longer run is no name
constexpr double kWorldConfidence = 0.7;

bool InList(std::string_view list, std::string_view w) {
  return WordList(list).contains(w);
}

// "API", "CRM": an acronym names a kind of thing, not a particular one.
bool Acronym(const Token& t) {
  return t.raw.size() > 1 &&
         std::none_of(t.raw.begin(), t.raw.end(), [](char c) { return c >= 'a' && c <= 'z'; });
}

// A name starts with a capital and is not an acronym ("Priya", not "API").
bool Named(const Token& t) {
  return t.word && t.cap && !Acronym(t);
}

// The text from token a to token b (inclusive), as written.
std::string Span(const Tokens& t, size_t a, size_t b) {
  const char* begin = t[a].raw.data();
  const char* end = t[b].raw.data() + t[b].raw.size();
  return std::string(begin, static_cast<size_t>(end - begin));
}

// One parsed phrase of rules/world_relations.txt: "relation direction subject_type object_type".
struct Rule {
  std::string_view relation;
  bool reversed = false;
  std::string_view subject_type;
  std::string_view object_type;
};

std::optional<Rule> RuleOf(std::string_view value) {
  std::vector<std::string_view> parts;
  while (!value.empty()) {
    const size_t space = value.find(' ');
    if (space != 0) parts.push_back(value.substr(0, space));
    if (space == std::string_view::npos) break;
    value.remove_prefix(space + 1);
  }
  if (parts.size() != 4 || (parts[1] != ">" && parts[1] != "<")) return std::nullopt;
  return Rule{parts[0], parts[1] == "<", parts[2], parts[3]};
}

// The longest phrase of the table starting at token k: (rule, number of words).
std::optional<std::pair<Rule, size_t>> PhraseAt(const Tokens& t, size_t k) {
  const WordTable& table = WordMap("world_relations");
  for (size_t n = std::min(kMaxPhraseWords, t.size() - k); n > 0; --n) {
    std::string phrase;
    bool words = true;
    for (size_t i = k; i < k + n; ++i) {
      words = words && t[i].word;
      phrase += (i > k ? " " : "") + t[i].norm;
    }
    if (!words) continue;
    if (const auto it = table.find(phrase); it != table.end()) {
      if (std::optional<Rule> rule = RuleOf(it->second)) return std::pair(*rule, n);
    }
  }
  return std::nullopt;
}

// An entity's end of a triple: its name, or "it"; `stop` is the index of the word that ended a
// subject (walking back from the verb), t.size() when the clause start did.
struct End {
  std::string name;
  bool pronoun = false;
  size_t stop = 0;
  bool named = false;         // one of its words is a name ("Lena", "Dimitri's team")
  std::string_view relative;  // "sister" of "my sister Ana": the user's relation to the name
};

// The user's relation to the name at `first` when "my <relative>" comes just before it ("my
// sister Ana": "sister", canonical in rules/relations.txt); empty otherwise.
std::string_view RelativeBefore(const Tokens& t, size_t first) {
  if (first < 2 || !t[first - 1].word || !t[first - 2].word || t[first - 2].norm != "my") return {};
  return CanonicalIn(WordMap("relations"), t[first - 1].norm);
}

bool AnyNamed(const Tokens& t, size_t a, size_t b) {
  return std::any_of(t.begin() + static_cast<ptrdiff_t>(a), t.begin() + static_cast<ptrdiff_t>(b),
                     Named);
}

// The subject before the verb phrase at k: a run of words back to a stop word, a determiner, a
// clause mark, or a common word before a name ("since the reorg Priya" -> Priya).
std::optional<End> SubjectBefore(const Tokens& t, size_t k) {
  // "the fraud model also depends on": adverbs between the subject and its verb.
  while (k > 0 && t[k - 1].word && InList("adverbs", t[k - 1].norm)) --k;
  size_t first = k;  // the subject is [first, k)
  size_t stop = t.size();
  while (first > 0) {
    const Token& w = t[first - 1];
    if (!w.word) break;
    if (w.norm != "'s") {
      if (InList("world_stops", w.norm)) {
        stop = first - 1;
        break;
      }
      if (InList("world_determiners", w.norm)) {
        // "whether the importer depends on ...": what comes before the determiner still counts.
        if (first >= 2 && t[first - 2].word) stop = first - 2;
        break;
      }
      // A common word before a name starts another phrase ("reorg Priya", "sister Ana").
      if (!w.cap && first < k && Named(t[first])) break;
    }
    --first;
  }
  if (first == k || t[first].norm == "'s") return std::nullopt;
  if (k - first == 1 && t[first].norm == kWorldPronoun) return End{"", true, stop, false, {}};
  if (k - first > kMaxNameWords || t[first].norm == kWorldPronoun) return std::nullopt;
  // "your script", "my team": someone's own thing, no entity of the user's world.
  if (stop < t.size() && InList("world_possessives", t[stop].norm)) return std::nullopt;
  return End{Span(t, first, k - 1), false, stop, AnyNamed(t, first, k), RelativeBefore(t, first)};
}

// The object after the verb phrase, from token k: past a determiner, up to a stop word or a mark.
std::optional<End> ObjectFrom(const Tokens& t, size_t k) {
  const bool determined = k < t.size() && t[k].word && InList("world_determiners", t[k].norm);
  if (determined) ++k;
  size_t last = k;  // the object is [k, last)
  while (last < t.size() && t[last].word && !InList("world_stops", t[last].norm)) ++last;
  if (last == k) return std::nullopt;
  if (last - k == 1 && t[k].norm == kWorldPronoun) return End{"", true, 0, false, {}};
  if (last - k > kMaxNameWords || t[k].norm == kWorldPronoun) return std::nullopt;
  // "depends on getting approval", "runs 5 miles": an activity or an amount, not an entity
  // (after a determiner, "the lending platform", the -ing word describes a thing).
  const std::string_view head = t[k].norm;
  if ((!determined && !t[k].cap && head.size() > 4 && head.ends_with("ing")) ||
      std::all_of(head.begin(), head.end(), [](char c) { return util::IsAsciiDigit(c); }))
    return std::nullopt;
  return End{Span(t, k, last - 1), false, 0, AnyNamed(t, k, last), {}};
}

// The type of an entity: by its last word (rules/world_entity_types.txt), else the rule's.
std::string TypeOf(const std::string& name, std::string_view by_rule) {
  const size_t space = name.find_last_of(' ');
  const std::string last =
      util::LowerAscii(space == std::string::npos ? name : name.substr(space + 1));
  const std::string_view by_head = CanonicalIn(WordMap("world_entity_types"), last);
  return std::string(by_head.empty() ? by_rule : by_head);
}

// Whether a sentence can state a fact at all: no question, no request, no condition.
bool Declarative(const Tokens& t) {
  if (std::any_of(t.begin(), t.end(), [](const Token& x) { return !x.word && x.norm == "?"; }))
    return false;
  size_t i = 0;
  while (i < t.size() &&
         (!t[i].word || InList("classify_lead", t[i].norm) || t[i].norm == "please"))
    ++i;
  return i < t.size() && !InList("classify_requests", t[i].norm) &&
         !InList("classify_hypothetical_starts", t[i].norm) &&
         !InList("classify_question_starts", t[i].norm);
}

std::vector<SlotTriple> TriplesIn(std::string_view sentence) {
  std::vector<SlotTriple> out;
  const Tokens t = util::Tokenize(sentence);
  if (!Declarative(t)) return out;
  for (size_t k = 1; k < t.size(); ++k) {
    const std::optional<std::pair<Rule, size_t>> phrase = PhraseAt(t, k);
    if (!phrase) continue;
    const auto& [rule, words] = *phrase;
    std::optional<End> subject = SubjectBefore(t, k);
    std::optional<End> object = ObjectFrom(t, k + words);
    if (!subject || !object || (subject->pronoun && object->pronoun)) continue;
    if ((rule.subject_type == "person" && !subject->pronoun && !subject->named) ||
        (rule.object_type == "person" && !object->pronoun && !object->named))
      continue;
    // "if Acme owns the warehouse", "whether the gateway depends on auth": no fact.
    if (subject->stop < t.size() &&
        (InList("classify_hypothetical_starts", t[subject->stop].norm) ||
         util::OneOf(t[subject->stop].norm, {"whether", "when", "unless"})))
      continue;
    SlotTriple triple;
    triple.relation = std::string(rule.relation);
    triple.subject = subject->pronoun ? std::string(kWorldPronoun) : subject->name;
    triple.object = object->pronoun ? std::string(kWorldPronoun) : object->name;
    triple.subject_type = TypeOf(triple.subject, rule.subject_type);
    triple.object_type = TypeOf(triple.object, rule.object_type);
    if (rule.reversed) {
      std::swap(triple.subject, triple.object);
      std::swap(triple.subject_type, triple.object_type);
    }
    if (!HasPronoun(triple) && TripleProblem(triple)) continue;
    // "My sister Ana lives in Lisbon" also says who Ana is: user -has_sister-> Ana, the edge the
    // family slot writes (rules/graph_slots.txt).
    out.push_back(std::move(triple));
    if (!subject->relative.empty()) {
      out.push_back({"has_" + std::string(subject->relative), subject->name, "person",
                     std::string(kUserEntity), std::string(kUserEntityType)});
    }
    k += words - 1;
  }
  return out;
}

// "payments service" -> "payments_service": a key segment.
std::string Slug(std::string_view name) {
  std::string out;
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (util::IsAsciiAlnum(u) || u >= 0x80) {
      out += util::AsciiLower(c);
    } else if (c != '\'' && !out.empty() && out.back() != '_') {
      out += '_';
    }
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  return out;
}

}  // namespace

bool HasPronoun(const SlotTriple& t) {
  return t.subject == kWorldPronoun || t.object == kWorldPronoun;
}

std::vector<WorldStatement> WorldStatements(std::string_view text) {
  std::vector<WorldStatement> out;
  for (std::string_view sentence : SplitSentences(text)) {
    std::vector<SlotTriple> triples = TriplesIn(sentence);
    if (!triples.empty()) out.push_back({sentence, std::move(triples)});
  }
  return out;
}

std::optional<Candidate> WorldCandidate(const WorldStatement& statement) {
  if (statement.triples.empty() ||
      std::any_of(statement.triples.begin(), statement.triples.end(), HasPronoun))
    return std::nullopt;
  const SlotTriple& first = statement.triples.front();
  Candidate c;
  c.type = MemoryType::kFact;
  c.key = "world." + Slug(first.subject) + "." + first.relation;
  if (!WordList("graph_single_valued").contains(first.relation)) c.key += "." + Slug(first.object);
  c.text = std::string(statement.sentence);
  c.confidence = kWorldConfidence;
  nlohmann::json triples = nlohmann::json::array();
  for (const SlotTriple& t : statement.triples) triples.push_back(TripleToJson(t));
  c.data = nlohmann::json{{"triples", std::move(triples)}}.dump();
  return c;
}

Mentions NamedEntities(std::string_view text) {
  Mentions out;
  auto add = [&](std::vector<std::string>& list, const std::string& name) {
    if (name == kWorldPronoun) return;
    const std::string key = util::LowerAscii(name);
    auto same = [&](const std::string& o) { return util::LowerAscii(o) == key; };
    if (std::none_of(out.names.begin(), out.names.end(), same) &&
        std::none_of(out.kinds.begin(), out.kinds.end(), same))
      list.push_back(name);
  };
  for (std::string_view sentence : SplitSentences(text)) {
    const Tokens t = util::Tokenize(sentence);
    for (size_t i = 0; i < t.size();) {
      // "in March", "on Friday": a time, not an entity.
      if (!Named(t[i]) || InList("world_stops", t[i].norm) ||
          InList("sentence_openers", t[i].norm) || InList("non_names", t[i].norm) ||
          InList("pronouns", t[i].norm) || extraction::MonthNumber(t[i].norm) > 0 ||
          extraction::WeekdayNumber(t[i].norm) >= 0) {
        ++i;
        continue;
      }
      size_t j = i + 1;
      while (j < t.size() && (Named(t[j]) || t[j].norm == "'s")) ++j;
      if (t[j - 1].norm == "'s") --j;
      if (j - i <= kMaxNameWords) add(out.names, Span(t, i, j - 1));
      i = j;
    }
    for (const SlotTriple& triple : TriplesIn(sentence)) {
      add(out.kinds, triple.subject);
      add(out.kinds, triple.object);
    }
    // "the search service", "our data platform": a kind of thing named by its head noun.
    for (size_t i = 0; i + 1 < t.size(); ++i) {
      if (!t[i].word || !InList("world_determiners", t[i].norm)) continue;
      for (size_t j = i + 1; j < t.size() && j <= i + kMaxPhraseWords && t[j].word; ++j) {
        if (InList("world_stops", t[j].norm)) break;
        if (WordMap("world_entity_types").contains(t[j].norm)) {
          add(out.kinds, Span(t, i + 1, j));
          break;
        }
      }
    }
  }
  return out;
}

std::optional<std::string> ResolvePronoun(std::span<const std::string_view> earlier,
                                          std::string_view other_end) {
  const std::string other = util::LowerAscii(other_end);
  for (std::string_view text : earlier) {
    Mentions m = NamedEntities(text);
    for (auto* list : {&m.names, &m.kinds}) {
      std::erase_if(*list, [&](const std::string& n) { return util::LowerAscii(n) == other; });
    }
    // A name over a kind: in "we built Orion as our reporting engine" both are one thing.
    const std::vector<std::string>& named = m.names.empty() ? m.kinds : m.names;
    if (named.size() == 1) return named.front();
    if (!named.empty()) return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace engram::hygiene
