// The rules about who the user is: name, origin, places, work and role, age and birthday, family
// and pets, health conditions, allergies and diet.
#include <algorithm>

#include "hygiene/extractor.h"

namespace engram::hygiene::extraction {

void Extractor::Allergy(const Tokens& c, size_t j) {
  for (const Range& r : Items(c, j, 4)) {
    const std::string allergen = Span(c, r.b, r.e);
    const std::string slug = Slug(c, r.b, r.e, true);
    if (slug.empty()) continue;
    Add(MemoryType::kFact, "diet.allergy." + slug, "the user is allergic to " + allergen, 0.95,
        Json{{"allergen", allergen}});
  }
}

// "I can't eat X", "I don't drink X", "I avoid X". With food_only, each item must be a food.
void Extractor::Avoid(const Tokens& c, size_t j, const std::string& verb, bool food_only) {
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
void Extractor::Diet(const Tokens& c, size_t d) {
  const std::string style(DietStyle(c[d].norm));
  Add(MemoryType::kFact, "diet.style", "the user is " + style, 0.9, Json{{"diet", style}},
      ValidFrom(c, d + 1, false));
}

void Extractor::Observance(std::string_view word) {
  Add(MemoryType::kFact, "diet.observance", "the user keeps " + std::string(word), 0.85,
      Json{{"observance", std::string(word)}});
}

// A known condition named by the word at end - 1 ("diabetic", "diabetes"), as stated in
// [b, end) ("type 2 diabetes").
void Extractor::ConditionAt(const Tokens& c, size_t b, size_t end) {
  const std::string_view canonical = ConditionName(c[end - 1].norm);
  if (canonical.empty()) return;
  const std::string stated = Span(c, b, end);
  Add(MemoryType::kFact, "health.condition." + KeySegment(canonical),
      "the user has " + std::string(canonical), 0.9,
      Json{{"condition", std::string(canonical)}, {"stated", stated}}, ValidFrom(c, end, false));
}

// "I have diabetes", "I suffer from migraines", "diagnosed with X". With any_phrase, an unknown
// condition (up to four words) is kept under its own slug.
void Extractor::Condition(const Tokens& c, size_t j, bool any_phrase) {
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
void Extractor::Possession(const Tokens& c, size_t k) {
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
      Allergy(Tokens(c.begin() + static_cast<ptrdiff_t>(b), c.begin() + static_cast<ptrdiff_t>(a)),
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
void Extractor::Work(const Tokens& c, size_t k) {
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
    if (Is(c, j, "in") && items.size() == 1 && items[0].e == items[0].b + 1 && !c[items[0].b].cap &&
        !IsCommonPlaceNoun(c[items[0].b].norm) && AtEnd(c, items[0].e)) {
      const std::string industry = c[items[0].b].norm;
      Add(MemoryType::kFact, "user.industry", "the user works in " + industry, 0.7,
          Json{{"industry", industry}});
    }
  }
}

// An organization name at j; adds user.employer (user.school for students) and returns the
// index after it, or 0 when there is none.
size_t Extractor::Employer(const Tokens& c, size_t j, bool event, bool school) {
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
size_t Extractor::RoleAt(const Tokens& c, size_t j, bool any_head) {
  size_t b = j;
  std::string article;
  if (IsAny(c, b, {"a", "an", "the"})) article = c[b++].norm;
  size_t e = b;
  bool has_head = false;
  // "I'm a product manager there now": words of when and where end the role
  // (rules/role_tails.txt).
  const WordSet& tails = WordList("role_tails");
  while (IsWord(c, e) && e - b < 5 && !IsIn(c, e, tails) &&
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
  if (!AtEnd(c, e) && !of_org && !IsIn(c, e, tails) &&
      !IsAny(c, e,
             {"at", "for", "with", "in", "and", "from", "since", "but", "based", "who", "by", "so",
              "because", "working"}))
    return 0;
  const std::string role = Span(c, b, e);
  const bool student =
      In(c[e - 1].norm, {"student", "undergrad", "undergraduate", "postdoc", "candidate"});
  if (article.empty()) article = Article(role);
  // "a project manager at a construction firm": a workplace without a name stays with the role.
  const bool named_employer =
      (IsAny(c, e, {"at", "for", "with"}) && ProperPhrase(c, e + 1, 6)) || of_org;
  const std::string detail = named_employer ? "" : DetailAt(c, e);
  Add(MemoryType::kFact, "user.role", "the user is " + article + " " + role + detail,
      any_head ? 0.8 : 0.85, Json{{"role", role}}, ValidFrom(c, e, false));
  if (IsAny(c, e, {"at", "for", "with"}) || of_org) {
    const size_t after = Employer(c, e + 1, false, student);
    return after != 0 ? after : e;
  }
  return e;
}

// "I live in X", "I'm based in X", "I moved to X": the single key user.location.city.
void Extractor::Location(const Tokens& c, size_t j, double confidence, bool event) {
  const std::optional<Range> place = ProperPhrase(c, j, 4);
  if (!place) return;
  const std::string city = TitleIfLower(Span(c, place->b, place->e));
  Json data{{"city", city}};
  std::string where = city;
  size_t end = place->e;
  if (Is(c, end, ",")) {
    // "Paris, France"; not "Aarhus, near the university": a region is written as the city is.
    const std::optional<Range> region = ProperPhrase(c, end + 1, 3);
    if (region && (c[region->b].cap || !c[place->b].cap)) {
      data["region"] = TitleIfLower(Span(c, region->b, region->e));
      where += ", " + data["region"].get<std::string>();
      end = region->e;
    }
  }
  if (!c[place->b].cap) confidence -= 0.2;
  Add(MemoryType::kFact, "user.location.city", "the user lives in " + where, confidence, data,
      ValidFrom(c, end, event));
}

void Extractor::Origin(const Tokens& c, size_t j, double confidence) {
  const std::optional<Range> place = ProperPhrase(c, j, 4);
  if (!place || !c[place->b].cap) return;
  const std::string from = Span(c, place->b, place->e);
  Add(MemoryType::kFact, "user.origin", "the user is from " + from, confidence,
      Json{{"place", from}});
}

// "I was born in 1990 / in Lyon / on May 3", "I was diagnosed with X".
void Extractor::Was(const Tokens& c, size_t k, bool negated) {
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

void Extractor::Birthday(const DateExpr& d, const std::string& key, const std::string& whose) {
  Json data{{"month", d.month}, {"day", d.day}};
  std::string when = std::string(MonthName(d.month)) + " " + std::to_string(d.day);
  if (d.year > 0) {
    data["year"] = d.year;
    when += ", " + std::to_string(d.year);
  }
  Add(MemoryType::kFact, key, whose + " birthday is " + when, 0.95, data);
}

void Extractor::Age(const Tokens& c, size_t j) {
  const int age = IsWord(c, j) && util::IsAsciiDigit(static_cast<unsigned char>(c[j].norm[0]))
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
void Extractor::Speaks(const Tokens& c, size_t k) {
  size_t j = k;
  while (IsAny(c, j,
               {"fluent", "native", "conversational", "basic", "some", "a", "little", "bit", "of",
                "decent", "good"}))
    ++j;
  for (const Range& r : Items(c, j, 2)) {
    if (!c[r.b].cap && !all_lower_) continue;
    const std::string language = TitleIfLower(Span(c, r.b, r.e));
    Add(MemoryType::kFact, "user.speaks." + Slug(c, r.b, r.e), "the user speaks " + language, 0.85,
        Json{{"language", language}});
  }
}

bool Extractor::Pronouns(const Tokens& c, size_t j) {
  const WordSet& pronouns = WordList("pronouns");
  size_t e = j;
  while (IsWord(c, e) && pronouns.contains(c[e].norm)) ++e;
  // Two at least ("she/her", "they/them", "any pronouns"), then the end of the clause.
  if (e < j + 2 ||
      (!AtEnd(c, e) && !IsAny(c, e, {"these", "now", "nowadays", "today", "and", "but"})))
    return false;
  const std::string_view first = c[j].raw, last = c[e - 1].raw;
  const std::string set(first.data(),
                        static_cast<size_t>(last.data() + last.size() - first.data()));
  Add(MemoryType::kFact, "user.pronouns", "the user's pronouns are " + set, 0.9,
      Json{{"pronouns", set}});
  return true;
}

// A person's name at j ("Dana", "Dana Scully"); adds user.name.
void Extractor::Name(const Tokens& c, size_t j, double confidence, bool require_cap) {
  const std::optional<Range> r = NameAt(c, j, require_cap);
  if (!r) return;
  const std::string name = TitleIfLower(Span(c, r->b, r->e));
  Add(MemoryType::kFact, "user.name", "the user's name is " + name, confidence,
      Json{{"name", name}});
}

std::optional<Range> Extractor::NameAt(const Tokens& c, size_t j, bool require_cap) const {
  auto name_shaped = [&](size_t i) {
    if (!IsWord(c, i) || IsNameStop(c[i].norm) || c[i].norm.size() < 2) return false;
    return std::none_of(c[i].norm.begin(), c[i].norm.end(), [](char ch) {
      return util::IsAsciiDigit(static_cast<unsigned char>(ch)) || ch == '.' || ch == '&';
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
void Extractor::MaybeName(const Tokens& c, size_t j) {
  if (title_case_ || all_lower_ || !IsWord(c, j) || !c[j].cap || IsNonName(c[j].norm)) return;
  const std::optional<Range> r = NameAt(c, j, true);
  if (!r) return;
  if (!AtEnd(c, r->e) && !IsAny(c, r->e, {"from", "and", "here", "btw", "by", "but", "nice"}))
    return;
  const std::string name = Span(c, r->b, r->e);
  Add(MemoryType::kFact, "user.name", "the user's name is " + name, 0.7, Json{{"name", name}});
}

// The name at j of the user's `rel` (a canonical relation): family.<rel>.name.
void Extractor::RelationName(const Tokens& c, size_t j, std::string_view rel, double confidence) {
  const std::optional<Range> r = NameAt(c, j, !all_lower_);
  if (!r) return;
  const std::string name = TitleIfLower(Span(c, r->b, r->e));
  Add(MemoryType::kFact, "family." + KeySegment(rel) + ".name",
      "the user's " + std::string(rel) + " is named " + name, confidence,
      Json{{"relation", std::string(rel)}, {"name", name}});
}

void Extractor::PetName(const Tokens& c, size_t j, std::string_view species) {
  const std::optional<Range> r = NameAt(c, j, false);
  if (!r) return;
  const std::string name = TitleIfLower(Span(c, r->b, r->e));
  Add(MemoryType::kFact, "family.pet." + KeySegment(species) + ".name",
      "the user has " + std::string(Article(species)) + " " + std::string(species) + " named " +
          name,
      0.9, Json{{"species", std::string(species)}, {"name", name}});
}

void Extractor::My(const Tokens& c, size_t k) {
  size_t j = k;
  auto copula = [&](size_t& i) {
    return Match(c, i, {"is"}) || Match(c, i, {"'s"}) || Match(c, i, {"are"});
  };
  if (Match(c, j, {"name"}) || Match(c, j, {"full", "name"}) || Match(c, j, {"first", "name"})) {
    if (copula(j) && !Is(c, j, "not")) Name(c, j, 0.95, false);
    return;
  }
  if (Match(c, j, {"pronouns"})) {
    if (copula(j)) Pronouns(c, j);
    return;
  }
  if (IsAny(c, j, {"favorite", "favourite", "fave", "fav"})) return Favorite(c, j + 1);
  if (Match(c, j, {"birthday"}) || Match(c, j, {"bday"}) || Match(c, j, {"date", "of", "birth"})) {
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
void Extractor::RelativeOrPet(const Tokens& c, size_t j) {
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
void Extractor::ReverseRelation(const Tokens& c, size_t i) {
  const std::optional<Range> r = NameAt(c, i, true);
  if (!r || all_lower_ || title_case_ || IsNonName(c[i].norm)) return;
  size_t j = r->e;
  if (!Match(c, j, {"is", "my"}) || !IsWord(c, j)) return;
  const std::string_view rel = Relation(c[j].norm);
  if (rel.empty() || rel == "best friend" || !AtEnd(c, j + 1)) return;
  RelationName(c, i, rel, 0.85);
}

}  // namespace engram::hygiene::extraction
