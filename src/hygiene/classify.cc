#include "hygiene/classify.h"

#include <algorithm>
#include <initializer_list>
#include <span>
#include <string>
#include <vector>

#include "hygiene/extract.h"
#include "hygiene/slot_values.h"
#include "hygiene/turn_intent.h"
#include "hygiene/vocabulary.h"
#include "hygiene/world_triples.h"
#include "util/tokenize.h"
#include "util/utf8.h"

namespace engram::hygiene {

namespace {

// One sentence as lowercase words, contractions expanded ("i'm" -> "i", "am").
struct Sentence {
  std::vector<std::string> words;
  std::vector<util::Token> tokens;  // as written, punctuation inside the sentence included
  bool question = false;            // ended with '?'
  // Words before the last comma: in "I have two kids, any tips?" the statement still counts.
  size_t before_comma = 0;
};

struct Scan {
  std::vector<Sentence> sentences;  // non-empty ones only
  size_t words = 0;
  bool symbols = false;  // emoji or other symbols seen
};

Scan ScanText(std::string_view text) {
  Scan out;
  Sentence cur;
  auto end_sentence = [&](bool question) {
    if (cur.words.empty()) {
      cur.tokens.clear();
      return;
    }
    cur.question = question;
    out.sentences.push_back(std::move(cur));
    cur = Sentence();
  };
  const util::Tokens tokens = util::Tokenize(text);
  for (size_t i = 0; i < tokens.size(); ++i) {
    const util::Token& t = tokens[i];
    if (!(!t.word && (t.norm == "?" || t.norm == "." || t.norm == "!" || t.norm == ";")))
      cur.tokens.push_back(t);
    if (t.word) {
      // A written word counts once, however many parts its contraction has.
      if (i == 0 || tokens[i - 1].raw.data() != t.raw.data()) ++out.words;
      // "wife's" -> "wife": the possessive does not change what the word is about.
      if (t.norm != "'s") cur.words.push_back(t.norm);
    } else if (t.norm == ",") {
      cur.before_comma = cur.words.size();
    } else if (t.norm == "?" || t.norm == "." || t.norm == "!" || t.norm == ";") {
      end_sentence(t.norm == "?");
    }
  }
  end_sentence(false);
  // Emoji and other symbols separate words without a token of their own.
  for (size_t i = 0; i < text.size() && !out.symbols;) {
    char32_t cp;
    i += util::DecodeUtf8(text, i, cp);
    out.symbols = cp >= 0x80 && util::IsSeparator(cp);
  }
  return out;
}

bool In(const WordSet& set, std::string_view w) {
  return set.count(w) > 0;
}
// Words that make a message filler (acknowledgements, greetings, thanks, laughter).
const WordSet& FillerWords() {
  return WordList("classify_filler");
}

// Words that may appear in filler but do not make it filler alone ("yes", "no", "you").
const WordSet& FillerGlue() {
  return WordList("classify_filler_glue");
}

bool IsFiller(const Scan& scan) {
  if (scan.words > 10) return false;
  bool strong = false;
  for (const Sentence& s : scan.sentences) {
    for (const std::string& w : s.words) {
      if (In(FillerWords(), w)) {
        strong = true;
      } else if (!In(FillerGlue(), w)) {
        return false;
      }
    }
  }
  return strong;
}

bool IsQuestionStart(std::string_view w) {
  return In(WordList("classify_question_starts"), w);
}

bool IsHypotheticalStart(std::string_view w) {
  return In(WordList("classify_hypothetical_starts"), w);
}

// Nouns after "my" that are about the user's life rather than the task at hand.
const WordSet& MyDurable() {
  return WordList("classify_my_durable");
}

// Nouns after "I have" that describe the user's life ("I have two kids", "a bad knee").
const WordSet& Possessions() {
  return WordList("classify_possessions");
}

// Words between "I have" and the noun: determiners, numbers, adjectives of age and state.
const WordSet& PossessionModifiers() {
  return WordList("classify_possession_modifiers");
}

// States after "I am" that last ("I'm pregnant", "I'm planning a wedding").
const WordSet& DurableStates() {
  return WordList("classify_durable_states");
}

// Verbs after "I" that state a durable habit, trait, history or relationship.
const WordSet& DurableVerbs() {
  return WordList("classify_durable_verbs");
}

// Verbs after "I want to" / "I'm going to" that name a goal rather than a task.
const WordSet& GoalVerbs() {
  return WordList("classify_goal_verbs");
}

// Objects that point at the conversation ("I like your answer") rather than the user's life.
bool PointsAtConversation(std::span<const std::string> w, size_t from) {
  const WordSet& deictic = WordList("classify_deictic");
  const WordSet& heads = WordList("classify_conversation_heads");
  if (from < w.size() && In(deictic, w[from])) return true;
  for (size_t k = from; k < w.size() && k < from + 3; ++k) {
    if (In(heads, w[k])) return true;
  }
  return false;
}

// Whether the words from x change a standing habit or preference: "switched to oat milk", "gave up
// coffee" (not "gave up on it"), "started cycling" (not "started looking into it").
bool ChangesHabit(std::span<const std::string> w, size_t x) {
  if (x + 2 < w.size() && In(WordList("classify_change_phrases"), w[x] + " " + w[x + 1]))
    return w[x + 2] != "on" && !PointsAtConversation(w, x + 2);
  return x + 1 < w.size() && In(WordList("classify_change_ing_verbs"), w[x]) &&
         w[x + 1].size() > 4 && w[x + 1].ends_with("ing") &&
         !In(WordList("classify_change_stops"), w[x + 1]) && !PointsAtConversation(w, x + 2);
}

bool IsAdverb(std::string_view w) {
  return In(WordList("classify_adverbs"), w);
}

// Whether a sentence is about now rather than what lasts (rules/classify_transient.txt: "today",
// "again", "broken", "slow").
bool Transient(std::span<const std::string> w) {
  const WordSet& transient = WordList("classify_transient");
  return std::any_of(w.begin(), w.end(), [&](const std::string& x) { return In(transient, x); });
}

// Whether a sentence complains or vents (rules/classify_venting.txt: "ugh", "driving me up the
// wall", "kill me"): how the user feels about something now, not a lasting fact.
bool Vents(std::span<const std::string> w) {
  // The phrases split into words once; each sentence is then a search for each.
  static const std::vector<std::vector<std::string>> phrases = [] {
    std::vector<std::vector<std::string>> out;
    for (std::string_view phrase : WordList("classify_venting")) {
      if (phrase.empty()) continue;
      std::vector<std::string>& words = out.emplace_back();
      for (size_t b = 0; b < phrase.size();) {
        const size_t space = std::min(phrase.find(' ', b), phrase.size());
        words.emplace_back(phrase.substr(b, space - b));
        b = space + 1;
      }
    }
    return out;
  }();
  return std::any_of(phrases.begin(), phrases.end(), [&](const std::vector<std::string>& p) {
    return std::search(w.begin(), w.end(), p.begin(), p.end()) != w.end();
  });
}

// Whether the words name a recurring time: "every Tuesday", "each morning", "most days", "on
// Sundays", "on Friday nights", "at weekends", "twice a week" (rules/classify_recurring.txt).
bool Recurs(std::span<const std::string> w) {
  const WordSet& times = WordList("classify_recurring");
  for (size_t k = 0; k + 1 < w.size(); ++k) {
    const std::string& next = w[k + 1];
    if (util::OneOf(w[k], {"every", "each", "most"}) && In(times, next)) return true;
    if ((w[k] == "on" || w[k] == "at") && In(times, next) && next.ends_with('s') &&
        next != "days" && next != "years")
      return true;
    // "on Saturday mornings", "on Friday nights".
    if (w[k] == "on" && In(times, next) && k + 2 < w.size() && In(times, w[k + 2]) &&
        w[k + 2].ends_with('s') && w[k + 2] != "days" && w[k + 2] != "years")
      return true;
    if (util::OneOf(w[k], {"once", "twice", "times"}) && util::OneOf(next, {"a", "per"}) &&
        k + 2 < w.size() && In(times, w[k + 2]))
      return true;
  }
  return false;
}

// Whether words from..to name something of the user's life, not the conversation: none of them is
// the speaker, the listener, a pointer ("this") or a head like "code", "answer", "question".
bool NamesALastingThing(std::span<const std::string> w, size_t from, size_t to) {
  if (from >= to) return false;
  for (size_t k = from; k < to; ++k) {
    if (In(WordList("classify_not_subjects"), w[k]) || In(WordList("classify_deictic"), w[k]) ||
        In(WordList("classify_conversation_heads"), w[k]))
      return false;
  }
  return true;
}

// Whether the words of a declarative sentence disclose something durable in the first person.
bool Discloses(std::span<const std::string> w) {
  const WordSet& habit = WordList("classify_habit");
  // "I'm in the office every Tuesday", "we ride out on Sundays": a habit by its recurring time.
  if (std::any_of(w.begin(), w.end(), [](const std::string& x) { return x == "i" || x == "we"; }) &&
      Recurs(w))
    return true;
  for (size_t k = 0; k < w.size(); ++k) {
    if (w[k] == "my" && k + 1 < w.size() && In(MyDurable(), w[k + 1])) return true;
    // "my office is on the ninth floor", "our car has a roof box": a property of something the
    // user has, unless it is about now ("my internet is down today") or the conversation ("my
    // code is broken", "my question is ...").
    if (w[k] == "my" || w[k] == "our") {
      for (size_t j = k + 2; j < w.size() && j <= k + 4; ++j) {
        if (!util::OneOf(w[j], {"is", "are", "has", "have"})) continue;
        if (j + 1 < w.size() && NamesALastingThing(w, k + 1, j) && !Transient(w) &&
            !w[j + 1].ends_with("ing"))
          return true;
        break;
      }
    }
    // "my usual order is ...", "our regular table ...": a standing value.
    if ((w[k] == "my" || w[k] == "our") && k + 2 < w.size() &&
        In(WordList("classify_standing_heads"), w[k + 1]))
      return true;
    if (w[k] != "i" && w[k] != "we") continue;
    size_t j = k + 1;
    if (j < w.size() && In(habit, w[j])) return true;  // "I usually ...", "I never ..."
    while (j < w.size() && IsAdverb(w[j])) ++j;
    if (j >= w.size()) return false;
    const std::string& v = w[j];
    const size_t next = j + 1;
    auto at = [&](size_t i) -> std::string_view {
      return i < w.size() ? std::string_view(w[i]) : "";
    };
    // "I'm on the night shift now", "we're on Postgres 16 now": a current state.
    if ((v == "am" || v == "are") && at(next) == "on" &&
        std::find(w.begin() + static_cast<ptrdiff_t>(next), w.end(), "now") != w.end())
      return true;
    // "we're saving for a house", "we were married in 2019": the first person plural too.
    const bool plural = w[k] == "we" && (v == "are" || v == "were");
    if (v == "am" || v == "was" || plural) {
      size_t x = next;
      while (x < w.size() && IsAdverb(w[x])) ++x;
      if (v == "was" && at(x) == "born") return true;
      if ((v == "am" || plural) && In(DurableStates(), at(x))) return true;
      // "I'm in the CET timezone", "we're on the platform team"; not "I'm in a meeting".
      if ((v == "am" || plural) && (at(x) == "in" || at(x) == "on") &&
          std::any_of(w.begin() + static_cast<ptrdiff_t>(x), w.end(),
                      [](const std::string& y) { return In(MyDurable(), y); }))
        return true;
      // "I'm scared of deep water"; not "I'm afraid I can't make it".
      if ((v == "am" || plural) && In(WordList("classify_states_of"), at(x)) && at(x + 1) == "of")
        return true;
      // "I'm a nurse", "I'm an early riser"; not "I'm a bit lost".
      if (v == "am" && (at(x) == "a" || at(x) == "an") &&
          !util::OneOf(at(x + 1),
                       {"bit", "little", "lot", "few", "couple", "question", "quick", "total"}))
        return true;
      if (v == "am" && at(x) == "going" && at(x + 1) == "to" && In(GoalVerbs(), at(x + 2)))
        return true;
      continue;
    }
    if (v == "have" || v == "has") {
      size_t x = next;
      if (at(x) == "been")
        return In(DurableStates(), at(x + 1)) || In(DurableVerbs(), at(x + 1)) ||
               (at(x + 1).ends_with("ing") && at(x + 1) != "having");
      // "two kids", "about 40 employees": modifiers and numbers before the noun.
      while (x < w.size() &&
             (In(PossessionModifiers(), w[x]) || std::all_of(w[x].begin(), w[x].end(), [](char c) {
                return util::IsAsciiDigit(static_cast<unsigned char>(c));
              })))
        ++x;
      if (In(Possessions(), at(x))) return true;
      if (In(DurableVerbs(), at(next)) || at(next) == "lived" || at(next) == "worked") return true;
      if (ChangesHabit(w, next)) return true;  // "I've switched to oat milk"
      continue;
    }
    if (util::OneOf(v, {"want", "plan", "hope", "intend", "aim", "dream", "would"})) {
      size_t x = next;
      if (v == "would" && (at(x) == "like" || at(x) == "love")) ++x;
      if (at(x) == "to" && In(GoalVerbs(), at(x + 1))) return true;
      if ((v == "plan" || v == "dream" || v == "intend") &&
          (at(x) == "to" || at(x) == "on" || at(x) == "of"))
        return true;
      continue;
    }
    // "we went with DynamoDB"; not "I went with my gut on that one".
    if (In(WordList("classify_durable_phrases"), v + " " + std::string(at(next))) &&
        std::none_of(w.begin() + static_cast<ptrdiff_t>(next), w.end(),
                     [](const std::string& y) { return In(WordList("classify_deictic"), y); }))
      return true;
    // "I get seasick easily", "I get migraines often": a disposition.
    if (v == "get" && next < w.size() && !In(WordList("classify_deictic"), at(next)) &&
        std::any_of(w.begin() + static_cast<ptrdiff_t>(next), w.end(), [](const std::string& x) {
          return In(WordList("classify_disposition_adverbs"), x);
        }))
      return true;
    if (v == "got" && util::OneOf(at(next), {"married", "engaged", "divorced", "promoted", "hired",
                                             "pregnant", "adopted"}))
      return true;
    if (In(DurableVerbs(), v) && !PointsAtConversation(w, next)) return true;
    if (ChangesHabit(w, j)) return true;  // "I gave up coffee", "I stopped eating meat"
  }
  return false;
}

// The written text of a sentence, from its first token to its last.
std::string_view RawOf(const std::vector<util::Token>& tokens) {
  const std::string_view first = tokens.front().raw, last = tokens.back().raw;
  return {first.data(), static_cast<size_t>(last.data() + last.size() - first.data())};
}

// Whether a written chunk (between spaces) is an address, identifier or setting: a URL, an
// e-mail, a host or file name, "KEY=value", "snake_case", a path.
bool IsTechnical(std::string_view chunk) {
  if (chunk.find("://") != std::string_view::npos || chunk.find('@') != std::string_view::npos ||
      chunk.find('=') != std::string_view::npos || chunk.find('_') != std::string_view::npos)
    return true;
  if (chunk.size() > 1 && chunk.front() == '/') return true;
  for (size_t k = 1; k + 1 < chunk.size(); ++k) {
    if (chunk[k] == '.' && util::IsAsciiAlnum(static_cast<unsigned char>(chunk[k - 1])) &&
        util::IsAsciiAlnum(static_cast<unsigned char>(chunk[k + 1])))
      return true;
  }
  return false;
}

// Whether a text holds a URL or a KEY=value setting.
bool HasSetting(std::string_view raw) {
  if (raw.find("://") != std::string_view::npos) return true;
  for (size_t k = raw.find('='); k != std::string_view::npos; k = raw.find('=', k + 1)) {
    if (k > 0 && k + 1 < raw.size() && util::IsAsciiAlnum(static_cast<unsigned char>(raw[k - 1])) &&
        raw[k + 1] != ' ' && raw[k + 1] != '=')
      return true;
  }
  return false;
}

// Whether a sentence carries something particular to name: a proper name (a capital inside the
// sentence), a number, or a technical chunk. Text in capitals or Title Case says nothing by its
// capitals.
bool HasAnchor(const std::vector<util::Token>& tokens) {
  size_t words = 0, caps = 0;
  for (const util::Token& t : tokens) {
    if (!t.word) continue;
    ++words;
    caps += t.cap;
  }
  // Title Case says nothing by its capitals; a short sentence with two lower-case words is no
  // title ("Our HQ is in Paris").
  const bool capitals_mean_names = caps * 2 < words || words - caps >= 2;
  bool first = true;
  for (const util::Token& t : tokens) {
    if (!t.word) continue;
    if (std::any_of(t.norm.begin(), t.norm.end(),
                    [](char c) { return util::IsAsciiDigit(static_cast<unsigned char>(c)); }))
      return true;
    if (!first && capitals_mean_names && t.cap && t.norm != "i" &&
        util::IsAsciiUpper(static_cast<unsigned char>(t.raw.front())))
      return true;
    first = false;
  }
  const std::string_view raw = RawOf(tokens);
  size_t b = 0;
  while (b < raw.size()) {
    size_t e = raw.find(' ', b);
    if (e == std::string_view::npos) e = raw.size();
    std::string_view chunk = raw.substr(b, e - b);
    while (!chunk.empty() && (chunk.back() == ',' || chunk.back() == '.' || chunk.back() == ')'))
      chunk.remove_suffix(1);
    if (IsTechnical(chunk)) return true;
    b = e + 1;
  }
  return false;
}

// Whether w is a verb of `set` in its present forms: a list that has "need" also reads "needs",
// and after a plural subject one that has "ends" also "end" ("mobile sprints end on Fridays";
// not "the build failed", where "build" is a noun).
bool InVerbs(const WordSet& set, std::string_view w, bool after_plural) {
  if (In(set, w)) return true;
  const std::string s = std::string(w) + "s";
  if (after_plural && (In(set, s) || In(set, s.substr(0, w.size()) + "es"))) return true;
  if (w.size() > 3 && w.ends_with("es") && In(set, w.substr(0, w.size() - 2))) return true;
  return w.size() > 2 && w.ends_with('s') && !w.ends_with("ss") &&
         In(set, w.substr(0, w.size() - 1));
}

// Whether a declarative sentence states a fact about something in the user's world: a subject
// that is not the conversation ("Lena", "our billing API", "the staging database") followed by a
// verb of lasting relation ("runs", "depends on"), or of property ("is", "opens") in a sentence
// with an anchor (HasAnchor). A request for work ("rewrite this") counts only through a clause that
// states such a fact; code never does.
bool StatesWorldFact(const Sentence& s, size_t from) {
  const std::vector<util::Token>& t = s.tokens;
  if (t.empty()) return false;
  const std::string_view raw = RawOf(t);
  if (raw.find('{') != std::string_view::npos || raw.find('}') != std::string_view::npos ||
      raw.find("()") != std::string_view::npos)
    return false;
  const bool anchored = HasAnchor(t);
  const bool request = from < s.words.size() && In(WordList("classify_requests"), s.words[from]);
  // An address or a setting ("REDIS_URL=redis://cache.internal", "log in at http://10.0.0.1")
  // is reference information wherever it is said, unless the sentence asks for work on it.
  if (!request && HasSetting(raw)) return true;
  const WordSet& verbs = WordList("classify_world_verbs");
  const WordSet& relations = WordList("classify_relation_verbs");
  const WordSet& not_subjects = WordList("classify_not_subjects");
  // Subjects start after the leading words, or after a comma, colon or "and" inside the sentence.
  size_t clause_start = 0;
  size_t skipped = 0;  // leading words (interjections) to skip before the first subject
  for (size_t k = 0; k < t.size(); ++k) {
    const util::Token& tk = t[k];
    if (!tk.word) {
      clause_start = k + 1;
      continue;
    }
    if (skipped < from && clause_start == 0) {
      ++skipped;
      clause_start = k + 1;
      continue;
    }
    if (tk.norm == "and" || tk.norm == "but" || tk.norm == "so") {
      clause_start = k + 1;
      continue;
    }
    if (k == clause_start) continue;
    const util::Token& before = t[k - 1];
    const bool plural = before.word && before.norm.size() > 3 && before.norm.ends_with('s') &&
                        !before.norm.ends_with("ss");
    // Without a name or number, a plain subject still states a lasting fact in the present ("the
    // spare charger is in the top drawer", "the parking garage closes at midnight") when the
    // sentence is not about now and is not a progressive ("the tests are failing"); so
    // does a one-word subject in capitals ("Bogdan takes care of our invoices").
    const bool about_conversation =
        std::any_of(t.begin() + static_cast<ptrdiff_t>(clause_start),
                    t.begin() + static_cast<ptrdiff_t>(k), [](const util::Token& x) {
                      return x.word && In(WordList("classify_conversation_heads"), x.norm);
                    });
    const bool plain = t[clause_start].word && !about_conversation &&
                       (util::OneOf(t[clause_start].norm, {"the", "our", "my"}) ||
                        (k == clause_start + 1 && t[clause_start].cap &&
                         !In(WordList("classify_vague_subjects"), t[clause_start].norm))) &&
                       !Transient(s.words) &&
                       !(util::OneOf(tk.norm, {"is", "are"}) && k + 1 < t.size() && t[k + 1].word &&
                         t[k + 1].norm.ends_with("ing"));
    if (!InVerbs(relations, tk.norm, plural) &&
        !((anchored || plain) && InVerbs(verbs, tk.norm, plural)))
      continue;
    if (!before.word || In(not_subjects, before.norm)) continue;
    // After a determiner the word is a noun: "my head is killing me" has no verb "head".
    if (util::OneOf(before.norm, {"my", "our", "the", "a", "an", "his", "her", "their", "its"}))
      continue;
    // The subject: the words since the clause started, none of them the speaker or the listener.
    bool subject = false, conversation = false;
    for (size_t j = clause_start; j < k; ++j) {
      if (!t[j].word) continue;
      // "this week", "that sprint": a time, not the conversation.
      const bool time = (t[j].norm == "this" || t[j].norm == "that") && j + 1 < k &&
                        In(WordList("classify_time_nouns"), t[j + 1].norm);
      if (In(not_subjects, t[j].norm) && !time) conversation = true;
      subject = true;
    }
    if (!subject || conversation) continue;
    // The opening verb of a request is no subject: "explain how X works".
    if (request && clause_start <= from + skipped) continue;
    return true;
  }
  return false;
}

// Whether a declarative sentence announces a new value of something ("Porto is home now",
// "standup moved to 10:15", "we upgraded checkout to Node 20"): a word of
// rules/change_markers.txt and something particular (HasAnchor, or a capitalized first word that
// is no function word).
bool AnnouncesNewValue(const Sentence& s, size_t from) {
  if (s.tokens.empty() || from >= s.words.size()) return false;
  if (In(WordList("classify_requests"), s.words[from])) return false;
  // "Left a comment on your PR": about the listener's work, not a value of the user's world.
  if (std::any_of(s.words.begin(), s.words.end(), [](const std::string& w) {
        return util::OneOf(w, {"you", "your", "yours"});
      }))
    return false;
  if (!AnnouncesChange(RawOf(s.tokens))) return false;
  // "so pescatarian these days": a phrase naming a single-valued slot (rules/slot_cues.txt).
  if (HasAnchor(s.tokens) || !NamedSlots(RawOf(s.tokens)).empty()) return true;
  const util::Token* first = nullptr;
  for (const util::Token& t : s.tokens) {
    if (t.word) {
      first = &t;
      break;
    }
  }
  // A word that only opens the sentence ("Moved the file to src") names nothing, and "Switched to
  // your version" is about the conversation.
  return first != nullptr && first->cap && !In(WordList("classify_not_subjects"), first->norm) &&
         !In(WordList("classify_lead"), first->norm) && first->norm != "the" &&
         first->norm != "my" && first->norm != "our" &&
         !In(WordList("sentence_openers"), first->norm) && !PointsAtConversation(s.words, from + 1);
}

// "Not a fan of long emails", "I'd rather get bullet points", "When you explain code, skip the
// basics": a standing preference said in a phrase of rules/classify_preference_cues.txt.
bool StatesStandingPreference(std::span<const std::string> w) {
  for (std::string_view cue : WordList("classify_preference_cues")) {
    std::vector<std::string_view> parts;
    for (size_t b = 0; b < cue.size();) {
      size_t e = cue.find(' ', b);
      if (e == std::string_view::npos) e = cue.size();
      parts.push_back(cue.substr(b, e - b));
      b = e + 1;
    }
    for (size_t i = 0; i + parts.size() <= w.size(); ++i) {
      if (std::equal(parts.begin(), parts.end(), w.begin() + static_cast<ptrdiff_t>(i)))
        return true;
    }
  }
  return false;
}

// Whether a sentence says what something does to the user: "Peanuts give me hives", "Gluten makes
// me sick" (rules/classify_experiencer_verbs.txt), with a subject that is no pointer at the
// conversation ("that makes me happy").
bool AffectsUser(const std::vector<std::string>& w, size_t from) {
  const WordSet& verbs = WordList("classify_experiencer_verbs");
  for (size_t k = from + 1; k + 1 < w.size(); ++k) {
    if (In(verbs, w[k]) && (w[k + 1] == "me" || w[k + 1] == "my"))
      return NamesALastingThing(w, from, k);
  }
  return false;
}

// Leading interjections to skip before judging a sentence's first word.
size_t SkipLead(const std::vector<std::string>& w) {
  const WordSet& lead = WordList("classify_lead");
  size_t i = 0;
  while (i < w.size() && In(lead, w[i])) ++i;
  return i;
}

}  // namespace

Classification ClassifyTurn(Role role, std::string_view text) {
  // A tool result answers a call and a system message frames the session: both must stay in
  // it, whatever they say.
  if (role == Role::kTool) return {Disposition::kSessionOnly, "tool output"};
  if (role == Role::kSystem) return {Disposition::kSessionOnly, "system message"};
  const Scan scan = ScanText(text);
  if (scan.words == 0) return {Disposition::kDiscard, scan.symbols ? "filler" : "empty"};
  if (IsFiller(scan)) return {Disposition::kDiscard, "filler"};
  if (role == Role::kAssistant) return {Disposition::kSessionOnly, "assistant message"};
  if (!ExtractCandidates(text, 0).empty()) return {Disposition::kPromote, "extracted memory"};
  // "Globex's reports run on it": a world statement whose "it" the write path resolves.
  if (!WorldStatements(text).empty()) return {Disposition::kPromote, "world fact"};
  bool question = false;
  for (const Sentence& s : scan.sentences) {
    const size_t i = SkipLead(s.words);
    if (i >= s.words.size() || Vents(s.words)) continue;
    // "When you explain code, skip the basics": a standing preference, whatever opens it.
    if (!s.question && StatesStandingPreference(s.words))
      return {Disposition::kPromote, "preference"};
    if (s.question || IsQuestionStart(s.words[i])) {
      question = true;
      if (s.question && s.before_comma > i && !IsQuestionStart(s.words[i]) &&
          !IsHypotheticalStart(s.words[i]) &&
          Discloses(std::span(s.words).subspan(i, s.before_comma - i)))
        return {Disposition::kPromote, "self-disclosure"};
      continue;
    }
    if (IsHypotheticalStart(s.words[i]) || s.words[i] == "when") continue;
    if (Discloses(std::span(s.words).subspan(i))) return {Disposition::kPromote, "self-disclosure"};
    // "Sold the Civic and bought a Tesla", "Left Initech in the spring": the speaker's "I" left
    // out before a change of what lasts (rules/classify_elided_verbs.txt).
    // It names what changed ("Civic", "Initech") and points at nothing of the conversation ("Left
    // a comment on your PR", "Sold out everywhere").
    if (In(WordList("classify_elided_verbs"), s.words[i]) && i + 1 < s.words.size() &&
        HasAnchor(s.tokens) &&
        std::none_of(s.words.begin(), s.words.end(),
                     [](const std::string& x) { return In(WordList("classify_deictic"), x); }))
      return {Disposition::kPromote, "self-disclosure"};
    if (AffectsUser(s.words, i)) return {Disposition::kPromote, "self-disclosure"};
    if (StatesWorldFact(s, i)) return {Disposition::kPromote, "world fact"};
    if (AnnouncesNewValue(s, i)) return {Disposition::kPromote, "new value"};
    // "Three weeks in at KPMG and the people are nicer": where the user works or lives now, said
    // by naming it (rules/slot_values.txt).
    if (!NamedSlotValues(RawOf(s.tokens)).empty()) return {Disposition::kPromote, "new value"};
  }
  return {Disposition::kSessionOnly, question ? "question" : "no durable information"};
}

}  // namespace engram::hygiene
