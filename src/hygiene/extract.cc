#include "hygiene/extract.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "util/utf8.h"

namespace engram::hygiene {

namespace {

using Json = nlohmann::json;
using WordSet = std::unordered_set<std::string_view>;

// ---------------------------------------------------------------------------------------------
// Characters

bool IsAlpha(unsigned char c) {
  return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}
bool IsDigit(unsigned char c) {
  return c >= '0' && c <= '9';
}
bool IsAlnum(unsigned char c) {
  return IsAlpha(c) || IsDigit(c);
}
bool IsUpper(unsigned char c) {
  return c >= 'A' && c <= 'Z';
}
char ToLower(char c) {
  return IsUpper(static_cast<unsigned char>(c)) ? char(c | 0x20) : c;
}
char ToUpper(char c) {
  return c >= 'a' && c <= 'z' ? char(c & ~0x20) : c;
}

// Non-ASCII code points that separate words: Latin-1 punctuation, general punctuation, symbols,
// arrows, dingbats, CJK punctuation, variation selectors, emoji, and undecodable bytes.
bool IsSeparator(char32_t cp) {
  return (cp >= 0x80 && cp <= 0xBF) || cp == 0xD7 || cp == 0xF7 || (cp >= 0x2000 && cp <= 0x2BFF) ||
         (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFE00 && cp <= 0xFE0F) ||
         (cp >= 0xFF00 && cp <= 0xFF0F) || (cp >= 0x1F000 && cp <= 0x1FAFF) ||
         (cp >= 0xE0000 && cp <= 0xE007F) || cp == 0xFFFD;
}

// The punctuation token a separator stands for, or "" when it is just a gap.
std::string_view SeparatorPunct(char32_t cp) {
  switch (cp) {
    case 0x2026:  // …
    case 0x3002:  // 。
      return ".";
    case 0xFF01:
      return "!";
    case 0xFF1F:
      return "?";
    case 0x2013:  // – and — separate clauses like commas
    case 0x2014:
      return ",";
    case 0x201C:
    case 0x201D:
    case 0x00AB:
    case 0x00BB:
      return "\"";
    default:
      return "";
  }
}

// ---------------------------------------------------------------------------------------------
// Tokens

struct Token {
  std::string_view raw;  // the written word; the parts of a contraction share it
  std::string norm;      // lowercase ASCII, ’ as ', contractions expanded ("i'm": "i", "am")
  bool word = true;      // false for punctuation, whose norm is one of . , ! ? ; : ( ) "
  bool cap = false;      // written capitalized ("Dana", "eBay", "Zürich")
};
using Tokens = std::vector<Token>;

// Splits contractions so that rules see "i am", "do not", "name 's".
void PushWord(Tokens& out, std::string_view raw, std::string norm, bool cap) {
  auto push = [&](std::string_view part, bool part_cap) {
    out.push_back({raw, std::string(part), true, part_cap});
  };
  struct Whole {
    std::string_view word, first, second;
  };
  // Apostrophe-less spellings and irregular negations.
  static constexpr Whole kWhole[] = {
      {"im", "i", "am"},         {"ive", "i", "have"},      {"dont", "do", "not"},
      {"doesnt", "does", "not"}, {"didnt", "did", "not"},   {"cant", "can", "not"},
      {"cannot", "can", "not"},  {"isnt", "is", "not"},     {"wasnt", "was", "not"},
      {"arent", "are", "not"},   {"can't", "can", "not"},   {"won't", "will", "not"},
      {"ain't", "am", "not"},    {"shan't", "shall", "not"}};
  for (const Whole& w : kWhole) {
    if (norm == w.word) {
      push(w.first, cap);
      push(w.second, false);
      return;
    }
  }
  struct Suffix {
    std::string_view suffix, part;
  };
  static constexpr Suffix kSuffixes[] = {{"n't", "not"},  {"'m", "am"},   {"'ve", "have"},
                                         {"'ll", "will"}, {"'re", "are"}, {"'d", "would"},
                                         {"'s", "'s"}};
  for (const Suffix& s : kSuffixes) {
    if (norm.size() > s.suffix.size() && std::string_view(norm).ends_with(s.suffix)) {
      push(std::string_view(norm).substr(0, norm.size() - s.suffix.size()), cap);
      push(s.part, false);
      return;
    }
  }
  push(norm, cap);
}

bool IsWordStart(std::string_view s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return IsAlnum(c);
  char32_t cp;
  util::DecodeUtf8(s, i, cp);
  return !IsSeparator(cp);
}

Tokens Tokenize(std::string_view s) {
  Tokens out;
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (IsWordStart(s, i)) {
      std::string norm;
      bool cap = IsUpper(c);
      size_t j = i;
      while (j < n) {
        const auto d = static_cast<unsigned char>(s[j]);
        if (d < 0x80) {
          if (IsAlnum(d)) {
            cap = cap || IsUpper(d);
            norm += ToLower(char(d));
            ++j;
          } else if ((d == '\'' || d == '-' || d == '.' || d == '&') && j + 1 < n &&
                     IsWordStart(s, j + 1) &&
                     (d != '\'' || IsAlpha(static_cast<unsigned char>(s[j + 1])))) {
            norm += char(d);
            ++j;
          } else {
            break;
          }
        } else if (s.substr(j, 3) == "\xE2\x80\x99" && j + 3 < n &&
                   IsAlpha(static_cast<unsigned char>(s[j + 3]))) {
          norm += '\'';  // ’ inside a word is an apostrophe
          j += 3;
        } else {
          char32_t cp;
          const size_t len = util::DecodeUtf8(s, j, cp);
          if (IsSeparator(cp)) break;
          if (j == i) cap = true;  // a non-ASCII initial is taken as a capital (Ørsted, Zürich)
          norm.append(s.substr(j, len));
          j += len;
        }
      }
      // "C++", "C#", "F#": trailing signs that belong to the name.
      if (j + 1 < n && s[j] == '+' && s[j + 1] == '+' &&
          (j + 2 == n || !IsAlnum(static_cast<unsigned char>(s[j + 2])))) {
        norm += "++";
        j += 2;
      } else if (j < n && s[j] == '#' &&
                 (j + 1 == n || !IsAlnum(static_cast<unsigned char>(s[j + 1])))) {
        norm += '#';
        ++j;
      }
      PushWord(out, s.substr(i, j - i), std::move(norm), cap);
      i = j;
      continue;
    }
    std::string_view punct;
    size_t len = 1;
    if (c >= 0x80) {
      char32_t cp;
      len = util::DecodeUtf8(s, i, cp);
      punct = SeparatorPunct(cp);
    } else if (c == '\n') {
      punct = ".";  // a line break ends a sentence
    } else if (std::string_view(".,!?;:()\"").find(char(c)) != std::string_view::npos) {
      punct = s.substr(i, 1);
    } else if (c == '-' && i > 0 && s[i - 1] == ' ' && i + 1 < n && s[i + 1] == ' ') {
      punct = ",";  // a spaced dash
    }
    if (!punct.empty()) out.push_back({s.substr(i, len), std::string(punct), false, false});
    i += len;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Vocabulary

bool In(std::string_view w, std::initializer_list<std::string_view> words) {
  return std::find(words.begin(), words.end(), w) != words.end();
}

// Degree and frequency adverbs that may sit between the subject and the verb.
const WordSet& Adverbs() {
  static const WordSet s{
      "really",    "also",       "just",       "actually",   "currently",   "now",
      "still",     "totally",    "absolutely", "usually",    "generally",   "mostly",
      "mainly",    "primarily",  "definitely", "personally", "truly",       "honestly",
      "genuinely", "certainly",  "typically",  "normally",   "only",        "always",
      "recently",  "already",    "finally",    "officially", "exclusively", "strictly",
      "kinda",     "sort",       "kind",       "pretty",     "quite",       "so",
      "very",      "especially", "deeply",     "seriously",  "severely",    "highly",
      "basically", "literally",  "obviously",  "even",       "too",         "happily",
      "proudly",   "regularly",  "often",      "sometimes",  "daily",       "religiously"};
  return s;
}

// Lemma of the inflections the rules care about; other words map to themselves.
std::string_view Lemma(std::string_view w) {
  struct Form {
    std::string_view form, lemma;
  };
  static constexpr Form kForms[] = {
      {"lives", "live"},       {"living", "live"},        {"works", "work"},
      {"working", "work"},     {"uses", "use"},           {"using", "use"},
      {"likes", "like"},       {"loves", "love"},         {"loving", "love"},
      {"enjoys", "enjoy"},     {"enjoying", "enjoy"},     {"prefers", "prefer"},
      {"hates", "hate"},       {"dislikes", "dislike"},   {"codes", "code"},
      {"coding", "code"},      {"programs", "program"},   {"programming", "program"},
      {"develops", "develop"}, {"developing", "develop"}, {"writes", "write"},
      {"writing", "write"},    {"speaks", "speak"},       {"eats", "eat"},
      {"eating", "eat"},       {"drinks", "drink"},       {"drinking", "drink"},
      {"avoids", "avoid"},     {"avoiding", "avoid"},     {"follows", "follow"},
      {"following", "follow"}, {"suffers", "suffer"},     {"suffering", "suffer"},
      {"keeps", "keep"},       {"resides", "reside"},     {"residing", "reside"},
      {"goes", "go"},          {"wants", "want"},         {"adores", "adore"},
      {"detests", "detest"},   {"loathes", "loathe"},     {"despises", "despise"}};
  for (const Form& f : kForms) {
    if (f.form == w) return f.lemma;
  }
  return w;
}

// Past participles after "I have" that keep a statement in the present ("I've lived here since").
std::string_view PerfectLemma(std::string_view w) {
  struct Form {
    std::string_view form, lemma;
  };
  static constexpr Form kForms[] = {
      {"lived", "live"},    {"worked", "work"},        {"used", "use"},
      {"coded", "code"},    {"programmed", "program"}, {"developed", "develop"},
      {"had", "have"},      {"moved", "moved"},        {"relocated", "relocated"},
      {"joined", "joined"}, {"avoided", "avoid"},      {"followed", "follow"},
      {"loved", "love"},    {"liked", "like"},         {"hated", "hate"},
      {"enjoyed", "enjoy"}, {"resided", "reside"},     {"suffered", "suffer"},
      {"kept", "keep"}};
  for (const Form& f : kForms) {
    if (f.form == w) return f.lemma;
  }
  return {};
}

// Words that end an object phrase (function words, time words, hedges).
const WordSet& PhraseStops() {
  static const WordSet s{
      "and",    "or",       "but",      "because",   "since",      "when",      "whenever",
      "while",  "though",   "although", "except",    "especially", "more",      "than",
      "over",   "rather",   "instead",  "if",        "unless",     "too",       "so",
      "very",   "really",   "much",     "now",       "anymore",    "lately",    "nowadays",
      "these",  "today",    "tomorrow", "yesterday", "every",      "all",       "most",
      "best",   "least",    "as",       "at",        "in",         "to",        "for",
      "by",     "from",     "with",     "which",     "who",        "that",      "what",
      "where",  "how",      "even",     "also",      "a",          "an",        "vs",
      "versus", "compared", "though",   "anyway",    "right",      "currently", "still",
      "again",  "on",       "is",       "are",       "was",        "were",      "am",
      "be",     "been",     "will",     "would",     "can",        "could",     "should",
      "not",    "never",    "no",       "i",         "you",        "we",        "they",
      "he",     "she",      "it",       "btw",       "lol",        "haha",      "please",
      "thanks", "since",    "until",    "after",     "before",     "starting",  "about",
      "here",   "there",    "then",     "though",    "do",         "does",      "did",
      "have",   "has",      "had",      "my",        "your",       "our",       "their",
      "his",    "her",      "its",      "'s",        "of",         "the",       "full",
      "part",   "time",     "years",    "year",      "months",     "weeks",     "days",
      "ago",    "nice",     "good",     "glad",      "great",      "pleased",   "hi",
      "hello",  "hey",      "remotely", "fulltime",  "full-time",  "part-time", "daily",
      "weekly", "mainly",   "mostly",   "primarily"};
  return s;
}

// Objects that refer to the conversation or to nothing in particular.
bool IsDeictic(std::string_view w) {
  static const WordSet s{
      "it",      "that",  "this",       "them",     "those",     "these",   "him",      "her",
      "you",     "me",    "myself",     "what",     "how",       "when",    "where",    "why",
      "who",     "which", "everything", "anything", "something", "nothing", "everyone", "anyone",
      "someone", "one",   "your",       "yours",    "his",       "their",   "our",      "mine",
      "my",      "doing", "being",      "having",   "getting",   "here",    "there",    "all",
      "both",    "us",    "it's",       "whatever", "stuff",     "things",  "lots"};
  return s.count(w) > 0;
}

// Heads of objects that are about the assistant's last answer, not the user.
bool IsVagueHead(std::string_view w) {
  static const WordSet s{"idea",     "ideas",    "suggestion", "suggestions", "answer",  "answers",
                         "response", "approach", "solution",   "plan",        "option",  "options",
                         "version",  "proposal", "example",    "explanation", "change",  "changes",
                         "fix",      "one",      "way",        "thing",       "things",  "stuff",
                         "lot",      "bit",      "part",       "list",        "summary", "output",
                         "result",   "results",  "code",       "draft",       "edit",    "edits"};
  return s.count(w) > 0;
}

// Programming languages: "I use X" and "I code in X" share the key of X.
bool IsProgrammingLanguage(std::string_view w) {
  static const WordSet s{
      "python",     "go",    "golang",   "rust",   "java",     "javascript", "js",
      "typescript", "ts",    "c",        "c++",    "c#",       "f#",         "ruby",
      "php",        "swift", "kotlin",   "scala",  "haskell",  "elixir",     "erlang",
      "clojure",    "r",     "julia",    "perl",   "lua",      "dart",       "sql",
      "bash",       "zig",   "ocaml",    "matlab", "fortran",  "cobol",      "objective-c",
      "html",       "css",   "solidity", "groovy", "nim",      "crystal",    "elm",
      "prolog",     "lisp",  "scheme",   "racket", "assembly", "vb.net",     "powershell"};
  return s.count(w) > 0;
}

// Role nouns: "I'm a <...> engineer" is a role, "I'm a <...> fan" is not.
bool IsRoleHead(std::string_view w) {
  static const WordSet s{"engineer",
                         "developer",
                         "programmer",
                         "designer",
                         "manager",
                         "scientist",
                         "analyst",
                         "teacher",
                         "professor",
                         "student",
                         "nurse",
                         "doctor",
                         "lawyer",
                         "attorney",
                         "accountant",
                         "consultant",
                         "architect",
                         "writer",
                         "journalist",
                         "researcher",
                         "founder",
                         "co-founder",
                         "cofounder",
                         "ceo",
                         "cto",
                         "cfo",
                         "coo",
                         "cio",
                         "vp",
                         "director",
                         "lead",
                         "intern",
                         "chef",
                         "cook",
                         "artist",
                         "musician",
                         "photographer",
                         "pharmacist",
                         "dentist",
                         "therapist",
                         "electrician",
                         "plumber",
                         "mechanic",
                         "pilot",
                         "firefighter",
                         "officer",
                         "librarian",
                         "administrator",
                         "admin",
                         "editor",
                         "translator",
                         "marketer",
                         "recruiter",
                         "entrepreneur",
                         "freelancer",
                         "contractor",
                         "technician",
                         "veterinarian",
                         "vet",
                         "surgeon",
                         "physician",
                         "paramedic",
                         "farmer",
                         "driver",
                         "barista",
                         "waiter",
                         "waitress",
                         "cashier",
                         "clerk",
                         "secretary",
                         "coordinator",
                         "specialist",
                         "strategist",
                         "economist",
                         "statistician",
                         "mathematician",
                         "physicist",
                         "chemist",
                         "biologist",
                         "psychologist",
                         "sre",
                         "devops",
                         "postdoc",
                         "undergrad",
                         "undergraduate",
                         "tutor",
                         "coach",
                         "trainer",
                         "owner",
                         "head",
                         "president",
                         "partner",
                         "associate",
                         "principal",
                         "officer",
                         "executive",
                         "assistant",
                         "representative",
                         "agent",
                         "broker",
                         "banker",
                         "investor",
                         "psychiatrist",
                         "optometrist",
                         "surveyor",
                         "carpenter",
                         "welder",
                         "baker",
                         "butcher",
                         "tester",
                         "scrum",
                         "owner",
                         "maintainer",
                         "hacker",
                         "student",
                         "phd",
                         "candidate",
                         "resident",
                         "professional",
                         "worker",
                         "officer",
                         "soldier",
                         "sergeant",
                         "captain",
                         "lieutenant",
                         "detective",
                         "paralegal",
                         "midwife",
                         "caregiver",
                         "nanny",
                         "social",
                         "counselor",
                         "counsellor",
                         "illustrator",
                         "animator",
                         "producer",
                         "actor",
                         "actress",
                         "singer",
                         "composer",
                         "dancer",
                         "author",
                         "novelist",
                         "poet",
                         "blogger",
                         "streamer",
                         "youtuber",
                         "influencer",
                         "bartender",
                         "housekeeper",
                         "janitor",
                         "cleaner",
                         "guard",
                         "inspector",
                         "auditor",
                         "underwriter",
                         "actuary",
                         "controller",
                         "bookkeeper",
                         "realtor",
                         "salesperson",
                         "salesman",
                         "saleswoman",
                         "dietitian",
                         "nutritionist",
                         "physiotherapist",
                         "radiologist",
                         "anesthesiologist"};
  return s.count(w) > 0;
}

// Capitalized words that follow "I'm" without being a name.
bool IsNonName(std::string_view w) {
  static const WordSet s{"sorry",
                         "fine",
                         "good",
                         "great",
                         "ok",
                         "okay",
                         "here",
                         "back",
                         "done",
                         "ready",
                         "not",
                         "so",
                         "very",
                         "just",
                         "also",
                         "still",
                         "really",
                         "sure",
                         "happy",
                         "glad",
                         "excited",
                         "tired",
                         "busy",
                         "confused",
                         "lost",
                         "stuck",
                         "new",
                         "home",
                         "going",
                         "trying",
                         "looking",
                         "working",
                         "using",
                         "thinking",
                         "afraid",
                         "pretty",
                         "always",
                         "never",
                         "currently",
                         "now",
                         "only",
                         "in",
                         "on",
                         "at",
                         "from",
                         "with",
                         "a",
                         "an",
                         "the",
                         "your",
                         "my",
                         "human",
                         "bot",
                         "english",
                         "american",
                         "british",
                         "canadian",
                         "french",
                         "german",
                         "spanish",
                         "italian",
                         "dutch",
                         "swiss",
                         "swedish",
                         "norwegian",
                         "danish",
                         "finnish",
                         "polish",
                         "russian",
                         "ukrainian",
                         "chinese",
                         "japanese",
                         "korean",
                         "indian",
                         "pakistani",
                         "brazilian",
                         "mexican",
                         "argentinian",
                         "australian",
                         "irish",
                         "scottish",
                         "welsh",
                         "portuguese",
                         "greek",
                         "turkish",
                         "israeli",
                         "egyptian",
                         "nigerian",
                         "kenyan",
                         "african",
                         "european",
                         "asian",
                         "latino",
                         "latina",
                         "hispanic",
                         "christian",
                         "catholic",
                         "jewish",
                         "muslim",
                         "buddhist",
                         "hindu",
                         "vegan",
                         "vegetarian",
                         "allergic",
                         "diabetic",
                         "based",
                         "located",
                         "married",
                         "single",
                         "divorced",
                         "retired",
                         "unemployed",
                         "pregnant",
                         "sick",
                         "ill",
                         "well",
                         "bored",
                         "hungry",
                         "curious",
                         "interested",
                         "aware",
                         "able",
                         "unable",
                         "late",
                         "early",
                         "off",
                         "out",
                         "up",
                         "down",
                         "over",
                         "all",
                         "both",
                         "gay",
                         "straight",
                         "bi",
                         "trans",
                         "male",
                         "female",
                         "blind",
                         "deaf",
                         "gonna",
                         "like",
                         "kidding",
                         "joking",
                         "serious",
                         "honest",
                         "positive",
                         "certain",
                         "convinced",
                         "impressed",
                         "sad",
                         "angry",
                         "mad",
                         "upset",
                         "worried",
                         "nervous",
                         "scared",
                         "thrilled",
                         "alone",
                         "free",
                         "available",
                         "about",
                         "into",
                         "like",
                         "afk",
                         "brb",
                         "there",
                         "right",
                         "wrong",
                         "fluent",
                         "literally",
                         "actually",
                         "definitely",
                         "probably",
                         "quite",
                         "done",
                         "finished",
                         "leaving",
                         "off",
                         "asian",
                         "canadian",
                         "vietnamese",
                         "thai",
                         "filipino",
                         "indonesian",
                         "malaysian",
                         "iranian",
                         "iraqi",
                         "lebanese",
                         "moroccan",
                         "ethiopian",
                         "ghanaian",
                         "colombian",
                         "peruvian",
                         "chilean",
                         "cuban",
                         "czech",
                         "slovak",
                         "hungarian",
                         "romanian",
                         "bulgarian",
                         "serbian",
                         "croatian",
                         "austrian",
                         "belgian",
                         "icelandic",
                         "estonian",
                         "latvian",
                         "lithuanian",
                         "arab",
                         "persian",
                         "kurdish",
                         "bangladeshi",
                         "sri",
                         "nepali",
                         "scandinavian",
                         "texan",
                         "californian",
                         "new",
                         "old",
                         "young",
                         "single",
                         "engaged",
                         "employed",
                         "self-employed",
                         "remote",
                         "online",
                         "offline",
                         "awake",
                         "asleep",
                         "vegan",
                         "gluten-free",
                         "lactose",
                         "sober",
                         "atheist",
                         "agnostic",
                         "republican",
                         "democrat",
                         "conservative",
                         "liberal",
                         "left-handed",
                         "right-handed",
                         "introverted",
                         "extroverted"};
  return s.count(w) > 0;
}

// Words that never are (part of) a name after "call me", "my name is", "named".
bool IsNameStop(std::string_view w) {
  static const WordSet s{
      "and",      "but",      "or",        "so",       "too",      "btw",     "by",      "the",
      "a",        "an",       "not",       "please",   "though",   "now",     "here",    "there",
      "later",    "back",     "when",      "if",       "at",       "on",      "in",      "tomorrow",
      "today",    "tonight",  "anytime",   "sometime", "maybe",    "asap",    "instead", "from",
      "for",      "with",     "lol",       "haha",     "thanks",   "thank",   "ok",      "okay",
      "whenever", "anything", "something", "whatever", "what",     "you",     "me",      "it",
      "that",     "this",     "is",        "was",      "actually", "really",  "just",    "again",
      "first",    "then",     "nice",      "good",     "glad",     "pleased", "great",   "sir",
      "maam",     "ma'am",    "also",      "as",       "to",       "of",      "i",       "my",
      "your",     "we",       "our",       "yes",      "no",       "hi",      "hello",   "hey",
      "since",    "because",  "who",       "which",    "am",       "are",     "be",      "been",
      "do",       "does",     "did",       "have",     "has",      "will",    "would",   "can",
      "could",    "should",   "lmao",      "jk",       "tbh",      "fyi",     "pls",     "plz",
      "thx"};
  return s.count(w) > 0;
}

// Lower-case nouns after "live in" / "work at" that are not places or organizations.
bool IsCommonPlaceNoun(std::string_view w) {
  static const WordSet s{"home",
                         "work",
                         "school",
                         "college",
                         "university",
                         "office",
                         "night",
                         "nights",
                         "weekends",
                         "weekend",
                         "town",
                         "city",
                         "house",
                         "apartment",
                         "flat",
                         "village",
                         "suburb",
                         "suburbs",
                         "countryside",
                         "country",
                         "area",
                         "neighborhood",
                         "neighbourhood",
                         "remote",
                         "remotely",
                         "myself",
                         "least",
                         "first",
                         "times",
                         "peace",
                         "fear",
                         "denial",
                         "bed",
                         "hell",
                         "heaven",
                         "harmony",
                         "free",
                         "money",
                         "living",
                         "fun",
                         "hours",
                         "days",
                         "years",
                         "months",
                         "weeks",
                         "minutes",
                         "long",
                         "shifts",
                         "freelance",
                         "hospital",
                         "startup",
                         "company",
                         "bank",
                         "store",
                         "shop",
                         "restaurant",
                         "cafe",
                         "place",
                         "places",
                         "lab",
                         "library",
                         "church",
                         "moment",
                         "dawn",
                         "midnight",
                         "noon",
                         "morning",
                         "mornings",
                         "evening",
                         "evenings",
                         "nothing",
                         "someone",
                         "people",
                         "clients",
                         "customers",
                         "family",
                         "friends",
                         "fine",
                         "full",
                         "part",
                         "big",
                         "small",
                         "large",
                         "local",
                         "tech",
                         "it",
                         "them",
                         "this",
                         "that",
                         "there",
                         "here",
                         "cities",
                         "ny",
                         "van",
                         "rv",
                         "tent",
                         "dorm",
                         "dorms",
                         "hotel",
                         "hotels",
                         "basement",
                         "attic",
                         "car"};
  return s.count(w) > 0;
}

// A word and the canonical form it stands for, in the lookup tables below.
struct Canonical {
  std::string_view word, canonical;
};

// The canonical form of w in table; empty when w is not in it.
template <size_t N>
std::string_view CanonicalOf(const Canonical (&table)[N], std::string_view w) {
  for (const Canonical& e : table) {
    if (e.word == w) return e.canonical;
  }
  return {};
}

// Canonical name of a health condition stated with "I have ..." or "I'm <adjective>".
std::string_view ConditionName(std::string_view w) {
  static constexpr Canonical kConditions[] = {{"diabetes", "diabetes"},
                                              {"diabetic", "diabetes"},
                                              {"asthma", "asthma"},
                                              {"asthmatic", "asthma"},
                                              {"epilepsy", "epilepsy"},
                                              {"epileptic", "epilepsy"},
                                              {"celiac", "celiac disease"},
                                              {"coeliac", "celiac disease"},
                                              {"migraines", "migraines"},
                                              {"migraine", "migraines"},
                                              {"hypertension", "hypertension"},
                                              {"adhd", "ADHD"},
                                              {"autism", "autism"},
                                              {"autistic", "autism"},
                                              {"dyslexia", "dyslexia"},
                                              {"dyslexic", "dyslexia"},
                                              {"anxiety", "anxiety"},
                                              {"depression", "depression"},
                                              {"arthritis", "arthritis"},
                                              {"ibs", "IBS"},
                                              {"crohn", "Crohn's disease"},
                                              {"crohns", "Crohn's disease"},
                                              {"lupus", "lupus"},
                                              {"insomnia", "insomnia"},
                                              {"copd", "COPD"},
                                              {"gout", "gout"},
                                              {"tinnitus", "tinnitus"},
                                              {"pcos", "PCOS"},
                                              {"endometriosis", "endometriosis"},
                                              {"fibromyalgia", "fibromyalgia"},
                                              {"colorblind", "color blindness"},
                                              {"colourblind", "color blindness"},
                                              {"deaf", "deafness"},
                                              {"anemia", "anemia"},
                                              {"anaemia", "anemia"},
                                              {"anemic", "anemia"},
                                              {"ms", "multiple sclerosis"},
                                              {"parkinson", "Parkinson's disease"},
                                              {"parkinsons", "Parkinson's disease"},
                                              {"ptsd", "PTSD"},
                                              {"ocd", "OCD"},
                                              {"eczema", "eczema"},
                                              {"psoriasis", "psoriasis"},
                                              {"hypothyroidism", "hypothyroidism"},
                                              {"gerd", "GERD"},
                                              {"sciatica", "sciatica"},
                                              {"osteoporosis", "osteoporosis"}};
  return CanonicalOf(kConditions, w);
}

// Diet styles (mutually exclusive: one key) and religious observances.
std::string_view DietStyle(std::string_view w) {
  static constexpr Canonical kStyles[] = {{"vegetarian", "vegetarian"},
                                          {"veggie", "vegetarian"},
                                          {"vegan", "vegan"},
                                          {"pescatarian", "pescatarian"},
                                          {"pescetarian", "pescatarian"},
                                          {"keto", "keto"},
                                          {"paleo", "paleo"},
                                          {"carnivore", "carnivore"},
                                          {"flexitarian", "flexitarian"},
                                          {"plant-based", "vegan"},
                                          {"omnivore", "omnivore"}};
  return CanonicalOf(kStyles, w);
}

// Family relations, canonicalized; each has one fixed key family.<relation>.
std::string_view Relation(std::string_view w) {
  static constexpr Canonical kRelations[] = {{"wife", "wife"},
                                             {"husband", "husband"},
                                             {"partner", "partner"},
                                             {"spouse", "spouse"},
                                             {"girlfriend", "girlfriend"},
                                             {"boyfriend", "boyfriend"},
                                             {"fiance", "fiance"},
                                             {"fiancee", "fiance"},
                                             {"fiancé", "fiance"},
                                             {"fiancée", "fiance"},
                                             {"son", "son"},
                                             {"daughter", "daughter"},
                                             {"brother", "brother"},
                                             {"sister", "sister"},
                                             {"mother", "mother"},
                                             {"mom", "mother"},
                                             {"mum", "mother"},
                                             {"mommy", "mother"},
                                             {"father", "father"},
                                             {"dad", "father"},
                                             {"daddy", "father"},
                                             {"grandmother", "grandmother"},
                                             {"grandma", "grandmother"},
                                             {"granny", "grandmother"},
                                             {"grandfather", "grandfather"},
                                             {"grandpa", "grandfather"},
                                             {"aunt", "aunt"},
                                             {"uncle", "uncle"},
                                             {"cousin", "cousin"},
                                             {"niece", "niece"},
                                             {"nephew", "nephew"},
                                             {"kid", "child"},
                                             {"child", "child"},
                                             {"baby", "baby"},
                                             {"stepson", "stepson"},
                                             {"stepdaughter", "stepdaughter"},
                                             {"best", "best friend"}};
  return CanonicalOf(kRelations, w);
}

std::string_view PetSpecies(std::string_view w) {
  static constexpr Canonical kSpecies[] = {{"dog", "dog"},
                                           {"puppy", "dog"},
                                           {"pup", "dog"},
                                           {"cat", "cat"},
                                           {"kitten", "cat"},
                                           {"kitty", "cat"},
                                           {"rabbit", "rabbit"},
                                           {"bunny", "rabbit"},
                                           {"hamster", "hamster"},
                                           {"parrot", "parrot"},
                                           {"bird", "bird"},
                                           {"fish", "fish"},
                                           {"goldfish", "fish"},
                                           {"horse", "horse"},
                                           {"pony", "horse"},
                                           {"turtle", "turtle"},
                                           {"tortoise", "tortoise"},
                                           {"snake", "snake"},
                                           {"lizard", "lizard"},
                                           {"ferret", "ferret"},
                                           {"gecko", "gecko"},
                                           {"parakeet", "parakeet"},
                                           {"budgie", "parakeet"},
                                           {"guinea", "guinea pig"},
                                           {"chinchilla", "chinchilla"},
                                           {"rat", "rat"},
                                           {"mouse", "mouse"},
                                           {"iguana", "iguana"}};
  return CanonicalOf(kSpecies, w);
}

// Foods and drinks for "I avoid X" / "I can't have X", where a free object would be too broad.
bool IsFood(std::string_view w) {
  static const WordSet s{
      "dairy",    "gluten",    "sugar",    "caffeine",  "alcohol",     "lactose",  "nuts",
      "peanuts",  "shellfish", "eggs",     "egg",       "soy",         "wheat",    "meat",
      "pork",     "beef",      "fish",     "seafood",   "salt",        "carbs",    "milk",
      "cheese",   "coffee",    "wine",     "beer",      "chocolate",   "garlic",   "onions",
      "spicy",    "fried",     "red",      "processed", "bread",       "pasta",    "rice",
      "shrimp",   "chicken",   "lamb",     "sesame",    "corn",        "tomatoes", "mushrooms",
      "fructose", "msg",       "sulfites", "tree",      "nightshades", "sweets",   "junk"};
  return s.count(w) > 0;
}

// ---------------------------------------------------------------------------------------------
// Token helpers

bool Is(const Tokens& t, size_t i, std::string_view w) {
  return i < t.size() && t[i].norm == w;
}
bool IsWord(const Tokens& t, size_t i) {
  return i < t.size() && t[i].word;
}
bool IsPunct(const Tokens& t, size_t i) {
  return i < t.size() && !t[i].word;
}
bool IsAny(const Tokens& t, size_t i, std::initializer_list<std::string_view> words) {
  return IsWord(t, i) && In(t[i].norm, words);
}
bool IsIn(const Tokens& t, size_t i, const WordSet& set) {
  return IsWord(t, i) && set.count(t[i].norm) > 0;
}
// Matches the words `seq` at i and moves i past them.
bool Match(const Tokens& t, size_t& i, std::initializer_list<std::string_view> seq) {
  size_t j = i;
  for (std::string_view w : seq) {
    if (!Is(t, j, w)) return false;
    ++j;
  }
  i = j;
  return true;
}
// Whether the clause ends at i (end of tokens or a clause-internal punctuation mark).
bool AtEnd(const Tokens& t, size_t i) {
  return i >= t.size() || !t[i].word;
}

// The original text of tokens [b, e), b < e.
std::string Span(const Tokens& t, size_t b, size_t e) {
  const char* first = t[b].raw.data();
  const char* last = t[e - 1].raw.data() + t[e - 1].raw.size();
  return std::string(first, static_cast<size_t>(last - first));
}

struct Range {
  size_t b = 0, e = 0;
  bool empty() const { return b >= e; }
};

// Cuts s to at most max bytes without splitting a UTF-8 sequence.
std::string TruncateUtf8(std::string s, size_t max) {
  if (s.size() <= max) return s;
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  s.resize(cut);
  return s;
}

// "peanuts" -> "peanut", "strawberries" -> "strawberry", "peaches" -> "peach"; short words and
// "-ss", "-us", "-is" endings stay.
std::string Singular(std::string w) {
  auto ends = [&](std::string_view s) { return std::string_view(w).ends_with(s); };
  if (w.size() <= 3 || ends("ss") || ends("us") || ends("is")) return w;
  if (ends("ies")) return w.substr(0, w.size() - 3) + "y";
  if (ends("ches") || ends("shes") || ends("xes") || ends("oes")) return w.substr(0, w.size() - 2);
  if (ends("s")) w.pop_back();
  return w;
}

// A key segment: lowercase words of tokens [b, e) joined by '-', determiners and possessives
// dropped at the start; "C++" -> "cpp", "C#" -> "csharp", "Node.js" -> "nodejs". At most 48
// bytes; empty when nothing is left.
std::string Slug(const Tokens& t, size_t b, size_t e, bool singular = false) {
  std::string out;
  for (size_t i = b; i < e; ++i) {
    if (!t[i].word || t[i].norm == "'s") continue;
    const std::string& w = t[i].norm;
    if (out.empty() && In(w, {"a", "an", "the", "to", "my", "our", "some", "your"})) continue;
    std::string part;
    for (char ch : w) {
      const auto u = static_cast<unsigned char>(ch);
      if (IsAlnum(u) || u >= 0x80) {
        part += ch;
      } else if (ch == '+') {
        part += 'p';
      } else if (ch == '#') {
        part += "sharp";
      } else if (ch == '&') {
        part += "and";
      } else if (ch == '-' && !part.empty() && part.back() != '-') {
        part += '-';
      }
    }
    while (!part.empty() && part.back() == '-') part.pop_back();
    if (part.empty()) continue;
    if (!out.empty() && out.size() + 1 + part.size() > 48) break;
    if (!out.empty()) out += '-';
    out += part;
  }
  if (singular && !out.empty()) {
    const size_t dash = out.rfind('-');
    const size_t start = dash == std::string::npos ? 0 : dash + 1;
    out = out.substr(0, start) + Singular(out.substr(start));
  }
  return TruncateUtf8(std::move(out), 48);
}

// A fixed key segment from a canonical name: "Crohn's disease" -> "crohns-disease".
std::string KeySegment(std::string_view name) {
  std::string out;
  for (char ch : name) {
    if (ch == ' ')
      out += '-';
    else if (ch != '\'')
      out += ToLower(ch);
  }
  return out;
}

std::string Capitalize(std::string s) {
  if (!s.empty()) s[0] = ToUpper(s[0]);
  return s;
}

// Title-cases text typed all in lower case ("new york" -> "New York"); keeps any other casing.
std::string TitleIfLower(std::string s) {
  if (std::any_of(s.begin(), s.end(),
                  [](char c) { return IsUpper(static_cast<unsigned char>(c)); }))
    return s;
  bool start = true;
  for (char& c : s) {
    if (start) c = ToUpper(c);
    start = c == ' ' || c == '-';
  }
  return s;
}

// "a" or "an" before a word, by its first letter.
std::string_view Article(std::string_view next) {
  return !next.empty() && In(std::string_view(&next[0], 1),
                             {"a", "e", "i", "o", "u", "A", "E", "I", "O", "U"})
             ? "an"
             : "a";
}

// Third-person singular of a verb after "the user": "live" -> "lives", "can" -> "can".
std::string Conjugate(std::string_view verb) {
  std::string lower;
  for (char c : verb) lower += ToLower(c);
  if (lower == "am") return "is";
  if (lower == "have") return "has";
  if (lower == "do") return "does";
  if (In(lower, {"can", "could", "will", "would", "shall", "should", "may", "might", "must", "was",
                 "were", "did", "had", "used", "is", "has", "does"}) ||
      lower.ends_with("ed"))
    return std::string(verb);
  std::string out(verb);
  const auto ends = [&](std::string_view s) { return lower.ends_with(s); };
  if (ends("s") || ends("sh") || ends("ch") || ends("x") || ends("z") || ends("o"))
    return out + "es";
  if (lower.size() > 1 && ends("y") &&
      !In(lower.substr(lower.size() - 2, 1), {"a", "e", "i", "o", "u"}))
    return out.substr(0, out.size() - 1) + "ies";
  return out + "s";
}

// Tokens [b, e) in the third person, from the original text: "I" -> "the user" (with the verb
// agreeing: "I live" -> "the user lives", "I'm" -> "the user is"), "my" -> "the user's",
// "me" -> "the user". Everything else, spacing included, is copied as written.
std::string ThirdPerson(const Tokens& t, size_t b, size_t e) {
  if (b >= e) return {};
  const char* const first = t[b].raw.data();
  const char* const last = t[e - 1].raw.data() + t[e - 1].raw.size();
  std::string out;
  const char* pos = first;
  bool conjugate_next = false;  // the previous word was a bare "I"
  size_t i = b;
  while (i < e) {
    // A group is the tokens of one written word (a contraction yields several).
    size_t g = i + 1;
    while (g < e && t[g].raw.data() == t[i].raw.data()) ++g;
    const Token& head = t[i];
    std::string replacement;
    bool replace = false;
    if (head.word && head.norm == "i") {
      replace = true;
      replacement = "the user";
      for (size_t k = i + 1; k < g; ++k) replacement += " " + Conjugate(t[k].norm);
      conjugate_next = g == i + 1;
    } else if (head.word && g == i + 1 && In(head.norm, {"my", "mine"})) {
      replace = true, replacement = "the user's";
    } else if (head.word && g == i + 1 && head.norm == "me") {
      replace = true, replacement = "the user";
    } else if (head.word && g == i + 1 && head.norm == "myself") {
      replace = true, replacement = "themselves";
    } else if (conjugate_next && head.word && !Adverbs().count(head.norm)) {
      replace = true;
      replacement = Conjugate(g == i + 1 ? head.raw : std::string_view(head.norm));
      for (size_t k = i + 1; k < g; ++k) replacement += " " + t[k].norm;
      conjugate_next = false;
    } else if (!head.word) {
      conjugate_next = false;
    }
    if (replace) {
      out.append(pos, head.raw.data());
      out += replacement;
      pos = head.raw.data() + head.raw.size();
    }
    i = g;
  }
  out.append(pos, last);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Dates

using std::chrono::sys_days;

// A date as written; fields left 0 (weekday -1) were not given.
struct DateExpr {
  int year = 0, month = 0, day = 0;
  int weekday = -1;       // 0 = Sunday
  bool relative = false;  // `offset` days from today ("tomorrow", "in 3 days")
  int offset = 0;
  size_t end = 0;  // one past its last token
};

int MonthNumber(std::string_view w) {
  static constexpr std::string_view kMonths[] = {"january",   "february", "march",    "april",
                                                 "may",       "june",     "july",     "august",
                                                 "september", "october",  "november", "december"};
  for (int m = 0; m < 12; ++m) {
    if (w == kMonths[m] || (w.size() >= 3 && w.size() < kMonths[m].size() &&
                            kMonths[m].starts_with(w) && (w.size() == 3 || w == "sept")))
      return m + 1;
  }
  return 0;
}

const char* MonthName(int month) {
  static constexpr const char* kNames[] = {"January",   "February", "March",    "April",
                                           "May",       "June",     "July",     "August",
                                           "September", "October",  "November", "December"};
  return kNames[month - 1];
}

int WeekdayNumber(std::string_view w) {
  struct Entry {
    std::string_view word;
    int day;
  };
  static constexpr Entry kDays[] = {
      {"sunday", 0},    {"monday", 1}, {"mon", 1},      {"tuesday", 2}, {"tue", 2},  {"tues", 2},
      {"wednesday", 3}, {"wed", 3},    {"thursday", 4}, {"thu", 4},     {"thur", 4}, {"thurs", 4},
      {"friday", 5},    {"fri", 5},    {"saturday", 6}, {"sat", 6}};
  for (const Entry& e : kDays) {
    if (e.word == w) return e.day;
  }
  return -1;
}

// Day of month from "3", "03", "3rd", "21st"; 0 if not one.
int DayNumber(std::string_view w) {
  size_t digits = 0;
  while (digits < w.size() && IsDigit(static_cast<unsigned char>(w[digits]))) ++digits;
  if (digits == 0 || digits > 2) return 0;
  const std::string_view suffix = w.substr(digits);
  if (!suffix.empty() && !In(suffix, {"st", "nd", "rd", "th"})) return 0;
  const int d = digits == 1 ? w[0] - '0' : (w[0] - '0') * 10 + (w[1] - '0');
  return d >= 1 && d <= 31 ? d : 0;
}

int YearNumber(std::string_view w) {
  if (w.size() != 4 || !std::all_of(w.begin(), w.end(),
                                    [](char c) { return IsDigit(static_cast<unsigned char>(c)); }))
    return 0;
  const int y = std::stoi(std::string(w));
  return y >= 1900 && y <= 2100 ? y : 0;
}

int SmallNumber(std::string_view w) {
  static constexpr std::string_view kWords[] = {"zero", "one",    "two",   "three", "four",
                                                "five", "six",    "seven", "eight", "nine",
                                                "ten",  "eleven", "twelve"};
  for (int k = 0; k <= 12; ++k) {
    if (w == kWords[k]) return k;
  }
  if (w == "a" || w == "an") return 1;
  if (w.empty() || w.size() > 3 || !std::all_of(w.begin(), w.end(), [](char c) {
        return IsDigit(static_cast<unsigned char>(c));
      }))
    return -1;
  return std::stoi(std::string(w));
}

// Whether the calendar date exists (February 29 checked against a leap year when year is 0).
bool ValidDay(int year, int month, int day) {
  using namespace std::chrono;
  return year_month_day{std::chrono::year{year == 0 ? 2000 : year},
                        std::chrono::month{unsigned(month)}, std::chrono::day{unsigned(day)}}
      .ok();
}

// A date at t[i] ("on"/"by"/"this"/"the" skipped). Month-only and year-only dates ("since May",
// "in 2021") are accepted only with `partial`. "next Friday" and other ambiguous phrases are not
// dates.
std::optional<DateExpr> ParseDate(const Tokens& t, size_t i, bool partial) {
  while (IsAny(t, i, {"on", "by", "this", "the", "before", "until"})) ++i;
  DateExpr d;
  if (!IsWord(t, i)) return std::nullopt;
  const std::string& w = t[i].norm;
  if (In(w, {"today", "tonight"}) || w == "tomorrow" || w == "yesterday") {
    d.relative = true;
    d.offset = w == "tomorrow" ? 1 : w == "yesterday" ? -1 : 0;
    d.end = i + 1;
    return d;
  }
  if (w == "in" && IsWord(t, i + 1) && IsAny(t, i + 2, {"day", "days", "week", "weeks"})) {
    const int n = SmallNumber(t[i + 1].norm);
    if (n < 1 || n > 365) return std::nullopt;
    d.relative = true;
    d.offset = t[i + 2].norm.starts_with("week") ? 7 * n : n;
    d.end = i + 3;
    return d;
  }
  if (w.size() == 10 && w[4] == '-' && w[7] == '-') {
    const int y = YearNumber(w.substr(0, 4));
    const int m = DayNumber(w.substr(5, 2));  // two digits
    const int day = DayNumber(w.substr(8, 2));
    if (y == 0 || m < 1 || m > 12 || day == 0 || !ValidDay(y, m, day)) return std::nullopt;
    d.year = y, d.month = m, d.day = day, d.end = i + 1;
    return d;
  }
  if (const int wd = WeekdayNumber(w); wd >= 0) {
    d.weekday = wd;
    d.end = i + 1;
    // "Friday, March 6": the explicit date wins.
    size_t j = i + 1;
    if (Is(t, j, ",")) ++j;
    if (auto full = ParseDate(t, j, false); full && !full->relative && full->weekday < 0)
      return full;
    return d;
  }
  size_t j = i;
  if (const int m = MonthNumber(w); m > 0) {
    // "March 3rd", "March 3, 2026", "March 2026", "May" (partial).
    ++j;
    if (Is(t, j, "the")) ++j;
    d.month = m;
    if (IsWord(t, j) && DayNumber(t[j].norm) > 0) {
      d.day = DayNumber(t[j].norm);
      ++j;
    }
    size_t k = j;
    if (Is(t, k, ",")) ++k;
    if (IsWord(t, k) && YearNumber(t[k].norm) > 0) {
      d.year = YearNumber(t[k].norm);
      j = k + 1;
    }
    if (d.day == 0 && d.year == 0 && !partial) return std::nullopt;
  } else if (DayNumber(w) > 0 &&
             (IsAny(t, i + 1, {"of"}) ? MonthNumber(IsWord(t, i + 2) ? t[i + 2].norm : "") > 0
                                      : IsWord(t, i + 1) && MonthNumber(t[i + 1].norm) > 0)) {
    // "3 May", "3rd of May 2026".
    d.day = DayNumber(w);
    j = i + 1;
    if (Is(t, j, "of")) ++j;
    d.month = MonthNumber(t[j].norm);
    ++j;
    size_t k = j;
    if (Is(t, k, ",")) ++k;
    if (IsWord(t, k) && YearNumber(t[k].norm) > 0) {
      d.year = YearNumber(t[k].norm);
      j = k + 1;
    }
  } else if (partial && YearNumber(w) > 0) {
    d.year = YearNumber(w);
    j = i + 1;
  } else {
    return std::nullopt;
  }
  if (d.day > 0 && !ValidDay(d.year, d.month, d.day)) return std::nullopt;
  d.end = j;
  return d;
}

enum class Direction { kFuture, kPast };

// Resolves a date against today: weekdays and month-days to their next (or, in the past
// direction, previous) occurrence; partial dates to their first day. nullopt when `now` is
// outside the years the calendar math is meant for.
std::optional<sys_days> Resolve(const DateExpr& d, Timestamp now, Direction dir) {
  using namespace std::chrono;
  constexpr Timestamp kMin = -2'208'988'800'000;   // 1900-01-01
  constexpr Timestamp kMax = 253'402'300'799'000;  // 9999-12-31
  if (now < kMin || now > kMax) return std::nullopt;
  const sys_days today = floor<days>(sys_time<milliseconds>(milliseconds(now)));
  const bool future = dir == Direction::kFuture;
  if (d.relative) return today + days(d.offset);
  if (d.weekday >= 0) {
    const int cur = static_cast<int>(weekday(today).c_encoding());
    int delta = future ? (d.weekday - cur + 7) % 7 : (cur - d.weekday + 7) % 7;
    if (delta == 0) delta = 7;  // "Friday" said on a Friday means the next one
    return future ? today + days(delta) : today - days(delta);
  }
  const year_month_day ymd_today{today};
  const int this_year = static_cast<int>(ymd_today.year());
  if (d.year > 0) {
    return sys_days(year_month_day{year{d.year}, month{unsigned(d.month ? d.month : 1)},
                                   day{unsigned(d.day ? d.day : 1)}});
  }
  if (d.day == 0) {
    // Month only: its first day, this year or the adjacent one.
    const int cur_month = static_cast<int>(unsigned(ymd_today.month()));
    const int y = future ? (d.month >= cur_month ? this_year : this_year + 1)
                         : (d.month <= cur_month ? this_year : this_year - 1);
    return sys_days(year_month_day{year{y}, month{unsigned(d.month)}, day{1}});
  }
  // Month and day: the nearest occurrence in the direction; February 29 skips to a leap year.
  for (int k = 0; k <= 8; ++k) {
    const int y = future ? this_year + k : this_year - k;
    const year_month_day ymd{year{y}, month{unsigned(d.month)}, day{unsigned(d.day)}};
    if (!ymd.ok()) continue;
    const sys_days candidate{ymd};
    if (future ? candidate >= today : candidate <= today) return candidate;
  }
  return std::nullopt;
}

std::string IsoDate(sys_days d) {
  const std::chrono::year_month_day ymd{d};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                unsigned(ymd.month()), unsigned(ymd.day()));
  return buf;
}

Timestamp ToTimestamp(sys_days d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d.time_since_epoch()).count();
}

// ---------------------------------------------------------------------------------------------
// Extraction

// What follows the subject "I" (or "we"): the main verb and how it is qualified.
struct Predicate {
  std::string_view lemma;  // "be" for am/are/been, "have" for possession, else Lemma()
  size_t next = 0;         // first token after the verb and the adverbs or negation after it
  bool negated = false;    // not, never, no longer
  bool cannot = false;     // can't, cannot: a constraint rather than a negation
};

// Words that begin a new clause after "and", "but" or a comma.
bool StartsClause(const Tokens& t, size_t i) {
  return IsAny(t, i, {"i", "my", "we", "our", "please", "remember", "always", "never", "call"});
}

// Verbs that continue with an elided "I": "I live in Paris and work at Acme".
bool IsElidedVerb(const Tokens& t, size_t i) {
  return IsAny(t, i,
               {"live", "work", "use", "like", "love", "prefer", "enjoy", "hate", "dislike", "code",
                "program", "moved", "relocated", "am", "speak", "have"});
}

// The first word of a question, or of the question part of "I'm vegan, any ideas?".
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

class Extractor {
 public:
  Extractor(std::string_view text, Timestamp now) : text_(text), now_(now) {
    bool has_upper = false, has_lower = false;
    for (char c : text) {
      has_upper = has_upper || IsUpper(static_cast<unsigned char>(c));
      has_lower = has_lower || (c >= 'a' && c <= 'z');
    }
    all_lower_ = !has_upper;
    shouting_ = has_upper && !has_lower;
  }

