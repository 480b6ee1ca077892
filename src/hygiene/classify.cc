#include "hygiene/classify.h"

#include <algorithm>
#include <initializer_list>
#include <span>
#include <string>
#include <unordered_set>
#include <vector>

#include "hygiene/extract.h"
#include "util/utf8.h"

namespace engram::hygiene {

namespace {

using WordSet = std::unordered_set<std::string_view>;

// One sentence as lowercase words, contractions expanded ("i'm" -> "i", "am").
struct Sentence {
  std::vector<std::string> words;
  bool question = false;  // ended with '?'
  // Words before the last comma: in "I have two kids, any tips?" the statement still counts.
  size_t before_comma = 0;
};

struct Scan {
  std::vector<Sentence> sentences;  // non-empty ones only
  size_t words = 0;
  bool symbols = false;  // emoji or other symbols seen
};

// Punctuation, symbols, arrows, dingbats, emoji, variation selectors, undecodable bytes.
bool IsSymbol(char32_t cp) {
  return (cp >= 0x80 && cp <= 0xBF) || (cp >= 0x2000 && cp <= 0x2BFF) ||
         (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFE00 && cp <= 0xFE0F) ||
         (cp >= 0xFF00 && cp <= 0xFF0F) || (cp >= 0x1F000 && cp <= 0x1FAFF) ||
         (cp >= 0xE0000 && cp <= 0xE007F) || cp == 0xFFFD;
}

void PushWord(Sentence& s, std::string w) {
  auto push2 = [&](std::string a, std::string b) {
    s.words.push_back(std::move(a));
    s.words.push_back(std::move(b));
  };
  if (w == "im") return push2("i", "am");
  if (w == "ive") return push2("i", "have");
  if (w == "dont") return push2("do", "not");
  if (w == "can't" || w == "cant" || w == "cannot") return push2("can", "not");
  if (w == "won't") return push2("will", "not");
  struct Suffix {
    std::string_view suffix, part;
  };
  static constexpr Suffix kSuffixes[] = {{"n't", "not"},  {"'m", "am"},   {"'ve", "have"},
                                         {"'ll", "will"}, {"'re", "are"}, {"'d", "would"}};
  for (const Suffix& x : kSuffixes) {
    if (w.size() > x.suffix.size() && std::string_view(w).ends_with(x.suffix)) {
      return push2(w.substr(0, w.size() - x.suffix.size()), std::string(x.part));
    }
  }
  // "wife's" -> "wife": the possessive does not change what the word is about.
  if (w.size() > 2 && std::string_view(w).ends_with("'s")) w.resize(w.size() - 2);
  s.words.push_back(std::move(w));
}

Scan ScanText(std::string_view text) {
  Scan out;
  Sentence cur;
  std::string word;
  auto end_word = [&] {
    if (word.empty()) return;
    ++out.words;
    PushWord(cur, std::move(word));
    word.clear();
  };
  auto end_sentence = [&](bool question) {
    end_word();
    if (cur.words.empty()) return;
    cur.question = question;
    out.sentences.push_back(std::move(cur));
    cur = Sentence();
  };
  const size_t n = text.size();
  for (size_t i = 0; i < n;) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') {
        word += static_cast<char>(c | 0x20);
      } else if (c >= '0' && c <= '9') {
        word += static_cast<char>(c);
      } else if (c == '\'' && !word.empty() && i + 1 < n &&
                 ((text[i + 1] | 0x20) >= 'a' && (text[i + 1] | 0x20) <= 'z')) {
        word += '\'';
      } else if (c == '?' || c == '.' || c == '!' || c == ';' || c == '\n') {
        end_sentence(c == '?');
      } else if (c == ',') {
        end_word();
        cur.before_comma = cur.words.size();
      } else {
        end_word();
      }
      ++i;
      continue;
    }
    char32_t cp;
    const size_t len = util::DecodeUtf8(text, i, cp);
    if (cp == 0x2019 && !word.empty() && i + len < n &&
        ((text[i + len] | 0x20) >= 'a' && (text[i + len] | 0x20) <= 'z')) {
      word += '\'';  // ’ inside a word
    } else if (cp == 0xFF1F) {
      end_sentence(true);
    } else if (IsSymbol(cp)) {
      end_word();
      out.symbols = true;
    } else {
      word.append(text.substr(i, len));  // a letter of another script
    }
    i += len;
  }
  end_sentence(false);
  return out;
}

bool In(const WordSet& set, std::string_view w) {
  return set.count(w) > 0;
}
bool OneOf(std::string_view w, std::initializer_list<std::string_view> words) {
  return std::find(words.begin(), words.end(), w) != words.end();
}

