// ExtractCandidates: each rule with several phrasings (positive and negative), keys that stay
// the same when values change, negation, questions and hypotheticals, dates against a fixed
// now, and arbitrary bytes.
#include "hygiene/extract.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "util/time.h"
#include "util/utf8.h"

namespace engram::hygiene {
namespace {

using nlohmann::json;
using ::testing::AssertionFailure;
using ::testing::AssertionResult;
using ::testing::AssertionSuccess;

// Sunday 2026-03-01, 10:30 UTC.
constexpr Timestamp kNow = 1'772'361'000'000;

std::vector<Candidate> X(std::string_view text) {
  return ExtractCandidates(text, kNow);
}

std::string Keys(const std::vector<Candidate>& cs) {
  std::string out;
  for (const Candidate& c : cs) out += (out.empty() ? "" : ", ") + c.key + " " + c.data;
  return "[" + out + "]";
}

const Candidate* Find(const std::vector<Candidate>& cs, std::string_view key) {
  for (const Candidate& c : cs) {
    if (c.key == key) return &c;
  }
  return nullptr;
}

// `text` yields a candidate `key` whose data has field == value.
AssertionResult Has(std::string_view text, std::string_view key, std::string_view field,
                    const json& value) {
  const std::vector<Candidate> cs = X(text);
  const Candidate* c = Find(cs, key);
  if (c == nullptr)
    return AssertionFailure() << "\"" << text << "\": no " << key << " in " << Keys(cs);
  const json data = json::parse(c->data);
  if (!data.contains(field) || data[std::string(field)] != value)
    return AssertionFailure() << "\"" << text << "\": " << key << " has " << c->data;
  return AssertionSuccess();
}

AssertionResult Nothing(std::string_view text) {
  const std::vector<Candidate> cs = X(text);
  if (!cs.empty()) return AssertionFailure() << "\"" << text << "\" yields " << Keys(cs);
  return AssertionSuccess();
}

AssertionResult Lacks(std::string_view text, std::string_view key) {
  const std::vector<Candidate> cs = X(text);
  if (Find(cs, key) != nullptr)
    return AssertionFailure() << "\"" << text << "\" yields " << Keys(cs);
  return AssertionSuccess();
}

Timestamp Day(std::string_view iso) {
  return util::ParseTimestamp(iso).value();
}

// ---- Names

TEST(ExtractTest, Name) {
  for (const char* text : {"My name is Dana.", "my name's Dana", "Hi, I'm Dana!", "I am Dana",
                           "Hello there, my name is Dana and I'm new here.", "Call me Dana.",
                           "You can call me Dana", "Please call me Dana from now on.",
                           "I go by Dana.", "I'd prefer to be called Dana.", "my name is dana"})
    EXPECT_TRUE(Has(text, "user.name", "name", "Dana"));
  EXPECT_TRUE(Has("I'm Dana Scully from the FBI.", "user.name", "name", "Dana Scully"));
  EXPECT_TRUE(Has("I'm Dr. Smith.", "user.name", "name", "Dr. Smith"));

  const std::vector<Candidate> cs = X("My name is Dana.");
  ASSERT_EQ(cs.size(), 1u);
  EXPECT_EQ(cs[0].type, MemoryType::kFact);
  EXPECT_EQ(cs[0].text, "The user's name is Dana.");
  EXPECT_GT(cs[0].confidence, X("I'm Dana.")[0].confidence);  // the explicit form is stronger
}

TEST(ExtractTest, NameNegatives) {
  for (const char* text :
       {"I'm Sorry", "I'm French.", "I'm Happy to help", "I'm tired", "I'm fine, thanks",
        "call me later", "Call me when you're done.", "Don't call me Dana.", "My name is not Dana.",
        "I'm Going To Paris Tomorrow", "I'M DANA", "I'm Dana's sister", "I'm a Dana fan"})
    EXPECT_TRUE(Lacks(text, "user.name"));
}

// ---- Preferences

TEST(ExtractTest, LikesOneKeyPerItem) {
  EXPECT_TRUE(Has("I like sushi.", "pref.likes.sushi", "likes", true));
  EXPECT_TRUE(Has("I really love sushi", "pref.likes.sushi", "likes", true));
  EXPECT_TRUE(Has("i enjoy sushi", "pref.likes.sushi", "likes", true));
  EXPECT_TRUE(Has("I'm a big fan of jazz.", "pref.likes.jazz", "likes", true));
  EXPECT_TRUE(Has("I'm really into climbing", "pref.likes.climbing", "likes", true));
  EXPECT_TRUE(Has("I love Thai food", "pref.likes.thai-food", "item", "Thai food"));

  const std::vector<Candidate> cs = X("I love hiking, cooking and reading.");
  ASSERT_EQ(cs.size(), 3u) << Keys(cs);
  EXPECT_EQ(cs[0].key, "pref.likes.hiking");
  EXPECT_EQ(cs[1].key, "pref.likes.cooking");
  EXPECT_EQ(cs[2].key, "pref.likes.reading");
  EXPECT_EQ(cs[0].type, MemoryType::kPreference);
  EXPECT_EQ(cs[0].text, "The user loves hiking.");
}

TEST(ExtractTest, DislikesFlipTheSameKey) {
  for (const char* text :
       {"I don't like cilantro.", "I do not like cilantro", "I hate cilantro",
        "I dislike cilantro.", "I can't stand cilantro", "I really don't like cilantro"})
    EXPECT_TRUE(Has(text, "pref.likes.cilantro", "likes", false));
  EXPECT_EQ(X("I don't like cilantro.")[0].text, "The user does not like cilantro.");
  EXPECT_EQ(X("I can't stand cilantro")[0].text, "The user cannot stand cilantro.");
  // Says nothing either way.
  EXPECT_TRUE(Nothing("I don't hate cilantro."));
}

TEST(ExtractTest, LikesNegatives) {
  for (const char* text :
       {"I like it.", "I like that idea.", "I love you", "I like your suggestion",
        "I like it when you explain things", "I like this answer", "I used to love jazz",
        "I would love sushi right now", "I'd like a coffee", "I liked the movie"})
    EXPECT_TRUE(Nothing(text));
}

TEST(ExtractTest, PreferOver) {
  EXPECT_TRUE(Has("I prefer tea over coffee.", "pref.likes.tea", "over", "coffee"));
  EXPECT_TRUE(Has("I prefer tea to coffee", "pref.likes.tea", "likes", true));
  EXPECT_EQ(X("I prefer tea over coffee.")[0].text, "The user prefers tea over coffee.");
}

TEST(ExtractTest, Favorite) {
  EXPECT_TRUE(Has("My favourite colour is blue.", "pref.favorite.colour", "value", "blue"));
  EXPECT_TRUE(Has("my favorite food is sushi because it's healthy", "pref.favorite.food", "value",
                  "sushi"));
  EXPECT_TRUE(Has("My favorite programming language is Rust", "pref.favorite.programming-language",
                  "value", "Rust"));
  EXPECT_TRUE(Has("My favorite food is ramen now", "pref.favorite.food", "value", "ramen now"));
  EXPECT_TRUE(Nothing("My favorite is not important"));
}

TEST(ExtractTest, StandingInstructionsShareTheirKey) {
  EXPECT_TRUE(Has("Please always answer in British English.", "pref.rule.answer-in-british-english",
                  "polarity", "always"));
  EXPECT_TRUE(Has("Never answer in British English", "pref.rule.answer-in-british-english",
                  "polarity", "never"));
  EXPECT_TRUE(
      Has("From now on, reply in French.", "pref.rule.reply-in-french", "polarity", "always"));
  EXPECT_TRUE(Has("Going forward, don't use emojis.", "pref.rule.use-emojis", "polarity", "never"));
  EXPECT_TRUE(
      Has("I want you to always cite sources", "pref.rule.cite-sources", "rule", "cite sources"));
  EXPECT_TRUE(Has("Don't ever push to main.", "pref.rule.push-to-main", "polarity", "never"));
  EXPECT_EQ(X("Never use emojis.")[0].text, "The user wants the assistant to never use emojis.");
  // One-off requests and non-imperatives are not standing instructions.
  for (const char* text :
       {"Never mind.", "never been to Paris", "Please don't delete that file.",
        "Always happy to help!", "Do not use emojis.", "Always the same problem with this build"})
    EXPECT_TRUE(Nothing(text));
}

TEST(ExtractTest, Theme) {
  for (const char* text : {"I prefer dark mode.", "I like dark mode", "I use dark theme",
                           "Please always use dark mode.", "i prefer night mode"})
    EXPECT_TRUE(Has(text, "pref.ui.theme", "theme", "dark"));
  EXPECT_TRUE(Has("I prefer light mode", "pref.ui.theme", "theme", "light"));
  // A negation states the other value of a two-valued setting.
  EXPECT_TRUE(Has("I don't like dark mode.", "pref.ui.theme", "theme", "light"));
  EXPECT_TRUE(Has("Never use light mode", "pref.ui.theme", "theme", "dark"));
  EXPECT_EQ(X("I prefer dark mode.")[0].type, MemoryType::kPreference);
  EXPECT_TRUE(Lacks("I like dark chocolate", "pref.ui.theme"));
}

TEST(ExtractTest, OtherSettings) {
  EXPECT_TRUE(Has("I prefer tabs.", "pref.code.indentation", "indentation", "tabs"));
  EXPECT_TRUE(Has("I never use tabs", "pref.code.indentation", "indentation", "spaces"));
  EXPECT_TRUE(Has("I use metric units", "pref.units", "units", "metric"));
  EXPECT_TRUE(Has("I prefer Celsius", "pref.units.temperature", "temperature", "celsius"));
}

// ---- Location, origin, age

TEST(ExtractTest, Location) {
  for (const char* text : {"I live in Paris.", "I'm based in Paris", "I am located in Paris",
                           "I've lived in Paris for ten years.", "i live in paris",
                           "Currently I live in Paris", "I'm living in Paris these days"})
    EXPECT_TRUE(Has(text, "user.location.city", "city", "Paris"));
  EXPECT_TRUE(Has("I moved to Berlin last year.", "user.location.city", "city", "Berlin"));
  EXPECT_TRUE(
      Has("I just relocated to New York City", "user.location.city", "city", "New York City"));
  EXPECT_TRUE(Has("I'm located in St. Louis.", "user.location.city", "city", "St. Louis"));
  EXPECT_TRUE(Has("I live in Zürich", "user.location.city", "city", "Zürich"));
  EXPECT_TRUE(Has("I live in Paris, France.", "user.location.city", "region", "France"));
  EXPECT_EQ(X("I live in Paris.")[0].text, "The user lives in Paris.");
  // Lower case in otherwise capitalized text is weaker evidence.
  EXPECT_LT(X("I live in paris.")[0].confidence, X("I live in Paris.")[0].confidence);
}

TEST(ExtractTest, LocationNegatives) {
  for (const char* text :
       {"I used to live in London.", "I lived in London.", "I'm moving to Berlin next month.",
        "I live in a small town.", "I don't live in Paris", "I would love to live in Paris.",
        "I live in fear of deadlines", "I'm based in the city", "I moved to a new apartment"})
    EXPECT_TRUE(Lacks(text, "user.location.city"));
}

TEST(ExtractTest, LocationKeyIsStableAcrossMoves) {
  const std::vector<Candidate> before = X("I live in Paris.");
  const std::vector<Candidate> after = X("I moved to Berlin.");
  ASSERT_EQ(before.size(), 1u);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(before[0].key, after[0].key);
  EXPECT_NE(before[0].data, after[0].data);
  // Within one text, the later statement wins.
  const std::vector<Candidate> both = X("I live in Paris. Actually, I moved to Berlin in March.");
  ASSERT_EQ(both.size(), 1u) << Keys(both);
  EXPECT_EQ(json::parse(both[0].data)["city"], "Berlin");
}

TEST(ExtractTest, OriginAndBirth) {
  EXPECT_TRUE(Has("I'm from Lyon.", "user.origin", "place", "Lyon"));
  EXPECT_TRUE(Has("I grew up in Lyon", "user.origin", "place", "Lyon"));
  EXPECT_TRUE(Has("My hometown is Lyon", "user.origin", "place", "Lyon"));
  EXPECT_TRUE(Has("I was born in Lyon.", "user.birthplace", "place", "Lyon"));
  EXPECT_TRUE(Has("I was born in 1990", "user.birth_year", "year", 1990));
  EXPECT_TRUE(Lacks("I'm from the future", "user.origin"));
}

TEST(ExtractTest, Age) {
  EXPECT_TRUE(Has("I'm 34.", "user.age", "age", 34));
  EXPECT_TRUE(Has("I am 34 years old", "user.age", "age", 34));
  EXPECT_TRUE(Has("I turned 40 last week.", "user.age", "age", 40));
  EXPECT_TRUE(Nothing("I'm 5 minutes away"));
  EXPECT_TRUE(Nothing("I'm 300 years old"));
}

// ---- Work

TEST(ExtractTest, EmployerAndRole) {
  for (const char* text :
       {"I work at Google.", "I work for Google", "I'm working at Google", "I'm employed at Google",
        "I joined Google", "I just started a new job at Google", "I have a new job at Google"})
    EXPECT_TRUE(Has(text, "user.employer", "employer", "Google"));
  EXPECT_TRUE(
      Has("I work for Johnson & Johnson.", "user.employer", "employer", "Johnson & Johnson"));
  EXPECT_TRUE(Has("I work at Bank of America", "user.employer", "employer", "Bank of America"));

  const std::vector<Candidate> cs = X("I'm a senior software engineer at Stripe.");
  EXPECT_TRUE(Has("I'm a senior software engineer at Stripe.", "user.role", "role",
                  "senior software engineer"));
  EXPECT_TRUE(
      Has("I'm a senior software engineer at Stripe.", "user.employer", "employer", "Stripe"));
  EXPECT_EQ(Find(cs, "user.role")->text, "The user is a senior software engineer.");
  EXPECT_TRUE(Has("I work at Google as a product manager", "user.role", "role", "product manager"));
  EXPECT_TRUE(Has("I work as a dog walker", "user.role", "role", "dog walker"));
  EXPECT_TRUE(Has("I'm the CTO of Acme Corp", "user.employer", "employer", "Acme Corp"));
  EXPECT_TRUE(Has("I'm the CTO of Acme Corp", "user.role", "role", "CTO"));
  EXPECT_TRUE(Has("My job is being a nurse.", "user.role", "role", "nurse"));
  EXPECT_TRUE(Has("My job title is Staff Engineer", "user.role", "role", "Staff Engineer"));
  EXPECT_TRUE(Has("I'm a PhD student at MIT", "user.school", "school", "MIT"));
  EXPECT_TRUE(Has("I work in finance", "user.industry", "industry", "finance"));
  // Lower-case names count, with less confidence.
  EXPECT_TRUE(Has("i work at google", "user.employer", "employer", "Google"));
  EXPECT_LT(X("i work at google")[0].confidence, X("I work at Google")[0].confidence);
}

TEST(ExtractTest, WorkNegatives) {
  for (const char* text :
       {"I work at home.", "I work for a startup", "I'm a bit tired", "I work remotely",
        "I don't work at Google", "I worked at Google", "I work long hours", "I'm a mother of two",
        "My job is boring", "I work for myself"}) {
    EXPECT_TRUE(Lacks(text, "user.employer"));
    EXPECT_TRUE(Lacks(text, "user.role"));
  }
}

// ---- Tools

TEST(ExtractTest, ToolsAndLanguages) {
  const std::vector<Candidate> cs = X("I use Python, Go and Rust.");
  ASSERT_EQ(cs.size(), 3u) << Keys(cs);
  EXPECT_EQ(cs[0].key, "user.tools.python");
  EXPECT_EQ(json::parse(cs[0].data)["kind"], "language");
  EXPECT_EQ(cs[2].text, "The user uses Rust.");
  // Same key whichever way a language is mentioned.
  EXPECT_TRUE(Has("I code in Python", "user.tools.python", "uses", true));
  EXPECT_TRUE(Has("I mostly write Python", "user.tools.python", "uses", true));
  EXPECT_TRUE(Has("I code in C++ and C#", "user.tools.cpp", "tool", "C++"));
  EXPECT_TRUE(Has("I code in C++ and C#", "user.tools.csharp", "tool", "C#"));
  EXPECT_TRUE(Has("I use VS Code for everything", "user.tools.vs-code", "tool", "VS Code"));
  EXPECT_TRUE(Has("I use a Mac", "user.tools.mac", "uses", true));
  EXPECT_TRUE(Has("I've used vim since 2010", "user.tools.vim", "uses", true));
  EXPECT_EQ(*X("I've used vim since 2010")[0].valid_from, Day("2010-01-01"));
  // The team's stack is kept apart from the user's own tools.
  EXPECT_TRUE(
      Has("Our stack is React, Node.js and Postgres.", "team.stack.nodejs", "tool", "Node.js"));
  EXPECT_TRUE(Has("We use Jira for tracking", "team.stack.jira", "uses", true));
  EXPECT_TRUE(Has("we're using Kubernetes", "team.stack.kubernetes", "uses", true));
}

TEST(ExtractTest, ToolNegationFlipsTheSameKey) {
  EXPECT_TRUE(Has("I don't use vim.", "user.tools.vim", "uses", false));
  EXPECT_TRUE(Has("I no longer use vim", "user.tools.vim", "uses", false));
  EXPECT_EQ(X("I don't use vim.")[0].text, "The user does not use vim.");
  for (const char* text : {"I use it every day.", "I used vim in college", "I write code",
                           "I could use some help", "I use to code"})
    EXPECT_TRUE(Nothing(text));
}

TEST(ExtractTest, SpokenLanguages) {
  EXPECT_TRUE(Has("I speak French and German.", "user.speaks.french", "language", "French"));
  EXPECT_TRUE(Has("I speak fluent German", "user.speaks.german", "language", "German"));
  EXPECT_TRUE(Nothing("I don't speak French"));
}

// ---- Diet and health

TEST(ExtractTest, Allergies) {
  const std::vector<Candidate> cs = X("I'm allergic to peanuts and shellfish.");
  ASSERT_EQ(cs.size(), 2u) << Keys(cs);
  EXPECT_EQ(cs[0].key, "diet.allergy.peanut");
  EXPECT_EQ(cs[0].text, "The user is allergic to peanuts.");
  EXPECT_EQ(cs[1].key, "diet.allergy.shellfish");
  EXPECT_GE(cs[0].confidence, 0.9);
  // One key whether the allergen is written singular or plural.
  EXPECT_TRUE(Has("I have a peanut allergy", "diet.allergy.peanut", "allergen", "peanut"));
  EXPECT_TRUE(
      Has("I have a severe allergy to peanuts", "diet.allergy.peanut", "allergen", "peanuts"));
  EXPECT_TRUE(
      Has("i'm allergic to strawberries", "diet.allergy.strawberry", "allergen", "strawberries"));
  EXPECT_TRUE(Has("I'm allergic to peanuts, even if it's just a trace.", "diet.allergy.peanut",
                  "allergen", "peanuts"));
  EXPECT_EQ(X("I'm allergic to peanuts, even if it's just a trace.").size(), 1u);
  for (const char* text : {"I'm not allergic to peanuts.", "Am I allergic to peanuts?",
                           "If I were allergic to peanuts I'd know"})
    EXPECT_TRUE(Nothing(text));
}

TEST(ExtractTest, DietConstraints) {
  for (const char* text : {"I can't eat gluten.", "I cannot eat gluten", "I can not eat gluten"})
    EXPECT_TRUE(Has(text, "diet.avoid.gluten", "constraint", "cannot eat"));
  EXPECT_TRUE(Has("I don't eat pork", "diet.avoid.pork", "constraint", "does not eat"));
  EXPECT_TRUE(Has("I'm gluten-free", "diet.avoid.gluten", "food", "gluten"));
  EXPECT_TRUE(Has("I don't drink.", "diet.avoid.alcohol", "food", "alcohol"));
  EXPECT_TRUE(Has("I avoid sugar", "diet.avoid.sugar", "food", "sugar"));
  EXPECT_TRUE(Has("I can't have dairy", "diet.avoid.dairy", "food", "dairy"));
  EXPECT_TRUE(Has("I'm lactose intolerant", "diet.intolerance.lactose", "intolerance", "lactose"));
  EXPECT_TRUE(Nothing("I avoid meetings"));
  EXPECT_TRUE(Nothing("I can eat anything"));
  EXPECT_TRUE(Nothing("I ate pizza"));
}

TEST(ExtractTest, DietStyleIsOneKey) {
  for (const char* text :
       {"I'm vegetarian.", "I am a vegetarian", "i'm veggie", "I follow a vegetarian diet"})
    EXPECT_TRUE(Has(text, "diet.style", "diet", "vegetarian"));
  EXPECT_TRUE(Has("I'm vegan", "diet.style", "diet", "vegan"));
  EXPECT_TRUE(Has("I'm on a keto diet", "diet.style", "diet", "keto"));
  EXPECT_TRUE(Has("I keep kosher", "diet.observance", "observance", "kosher"));
  EXPECT_EQ(*X("I've been vegan since 2019.")[0].valid_from, Day("2019-01-01"));
  EXPECT_EQ(*X("I'm vegan starting Monday.")[0].valid_from, Day("2026-03-02"));
  for (const char* text : {"I'm not vegetarian.", "I'm no longer vegetarian", "I was vegetarian",
                           "Are you vegetarian?"})
    EXPECT_TRUE(Nothing(text));
}

TEST(ExtractTest, HealthConditions) {
  for (const char* text :
       {"I have diabetes.", "I have type 2 diabetes", "I'm diabetic", "I'm type 1 diabetic"})
    EXPECT_TRUE(Has(text, "health.condition.diabetes", "condition", "diabetes"));
  EXPECT_TRUE(
      Has("I have type 2 diabetes", "health.condition.diabetes", "stated", "type 2 diabetes"));
  EXPECT_TRUE(
      Has("I suffer from migraines", "health.condition.migraines", "condition", "migraines"));
  EXPECT_TRUE(
      Has("I was diagnosed with ADHD last year.", "health.condition.adhd", "condition", "ADHD"));
  EXPECT_TRUE(Has("I've been diagnosed with Lyme disease", "health.condition.lyme-disease",
                  "condition", "Lyme disease"));
  EXPECT_TRUE(Has("I have high blood pressure", "health.condition.hypertension", "condition",
                  "hypertension"));
  EXPECT_EQ(X("I have diabetes.")[0].text, "The user has diabetes.");
  for (const char* text : {"I have a meeting tomorrow.", "I have a question",
                           "I don't have diabetes", "My dad has diabetes"})
    EXPECT_TRUE(Nothing(text));
}

// ---- Family and pets

TEST(ExtractTest, Family) {
  for (const char* text :
       {"My wife is called Ana.", "My wife's name is Ana", "my wife is named Ana",
        "My wife is Ana.", "Ana is my wife.", "I have a wife named Ana"})
    EXPECT_TRUE(Has(text, "family.wife.name", "name", "Ana"));
  EXPECT_TRUE(Has("My son's name is Leo.", "family.son.name", "name", "Leo"));
  EXPECT_TRUE(Has("I have a daughter called Mia", "family.daughter.name", "name", "Mia"));
  EXPECT_TRUE(Has("My mom is called Rita", "family.mother.name", "name", "Rita"));
  EXPECT_TRUE(Has("I'm married to Sam.", "family.spouse.name", "name", "Sam"));
  EXPECT_EQ(X("My son's name is Leo.")[0].text, "The user's son is named Leo.");
  EXPECT_TRUE(Has("My dad's birthday is June 1.", "family.father.birthday", "month", 6));
  for (const char* text : {"My wife is a doctor.", "My son is 5", "I have two kids.",
                           "My wife is Happy", "Do I have a wife named Ana?"})
    EXPECT_TRUE(Nothing(text));
}

TEST(ExtractTest, Pets) {
  for (const char* text :
       {"I have a dog named Rex.", "I've got a dog called Rex", "My dog is called Rex",
        "My dog's name is Rex", "We have a puppy named Rex", "our dog is named Rex"})
    EXPECT_TRUE(Has(text, "family.pet.dog.name", "name", "Rex"));
  EXPECT_TRUE(Has("My cat's name is Luna.", "family.pet.cat.name", "name", "Luna"));
  EXPECT_TRUE(
      Has("I have a guinea pig named Chewie", "family.pet.guinea-pig.name", "name", "Chewie"));
  EXPECT_EQ(X("I have a dog named Rex.")[0].text, "The user has a dog named Rex.");
  EXPECT_TRUE(Nothing("I walked a dog named Rex"));
}

// ---- Deadlines and dates

TEST(ExtractTest, DeadlinesResolveAgainstNow) {
  // kNow is Sunday 2026-03-01.
  EXPECT_TRUE(Has("The report is due Friday.", "deadline.report", "due", "2026-03-06"));
  EXPECT_TRUE(Has("The report is due on Friday", "deadline.report", "due_phrase", "Friday"));
  EXPECT_TRUE(Has("the report is due this friday", "deadline.report", "due", "2026-03-06"));
  EXPECT_TRUE(Has("My essay is due tomorrow", "deadline.essay", "due", "2026-03-02"));
  EXPECT_TRUE(Has("The essay is due today", "deadline.essay", "due", "2026-03-01"));
  EXPECT_TRUE(Has("The essay is due in 3 days", "deadline.essay", "due", "2026-03-04"));
  EXPECT_TRUE(Has("The essay is due in two weeks", "deadline.essay", "due", "2026-03-15"));
  // A weekday named on that very day means the next one.
  EXPECT_TRUE(Has("The essay is due Sunday", "deadline.essay", "due", "2026-03-08"));
  // Month and day: the next occurrence, today included.
  EXPECT_TRUE(Has("The essay is due March 3rd", "deadline.essay", "due", "2026-03-03"));
  EXPECT_TRUE(Has("The essay is due March 1", "deadline.essay", "due", "2026-03-01"));
  EXPECT_TRUE(Has("The essay is due February 10", "deadline.essay", "due", "2027-02-10"));
  EXPECT_TRUE(Has("The essay is due 3 May", "deadline.essay", "due", "2026-05-03"));
  EXPECT_TRUE(
      Has("The essay is due on the 3rd of May, 2027", "deadline.essay", "due", "2027-05-03"));
  EXPECT_TRUE(
      Has("The deadline for the grant is 2026-04-15.", "deadline.grant", "due", "2026-04-15"));
  EXPECT_TRUE(Has("The grant deadline is April 15", "deadline.grant", "due", "2026-04-15"));
  EXPECT_TRUE(
      Has("I need to finish the slides by Thursday.", "deadline.slides", "due", "2026-03-05"));
  EXPECT_TRUE(
      Has("The paper has to be submitted by Monday", "deadline.paper", "due", "2026-03-02"));
  EXPECT_TRUE(Has("I have a report due Friday", "deadline.report", "due", "2026-03-06"));
  const std::vector<Candidate> two = X("Homework is due Monday and the project is due Friday.");
  ASSERT_EQ(two.size(), 2u) << Keys(two);
  EXPECT_EQ(json::parse(two[0].data)["due"], "2026-03-02");
  EXPECT_EQ(two[1].key, "deadline.project");

  const std::vector<Candidate> cs = X("The report is due Friday.");
  ASSERT_EQ(cs.size(), 1u);
  EXPECT_EQ(cs[0].type, MemoryType::kEpisode);
  EXPECT_EQ(cs[0].text, "The report is due on 2026-03-06 (Friday).");
  EXPECT_FALSE(cs[0].valid_from.has_value());  // the date lives in data
}

TEST(ExtractTest, AmbiguousDeadlinesKeepThePhrase) {
  for (const char* text : {"The report is due next Friday.", "The report is due end of Q2",
                           "The report is due 2026-02-30", "The report is due soon"}) {
    const std::vector<Candidate> cs = X(text);
    ASSERT_EQ(cs.size(), 1u) << text << " " << Keys(cs);
    const json data = json::parse(cs[0].data);
    EXPECT_FALSE(data.contains("due")) << text;
    EXPECT_FALSE(data["due_phrase"].get<std::string>().empty()) << text;
    EXPECT_LT(cs[0].confidence, X("The report is due Friday.")[0].confidence);
  }
  EXPECT_TRUE(
      Has("The report is due next Friday.", "deadline.report", "due_phrase", "next Friday"));
}

TEST(ExtractTest, DeadlineKeyIsStableAcrossDates) {
  EXPECT_EQ(X("The report is due Friday.")[0].key, X("Actually the report is due Monday")[0].key);
  for (const char* text : {"It's due Friday.", "The report was due Friday", "I'm due to fly out",
                           "Due to the rain, we stayed home."})
    EXPECT_TRUE(Nothing(text));
}

TEST(ExtractTest, Birthday) {
  for (const char* text : {"My birthday is May 3.", "my birthday is on the 3rd of May",
                           "My bday is 3 May", "I was born on May 3"})
    EXPECT_TRUE(Has(text, "user.birthday", "month", 5)) << text;
  EXPECT_TRUE(Has("I was born on May 3, 1990.", "user.birthday", "year", 1990));
  EXPECT_EQ(X("My birthday is May 3.")[0].text, "The user's birthday is May 3.");
  EXPECT_TRUE(Has("My birthday is February 29", "user.birthday", "day", 29));
  EXPECT_TRUE(Nothing("My birthday is February 30"));
  EXPECT_TRUE(Nothing("My birthday is coming up"));
}

TEST(ExtractTest, ValidFrom) {
  EXPECT_EQ(*X("I moved to Berlin in 2021.")[0].valid_from, Day("2021-01-01"));
  EXPECT_EQ(*X("I've lived in Berlin since March 2020")[0].valid_from, Day("2020-03-01"));
  EXPECT_EQ(*X("I've lived in Berlin since March")[0].valid_from, Day("2026-03-01"));
  EXPECT_EQ(*X("I've lived in Berlin since May")[0].valid_from, Day("2025-05-01"));
  EXPECT_EQ(*X("I moved to Berlin yesterday")[0].valid_from, Day("2026-02-28"));
  EXPECT_EQ(*X("I moved to Berlin on Friday")[0].valid_from, Day("2026-02-27"));
  EXPECT_EQ(*X("I joined Stripe in 2022")[0].valid_from, Day("2022-01-01"));
  EXPECT_EQ(*X("I work at Acme starting Monday")[0].valid_from, Day("2026-03-02"));
  EXPECT_FALSE(X("I moved to Berlin last year.")[0].valid_from.has_value());
  EXPECT_FALSE(X("I live in Berlin.")[0].valid_from.has_value());
}

// ---- Remember, notes, procedures

TEST(ExtractTest, RememberRunsTheRulesWithMoreConfidence) {
  const std::vector<Candidate> plain = X("I'm allergic to cats.");
  const std::vector<Candidate> asked = X("Remember that I'm allergic to cats.");
  ASSERT_EQ(asked.size(), 1u) << Keys(asked);
  EXPECT_EQ(asked[0].key, plain[0].key);
  EXPECT_GT(asked[0].confidence, plain[0].confidence);
  EXPECT_LE(asked[0].confidence, 1.0);
  EXPECT_TRUE(Has("Can you remember that I'm vegan?", "diet.style", "diet", "vegan"));
  EXPECT_TRUE(Has("Please keep in mind that I live in Oslo", "user.location.city", "city", "Oslo"));
  EXPECT_TRUE(Has("Don't forget: my name is Dana", "user.name", "name", "Dana"));
}

TEST(ExtractTest, RememberWithoutARuleIsANote) {
  const std::vector<Candidate> cs = X("Remember that my sister lives in Oslo.");
  ASSERT_EQ(cs.size(), 1u) << Keys(cs);
  EXPECT_EQ(cs[0].type, MemoryType::kFact);
  EXPECT_EQ(cs[0].key, "note.sister-lives-in-oslo");
  EXPECT_EQ(cs[0].text, "The user's sister lives in Oslo.");
  EXPECT_EQ(json::parse(cs[0].data)["note"], "my sister lives in Oslo");
  EXPECT_EQ(X("Note that I prefer short answers when I'm on mobile")[0].text,
            "The user prefers short answers when the user is on mobile.");
  EXPECT_TRUE(Has("Note: the staging server is down on weekends",
                  "note.staging-server-is-down-on-weekends", "note",
                  "the staging server is down on weekends"));
  for (const char* text : {"Remember to buy milk.", "Note the difference here", "remember this",
                           "I remember that day", "Do you remember my name?"})
    EXPECT_TRUE(Nothing(text));
}

TEST(ExtractTest, Procedure) {
  const std::vector<Candidate> cs = X("When I say ship it, run the tests first.");
  ASSERT_EQ(cs.size(), 1u) << Keys(cs);
  EXPECT_EQ(cs[0].type, MemoryType::kProcedure);
  EXPECT_EQ(cs[0].key, "proc.ship-it");
  EXPECT_EQ(cs[0].text, "When the user says ship it, run the tests first.");
  EXPECT_TRUE(
      Has("Whenever I ask for code, use TypeScript", "proc.code", "action", "use TypeScript"));
  EXPECT_TRUE(Has("If I type \"lgtm\", merge the PR", "proc.lgtm", "trigger", "\"lgtm\""));
  EXPECT_TRUE(Nothing("When I was a kid, I lived in Paris."));
}

// ---- Sentences with several facts, questions, hypotheticals

TEST(ExtractTest, SeveralCandidatesFromOneStatement) {
  std::vector<Candidate> cs = X("My name is Dana and I prefer dark mode.");
  ASSERT_EQ(cs.size(), 2u) << Keys(cs);
  EXPECT_EQ(cs[0].key, "user.name");
  EXPECT_EQ(cs[1].key, "pref.ui.theme");

  cs = X("Hey, I'm Dana, I live in Lisbon and work at Acme as a designer.");
  EXPECT_EQ(Keys(cs), Keys(X("I'm Dana. I live in Lisbon. I work at Acme as a designer.")));
  EXPECT_NE(Find(cs, "user.name"), nullptr);
  EXPECT_NE(Find(cs, "user.location.city"), nullptr);
  EXPECT_NE(Find(cs, "user.employer"), nullptr);
  EXPECT_NE(Find(cs, "user.role"), nullptr);

  cs =
      X("I'm a vegetarian and I love Thai food. Also, my daughter is called Mia; she's 4.\n"
        "Btw the report is due Friday");
  EXPECT_EQ(cs.size(), 4u) << Keys(cs);
  EXPECT_TRUE(Has("I'm 34 and I live in Rome", "user.age", "age", 34));
  EXPECT_TRUE(Has("I'm 34 and I live in Rome", "user.location.city", "city", "Rome"));
}

TEST(ExtractTest, QuestionsAndHypotheticalsYieldNothing) {
  for (const char* text :
       {"Do I like sushi?", "Do you think I like sushi", "What's my name?", "Where do I live?",
        "Am I allergic to peanuts?", "Is my report due Friday?", "Should I move to Berlin?",
        "If I lived in Paris, I would walk everywhere.", "What if I moved to Berlin?",
        "Suppose I live in Paris.", "Let's say I work at Google.", "Imagine I'm a vegan.",
        "Hypothetically, my name is Bob.", "I wonder if I like sushi",
        "I would move to Berlin if I could", "I think I might be allergic to cats",
        "Could you call me tomorrow?"})
    EXPECT_TRUE(Nothing(text));
  // A statement before the question still counts.
  EXPECT_TRUE(Has("I'm vegetarian, any recipe ideas?", "diet.style", "diet", "vegetarian"));
  EXPECT_TRUE(Has("I live in Paris, what should I see?", "user.location.city", "city", "Paris"));
}

TEST(ExtractTest, ChatterYieldsNothing) {
  for (const char* text :
       {"ok", "thanks!", "I'm not sure what you mean.", "I think so.",
        "Can you help me write a function?", "I need help with my code.",
        "I'm trying to get this to work.", "I'm looking for a restaurant in Paris.",
        "I'm going to the store.", "I want to learn Rust.", "I'm working on a report.",
        "I have a question.", "I'm happy with the answer.", "This is great, thank you!",
        "The build failed with exit code 2", "Let me check and get back to you"})
    EXPECT_TRUE(Nothing(text));
}

// ---- Output shape and robustness

TEST(ExtractTest, OutputIsWellFormed) {
  const char* texts[] = {"My name is Dana and I prefer dark mode.",
                         "I'm allergic to peanuts",
                         "The report is due Friday",
                         "Remember that my sister lives in Oslo",
                         "I use Python, Go and Rust",
                         "When I say ship it, run the tests first",
                         "I like crème brûlée",
                         "I live in Zürich"};
  for (const char* text : texts) {
    for (const Candidate& c : X(text)) {
      EXPECT_FALSE(c.key.empty());
      EXPECT_TRUE(util::IsValidUtf8(c.key)) << c.key;
      EXPECT_EQ(c.key.find(' '), std::string::npos) << c.key;
      EXPECT_TRUE(util::IsValidUtf8(c.text)) << c.text;
      EXPECT_TRUE(std::isupper(static_cast<unsigned char>(c.text.front()))) << c.text;
      EXPECT_EQ(c.text.back(), '.') << c.text;
      EXPECT_GT(c.confidence, 0.0);
      EXPECT_LE(c.confidence, 1.0);
      EXPECT_TRUE(json::parse(c.data).is_object()) << c.data;
    }
  }
  EXPECT_EQ(Keys(X(texts[0])), Keys(X(texts[0])));  // deterministic
}

TEST(ExtractTest, OtherLanguagesYieldNothing) {
  for (const char* text : {"J'habite à Paris.", "Ich wohne in Berlin.", "Me llamo Dana.",
                           "Можно мне кофе?", "我喜欢寿司", "私の名前はダナです。", "👍🎉🔥", "",
                           "   \n\t  ", "....", "???", "\xE2\x80\x99", "I\xE2\x80\x99m"})
    EXPECT_TRUE(Nothing(text));
  // Curly apostrophes work like straight ones.
  EXPECT_TRUE(
      Has("I\xE2\x80\x99m allergic to peanuts", "diet.allergy.peanut", "allergen", "peanuts"));
}

TEST(ExtractTest, ArbitraryBytesNeverCrash) {
  std::mt19937_64 rng(7);
  // Raw bytes, including invalid UTF-8 and NULs.
  for (int i = 0; i < 1500; ++i) {
    std::string s(rng() % 64, '\0');
    for (char& ch : s) ch = static_cast<char>(rng());
    for (const Candidate& c : ExtractCandidates(s, kNow)) EXPECT_FALSE(c.key.empty());
  }
  // Rule words shuffled with broken sequences, at dates near and far.
  const char* fragments[] = {"I",
                             "I'm",
                             "my",
                             "name",
                             "is",
                             "live",
                             "in",
                             "Paris",
                             ",",
                             ".",
                             "and",
                             "due",
                             "by",
                             "Friday",
                             "remember",
                             "that",
                             "allergic",
                             "to",
                             "please",
                             "always",
                             "never",
                             "call",
                             "me",
                             "when",
                             "say",
                             "deadline",
                             "for",
                             "2026-02-30",
                             "May",
                             "3rd",
                             "of",
                             "'s",
                             "n't",
                             "a",
                             "dog",
                             "named",
                             "\xE2\x80\x99",
                             "\xF0\x9F\x91\x8D",
                             "\xC3",
                             "\xE2\x80",
                             "?",
                             "\n",
                             "since",
                             "starting",
                             "2021",
                             "use",
                             "C++",
                             "#",
                             "-",
                             "like",
                             "don't",
                             "we",
                             "our",
                             "stack",
                             "if",
                             "born",
                             "on",
                             "Feb",
                             "29",
                             "tomorrow",
                             "in",
                             "3",
                             "days",
                             "wife",
                             "'",
                             "\"",
                             ":",
                             "dark",
                             "mode",
                             "be",
                             "called"};
  for (int i = 0; i < 3000; ++i) {
    std::string s;
    for (int k = static_cast<int>(rng() % 14); k > 0; --k) {
      s += fragments[rng() % std::size(fragments)];
      if (rng() % 3 != 0) s += ' ';
    }
    const Timestamp now = i % 5 == 0 ? static_cast<Timestamp>(rng())
                                     : kNow + static_cast<Timestamp>(rng() % (1LL << 40));
    for (const Candidate& c : ExtractCandidates(s, now)) {
      EXPECT_FALSE(c.key.empty()) << s;
      EXPECT_TRUE(json::parse(c.data).is_object()) << s;
    }
  }
}

TEST(ExtractTest, LongInputs) {
  std::string text;
  for (int i = 0; i < 500; ++i) text += "I like item" + std::to_string(i) + ". ";
  EXPECT_EQ(X(text).size(), 500u);
  EXPECT_TRUE(Nothing(std::string(50'000, 'a')));
  // One long sentence of rule words: every rule looks only a bounded distance around a match.
  std::string run_on;
  for (int i = 0; i < 500; ++i) run_on += "and I need to go by Friday to the due deadline ";
  EXPECT_LT(X(run_on).size(), 10u);
}

}  // namespace
}  // namespace engram::hygiene
