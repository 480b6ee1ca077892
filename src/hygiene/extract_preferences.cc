// The rules about what the user wants: likes and dislikes, favorites, tools and languages,
// settings, standing instructions, deadlines, procedures and "remember that ...".
#include <algorithm>

#include "hygiene/extractor.h"

namespace engram::hygiene::extraction {

std::string DetailAt(const Tokens& c, size_t e) {
  constexpr size_t kMaxDetail = 8;
  if (!IsIn(c, e, WordList("detail_prepositions"))) return "";
  const WordSet& stops = WordList("detail_stops");
  size_t end = e + 1;
  while (IsWord(c, end) && !IsIn(c, end, stops) && end - e < kMaxDetail) ++end;
  if (end == e + 1 || (IsWord(c, end) && !IsIn(c, end, stops))) return "";  // cut mid-phrase
  return " " + Span(c, e, end);
}

// Tools and languages, one key per item under `prefix`; UI and editor settings go to their
// fixed preference keys instead. With require_language, only programming languages count.
void Extractor::Tools(const Tokens& c, size_t k, bool negated, const std::string& prefix,
                      bool require_language, double confidence) {
  const std::vector<Range> items = Items(c, k, 4);
  for (const Range& r : items) {
    if (Dimension(c, r, negated, confidence)) continue;
    const bool language = r.e == r.b + 1 && IsProgrammingLanguage(c[r.b].norm);
    if (require_language && !language) continue;
    const std::string slug = Slug(c, r.b, r.e);
    if (slug.empty()) continue;
    const std::string tool = Span(c, r.b, r.e);
    Json data{{"tool", tool}, {"uses", !negated}};
    if (language) data["kind"] = "language";
    const std::string subject = prefix == "team.stack." ? "the user's team " : "the user ";
    const std::string detail = items.size() == 1 && !negated ? DetailAt(c, r.e) : "";
    Add(MemoryType::kFact, prefix + slug,
        subject + (negated ? "does not use " : "uses ") + tool + detail,
        negated ? confidence - 0.05 : confidence, data, ValidFrom(c, r.e, false));
  }
}

// Binary settings with a fixed key: theme, indentation, units. Returns whether r was one.
// A negation states the other value ("I don't like dark mode": light).
bool Extractor::Dimension(const Tokens& c, const Range& r, bool negated, double confidence) {
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
void Extractor::Likes(const Tokens& c, size_t k, std::string_view verb, const Predicate& p) {
  const size_t j = k;
  if (IsAny(c, j, {"it", "that", "this"}) && IsAny(c, j + 1, {"when", "if", "that", "how"})) return;
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
void Extractor::LikeItems(const Tokens& c, size_t j, bool likes, const std::string& phrase,
                          double confidence) {
  const std::vector<Range> items = Items(c, j, 5, /*infinitive=*/true);
  std::string over;
  if (items.size() == 1) {
    size_t o = items.back().e;
    if (Match(c, o, {"over"}) || Match(c, o, {"to"}) || Match(c, o, {"rather", "than"}) ||
        Match(c, o, {"more", "than"}) || Match(c, o, {"instead", "of"}) || Match(c, o, {"than"})) {
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
    } else if (items.size() == 1) {
      sentence += DetailAt(c, r.e);
    }
    Add(MemoryType::kPreference, "pref.likes." + slug, sentence, confidence, data);
  }
}

// "my favourite color is blue": pref.favorite.<category>.
void Extractor::Favorite(const Tokens& c, size_t j) {
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
void Extractor::Team(const Tokens& c, size_t i) {
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

// "please call me Dee", "you can call me Dee", "just call me Dee".
// Also "I'd prefer to be called Dee", "I like to be called Dee".
bool Extractor::CallMe(const Tokens& c, size_t i) {
  for (size_t m = i; m + 1 < c.size(); ++m) {
    const bool call_me = Is(c, m, "call") && Is(c, m + 1, "me");
    const bool be_called = m > i && Is(c, m - 1, "to") && Is(c, m, "be") && Is(c, m + 1, "called");
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
bool Extractor::Instruction(const Tokens& c, size_t i) {
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
  if (!IsWord(c, j) || IsIn(c, j, NotImperative())) return false;
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
bool Extractor::Deadline(const Tokens& c, size_t i) {
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
size_t Extractor::DeadlineAt(const Tokens& c, size_t tb, size_t te, size_t w, size_t verb) {
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
  const std::string sentence = verb == std::string::npos
                                   ? ThirdPerson(c, tb, te) + " is due " + (day ? "on " : "") + when
                                   : "the user needs to " + Span(c, verb, te) + " by " + when;
  Add(MemoryType::kEpisode, "deadline." + slug, sentence, day ? 0.85 : 0.7, data);
  return pe;
}

// "when I say X, do Y": a procedure keyed by its trigger.
bool Extractor::Procedure(const Tokens& s, size_t i) {
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
bool Extractor::Remember(const Tokens& s, size_t i) {
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
  Add(MemoryType::kFact, "note." + slug, ThirdPerson(s, j, e), 0.9, Json{{"note", Span(s, j, e)}});
  return true;
}

}  // namespace engram::hygiene::extraction