// Words that make a message filler (acknowledgements, greetings, thanks, laughter).
const WordSet& FillerWords() {
  static const WordSet s{
      "hi",         "hello",      "hey",         "heya",    "hiya",      "yo",        "sup",
      "howdy",      "greetings",  "morning",     "gm",      "gn",        "afternoon", "evening",
      "night",      "goodnight",  "thanks",      "thank",   "thx",       "ty",        "tysm",
      "tyvm",       "cheers",     "ok",          "okay",    "k",         "kk",        "okey",
      "okie",       "alright",    "sure",        "fine",    "cool",      "nice",      "great",
      "awesome",    "perfect",    "excellent",   "amazing", "wonderful", "fantastic", "brilliant",
      "sweet",      "neat",       "lovely",      "good",    "welcome",   "np",        "gotcha",
      "understood", "noted",      "roger",       "lol",     "lmao",      "rofl",      "haha",
      "hahaha",     "hehe",       "heh",         "xd",      "hmm",       "hm",        "uh",
      "um",         "ah",         "oh",          "ooh",     "wow",       "whoa",      "oops",
      "yay",        "bye",        "goodbye",     "cya",     "ttyl",      "later",     "worries",
      "problem",    "appreciate", "appreciated", "agreed",  "exactly",   "indeed",    "true",
      "right",      "works",      "worked",      "helps",   "helped",    "helpful",   "makes",
      "sense",      "sounds",     "got",         "see",     "care",      "day",       "understand",
      "clear",      "will",       "ack",         "yw",      "ikr",       "omg",       "wtf",
      "gg",         "brb",        "ta",          "merci",   "danke",     "gracias"};
  return s;
}

// Words that may appear in filler but do not make it filler alone ("yes", "no", "you").
const WordSet& FillerGlue() {
  static const WordSet s{
      "a",      "an",    "the",  "so",     "very",   "much",    "lot",        "you",
      "your",   "it",    "i",    "that",   "this",   "there",   "all",        "everyone",
      "guys",   "folks", "team", "again",  "too",    "me",      "for",        "and",
      "to",     "of",    "my",   "really", "just",   "do",      "have",       "as",
      "well",   "is",    "was",  "thing",  "also",   "man",     "mate",       "bro",
      "dude",   "buddy", "pal",  "sir",    "course", "totally", "absolutely", "definitely",
      "please", "one",   "help", "yes",    "yeah",   "yep",     "yup",        "ya",
      "no",     "nope",  "nah",  "y",      "n",      "now",     "then",       "take",
      "an",     "are",   "am",   "we",     "not"};
  return s;
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
  static const WordSet s{"do",     "does", "did",  "can",   "could", "would", "will",
                         "should", "is",   "are",  "am",    "was",   "were",  "what",
                         "why",    "how",  "when", "where", "who",   "which", "whose",
                         "have",   "has",  "may",  "might", "shall", "any",   "wonder"};
  return In(s, w);
}

bool IsHypotheticalStart(std::string_view w) {
  static const WordSet s{"if",     "suppose",        "supposing", "imagine", "assuming",
                         "assume", "hypothetically", "pretend",   "unless",  "say",
                         "let",    "lets",           "maybe"};
  return In(s, w);
}

// Nouns after "my" that are about the user's life rather than the task at hand.
const WordSet& MyDurable() {
  static const WordSet s{
      "name",        "wife",         "husband",    "partner",     "spouse",      "kids",
      "kid",         "children",     "child",      "son",         "daughter",    "family",
      "mom",         "mum",          "mother",     "dad",         "father",      "parents",
      "brother",     "sister",       "siblings",   "dog",         "cat",         "pet",
      "pets",        "birthday",     "favorite",   "favourite",   "job",         "role",
      "title",       "employer",     "company",    "team",        "manager",     "boss",
      "hometown",    "home",         "city",       "timezone",    "diet",        "allergy",
      "allergies",   "doctor",       "goal",       "goals",       "plan",        "plans",
      "deadline",    "schedule",     "stack",      "preference",  "preferences", "native",
      "first",       "age",          "pronouns",   "degree",      "major",       "school",
      "university",  "college",      "hobby",      "hobbies",     "girlfriend",  "boyfriend",
      "fiance",      "fiancee",      "baby",       "commute",     "apartment",   "house",
      "landlord",    "health",       "condition",  "therapist",   "budget",      "salary",
      "language",    "religion",     "background", "experience",  "career",      "startup",
      "business",    "shift",        "hours",      "weekends",    "routine",     "workout",
      "gym",         "neighborhood", "wedding",    "anniversary", "grandma",     "grandpa",
      "grandmother", "grandfather",  "aunt",       "uncle",       "cousin",      "roommate",
      "twins",       "puppy",        "kitten",     "daughters",   "sons",        "brothers",
      "sisters",     "marriage",     "divorce",    "surgery",     "pregnancy",   "medication",
      "meds",        "disability",   "therapy"};
  return s;
}

