#include "hygiene/turn_intent.h"

#include <algorithm>
#include <vector>

#include "hygiene/self_correction.h"
#include "hygiene/vocabulary.h"
#include "util/tokenize.h"

namespace engram::hygiene {

namespace {

using util::Tokens;

bool IsWordAt(const Tokens& t, size_t i, std::string_view w) {
  return i < t.size() && t[i].word && t[i].norm == w;
}

bool IsDigits(const util::Token& t) {
  return t.word && !t.norm.empty() && std::all_of(t.norm.begin(), t.norm.end(), [](char c) {
           return util::IsAsciiDigit(static_cast<unsigned char>(c));
         });
}

// Whether a phrase ends at i: punctuation other than a quote, the colon of a time ("7:40") or
// the comma of a number ("3,000").
bool IsEnd(const Tokens& t, size_t i) {
  if (i >= t.size()) return true;
  if (t[i].word || t[i].norm == "\"") return false;
  // "Mr. Hadad": the dot of a title (rules/dot_abbreviations.txt) ends nothing.
  if (t[i].norm == "." && i > 0 && t[i - 1].word &&
      WordList("dot_abbreviations").count(t[i - 1].norm))
    return false;
  if (i == 0 || i + 1 >= t.size() || !IsDigits(t[i - 1]) || !IsDigits(t[i + 1])) return true;
  if (t[i].norm == ":") return false;
  const bool joined = t[i].raw.data() == t[i - 1].raw.data() + t[i - 1].raw.size() &&
                      t[i + 1].raw.data() == t[i].raw.data() + t[i].raw.size();
  return !(t[i].norm == "," && joined && t[i + 1].norm.size() == 3);
}

bool EndsSentence(const util::Token& t) {
  return !t.word && (t.norm == "." || t.norm == "!" || t.norm == "?" || t.norm == ";");
}

// The written text of tokens [b, e), b < e.
std::string SpanOf(const Tokens& t, size_t b, size_t e) {
  const char* first = t[b].raw.data();
  const char* last = t[e - 1].raw.data() + t[e - 1].raw.size();
  return std::string(first, static_cast<size_t>(last - first));
}

// [b, e) without punctuation and the given words at its ends.
void TrimWords(const Tokens& t, size_t& b, size_t& e, const WordSet& lead, const WordSet& tail) {
  while (b < e && (!t[b].word || lead.count(t[b].norm))) ++b;
  while (e > b && (!t[e - 1].word || tail.count(t[e - 1].norm))) --e;
}

// Words that only open a request: "please", "can you", "I'd like you to".
const WordSet& RequestLead() {
  return WordList("forget_request_lead");
}

// Words that close a request without being part of its topic.
const WordSet& RequestTail() {
  return WordList("forget_request_tail");
}

// Framing words that make "delete" or "remove" be about what was said, not about the task.
const WordSet& MemoryFraming() {
  return WordList("forget_memory_framing");
}

// Sounds that open a turn without saying anything ("ugh, not 6:45 ...").
const WordSet& Interjections() {
  return WordList("interjections");
}

// The end of the longest phrase of `phrases` ("i was wrong", "let me correct that") read at i,
// or i.
size_t PhraseEnd(const Tokens& t, size_t i, const WordSet& phrases) {
  size_t best = i;
  for (std::string_view phrase : phrases) best = std::max(best, util::PhraseEnd(t, i, phrase));
  return best;
}

const WordSet& Deictic() {
  static const WordSet s{"it", "that", "this", "them", "those", "these", "everything", "all"};
  return s;
}

// The topic that "forget it" points back to: the clause [b, e) before it in the same sentence,
// when that states something ("I abandoned the side project, forget it"; "never mind the Lisbon
// plan, forget that"), not when it asks or only waves ("never mind, forget that").
std::optional<std::string> Antecedent(const Tokens& t, size_t b, size_t e) {
  static const WordSet kLead{"never", "mind",   "so",       "and", "well", "ok",
                             "okay",  "anyway", "actually", "oh",  "ah",   "hmm"};
  while (b < e && (!t[b].word || kLead.count(t[b].norm))) ++b;
  while (e > b && !t[e - 1].word) --e;
  if (b >= e || e - b > 10 || IsWordAt(t, b, "can") || IsWordAt(t, b, "could") ||
      IsWordAt(t, b, "would") || IsWordAt(t, b, "will") || IsWordAt(t, b, "please"))
    return std::nullopt;
  for (size_t k = b; k < e; ++k) {
    if (!t[k].word && t[k].norm == "?") return std::nullopt;
  }
  return SpanOf(t, b, e);
}

// Whether a "remember" (or "keep", "store") at v is negated by what comes before it, without the
// user as its subject: "no need to remember X", "I'd rather you didn't remember X"; not "I don't
// remember X" (the user's own memory).
bool NegatedRemember(const Tokens& t, size_t start, size_t v) {
  for (size_t k = v; k-- > start && v - k <= 4;) {
    if (!t[k].word) return false;
    if (t[k].norm == "not" || t[k].norm == "no" || t[k].norm == "never")
      return !(k > start && (IsWordAt(t, k - 1, "i") || IsWordAt(t, k - 2, "i")));
  }
  return false;
}

// A forget request opening at token `start` of a sentence that ends at `end`; `before` is the
// start of the sentence when the request opens a later clause of it.
std::optional<ForgetRequest> ForgetRequestAt(const Tokens& t, size_t start, size_t end,
                                             size_t before) {
  const WordSet& verbs = WordList("forget_verbs");
  const WordSet& framing = WordList("forget_framing");
  size_t i = start;
  while (i < end && (!t[i].word || RequestLead().count(t[i].norm))) ++i;
  size_t topic = end;
  if (i < end && verbs.count(t[i].norm) && !IsWordAt(t, i - 1, "not") &&
      !IsWordAt(t, i - 1, "never")) {
    topic = i + 1;
  } else if (((IsWordAt(t, i, "do") && IsWordAt(t, i + 1, "not")) || IsWordAt(t, i, "stop") ||
              IsWordAt(t, i, "never")) &&
             !IsWordAt(t, i - 1, "i") && !IsWordAt(t, i - 1, "we")) {
    // Not "I don't remember my password", "I never keep receipts": the speaker's own habits.
    // "Don't keep anything about Jordan", "stop remembering my address".
    size_t v = IsWordAt(t, i, "do") ? i + 2 : i + 1;
    if (v < end && t[v].word && WordList("forget_negated_verbs").count(t[v].norm)) {
      topic = v + 1;
      // "hold on to", "hold onto": the particle is no part of the topic.
      while (topic < end && (IsWordAt(t, topic, "on") || IsWordAt(t, topic, "onto") ||
                             (IsWordAt(t, topic, "to") && IsWordAt(t, topic - 1, "on"))))
        ++topic;
    }
  }
  for (size_t v = i; topic == end && v < end; ++v) {
    if ((IsWordAt(t, v, "remember") || IsWordAt(t, v, "keep") || IsWordAt(t, v, "store")) &&
        NegatedRemember(t, start, v))
      topic = v + 1;
  }
  if (topic < end) {
    size_t b = topic, e = end;
    // "delete", "wipe", "bin" are also said of work ("remove the semicolon"): only framing makes
    // them about memory (rules/forget_task_verbs.txt).
    bool about_memory = !WordList("forget_task_verbs").count(t[topic - 1].norm);
    while (b < e && t[b].word && framing.count(t[b].norm)) {
      // "delete what I said about X" is about memory; "remove the semicolon" is not.
      about_memory = about_memory || MemoryFraming().count(t[b].norm);
      ++b;
    }
    // The topic runs to the first comma: "forget my old address, I moved".
    for (size_t k = b; k < e; ++k) {
      if (!t[k].word && t[k].norm != "\"") {
        e = k;
        break;
      }
    }
    // "remove the medication info you have on me", "delete my birthday from your memory": a
    // word for what memory holds ends the topic and makes the request about memory.
    const WordSet& held = WordList("forget_memory_nouns");
    for (size_t k = b + 1; k < e; ++k) {
      size_t m = k;
      if (IsWordAt(t, m, "from")) m += IsWordAt(t, m + 1, "your") ? 2 : 1;
      if (m < e && t[m].word && (held.count(t[m].norm) || (m > k && t[m].norm == "memory"))) {
        about_memory = true;
        e = k;
        break;
      }
    }
    // "wipe the marriage counselling bit", "bin the lawyer thing I mentioned": a word for a piece
    // of what was said (rules/forget_said_pieces.txt) closes the topic, which is what was said.
    const WordSet& pieces = WordList("forget_said_pieces");
    for (size_t k = b + 1; k < e; ++k) {
      if (t[k].word && pieces.count(t[k].norm)) {
        about_memory = true;
        e = k;
        break;
      }
    }
    if (!about_memory) return std::nullopt;
    TrimWords(t, b, e, framing, RequestTail());
    bool named = false;
    for (size_t k = b; k < e; ++k) named = named || (t[k].word && !Deictic().count(t[k].norm));
    if (named) return ForgetRequest{SpanOf(t, b, e)};
    const bool points_back =
        b >= e || std::all_of(t.begin() + static_cast<ptrdiff_t>(b),
                              t.begin() + static_cast<ptrdiff_t>(e), [](const util::Token& x) {
                                return !x.word || x.norm == "it" || Deictic().count(x.norm);
                              });
    if (points_back && before < start) {
      if (std::optional<std::string> topic_said = Antecedent(t, before, start))
        return ForgetRequest{std::move(*topic_said)};
    }
  }
  return std::nullopt;
}

// Words that open a clause holding a right value without being part of it ("it's 8:50", "but I
// meant Bradford").
const WordSet& ValueLead() {
  static const WordSet s{"it",     "'s",     "is",   "was",  "actually", "but",   "i",
                         "meant",  "mean",   "that", "so",   "no",       "sorry", "oh",
                         "really", "should", "be",   "have", "been"};
  return s;
}

// "it's in Bath rather than Bristol" (rules/correction_contrasts.txt): the words after the
// contrast are wrong, as many words just before it right.
std::optional<Correction> ContrastAt(const Tokens& t, size_t from) {
  const WordSet& contrasts = WordList("correction_contrasts");
  static const WordSet kArticles{"the", "a", "an"};
  for (size_t k = from + 1; k < t.size(); ++k) {
    if (IsEnd(t, k - 1)) continue;  // the right value comes first, in the same clause
    const size_t wb0 = PhraseEnd(t, k, contrasts);
    if (wb0 == k) continue;
    size_t wb = wb0, we = wb;
    while (we < t.size() && !IsEnd(t, we)) ++we;
    TrimWords(t, wb, we, kArticles, WordSet{});
    if (wb >= we || we - wb > 4) return std::nullopt;
    // The right value: the words just before, back to a function word ("the window seat rather
    // than the aisle": "window seat"), at most one more than the wrong value has.
    static const WordSet kBefore{"the",  "a",  "an", "in", "on", "at",  "to",  "for", "of",
                                 "with", "is", "'s", "it", "be", "are", "was", "by",  "from"};
    size_t rb = k;
    for (size_t n = we - wb + 1; n > 0 && rb > from && !IsEnd(t, rb - 1) && t[rb - 1].word &&
                                 !kBefore.count(t[rb - 1].norm);
         --n)
      --rb;
    while (rb < k && !t[rb].word) ++rb;
    if (rb >= k) return std::nullopt;
    return Correction{SpanOf(t, rb, k), SpanOf(t, wb, we)};
  }
  return std::nullopt;
}

// "I think I said 8:15 earlier, it's 8:50" (rules/correction_recalls.txt): the wrong value
// follows the phrase, the right one opens the next clause.
std::optional<Correction> RecalledValueAt(const Tokens& t) {
  const WordSet& recalls = WordList("correction_recalls");
  static const WordSet kTail{"earlier", "before",  "yesterday", "above", "there",
                             "by",      "mistake", "but",       "then",  "first"};
  for (size_t k = 0; k < t.size(); ++k) {
    const size_t wb0 = PhraseEnd(t, k, recalls);
    if (wb0 == k) continue;
    size_t wb = wb0, we = wb;
    while (we < t.size() && !IsEnd(t, we) && !kTail.count(t[we].norm)) ++we;
    size_t next = we;
    while (next < t.size() && !IsEnd(t, next) && !IsWordAt(t, next, "but")) ++next;
    TrimWords(t, wb, we, WordSet{"that", "it", "was", "is"}, WordSet{});
    if (wb >= we || we - wb > 4 || next >= t.size()) return std::nullopt;
    size_t rb = next + 1, re;
    while (rb < t.size() && (!t[rb].word || ValueLead().count(t[rb].norm))) ++rb;
    while (rb > 0 && rb < t.size() && t[rb].raw.data() == t[rb - 1].raw.data()) ++rb;
    for (re = rb; re < t.size() && !IsEnd(t, re);) ++re;
    if (rb >= re || re - rb > 8) return std::nullopt;
    return Correction{SpanOf(t, rb, re), SpanOf(t, wb, we)};
  }
  return std::nullopt;
}

// The right value that a clause from rb states: its words to the end of the clause, after the
// last copula when it restates the slot ("the name is Anna": "Anna").
std::optional<std::string> ClauseValue(const Tokens& t, size_t rb) {
  while (rb < t.size() && (!t[rb].word || ValueLead().count(t[rb].norm))) ++rb;
  while (rb > 0 && rb < t.size() && t[rb].raw.data() == t[rb - 1].raw.data()) ++rb;
  size_t re = rb;
  while (re < t.size() && !IsEnd(t, re)) ++re;
  for (size_t k = re; k-- > rb + 1;) {
    if (IsWordAt(t, k, "is") || IsWordAt(t, k, "are") || IsWordAt(t, k, "'s")) {
      rb = k + 1;
      break;
    }
  }
  if (rb >= re || re - rb > 8) return std::nullopt;
  return SpanOf(t, rb, re);
}

// "Thursday is wrong, it's Tuesday" (rules/correction_verdicts.txt): the wrong value is judged,
// the next clause gives the right one.
std::optional<Correction> VerdictAt(const Tokens& t, size_t from) {
  const WordSet& verdicts = WordList("correction_verdicts");
  static const WordSet kArticles{"the", "a", "an"};
  for (size_t k = from + 1; k < t.size(); ++k) {
    const size_t after = PhraseEnd(t, k, verdicts);
    if (after == k) continue;
    size_t wb = k;
    while (wb > from && !IsEnd(t, wb - 1)) --wb;
    size_t we = k;
    TrimWords(t, wb, we, kArticles, WordSet{});
    if (wb >= we || we - wb > 4 || Deictic().count(t[wb].norm)) return std::nullopt;
    size_t next = after;
    while (next < t.size() && !IsEnd(t, next)) ++next;
    if (next >= t.size()) return std::nullopt;
    std::optional<std::string> right = ClauseValue(t, next + 1);
    if (!right) return std::nullopt;
    return Correction{*right, SpanOf(t, wb, we)};
  }
  return std::nullopt;
}

// "change that to 7:30", "update the 9:00 to 9:30" (rules/correction_change_verbs.txt) at the
// start of the turn.
std::optional<Correction> ChangeToAt(const Tokens& t, size_t i) {
  if (i >= t.size() || !WordList("correction_change_verbs").count(t[i].norm)) return std::nullopt;
  size_t to = i + 1;
  while (to < t.size() && !IsEnd(t, to) && !IsWordAt(t, to, "to") && to - i <= 5) ++to;
  if (!IsWordAt(t, to, "to")) return std::nullopt;
  static const WordSet kArticles{"the", "a", "an"};
  size_t wb = i + 1, we = to;
  TrimWords(t, wb, we, kArticles, WordSet{});
  Correction c;
  if (wb < we && !(we - wb == 1 && (Deictic().count(t[wb].norm) || t[wb].norm == "it")))
    c.wrong = SpanOf(t, wb, we);
  size_t rb = to + 1, re = rb;
  while (re < t.size() && !IsEnd(t, re)) ++re;
  TrimWords(t, rb, re, kArticles, WordSet{"please", "instead", "then"});
  if (rb >= re || re - rb > 6) return std::nullopt;
  c.right = SpanOf(t, rb, re);
  return c;
}

// "I got the clinic hours wrong yesterday, it opens at 9", "I had the renewal date wrong: it's
// July 1": the value in the clause after "I got/had <slot> wrong" (the caller finds the memory by
// the slot: core::CorrectedSlot).
std::optional<Correction> GotWrongAt(const Tokens& t, size_t i) {
  constexpr size_t kMaxSlot = 6;
  if (!IsWordAt(t, i, "i") || !(IsWordAt(t, i + 1, "got") || IsWordAt(t, i + 1, "had")))
    return std::nullopt;
  size_t w = i + 2;
  while (w < t.size() && t[w].word && t[w].norm != "wrong" && w - i - 2 < kMaxSlot) ++w;
  if (!IsWordAt(t, w, "wrong")) return std::nullopt;
  static const WordSet kArticles{"the", "a", "an", "my", "our"};
  size_t sb = i + 2, se = w;
  TrimWords(t, sb, se, kArticles, WordSet{});
  if (sb >= se || (se - sb == 1 && (Deictic().count(t[sb].norm) || t[sb].norm == "it")))
    return std::nullopt;
  size_t next = w;
  while (next < t.size() && !IsEnd(t, next)) ++next;
  if (next >= t.size()) return std::nullopt;
  std::optional<std::string> right = ClauseValue(t, next + 1);
  if (!right) return std::nullopt;
  return Correction{*right, ""};
}

// The marker of a correction said after a statement in the same turn: a word of
// rules/correction_markers.txt between a comma or a question mark and a comma, before more words
// ("Thursday, no, Friday"; "the 17:45, sorry, the 17:54"; "118? no, 181"), at or after token
// `from`; t.size() when there is none.
size_t MidTurnMarker(const Tokens& t, size_t from) {
  const WordSet& markers = WordList("correction_markers");
  for (size_t k = from + 1; k + 2 < t.size(); ++k) {
    if (!t[k - 1].word && (t[k - 1].norm == "," || t[k - 1].norm == "?") && t[k].word &&
        markers.count(t[k].norm) && !t[k + 1].word && t[k + 1].norm == "," && t[k + 2].word)
      return k;
  }
  return t.size();
}

}  // namespace

std::optional<ForgetRequest> ParseForgetRequest(std::string_view text) {
  const Tokens t = util::Tokenize(text);
  size_t start = 0;
  while (start < t.size()) {
    size_t end = start;
    while (end < t.size() && !EndsSentence(t[end])) ++end;
    // A request may open the sentence or any clause of it ("On second thought, don't keep ...").
    std::optional<ForgetRequest> found;
    for (size_t clause = start; clause < end && !found; ++clause) {
      if (clause == start || (!t[clause - 1].word && t[clause - 1].norm == ","))
        found = ForgetRequestAt(t, clause, end, start);
    }
    if (found) return found;
    start = end + 1;
  }
  return std::nullopt;
}

std::optional<Correction> ParseCorrection(std::string_view text) {
  const Tokens t = util::Tokenize(text);
  const WordSet& markers = WordList("correction_markers");
  size_t i = 0;
  while (i < t.size() && (!t[i].word || Interjections().count(t[i].norm))) ++i;
  // "I was wrong, ...", "let me correct that: ...": the value is in what follows, which may be
  // said in the first person ("scratch that, we're shipping v2.4").
  const size_t after_phrase = PhraseEnd(t, i, WordList("correction_phrases"));
  const bool announced = after_phrase > i;
  i = after_phrase;
  while (i < t.size() && (!t[i].word || Interjections().count(t[i].norm))) ++i;
  bool marked = announced || (i < t.size() && markers.count(t[i].norm));
  // "It's $3,000 actually": "actually" inside the first clause marks it too.
  for (size_t k = i; !marked && k < t.size() && !IsEnd(t, k); ++k)
    marked = IsWordAt(t, k, "actually");
  size_t meant = t.size(), typo = t.size();
  for (size_t k = 0; k < t.size(); ++k) {
    if (!t[k].word) continue;
    if (t[k].norm == "meant" || (t[k].norm == "mean" && IsWordAt(t, k - 1, "i"))) meant = k;
    if ((t[k].norm == "typo" || t[k].norm == "mistake") && typo == t.size()) typo = k;
  }
  // "not 6:45, it's 8:45" and "2027, not 2026" correct without a marker word.
  size_t negated = t.size();
  if (i < t.size() && t[i].norm == "not") negated = i;
  for (size_t k = i; k + 1 < t.size() && negated == t.size(); ++k) {
    if (!t[k].word && t[k].norm == "," && IsWordAt(t, k + 1, "not")) negated = k + 1;
  }
  // "His name is Mr. Hadad, I spelled it wrong": a phrase of rules/correction_phrases.txt that
  // ends the turn announces the clause before it, as when it opens the turn.
  for (size_t k = i + 1; k + 1 < t.size(); ++k) {
    if (t[k].word || t[k].norm != ",") continue;
    size_t end = PhraseEnd(t, k + 1, WordList("correction_phrases"));
    if (end == k + 1) continue;
    while (end < t.size() && !t[end].word) ++end;
    if (end < t.size()) continue;
    const size_t b = static_cast<size_t>(t[i].raw.data() - text.data());
    const size_t comma = static_cast<size_t>(t[k].raw.data() - text.data());
    const size_t p = static_cast<size_t>(t[k + 1].raw.data() - text.data());
    return ParseCorrection(std::string(text.substr(p)) + ", " +
                           std::string(text.substr(b, comma - b)));
  }
  // "I said X earlier, it's Y" and "Y rather than X" name both values in one clause.
  if (std::optional<Correction> c = RecalledValueAt(t)) return c;
  if (std::optional<Correction> c = GotWrongAt(t, i)) return c;
  if (std::optional<Correction> c = VerdictAt(t, i)) return c;
  if (std::optional<Correction> c = ChangeToAt(t, i)) return c;
  if (negated == t.size()) {
    if (std::optional<Correction> c = ContrastAt(t, i)) return c;
  }
  if (!marked && meant == t.size() && typo == t.size() && negated == t.size()) {
    // "per second, sorry, 100 per second", "Thursday, no, Friday", "118? no, 181": a marker
    // between a comma or a question mark and a comma corrects with what follows it, as when it
    // opens the turn.
    const size_t k = MidTurnMarker(t, i);
    if (k == t.size()) return std::nullopt;
    const size_t at = static_cast<size_t>(t[k].raw.data() - text.data());
    std::optional<Correction> c = ParseCorrection(text.substr(at));
    // "118? no, 181": the value questioned is the wrong one.
    if (c && c->wrong.empty() && t[k - 1].norm == "?") {
      const size_t asked = static_cast<size_t>(t[k - 1].raw.data() - text.data());
      if (std::optional<std::string> v = ParseValueFragment(text.substr(0, asked)))
        c->wrong = std::move(*v);
    }
    return c;
  }
  // "Paula Green, I mean.": the value before a closing "I mean" is the right one, when it is shaped
  // like a value (a name or a number), not a thought ("it's fine, I mean").
  if (meant < t.size() && IsWordAt(t, meant - 1, "i") && meant >= i + 3 && !t[meant - 2].word &&
      t[meant - 2].norm == "," && (meant + 1 >= t.size() || EndsSentence(t[meant + 1]))) {
    size_t rb = i, re = meant - 2;
    static const WordSet kNone{};
    TrimWords(t, rb, re, kNone, kNone);
    bool shaped = false, thought = false;
    for (size_t k = rb; k < re; ++k) {
      if (!t[k].word) continue;
      shaped =
          shaped ||
          std::any_of(t[k].norm.begin(), t[k].norm.end(),
                      [](char ch) { return util::IsAsciiDigit(static_cast<unsigned char>(ch)); }) ||
          (k > rb && t[k].cap);
      thought = thought || Deictic().count(t[k].norm) || t[k].norm == "i" || t[k].norm == "it" ||
                t[k].norm == "we" || t[k].norm == "you";
    }
    if (rb < re && re - rb <= 6 && shaped && !thought) return Correction{SpanOf(t, rb, re), ""};
    return std::nullopt;
  }
  if (negated == i) {
    // "not X, Y": X is wrong, the next clause right.
    size_t wb = i + 1, we = wb;
    // "not Thursday but Tuesday": "but" ends the wrong value too.
    while (we < t.size() && !IsEnd(t, we) && !IsWordAt(t, we, "but")) ++we;
    static const WordSet kNoWords{};
    size_t xb = wb, xe = we;
    TrimWords(t, xb, xe, kNoWords, kNoWords);
    if (xb >= xe || we >= t.size()) return std::nullopt;
    Correction c;
    c.wrong = SpanOf(t, xb, xe);
    // The right value: the next clause, without "it's".
    size_t rb = we + 1;
    while (rb < t.size() && (!t[rb].word || t[rb].norm == "it" || t[rb].norm == "'s" ||
                             t[rb].norm == "is" || t[rb].norm == "actually"))
      ++rb;
    while (rb > 0 && rb < t.size() && t[rb].raw.data() == t[rb - 1].raw.data()) ++rb;
    size_t re = rb;
    while (re < t.size() && !IsEnd(t, re)) ++re;
    if (rb >= re || re - rb > 8) return std::nullopt;
    c.right = SpanOf(t, rb, re);
    return c;
  }
  static const WordSet kLead{"sorry",  "oops",  "no",     "nope", "actually", "wait", "correction",
                             "whoops", "meant", "mean",   "to",   "say",      "it",   "is",
                             "was",    "that",  "it's",   "its",  "should",   "be",   "have",
                             "been",   "said",  "my",     "bad",  "oh",       "ah",   "um",
                             "the",    "one",   "rather", "'s"};
  static const WordSet kNone{};
  // The right value: after "I meant", else the first clause that is not "that was a typo".
  size_t b = meant < t.size() ? meant + 1 : i;
  for (;;) {
    while (b < t.size() && (!t[b].word || (kLead.count(t[b].norm) && t[b].norm != "the" &&
                                           (t[b].norm != "my" || IsWordAt(t, b + 1, "bad")))))
      ++b;
    // The parts of a contraction share their written word: skip "'s" of a skipped "it's" too.
    while (b > 0 && b < t.size() && t[b].raw.data() == t[b - 1].raw.data()) ++b;
    if (b >= t.size()) return std::nullopt;
    size_t e = b;
    while (e < t.size() && !IsEnd(t, e) && !IsWordAt(t, e, "not") && !IsWordAt(t, e, "but")) ++e;
    size_t rb = b, re = e;
    static const WordSet kTail{"actually"};
    TrimWords(t, rb, re, kNone, kTail);
    const bool is_typo_clause = typo < t.size() && typo >= b && typo <= e;
    if (is_typo_clause || rb >= re) {
      // "that was a typo" names no value; the value is in another clause.
      b = e + 1;
      if (b >= t.size()) return std::nullopt;
      continue;
    }
    Correction c;
    // "not X but Y": the clause after "but" is right.
    if (IsWordAt(t, b, "not")) return std::nullopt;
    c.right = SpanOf(t, rb, re);
    // A statement in the first person is news, not a corrected value ("actually I live in Porto"),
    // unless a phrase announced a correction.
    for (size_t k = rb; k < re && !announced; ++k) {
      if (t[k].word && (t[k].norm == "i" || t[k].norm == "we" || t[k].norm == "my" ||
                        t[k].norm == "our" || t[k].norm == "you"))
        return std::nullopt;
    }
    if (re - rb > 8) return std::nullopt;
    // ", not X" after the right value: X is wrong.
    size_t n = e;
    if (IsEnd(t, n) && IsWordAt(t, n + 1, "not")) ++n;
    if (IsWordAt(t, n, "not")) {
      size_t wb = n + 1, we = wb;
      while (we < t.size() && !IsEnd(t, we)) ++we;
      TrimWords(t, wb, we, kNone, kNone);
      if (wb < we) c.wrong = SpanOf(t, wb, we);
    }
    // "X was a typo": X is wrong unless it only points back.
    if (c.wrong.empty() && typo < t.size()) {
      size_t we = typo;
      while (we > 0 && t[we - 1].word &&
             (t[we - 1].norm == "a" || t[we - 1].norm == "was" || t[we - 1].norm == "is"))
        --we;
      size_t wb = we;
      while (wb > 0 && t[wb - 1].word) --wb;
      TrimWords(t, wb, we, kNone, kNone);
      if (wb < we && !(we - wb == 1 && Deictic().count(t[wb].norm)) && (we <= rb || wb >= re))
        c.wrong = SpanOf(t, wb, we);
    }
    return c;
  }
}

std::optional<std::string> ParseValueFragment(std::string_view text) {
  const Tokens t = util::Tokenize(text);
  size_t b = 0;
  while (b < t.size() && (!t[b].word || Interjections().count(t[b].norm))) ++b;
  size_t e = b;
  while (e < t.size() && !IsEnd(t, e)) ++e;
  if (b >= e) return std::nullopt;
  size_t words = 0;
  bool digit = false;
  for (size_t k = b; k < e; ++k) {
    if (!t[k].word) continue;
    if (t[k].norm != "the" && t[k].norm != "a" && t[k].norm != "an") ++words;
    digit = digit || std::any_of(t[k].norm.begin(), t[k].norm.end(), [](char c) {
              return util::IsAsciiDigit(static_cast<unsigned char>(c));
            });
  }
  if (words == 0 || words > 3 || !digit) return std::nullopt;
  return SpanOf(t, b, e);
}

bool AnnouncesChange(std::string_view text) {
  const WordSet& markers = WordList("change_markers");
  const Tokens t = util::Tokenize(text);
  for (size_t i = 0; i < t.size(); ++i) {
    if (PhraseEnd(t, i, markers) > i) return true;
  }
  return false;
}

std::vector<std::string> NamedSlots(std::string_view text) {
  const WordTable& cues = WordMap("slot_cues");
  const Tokens t = util::Tokenize(text);
  std::vector<std::string> keys;
  for (size_t i = 0; i < t.size(); ++i) {
    // "my sister's new job", "her job at Figma": a slot of someone else.
    auto others = [&](size_t k) {
      return k < i && (t[k].norm == "'s" || t[k].norm == "his" || t[k].norm == "her" ||
                       t[k].norm == "their" || t[k].norm == "your");
    };
    if (others(i - 1) || others(i - 2)) continue;
    for (const auto& [phrase, key] : cues) {
      if (util::PhraseEnd(t, i, phrase) > i &&
          std::find(keys.begin(), keys.end(), key) == keys.end())
        keys.emplace_back(key);
    }
  }
  return keys;
}

std::optional<SelfCorrection> ParseSelfCorrection(std::string_view text) {
  const Tokens t = util::Tokenize(text);
  size_t i = 0;
  while (i < t.size() && (!t[i].word || Interjections().count(t[i].norm))) ++i;
  const size_t k = MidTurnMarker(t, i);
  // A statement before the comma, of three words or more: not a bare value ("118? no, 181",
  // "Thursday, no, Friday" correct what was said before the turn, not themselves).
  size_t words = 0;
  for (size_t w = i; w + 1 < k; ++w) words += t[w].word;
  if (k == t.size() || t[k - 1].norm != "," || words < 3) return std::nullopt;
  const std::string statement = SpanOf(t, i, k - 1);
  if (ParseValueFragment(statement)) return std::nullopt;
  const size_t at = static_cast<size_t>(t[k].raw.data() - text.data());
  std::optional<Correction> fix = ParseCorrection(text.substr(at));
  if (!fix) return std::nullopt;
  return SelfCorrection{statement, std::move(*fix)};
}

}  // namespace engram::hygiene