  std::vector<Candidate> Run() {
    const Tokens tokens = Tokenize(text_);
    size_t words = 0, capitalized = 0;
    for (const Token& tk : tokens) {
      if (!tk.word) continue;
      ++words;
      if (tk.cap) ++capitalized;
    }
    title_case_ = words >= 4 && capitalized == words;
    // Sentences end at . ! ? ; and line breaks, but not at the dot of "Dr." or "St.".
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

 private:
  void Add(MemoryType type, std::string key, std::string text, double confidence, const Json& data,
           std::optional<Timestamp> valid_from = std::nullopt) {
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
  static size_t SkipLead(const Tokens& t, size_t i) {
    static const WordSet kLead{
        "hi",       "hello",  "hey",          "oh",           "ok",        "okay",      "well",
        "so",       "also",   "and",          "but",          "plus",      "btw",       "fyi",
        "actually", "anyway", "anyways",      "yeah",         "yes",       "yep",       "no",
        "nope",     "um",     "uh",           "hmm",          "basically", "honestly",  "alright",
        "sure",     "then",   "incidentally", "oops",         "sorry",     "lol",       "haha",
        "ah",       "aha",    "wait",         "additionally", "besides",   "finally",   "firstly",
        "secondly", "lastly", "thanks",       "cool",         "great",     "nice",      "now",
        "hiya",     "heya",   "yo",           "greetings",    "otherwise", "currently", "nowadays"};
    for (;;) {
      if (IsPunct(t, i) && t[i].norm != "\"") {
        ++i;
      } else if (IsIn(t, i, kLead) && !(Is(t, i, "no") && Is(t, i + 1, "longer"))) {
        ++i;
      } else if (!(Match(t, i, {"by", "the", "way"}) || Match(t, i, {"for", "the", "record"}) ||
                   Match(t, i, {"for", "context"}) || Match(t, i, {"just", "so", "you", "know"}) ||
                   Match(t, i, {"fun", "fact"}) || Match(t, i, {"as", "a", "reminder"}) ||
                   Match(t, i, {"in", "fact"}) || Match(t, i, {"to", "be", "honest"}) ||
                   Match(t, i, {"thank", "you"}) || Match(t, i, {"good", "morning"}) ||
                   Match(t, i, {"good", "evening"}) || Match(t, i, {"good", "afternoon"}))) {
        return i;
      }
    }
  }

  void Sentence(const Tokens& s, bool question) {
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
      // "I'm vegetarian, any recipe ideas?": the statement before the question still counts.
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

  // Clauses of a sentence: split at "and", "but", commas ... when a new subject follows, and
  // with conditional clauses ("if it's cheap") dropped.
  static std::vector<Tokens> SplitClauses(const Tokens& s, size_t from) {
    std::vector<Tokens> out;
    Tokens cur;
    bool dropping = false;
    auto flush = [&] {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
    };
    for (size_t k = from; k < s.size(); ++k) {
      const Token& tk = s[k];
      const bool joiner =
          tk.word && In(tk.norm, {"and", "but", "plus", "because", "although", "though", "while",
                                  "whereas", "so", "also", "as"});
      const bool comma = !tk.word && In(tk.norm, {",", ":", "(", ")"});
      if (joiner || comma) {
        size_t j = k + 1;
        while (IsAny(s, j,
                     {"also", "then", "now", "so", "and", "but", "since", "well", "btw",
                      "actually"}) ||
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

  void Clause(const Tokens& c) {
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

  // ---- Subject and predicate

  static std::optional<Predicate> ParsePredicate(const Tokens& c, size_t i) {
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

  void SubjectI(const Tokens& c, size_t i) {
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
      // "I code in Go" names languages or tools; "I write Go" only counts for a language.
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
      if (!p->negated) Name(c, k + 1, 0.85, !all_lower_);
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
  void Copula(const Tokens& c, size_t k, const Predicate& p) {
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
      return Add(MemoryType::kFact, "diet.avoid." + Singular(food), "the user is " + c[j].norm,
                 0.85, Json{{"food", food}, {"constraint", "avoids"}});
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
    if (IsWord(c, j) && IsDigit(static_cast<unsigned char>(c[j].norm[0]))) return Age(c, j);
    if (RoleAt(c, j)) return;
    if (!IsAny(c, k, {"a", "an", "the"})) MaybeName(c, k);
  }

  // ---- Rules for particular kinds of facts

  void Allergy(const Tokens& c, size_t j) {
    for (const Range& r : Items(c, j, 4)) {
      const std::string allergen = Span(c, r.b, r.e);
      const std::string slug = Slug(c, r.b, r.e, true);
      if (slug.empty()) continue;
      Add(MemoryType::kFact, "diet.allergy." + slug, "the user is allergic to " + allergen, 0.95,
          Json{{"allergen", allergen}});
    }
  }

  // "I can't eat X", "I don't drink X", "I avoid X". With food_only, each item must be a food.
  void Avoid(const Tokens& c, size_t j, const std::string& verb, bool food_only) {
    const std::vector<Range> items = Items(c, j, 4);
    if (items.empty() && verb == "does not drink" && AtEnd(c, j)) {
      Add(MemoryType::kFact, "diet.avoid.alcohol", "the user does not drink alcohol", 0.8,
          Json{{"food", "alcohol"}, {"constraint", verb}});
      return;
    }
    for (const Range& r : items) {
      if (food_only && !IsFood(c[r.b].norm) && !IsFood(c[r.e - 1].norm)) continue;
      const std::string food = Span(c, r.b, r.e);
      const std::string slug = Slug(c, r.b, r.e, true);
      if (slug.empty()) continue;
      Add(MemoryType::kFact, "diet.avoid." + slug, "the user " + verb + " " + food, 0.9,
          Json{{"food", food}, {"constraint", verb}});
    }
  }

  // Diet style word at d; valid_from from the rest of the clause.
  void Diet(const Tokens& c, size_t d) {
    const std::string style(DietStyle(c[d].norm));
    Add(MemoryType::kFact, "diet.style", "the user is " + style, 0.9, Json{{"diet", style}},
        ValidFrom(c, d + 1, false));
  }

  void Observance(std::string_view word) {
    Add(MemoryType::kFact, "diet.observance", "the user keeps " + std::string(word), 0.85,
        Json{{"observance", std::string(word)}});
  }

  // A known condition named by the word at end - 1 ("diabetic", "diabetes"), as stated in
  // [b, end) ("type 2 diabetes").
  void ConditionAt(const Tokens& c, size_t b, size_t end) {
    const std::string_view canonical = ConditionName(c[end - 1].norm);
    if (canonical.empty()) return;
    const std::string stated = Span(c, b, end);
    Add(MemoryType::kFact, "health.condition." + KeySegment(canonical),
        "the user has " + std::string(canonical), 0.9,
        Json{{"condition", std::string(canonical)}, {"stated", stated}}, ValidFrom(c, end, false));
  }

  // "I have diabetes", "I suffer from migraines", "diagnosed with X". With any_phrase, an unknown
  // condition (up to four words) is kept under its own slug.
  void Condition(const Tokens& c, size_t j, bool any_phrase) {
    size_t b = j;
    while (IsAny(
        c, b,
        {"a", "an", "chronic", "severe", "mild", "bad", "terrible", "type", "1", "2", "i", "ii"}))
      ++b;
    size_t e = b;
    while (IsWord(c, e) && !IsIn(c, e, PhraseStops()) && e - b < 4) ++e;
    if (e == b) return;
    for (size_t w = b; w < e; ++w) {
      if (!ConditionName(c[w].norm).empty()) return ConditionAt(c, j, w + 1);
    }
    if (Is(c, b, "high") && Is(c, b + 1, "blood") && Is(c, b + 2, "pressure")) {
      return Add(MemoryType::kFact, "health.condition.hypertension",
                 "the user has high blood pressure", 0.9,
                 Json{{"condition", "hypertension"}, {"stated", Span(c, j, b + 3)}});
    }
    if (!any_phrase || !AtEnd(c, e)) return;
    const std::string stated = Span(c, b, e);
    Add(MemoryType::kFact, "health.condition." + Slug(c, b, e), "the user has " + stated, 0.8,
        Json{{"condition", stated}});
  }

  // "I have ...": allergies, conditions, family members and pets, a job.
  void Possession(const Tokens& c, size_t k) {
    // "I have a (severe) peanut allergy", "I have allergies to X", "I have an allergy to X".
    for (size_t a = k; a < c.size() && a < k + 6 && c[a].word; ++a) {
      if (!IsAny(c, a, {"allergy", "allergies"})) continue;
      if (Is(c, a + 1, "to")) return Allergy(c, a + 2);
      size_t b = k;
      while (IsAny(
          c, b,
          {"a", "an", "severe", "mild", "bad", "serious", "food", "strong", "life-threatening"}))
        ++b;
      if (b < a)
        Allergy(
            Tokens(c.begin() + static_cast<ptrdiff_t>(b), c.begin() + static_cast<ptrdiff_t>(a)),
            0);
      return;
    }
    size_t j = k;
    while (IsAny(c, j,
                 {"a", "an", "one", "two", "three", "little", "young", "new", "older", "younger",
                  "big", "small", "cute", "old", "elder", "twin"}))
      ++j;
    if (IsWord(c, j)) {
      const std::string_view rel = Relation(c[j].norm);
      const std::string_view species = PetSpecies(c[j].norm);
      size_t n = j + 1;
      if (species == "guinea pig" && Is(c, n, "pig")) ++n;
      if (Is(c, n, ",")) ++n;
      if ((!rel.empty() || !species.empty()) && IsAny(c, n, {"named", "called"})) {
        if (!species.empty()) return PetName(c, n + 1, species);
        return RelationName(c, n + 1, rel, 0.9);
      }
      if (Is(c, j, "job") && IsAny(c, j + 1, {"at", "with"})) {
        Employer(c, j + 2, true);
        return;
      }
    }
    Condition(c, k, false);
  }

  // "I work at X (as a Y)", "I work as a Y (at X)", "I work in finance / in Python".
  void Work(const Tokens& c, size_t k) {
    size_t j = k;
    if (IsAny(c, j, {"at", "for"})) {
      j = Employer(c, j + 1, false);
      if (j != 0 && Is(c, j, "as")) RoleAt(c, j + 1, /*any_head=*/true);
      return;
    }
    if (Is(c, j, "as")) {
      size_t after = RoleAt(c, j + 1, /*any_head=*/true);
      if (after != 0 && IsAny(c, after, {"at", "for", "with"})) Employer(c, after + 1, false);
      return;
    }
    if (IsAny(c, j, {"in", "with"})) {
      const std::vector<Range> items = Items(c, j + 1, 3);
      const bool languages =
          !items.empty() && std::all_of(items.begin(), items.end(), [&](const Range& r) {
            return r.e == r.b + 1 && IsProgrammingLanguage(c[r.b].norm);
          });
      if (languages) return Tools(c, j + 1, false, "user.tools.", true, 0.8);
      if (Is(c, j, "in") && items.size() == 1 && items[0].e == items[0].b + 1 &&
          !c[items[0].b].cap && !IsCommonPlaceNoun(c[items[0].b].norm) && AtEnd(c, items[0].e)) {
        const std::string industry = c[items[0].b].norm;
        Add(MemoryType::kFact, "user.industry", "the user works in " + industry, 0.7,
            Json{{"industry", industry}});
      }
    }
  }

  // An organization name at j; adds user.employer (user.school for students) and returns the
  // index after it, or 0 when there is none.
  size_t Employer(const Tokens& c, size_t j, bool event, bool school = false) {
    const std::optional<Range> org = ProperPhrase(c, j, 6);
    if (!org) return 0;
    const bool lower = !c[org->b].cap;
    const std::string name = TitleIfLower(Span(c, org->b, org->e));
    const double confidence = lower ? 0.6 : 0.9;
    if (school) {
      Add(MemoryType::kFact, "user.school", "the user studies at " + name, confidence,
          Json{{"school", name}}, ValidFrom(c, org->e, event));
    } else {
      Add(MemoryType::kFact, "user.employer", "the user works at " + name, confidence,
          Json{{"employer", name}}, ValidFrom(c, org->e, event));
    }
    return org->e;
  }

  // A role noun phrase at j ("a senior software engineer"), optionally followed by "at X".
  // Unless any_head, the phrase must end in a known role noun. Returns the index after the
  // phrase (and organization), or 0 when there is none.
  size_t RoleAt(const Tokens& c, size_t j, bool any_head = false) {
    size_t b = j;
    std::string article;
    if (IsAny(c, b, {"a", "an", "the"})) article = c[b++].norm;
    size_t e = b;
    bool has_head = false;
    while (IsWord(c, e) && e - b < 5 &&
           !IsAny(c, e,
                  {"at", "for", "with", "in", "and", "from", "who", "based", "since", "but", "by",
                   "so", "because", "of", "on", "working"})) {
      has_head = has_head || IsRoleHead(c[e].norm);
      ++e;
    }
    // "head of engineering" is a role; in "CEO of Acme" the capitalized name is the employer.
    const bool of_org = has_head && Is(c, e, "of") && IsWord(c, e + 1) && c[e + 1].cap;
    if (has_head && !of_org && Is(c, e, "of") && IsWord(c, e + 1) &&
        !IsAny(c, e + 1, {"a", "an", "the", "my"}))
      e += 2;
    if (e == b || (!has_head && !any_head) ||
        (!any_head && !IsRoleHead(c[e - 1].norm) && !Is(c, e - 2, "of")))
      return 0;
    if (!AtEnd(c, e) && !of_org &&
        !IsAny(c, e,
               {"at", "for", "with", "in", "and", "from", "since", "but", "based", "who", "by",
                "so", "because", "working"}))
      return 0;
    const std::string role = Span(c, b, e);
    const bool student =
        In(c[e - 1].norm, {"student", "undergrad", "undergraduate", "postdoc", "candidate"});
    if (article.empty()) article = Article(role);
    Add(MemoryType::kFact, "user.role", "the user is " + article + " " + role,
        any_head ? 0.8 : 0.85, Json{{"role", role}}, ValidFrom(c, e, false));
    if (IsAny(c, e, {"at", "for", "with"}) || of_org) {
      const size_t after = Employer(c, e + 1, false, student);
      return after != 0 ? after : e;
    }
    return e;
  }

  // "I live in X", "I'm based in X", "I moved to X": the single key user.location.city.
  void Location(const Tokens& c, size_t j, double confidence, bool event) {
    const std::optional<Range> place = ProperPhrase(c, j, 4);
    if (!place) return;
    const std::string city = TitleIfLower(Span(c, place->b, place->e));
    Json data{{"city", city}};
    std::string where = city;
    size_t end = place->e;
    if (Is(c, end, ",")) {
      if (const std::optional<Range> region = ProperPhrase(c, end + 1, 3)) {
        data["region"] = TitleIfLower(Span(c, region->b, region->e));
        where += ", " + data["region"].get<std::string>();
        end = region->e;
      }
    }
    if (!c[place->b].cap) confidence -= 0.2;
    Add(MemoryType::kFact, "user.location.city", "the user lives in " + where, confidence, data,
        ValidFrom(c, end, event));
  }

  void Origin(const Tokens& c, size_t j, double confidence) {
    const std::optional<Range> place = ProperPhrase(c, j, 4);
    if (!place || !c[place->b].cap) return;
    const std::string from = Span(c, place->b, place->e);
    Add(MemoryType::kFact, "user.origin", "the user is from " + from, confidence,
        Json{{"place", from}});
  }

  // "I was born in 1990 / in Lyon / on May 3", "I was diagnosed with X".
  void Was(const Tokens& c, size_t k, bool negated) {
    if (negated) return;
    size_t j = k;
    if (Match(c, j, {"diagnosed", "with"})) return Condition(c, j, true);
    if (!Is(c, j, "born")) return;
    ++j;
    if (const std::optional<DateExpr> d = ParseDate(c, j + (Is(c, j, "in") ? 1 : 0), true)) {
      if (d->month > 0 && d->day > 0) return Birthday(*d, "user.birthday", "the user's");
      if (d->year > 0 && d->month == 0)
        return Add(MemoryType::kFact, "user.birth_year",
                   "the user was born in " + std::to_string(d->year), 0.9, Json{{"year", d->year}});
      return;
    }
    if (Is(c, j, "in")) {
      const std::optional<Range> place = ProperPhrase(c, j + 1, 4);
      if (!place || !c[place->b].cap) return;
      const std::string where = Span(c, place->b, place->e);
      Add(MemoryType::kFact, "user.birthplace", "the user was born in " + where, 0.9,
          Json{{"place", where}});
    }
  }

  void Birthday(const DateExpr& d, const std::string& key, const std::string& whose) {
    Json data{{"month", d.month}, {"day", d.day}};
    std::string when = std::string(MonthName(d.month)) + " " + std::to_string(d.day);
    if (d.year > 0) {
      data["year"] = d.year;
      when += ", " + std::to_string(d.year);
    }
    Add(MemoryType::kFact, key, whose + " birthday is " + when, 0.95, data);
  }

  void Age(const Tokens& c, size_t j) {
    const int age = IsWord(c, j) && IsDigit(static_cast<unsigned char>(c[j].norm[0]))
                        ? SmallNumber(c[j].norm)
                        : -1;
    if (age < 1 || age > 120) return;
    size_t e = j + 1;
    if (!Match(c, e, {"years", "old"}) && !Match(c, e, {"years", "of", "age"}) &&
        !Match(c, e, {"yo"}) && !AtEnd(c, e) &&
        !IsAny(c, e, {"and", "but", "last", "this", "today", "yesterday", "now", "so"}))
      return;  // "I'm 5 minutes away", "I'm 34 weeks pregnant"
    Add(MemoryType::kFact, "user.age", "the user is " + std::to_string(age) + " years old", 0.85,
        Json{{"age", age}});
  }

  // "I speak French and German".
  void Speaks(const Tokens& c, size_t k) {
    size_t j = k;
    while (IsAny(c, j,
                 {"fluent", "native", "conversational", "basic", "some", "a", "little", "bit", "of",
                  "decent", "good"}))
      ++j;
    for (const Range& r : Items(c, j, 2)) {
      if (!c[r.b].cap && !all_lower_) continue;
      const std::string language = TitleIfLower(Span(c, r.b, r.e));
      Add(MemoryType::kFact, "user.speaks." + Slug(c, r.b, r.e), "the user speaks " + language,
          0.85, Json{{"language", language}});
    }
  }

  // Tools and languages, one key per item under `prefix`; UI and editor settings go to their
  // fixed preference keys instead. With require_language, only programming languages count.
  void Tools(const Tokens& c, size_t k, bool negated, const std::string& prefix,
             bool require_language, double confidence) {
    for (const Range& r : Items(c, k, 4)) {
      if (Dimension(c, r, negated, confidence)) continue;
      const bool language = r.e == r.b + 1 && IsProgrammingLanguage(c[r.b].norm);
      if (require_language && !language) continue;
      const std::string slug = Slug(c, r.b, r.e);
      if (slug.empty()) continue;
      const std::string tool = Span(c, r.b, r.e);
      Json data{{"tool", tool}, {"uses", !negated}};
      if (language) data["kind"] = "language";
      const std::string subject = prefix == "team.stack." ? "the user's team " : "the user ";
      Add(MemoryType::kFact, prefix + slug, subject + (negated ? "does not use " : "uses ") + tool,
          negated ? confidence - 0.05 : confidence, data, ValidFrom(c, r.e, false));
    }
  }

  // Binary settings with a fixed key: theme, indentation, units. Returns whether r was one.
  // A negation states the other value ("I don't like dark mode": light).
  bool Dimension(const Tokens& c, const Range& r, bool negated, double confidence) {
    if (r.empty()) return false;
    struct Setting {
      std::string_view word, other, key, field, text;
      bool needs_suffix;  // "dark" alone is not a theme; "dark mode" is
    };
    static constexpr Setting kSettings[] = {
        {"dark", "light", "pref.ui.theme", "theme", "mode", true},
        {"light", "dark", "pref.ui.theme", "theme", "mode", true},
        {"night", "light", "pref.ui.theme", "theme", "mode", true},
        {"tabs", "spaces", "pref.code.indentation", "indentation", "for indentation", false},
        {"spaces", "tabs", "pref.code.indentation", "indentation", "for indentation", false},
        {"metric", "imperial", "pref.units", "units", "units", false},
        {"imperial", "metric", "pref.units", "units", "units", false},
        {"celsius", "fahrenheit", "pref.units.temperature", "temperature", "", false},
        {"fahrenheit", "celsius", "pref.units.temperature", "temperature", "", false}};
    for (const Setting& s : kSettings) {
      if (c[r.b].norm != s.word) continue;
      const bool suffix =
          r.e > r.b + 1 && IsAny(c, r.b + 1, {"mode", "theme", "ui", "themes", "modes"});
      if (s.needs_suffix ? !suffix : r.e > r.b + 2) return false;
      std::string value(negated ? s.other : s.word);
      if (value == "night") value = "dark";
      std::string shown = value;
      if (!s.text.empty()) shown += " " + std::string(s.text);
      Add(MemoryType::kPreference, std::string(s.key), "the user prefers " + shown,
          negated ? 0.7 : std::max(confidence, 0.85), Json{{std::string(s.field), value}});
      return true;
    }
    return false;
  }

  // Likes and dislikes: pref.likes.<item> with "likes" true or false.
  void Likes(const Tokens& c, size_t k, std::string_view verb, const Predicate& p) {
    const size_t j = k;
    if (IsAny(c, j, {"it", "that", "this"}) && IsAny(c, j + 1, {"when", "if", "that", "how"}))
      return;
    const double confidence =
        In(verb, {"love", "hate", "adore", "detest", "loathe", "despise"}) ? 0.85 : 0.8;
    if (verb == "stand") {
      if (p.cannot) LikeItems(c, j, false, "cannot stand", confidence);
    } else if (In(verb, {"hate", "dislike", "detest", "loathe", "despise"})) {
      // "I don't hate X" says little.
      if (!p.negated && !p.cannot) LikeItems(c, j, false, Conjugate(verb), confidence);
    } else if (p.negated) {
      if (verb != "prefer")
        LikeItems(c, j, false, "does not " + std::string(verb == "adore" ? "like" : verb),
                  confidence);
    } else if (!p.cannot) {
      LikeItems(c, j, true, Conjugate(verb), confidence);
    }
  }

  // pref.likes.<item> for each item of the list at j; `phrase` is the verb of the text
  // ("likes", "does not like", "cannot stand").
  void LikeItems(const Tokens& c, size_t j, bool likes, const std::string& phrase,
                 double confidence) {
    const std::vector<Range> items = Items(c, j, 5, /*infinitive=*/true);
    std::string over;
    if (items.size() == 1) {
      size_t o = items.back().e;
      if (Match(c, o, {"over"}) || Match(c, o, {"to"}) || Match(c, o, {"rather", "than"}) ||
          Match(c, o, {"more", "than"}) || Match(c, o, {"instead", "of"}) ||
          Match(c, o, {"than"})) {
        if (const std::vector<Range> others = Items(c, o, 4); others.size() == 1)
          over = Span(c, others[0].b, others[0].e);
      }
    }
    for (const Range& r : items) {
      if (Dimension(c, r, !likes, confidence)) continue;
      const std::string slug = Slug(c, r.b, r.e);
      if (slug.empty()) continue;
      const std::string item = Span(c, r.b, r.e);
      std::string sentence = "the user " + phrase + " " + item;
      Json data{{"item", item}, {"likes", likes}};
      if (!over.empty()) {
        data["over"] = over;
        sentence += " over " + over;
      }
      Add(MemoryType::kPreference, "pref.likes." + slug, sentence, confidence, data);
    }
  }

  // A person's name at j ("Dana", "Dana Scully"); adds user.name.
  void Name(const Tokens& c, size_t j, double confidence, bool require_cap) {
    const std::optional<Range> r = NameAt(c, j, require_cap);
    if (!r) return;
    const std::string name = TitleIfLower(Span(c, r->b, r->e));
    Add(MemoryType::kFact, "user.name", "the user's name is " + name, confidence,
        Json{{"name", name}});
  }

  std::optional<Range> NameAt(const Tokens& c, size_t j, bool require_cap) const {
    auto name_shaped = [&](size_t i) {
      if (!IsWord(c, i) || IsNameStop(c[i].norm) || c[i].norm.size() < 2) return false;
      return std::none_of(c[i].norm.begin(), c[i].norm.end(), [](char ch) {
        return IsDigit(static_cast<unsigned char>(ch)) || ch == '.' || ch == '&';
      });
    };
    if (shouting_) return std::nullopt;
    // "Dr. Smith", "Ms Lee": a title counts only with the name after it.
    size_t first = j;
    if (IsAny(c, j, {"dr", "mr", "mrs", "ms", "miss", "prof", "professor"})) {
      first = Is(c, j + 1, ".") ? j + 2 : j + 1;
      if (!IsWord(c, first) || !c[first].cap) return std::nullopt;
    }
    if (!name_shaped(first) || (require_cap && !c[first].cap)) return std::nullopt;
    size_t e = first + 1;
    const size_t max = all_lower_ ? 2 : 3;
    while (e < c.size() && e - first < max && name_shaped(e) && (c[e].cap || all_lower_) &&
           !IsNonName(c[e].norm) && c[e].raw.data() != c[e - 1].raw.data())
      ++e;
    return Range{j, e};
  }

  // "I'm Dana": only a capitalized word that is not an adjective, nationality or the like,
  // and only where the clause ends or goes on with "from ...", "and ...".
  void MaybeName(const Tokens& c, size_t j) {
    if (title_case_ || all_lower_ || !IsWord(c, j) || !c[j].cap || IsNonName(c[j].norm)) return;
    const std::optional<Range> r = NameAt(c, j, true);
    if (!r) return;
    if (!AtEnd(c, r->e) && !IsAny(c, r->e, {"from", "and", "here", "btw", "by", "but", "nice"}))
      return;
    const std::string name = Span(c, r->b, r->e);
    Add(MemoryType::kFact, "user.name", "the user's name is " + name, 0.7, Json{{"name", name}});
  }

  // The name at j of the user's `rel` (a canonical relation): family.<rel>.name.
  void RelationName(const Tokens& c, size_t j, std::string_view rel, double confidence) {
    const std::optional<Range> r = NameAt(c, j, !all_lower_);
    if (!r) return;
    const std::string name = TitleIfLower(Span(c, r->b, r->e));
    Add(MemoryType::kFact, "family." + KeySegment(rel) + ".name",
        "the user's " + std::string(rel) + " is named " + name, confidence,
        Json{{"relation", std::string(rel)}, {"name", name}});
  }

  void PetName(const Tokens& c, size_t j, std::string_view species) {
    const std::optional<Range> r = NameAt(c, j, false);
    if (!r) return;
    const std::string name = TitleIfLower(Span(c, r->b, r->e));
    Add(MemoryType::kFact, "family.pet." + KeySegment(species) + ".name",
        "the user has " + std::string(Article(species)) + " " + std::string(species) + " named " +
            name,
        0.9, Json{{"species", std::string(species)}, {"name", name}});
  }

  // ---- "my ...", "we/our ...", "<Name> is my ..."

  void My(const Tokens& c, size_t k) {
    size_t j = k;
    auto copula = [&](size_t& i) {
      return Match(c, i, {"is"}) || Match(c, i, {"'s"}) || Match(c, i, {"are"});
    };
    if (Match(c, j, {"name"}) || Match(c, j, {"full", "name"}) || Match(c, j, {"first", "name"})) {
      if (copula(j) && !Is(c, j, "not")) Name(c, j, 0.95, false);
      return;
    }
    if (IsAny(c, j, {"favorite", "favourite", "fave", "fav"})) return Favorite(c, j + 1);
    if (Match(c, j, {"birthday"}) || Match(c, j, {"bday"}) ||
        Match(c, j, {"date", "of", "birth"})) {
      if (!copula(j)) return;
      if (const std::optional<DateExpr> d = ParseDate(c, j, false); d && d->month > 0 && d->day > 0)
        Birthday(*d, "user.birthday", "the user's");
      return;
    }
    if (Match(c, j, {"job", "title"}) || Match(c, j, {"job"}) ||
        IsAny(c, j, {"role", "title", "position", "occupation", "profession"})) {
      if (!Is(c, j - 1, "title") && !Is(c, j - 1, "job")) ++j;
      if (!copula(j) || Is(c, j, "not")) return;
      Match(c, j, {"being"});
      RoleAt(c, j);
      return;
    }
    if (IsAny(c, j, {"employer", "company"})) {
      ++j;
      if (copula(j) && !Is(c, j, "not")) Employer(c, j, false);
      return;
    }
    if (Match(c, j, {"tech", "stack"}) || Match(c, j, {"stack"})) {
      if (copula(j) || Match(c, j, {"includes"}) || Match(c, j, {":"}))
        Tools(c, j, false, "user.tools.", false, 0.8);
      return;
    }
    if (Match(c, j, {"hometown"}) || Match(c, j, {"home", "town"})) {
      if (copula(j)) Origin(c, j, 0.85);
      return;
    }
    RelativeOrPet(c, j);
  }

  // "my wife is called Ana", "my son's name is Leo", "my dog is named Rex", "my mom's birthday
  // is June 1", "my husband is Sam".
  void RelativeOrPet(const Tokens& c, size_t j) {
    if (!IsWord(c, j)) return;
    const std::string_view rel = Relation(c[j].norm);
    const std::string_view species = PetSpecies(c[j].norm);
    if (rel.empty() && species.empty()) return;
    size_t n = j + 1;
    if (rel == "best friend") {
      if (!Is(c, n, "friend")) return;
      ++n;
    }
    if (species == "guinea pig" && Is(c, n, "pig")) ++n;
    if (Match(c, n, {"'s", "name", "is"}) || Match(c, n, {"is", "called"}) ||
        Match(c, n, {"is", "named"}) || Match(c, n, {"'s", "called"}) ||
        Match(c, n, {"'s", "named"}) || Match(c, n, {"goes", "by"})) {
      if (!species.empty()) return PetName(c, n, species);
      return RelationName(c, n, rel, 0.9);
    }
    if (Match(c, n, {"'s", "birthday", "is"}) || Match(c, n, {"'s", "birthday", "'s"})) {
      if (rel.empty()) return;
      if (const std::optional<DateExpr> d = ParseDate(c, n, false); d && d->month > 0 && d->day > 0)
        Birthday(*d, "family." + KeySegment(rel) + ".birthday",
                 "the user's " + std::string(rel) + "'s");
      return;
    }
    // "my husband is Sam": a bare capitalized name that ends the clause.
    if ((Is(c, n, "is") || Is(c, n, "'s")) && species.empty() && !all_lower_) {
      const std::optional<Range> r = NameAt(c, n + 1, true);
      if (r && AtEnd(c, r->e) && !IsNonName(c[r->b].norm)) RelationName(c, n + 1, rel, 0.8);
    }
  }

  // "Ana is my wife".
  void ReverseRelation(const Tokens& c, size_t i) {
    const std::optional<Range> r = NameAt(c, i, true);
    if (!r || all_lower_ || title_case_ || IsNonName(c[i].norm)) return;
    size_t j = r->e;
    if (!Match(c, j, {"is", "my"}) || !IsWord(c, j)) return;
    const std::string_view rel = Relation(c[j].norm);
    if (rel.empty() || rel == "best friend" || !AtEnd(c, j + 1)) return;
    RelationName(c, i, rel, 0.85);
  }

  // "my favourite color is blue": pref.favorite.<category>.
  void Favorite(const Tokens& c, size_t j) {
    size_t e = j;
    while (IsWord(c, e) && !IsAny(c, e, {"is", "are", "'s"}) && e - j < 3) ++e;
    if (e == j || !IsAny(c, e, {"is", "are", "'s"})) return;
    size_t v = e + 1;
    if (Is(c, v, "not")) return;
    while (IsAny(c, v, {"probably", "definitely", "still", "currently", "now", "easily"})) ++v;
    size_t ve = v;
    while (IsWord(c, ve) && ve - v < 6 &&
           !IsAny(c, ve, {"because", "but", "since", "though", "although", "which", "lol", "btw"}))
      ++ve;
    if (ve == v) return;
    const std::string category = Span(c, j, e);
    const std::string value = Span(c, v, ve);
    Add(MemoryType::kPreference, "pref.favorite." + Slug(c, j, e),
        "the user's favorite " + category + " is " + value, 0.9,
        Json{{"category", category}, {"value", value}});
  }

  // "we use X", "our stack is X", "we live in X", "we have a dog named X", "our dog is called X".
  void Team(const Tokens& c, size_t i) {
    if (Is(c, i, "our")) {
      size_t j = i + 1;
      if (Match(c, j, {"tech", "stack"}) || Match(c, j, {"stack"})) {
        if (Match(c, j, {"is"}) || Match(c, j, {"'s"}) || Match(c, j, {"includes"}) ||
            Match(c, j, {"consists", "of"}) || Match(c, j, {":"}))
          Tools(c, j, false, "team.stack.", false, 0.8);
        return;
      }
      if (IsWord(c, j) && (!PetSpecies(c[j].norm).empty() || !Relation(c[j].norm).empty()))
        RelativeOrPet(c, j);
      return;
    }
    const std::optional<Predicate> p = ParsePredicate(c, i);
    if (!p) return;
    const size_t k = p->next;
    if (p->lemma == "use") {
      Tools(c, k, p->negated, "team.stack.", false, 0.75);
    } else if (In(p->lemma, {"build", "code", "program", "develop", "write", "work"}) &&
               IsAny(c, k, {"in", "with", "on"})) {
      if (!p->negated) Tools(c, k + 1, false, "team.stack.", false, 0.75);
    } else if (p->lemma == "live" && Is(c, k, "in")) {
      if (!p->negated) Location(c, k + 1, 0.8, false);
    } else if (In(p->lemma, {"moved", "relocated"}) && Is(c, k, "to")) {
      if (!p->negated) Location(c, k + 1, 0.8, true);
    } else if (p->lemma == "have" && !p->negated) {
      size_t j = k;
      while (IsAny(c, j, {"a", "an", "one", "little", "new", "old"})) ++j;
      if (IsWord(c, j) && !PetSpecies(c[j].norm).empty()) {
        size_t n = j + 1;
        if (IsAny(c, n, {"named", "called"})) PetName(c, n + 1, PetSpecies(c[j].norm));
      }
    }
  }

  // ---- Clause-level rules

  // "please call me Dee", "you can call me Dee", "just call me Dee".
  // Also "I'd prefer to be called Dee", "I like to be called Dee".
  bool CallMe(const Tokens& c, size_t i) {
    for (size_t m = i; m + 1 < c.size(); ++m) {
      const bool call_me = Is(c, m, "call") && Is(c, m + 1, "me");
      const bool be_called =
          m > i && Is(c, m - 1, "to") && Is(c, m, "be") && Is(c, m + 1, "called");
      if (!call_me && !be_called) continue;
      for (size_t q = i; q < m; ++q) {
        if (IsAny(c, q, {"not", "never"})) return false;
      }
      if (!NameAt(c, m + 2, !all_lower_)) return false;
      Name(c, m + 2, 0.85, !all_lower_);
      return true;
    }
    return false;
  }

  // "please always X", "never X", "from now on, X", "I want you to always X": a standing
  // instruction, keyed by what it is about so that "always" and "never" supersede each other.
  bool Instruction(const Tokens& c, size_t i) {
    size_t j = i;
    Match(c, j, {"please"});
    while (IsPunct(c, j)) ++j;
    const bool standing = Match(c, j, {"from", "now", "on"}) || Match(c, j, {"going", "forward"}) ||
                          Match(c, j, {"moving", "forward"}) ||
                          Match(c, j, {"in", "the", "future"}) || Match(c, j, {"in", "future"}) ||
                          Match(c, j, {"for", "future", "reference"});
    while (IsPunct(c, j)) ++j;
    Match(c, j, {"please"});
    bool never = false;
    if (Match(c, j, {"always"})) {
    } else if (Match(c, j, {"never"}) || Match(c, j, {"do", "not", "ever"}) ||
               Match(c, j, {"don't", "ever"})) {
      never = true;
    } else if (standing && (Match(c, j, {"do", "not"}) || Match(c, j, {"don't"}))) {
      never = true;
    } else if (!standing) {
      return false;
    }
    // An imperative follows: not "never mind", "never been to Paris", "always happy to help".
    static const WordSet kNotImperative{
        "mind", "i",         "my",      "you",   "we",    "ever",      "been",     "had",   "have",
        "was",  "were",      "is",      "am",    "are",   "did",       "thought",  "knew",  "heard",
        "said", "seen",      "saw",     "again", "once",  "before",    "really",   "in",    "the",
        "a",    "an",        "so",      "too",   "happy", "glad",      "good",     "great", "nice",
        "fun",  "here",      "there",   "late",  "early", "right",     "wrong",    "ready", "busy",
        "open", "available", "welcome", "true",  "sure",  "lol",       "hungry",   "tired", "on",
        "at",   "up",        "down",    "the",   "same",  "something", "learning", "works"};
    if (!IsWord(c, j) || IsIn(c, j, kNotImperative)) return false;
    size_t e = j;
    while (e < c.size() && e - j < 12) ++e;
    while (e > j && !c[e - 1].word) --e;
    if (Is(c, j, "use") && Dimension(c, Range{j + 1, e}, never, 0.9)) return true;
    if (Is(c, j, "call") && Is(c, j + 1, "me")) return false;
    const std::string action = Span(c, j, e);
    const std::string slug = Slug(c, j, e);
    if (slug.empty()) return false;
    Add(MemoryType::kPreference, "pref.rule." + slug,
        "the user wants the assistant to " + std::string(never ? "never " : "always ") +
            ThirdPerson(c, j, e),
        standing ? 0.85 : 0.9, Json{{"rule", action}, {"polarity", never ? "never" : "always"}});
    return true;
  }

  // Deadlines anywhere in a clause: "the report is due Friday", "the deadline for the grant is
  // 2026-03-01", "I need to finish the slides by Thursday". Returns whether there was one.
  bool Deadline(const Tokens& c, size_t i) {
    bool found = false;
    for (size_t d = i; d < c.size(); ++d) {
      size_t end = 0;  // past the deadline just added, if any
      if (Is(c, d, "due") && !Is(c, d + 1, "to") && !Is(c, d + 1, "date")) {
        // The task is the noun phrase just before "is due" / "due".
        size_t te = d;
        if (te > i && IsAny(c, te - 1, {"is", "are", "'s"})) {
          --te;
        } else if (te > i && IsAny(c, te - 1, {"was", "were"})) {
          continue;
        }
        size_t tb = te;
        while (tb > i && c[tb - 1].word &&
               !IsAny(c, tb - 1,
                      {"and", "but", "so", "because", "have", "has", "got", "i", "we", "also", "is",
                       "are"}) &&
               te - tb < 6)
          --tb;
        end = DeadlineAt(c, tb, te, d + 1);
      } else if (Is(c, d, "deadline") || (Is(c, d, "due") && Is(c, d + 1, "date"))) {
        size_t j = Is(c, d, "due") ? d + 2 : d + 1;
        size_t tb = 0, te = 0;
        if (IsAny(c, j, {"for", "of", "on"})) {
          tb = ++j;
          while (IsWord(c, j) && !IsAny(c, j, {"is", "'s", "was"}) && j - tb < 6) ++j;
          te = j;
        } else {
          // "the grant deadline", "the grant's deadline".
          te = d;
          tb = te;
          while (tb > i && c[tb - 1].word &&
                 !IsAny(c, tb - 1, {"and", "but", "the", "my", "our", "a"}) && te - tb < 4)
            --tb;
          if (tb < te && c[te - 1].norm == "'s") --te;
        }
        if (Match(c, j, {"is"}) || Match(c, j, {"'s"}) || Match(c, j, {":"}))
          end = DeadlineAt(c, tb, te, j);
      } else if (Is(c, d, "by") && d > i && ParseDate(c, d + 1, false)) {
        // "I need to finish X by Friday", "X has to be submitted by Monday".
        size_t to = d;
        while (to > i && d - to < 12 && !(Is(c, to, "to") || IsAny(c, to, {"must", "gotta"}))) --to;
        if (!(Is(c, to, "to") || IsAny(c, to, {"must", "gotta"}))) continue;
        const size_t v = to + 1;
        if (Is(c, v, "be")) {
          // "<task> has to be done by ...": the task is the clause's subject.
          size_t te = i;
          while (te < to && !IsAny(c, te, {"has", "have", "needs", "need", "must", "is"})) ++te;
          end = DeadlineAt(c, i, te, d + 1);
        } else if ((Is(c, i, "i") || Is(c, i, "we")) && IsWord(c, v)) {
          end = DeadlineAt(c, v + 1, d, d + 1, v);
        }
      }
      if (end != 0) {
        found = true;
        d = end - 1;
      }
    }
    return found;
  }

  // Adds deadline.<task> for the task [tb, te) due at the date (or phrase) from index w and
  // returns the index after the date, or 0 when there is no deadline. With a verb index, the
  // text says what is to be done ("finish the slides").
  size_t DeadlineAt(const Tokens& c, size_t tb, size_t te, size_t w,
                    size_t verb = std::string::npos) {
    if (tb >= te || (IsDeictic(c[tb].norm) && te == tb + 1)) return 0;
    const std::string slug = Slug(c, tb, te);
    if (slug.empty()) return 0;
    size_t j = w;
    while (IsAny(c, j, {"on", "by", "before", "at", "for"})) ++j;
    const std::optional<DateExpr> d = ParseDate(c, j, false);
    std::optional<sys_days> day;
    size_t pe = j;
    if (d) {
      day = Resolve(*d, now_, Direction::kFuture);
      pe = d->end;
    } else {
      while (IsWord(c, pe) && pe - j < 6 && !IsAny(c, pe, {"and", "but", "so", "because", "which"}))
        ++pe;
    }
    if (pe == j) return 0;
    const std::string phrase = Span(c, j, pe);
    const std::string task = Span(c, tb, te);
    Json data{{"task", task}, {"due_phrase", phrase}};
    std::string when = phrase;
    if (day) {
      const std::string iso = IsoDate(*day);
      data["due"] = iso;
      when = iso + (phrase == iso ? "" : " (" + phrase + ")");
    }
    const std::string sentence =
        verb == std::string::npos ? ThirdPerson(c, tb, te) + " is due " + (day ? "on " : "") + when
                                  : "the user needs to " + Span(c, verb, te) + " by " + when;
    Add(MemoryType::kEpisode, "deadline." + slug, sentence, day ? 0.85 : 0.7, data);
    return pe;
  }

  // "when I say X, do Y": a procedure keyed by its trigger.
  bool Procedure(const Tokens& s, size_t i) {
    size_t j = i;
    if (!(Match(s, j, {"when"}) || Match(s, j, {"whenever"}) || Match(s, j, {"if"}) ||
          Match(s, j, {"every", "time"}) || Match(s, j, {"each", "time"}) ||
          Match(s, j, {"anytime"})))
      return false;
    if (!Is(s, j, "i") || !IsAny(s, j + 1,
                                 {"say", "ask", "type", "write", "send", "mention", "request",
                                  "paste", "share", "use"}))
      return false;
    const size_t verb = j + 1;
    size_t tb = j + 2;
    if (Is(s, tb, "for") || Is(s, tb, "you")) ++tb;
    size_t te = tb;
    while (te < s.size() && !(IsPunct(s, te) && In(s[te].norm, {",", ":"})) && !Is(s, te, "then") &&
           te - tb < 10)
      ++te;
    size_t ab = te + 1;
    while (IsAny(s, ab, {"then", "please", "you", "should"}) || IsPunct(s, ab)) ++ab;
    size_t ae = s.size();
    while (ae > ab && !s[ae - 1].word) --ae;
    if (te == tb || ab >= ae || !(IsPunct(s, te) || Is(s, te, "then"))) return false;
    const std::string trigger = Span(s, tb, te);
    const std::string slug = Slug(s, tb, te);
    if (slug.empty()) return false;
    const std::string action = Span(s, ab, ae);
    std::string verb_text = Conjugate(s[verb].norm);
    if (Is(s, j + 2, "for")) verb_text += " for";
    Add(MemoryType::kProcedure, "proc." + slug,
        "when the user " + verb_text + " " + trigger + ", " + ThirdPerson(s, ab, ae), 0.85,
        Json{{"trigger", trigger}, {"action", action}});
    return true;
  }

  // "remember that X", "note: X", "keep in mind X": the rules run on X with more confidence;
  // if none matches, X itself becomes a note. Returns whether the sentence was one.
  bool Remember(const Tokens& s, size_t i) {
    size_t j = i;
    Match(s, j, {"please"});
    const bool keyword = Match(s, j, {"remember"}) || Match(s, j, {"keep", "in", "mind"}) ||
                         Match(s, j, {"do", "not", "forget"}) || Match(s, j, {"never", "forget"}) ||
                         Match(s, j, {"make", "a", "note"}) || Match(s, j, {"take", "note"}) ||
                         Match(s, j, {"note", "down"}) || Match(s, j, {"note"}) ||
                         Match(s, j, {"memorize"});
    if (!keyword) return false;
    const bool explicit_that = Match(s, j, {"that"}) || Match(s, j, {"this"}) ||
                               Match(s, j, {"of", "this"}) || Match(s, j, {"the", "following"});
    if (Is(s, j, ":") || Is(s, j, ",")) {
      ++j;
    } else if (!explicit_that && (Is(s, i, "note") || Is(s, j - 1, "note"))) {
      return false;  // "note the difference" is not a request to remember
    }
    if (Is(s, j, "to")) return true;  // "remember to buy milk": a reminder, not a fact
    if (j >= s.size()) return true;
    const size_t before = out_.size();
    boost_ = 0.05;
    for (const Tokens& clause : SplitClauses(s, j)) Clause(clause);
    boost_ = 0;
    if (out_.size() > before) return true;
    size_t e = s.size();
    while (e > j && !s[e - 1].word) --e;
    size_t words = 0;
    for (size_t k = j; k < e; ++k) words += s[k].word ? 1 : 0;
    if (words < (explicit_that ? 2u : 3u) || IsHypotheticalMarker(s, j)) return true;
    const std::string slug = Slug(s, j, e);
    if (slug.empty()) return true;
    Add(MemoryType::kFact, "note." + slug, ThirdPerson(s, j, e), 0.9,
        Json{{"note", Span(s, j, e)}});
    return true;
  }

  // ---- Phrases

  // Items of a list object ("pizza, sushi and tacos"), each at most max_len words; an item that
  // is longer makes the whole list doubtful and yields none. Pronouns and references to the
  // conversation ("it", "that idea") are dropped. With infinitive, "to <verb ...>" is one item.
  std::vector<Range> Items(const Tokens& c, size_t j, size_t max_len,
                           bool infinitive = false) const {
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

  // A proper name at j ("Paris", "the Bay Area", "Bank of America", "Johnson & Johnson") of at
  // most max words. Lower-case words count only alone, or when the whole text is lower case,
  // and never when they are common nouns ("home", "a startup").
  std::optional<Range> ProperPhrase(const Tokens& c, size_t j, size_t max) const {
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
          // "St. Louis", "Mt. Vernon": the dot of an abbreviation inside the name.
          if (IsAny(c, e - 1, {"st", "mt", "ft"}) && Is(c, e, ".") && IsWord(c, e + 1) &&
              c[e + 1].cap)
            ++e;
        } else if (e > j &&
                   IsAny(c, e,
                         {"of", "de", "la", "le", "du", "del", "der", "van", "von", "upon", "am",
                          "&", "and", "the"}) &&
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

  // When the fact of a clause started: "since 2020", "starting Monday", "as of today"; with
  // event (a move, a new job), also "in 2021", "on Monday", "yesterday".
  std::optional<Timestamp> ValidFrom(const Tokens& c, size_t from, bool event) const {
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

  const std::string_view text_;
  const Timestamp now_;
  bool all_lower_ = false;   // no capital anywhere: capitalization says nothing
  bool shouting_ = false;    // no lower case anywhere: neither does it
  bool title_case_ = false;  // Every Word Capitalized: neither does it
  double boost_ = 0;         // added to confidences inside "remember that ..."
  std::vector<Candidate> out_;
};

}  // namespace

std::vector<Candidate> ExtractCandidates(std::string_view user_text, Timestamp now) {
  return Extractor(user_text, now).Run();
}

}  // namespace engram::hygiene