// Nouns after "I have" that describe the user's life ("I have two kids", "a bad knee").
const WordSet& Possessions() {
  static const WordSet s{
      "kid",           "kids",      "child",      "children",      "son",        "sons",
      "daughter",      "daughters", "baby",       "twins",         "dog",        "dogs",
      "cat",           "cats",      "pet",        "pets",          "puppy",      "kitten",
      "wife",          "husband",   "partner",    "boyfriend",     "girlfriend", "fiance",
      "fiancee",       "sister",    "sisters",    "brother",       "brothers",   "sibling",
      "siblings",      "family",    "roommate",   "degree",        "phd",        "masters",
      "master",        "bachelor",  "diploma",    "certification", "license",    "allergy",
      "allergies",     "condition", "disability", "car",           "house",      "apartment",
      "flat",          "garden",    "farm",       "business",      "company",    "startup",
      "shop",          "bakery",    "restaurant", "hobby",         "horse",      "mortgage",
      "visa",          "knee",      "back",       "heart",         "hip",        "shoulder",
      "grandchildren", "grandkids", "stepson",    "stepdaughter",  "parrot",     "rabbit",
      "hamster",       "fish",      "bike",       "motorcycle",    "boat",       "cabin",
      "tattoo",        "tattoos",   "twin",       "newborn",       "toddler",    "teenager",
      "teenagers",     "job",       "side"};
  return s;
}

// Words between "I have" and the noun: determiners, numbers, adjectives of age and state.
const WordSet& PossessionModifiers() {
  static const WordSet s{
      "a",       "an",     "two",  "three",     "four",      "five",  "six",     "2",      "3",
      "4",       "5",      "one",  "some",      "no",        "many",  "several", "little", "young",
      "small",   "big",    "new",  "older",     "younger",   "elder", "grown",   "adult",  "bad",
      "chronic", "severe", "own",  "teenage",   "toddler",   "twin",  "baby",    "old",    "got",
      "full",    "part",   "time", "full-time", "part-time", "food"};
  return s;
}

// States after "I am" that last ("I'm pregnant", "I'm planning a wedding").
const WordSet& DurableStates() {
  static const WordSet s{"planning",  "training",    "learning",      "studying",    "pregnant",
                         "married",   "divorced",    "single",        "retired",     "engaged",
                         "expecting", "moving",      "relocating",    "saving",      "preparing",
                         "applying",  "recovering",  "switching",     "quitting",    "allergic",
                         "vegan",     "vegetarian",  "diabetic",      "based",       "originally",
                         "from",      "unemployed",  "self-employed", "freelancing", "raising",
                         "caring",    "renovating",  "building",      "writing",     "taking",
                         "majoring",  "graduating",  "starting",      "launching",   "divorcing",
                         "widowed",   "disabled",    "colorblind",    "left-handed", "deaf",
                         "blind",     "celiac",      "lactose",       "fluent",      "native",
                         "bilingual", "introverted", "extroverted",   "nocturnal",   "mostly"};
  return s;
}

// Verbs after "I" that state a durable habit, trait, history or relationship.
const WordSet& DurableVerbs() {
  static const WordSet s{
      "live",    "work",     "study",    "teach",     "own",       "speak",      "prefer",
      "like",    "love",     "hate",     "enjoy",     "play",      "practice",   "volunteer",
      "commute", "drive",    "manage",   "lead",      "graduated", "studied",    "majored",
      "grew",    "moved",    "joined",   "cook",      "bake",      "garden",     "hike",
      "swim",    "belong",   "identify", "celebrate", "follow",    "retired",    "quit",
      "adopted", "divorced", "married",  "run",       "attend",    "collect",    "knit",
      "paint",   "meditate", "train",    "coach",     "mentor",    "homeschool", "rent",
      "dislike", "avoid",    "eat",      "drink",     "wear",      "suffer",     "take",
      "use",     "code",     "program",  "write",     "read",      "listen",     "watch",
      "support", "vote",     "lived",    "worked",    "founded",   "co-founded", "raised",
      "wake",    "sleep",    "surf",     "climb",     "ski",       "snowboard",  "cycle",
      "bike",    "fish",     "hunt",     "travel",    "stutter"};
  return s;
}

// Verbs after "I want to" / "I'm going to" that name a goal rather than a task.
const WordSet& GoalVerbs() {
  static const WordSet s{"learn",  "become",  "move",    "visit",    "travel",   "start",
                         "quit",   "lose",    "retire",  "switch",   "study",    "improve",
                         "launch", "open",    "found",   "buy",      "get",      "save",
                         "run",    "write",   "build",   "finish",   "complete", "apply",
                         "adopt",  "marry",   "have",    "pursue",   "change",   "earn",
                         "train",  "compete", "publish", "relocate", "emigrate", "graduate"};
  return s;
}

// Objects that point at the conversation ("I like your answer") rather than the user's life.
bool PointsAtConversation(std::span<const std::string> w, size_t from) {
  static const WordSet kDeictic{"it", "that", "this", "these", "those", "your", "you", "yours"};
  static const WordSet kHeads{"idea",     "suggestion", "answer", "response", "approach",
                              "solution", "code",       "option", "version",  "explanation",
                              "example",  "output",     "result", "draft",    "fix",
                              "change",   "changes",    "one",    "list",     "summary"};
  if (from < w.size() && In(kDeictic, w[from])) return true;
  for (size_t k = from; k < w.size() && k < from + 3; ++k) {
    if (In(kHeads, w[k])) return true;
  }
  return false;
}

bool IsAdverb(std::string_view w) {
  static const WordSet s{"really",     "also",       "just",    "actually", "currently",
                         "still",      "recently",   "finally", "now",      "totally",
                         "definitely", "personally", "already", "not",      "no",
                         "longer",     "do",         "don't",   "does"};
  return In(s, w);
}

// Whether the words of a declarative sentence disclose something durable in the first person.
bool Discloses(std::span<const std::string> w) {
  static const WordSet kHabit{"usually",  "always",    "never",     "often",  "typically",
                              "normally", "generally", "regularly", "rarely", "sometimes",
                              "mostly",   "mainly",    "tend",      "prefer"};
  for (size_t k = 0; k < w.size(); ++k) {
    if (w[k] == "my" && k + 1 < w.size() && In(MyDurable(), w[k + 1])) return true;
    if (w[k] != "i") continue;
    size_t j = k + 1;
    if (j < w.size() && In(kHabit, w[j])) return true;  // "I usually ...", "I never ..."
    while (j < w.size() && IsAdverb(w[j])) ++j;
    if (j >= w.size()) return false;
    const std::string& v = w[j];
    const size_t next = j + 1;
    auto at = [&](size_t i) -> std::string_view {
      return i < w.size() ? std::string_view(w[i]) : "";
    };
    if (v == "am" || v == "was") {
      size_t x = next;
      while (x < w.size() && IsAdverb(w[x])) ++x;
      if (v == "was" && at(x) == "born") return true;
      if (v == "am" && In(DurableStates(), at(x))) return true;
      // "I'm a nurse", "I'm an early riser"; not "I'm a bit lost".
      if (v == "am" && (at(x) == "a" || at(x) == "an") &&
          !OneOf(at(x + 1),
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
      while (x < w.size() && In(PossessionModifiers(), w[x])) ++x;
      if (In(Possessions(), at(x))) return true;
      if (In(DurableVerbs(), at(next)) || at(next) == "lived" || at(next) == "worked") return true;
      continue;
    }
    if (OneOf(v, {"want", "plan", "hope", "intend", "aim", "dream", "would"})) {
      size_t x = next;
      if (v == "would" && (at(x) == "like" || at(x) == "love")) ++x;
      if (at(x) == "to" && In(GoalVerbs(), at(x + 1))) return true;
      if ((v == "plan" || v == "dream" || v == "intend") &&
          (at(x) == "to" || at(x) == "on" || at(x) == "of"))
        return true;
      continue;
    }
    if (v == "got" && OneOf(at(next), {"married", "engaged", "divorced", "promoted", "hired",
                                       "pregnant", "adopted"}))
      return true;
    if (In(DurableVerbs(), v) && !PointsAtConversation(w, next)) return true;
  }
  return false;
}

// Leading interjections to skip before judging a sentence's first word.
size_t SkipLead(const std::vector<std::string>& w) {
  static const WordSet kLead{"hi",   "hello",    "hey",    "oh",      "well", "so",
                             "also", "and",      "but",    "btw",     "fyi",  "ok",
                             "okay", "yeah",     "yes",    "no",      "um",   "uh",
                             "hmm",  "actually", "anyway", "alright", "sure", "thanks"};
  size_t i = 0;
  while (i < w.size() && In(kLead, w[i])) ++i;
  return i;
}

}  // namespace

const char* DispositionName(Disposition disposition) {
  switch (disposition) {
    case Disposition::kDiscard:
      return "discard";
    case Disposition::kSessionOnly:
      return "session_only";
    case Disposition::kPromote:
      return "promote";
  }
  return "session_only";
}

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
  bool question = false;
  for (const Sentence& s : scan.sentences) {
    const size_t i = SkipLead(s.words);
    if (i >= s.words.size()) continue;
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
  }
  return {Disposition::kSessionOnly, question ? "question" : "no durable information"};
}

}  // namespace engram::hygiene
