// Forget topics and corrections applied to memory texts (core/turn_edits.h).
#include "core/turn_edits.h"

#include <gtest/gtest.h>

namespace engram::core {
namespace {

std::string Fixed(std::string_view text, std::string right, std::string wrong) {
  const std::optional<std::string> out =
      ApplyCorrection(text, {std::move(right), std::move(wrong)});
  return out ? *out : "<unchanged>";
}

TEST(TurnEditsTest, ANamedWrongValueIsReplaced) {
  EXPECT_EQ(Fixed("The user's flight to Oslo is on the 2nd.", "the 21st", "the 2nd"),
            "The user's flight to Oslo is on the 21st.");
  EXPECT_EQ(Fixed("The user catches the 8:45 bus to school.", "the 8:15 bus", "the 8:45"),
            "The user catches the 8:15 bus to school.");
  EXPECT_EQ(Fixed("Standup is on Thursday.", "Tuesday", "Thursday"), "Standup is on Tuesday.");
  // Whole words only: "2nd" is not in "22nd".
  EXPECT_EQ(Fixed("The party is on the 22nd.", "the 21st", "the 2nd"), "<unchanged>");
}

TEST(TurnEditsTest, APlaceReplacesThePlaceOpenedByTheSamePreposition) {
  EXPECT_EQ(ApplyCorrection("Our Wi-Fi router is in the hallway closet.",
                            {"in the living room cupboard", ""}),
            "Our Wi-Fi router is in the living room cupboard.");
  EXPECT_FALSE(
      ApplyCorrection("Our Wi-Fi router is in the hallway closet.", {"under the stairs", ""})
          .has_value());
}

TEST(TurnEditsTest, RatesAreCorrectedWhole) {
  EXPECT_EQ(
      ApplyCorrection("The API rate limit is 100 requests per minute.", {"100 per second", ""}),
      "The API rate limit is 100 per second.");
  EXPECT_EQ(ApplyCorrection("The API rate limit is 100 requests per minute.",
                            {"100 per second", "per minute"}),
            "The API rate limit is 100 requests per second.");
}

TEST(TurnEditsTest, ATurnThatCorrectsItselfStatesTheCorrectedStatement) {
  EXPECT_EQ(SelfCorrected("The boiler service is on the 9th of May, no, the 19th.").value_or("-"),
            "The boiler service is on the 19th of May.");
  EXPECT_EQ(SelfCorrected("My bus leaves at 8:10, sorry, 8:20.").value_or("-"),
            "My bus leaves at 8:20.");
  EXPECT_FALSE(SelfCorrected("Thursday, no, Friday.").has_value());
  EXPECT_FALSE(SelfCorrected("My bus leaves at 8:10.").has_value());
}

TEST(TurnEditsTest, ATurnNamesAnotherValueThanTheMemory) {
  EXPECT_TRUE(NamesAnotherValue("Our flat in Bergen has a view of the harbour.",
                                "The user lives in Oslo."));
  // The old value still named, or nothing named on either side: no other value.
  EXPECT_FALSE(
      NamesAnotherValue("Our flat in Oslo is near Bergen station.", "The user lives in Oslo."));
  EXPECT_FALSE(NamesAnotherValue("Our flat has a view of the harbour.", "The user lives in Oslo."));
  EXPECT_FALSE(NamesAnotherValue("Our flat in Bergen is small.", "The user lives by the sea."));
}

TEST(TurnEditsTest, AnUnnamedWrongValueIsFoundByItsShape) {
  EXPECT_EQ(Fixed("My son's birthday is June 3rd.", "June 9th", ""),
            "My son's birthday is June 9th.");
  EXPECT_EQ(Fixed("The gym opens at 6:30 on weekdays.", "7:30", ""),
            "The gym opens at 7:30 on weekdays.");
  EXPECT_EQ(Fixed("My landlord is called Peter Brandt.", "Paul Brandt", ""),
            "My landlord is called Paul Brandt.");
  EXPECT_EQ(Fixed("I like tea.", "June 9th", ""), "<unchanged>");
  EXPECT_EQ(Fixed("My locker is 4B, next to the showers.", "6B", ""),
            "My locker is 6B, next to the showers.");
  EXPECT_EQ(Fixed("Yoga class is at 5pm on Tuesdays.", "6pm", ""),
            "Yoga class is at 6pm on Tuesdays.");
  EXPECT_EQ(Fixed("The staging cluster runs Kubernetes 1.27.", "staging is on 1.29", ""),
            "The staging cluster runs Kubernetes 1.29.");
  // The last shaped run the memory does not already hold is the value: "9", not "Saturdays".
  EXPECT_EQ(Fixed("The clinic opens at 8 on Saturdays.", "opens at 9 on Saturdays", ""),
            "The clinic opens at 9 on Saturdays.");
  // A corrected sentence: its last name is the value.
  EXPECT_EQ(Fixed("The retreat is in Porto this year.", "the retreat is in Braga", ""),
            "The retreat is in Braga this year.");
}

TEST(TurnEditsTest, ACorrectionThatNamesItsSlotReplacesTheValueBesideIt) {
  // The slot word leads ("faces south") or trails ("the data platform role").
  EXPECT_EQ(Fixed("Your balcony faces west, so evenings are sunny.", "faces east", ""),
            "Your balcony faces east, so evenings are sunny.");
  EXPECT_EQ(Fixed("She applied for the backend role last week.", "the mobile platform role", ""),
            "She applied for the mobile platform role last week.");
  EXPECT_EQ(Fixed("I like tea.", "faces east", ""), "<unchanged>");
}

TEST(TurnEditsTest, ARetiredValueNamesTheMemoryHoldingIt) {
  EXPECT_TRUE(RetiresValueOf("All done, we're on Fly.io and Heroku is shut down.",
                             "Our apps run on Heroku."));
  EXPECT_TRUE(
      RetiresValueOf("We dropped Mailchimp last month.", "Newsletters go out via Mailchimp."));
  EXPECT_FALSE(
      RetiresValueOf("I left my umbrella at the office near Tom's desk.", "Tom is my brother."));
  EXPECT_FALSE(RetiresValueOf("We dropped the price.", "Our apps run on Heroku."));
}

TEST(TurnEditsTest, ANewVersionOfANamedThingChangesTheMemoryHoldingTheOld) {
  // Another word in common ("payments") ties them without a word of change.
  EXPECT_TRUE(ChangesVersionOf("Payments is on Java 21 since the upgrade last week.",
                               "The payments service runs on Java 11.", false));
  EXPECT_TRUE(ChangesVersionOf("We moved the billing API from Node 18 to Node 22.",
                               "The billing API is on Node 18.", false));
  // Only the versioned name in common: a word of change must say so.
  EXPECT_TRUE(ChangesVersionOf("Upgraded to a Galaxy S24.", "My phone is a Galaxy S21.", true));
  EXPECT_FALSE(
      ChangesVersionOf("Got a Galaxy S24 for my dad.", "My phone is a Galaxy S21.", false));
  // The old value still stated, another name, or the same value: no change.
  EXPECT_FALSE(ChangesVersionOf("My laptop has Python 3.12, the build server has Python 3.8.",
                                "The build server runs Python 3.8.", true));
  EXPECT_FALSE(ChangesVersionOf("The payments service moved to Kotlin 2.",
                                "The payments service runs on Java 11.", true));
  EXPECT_FALSE(ChangesVersionOf("Payments still runs on Java 11.",
                                "The payments service runs on Java 11.", true));
  // Dotted versions wherever they stand.
  EXPECT_TRUE(ChangesVersionOf("All clusters are on Kubernetes 1.30 after the upgrade.",
                               "Our Kubernetes clusters run version 1.27.", false));
  EXPECT_FALSE(
      ChangesVersionOf("My laptop runs macOS 14.2.", "Our Kubernetes clusters run 1.27.", true));
  // A time is no version: "standup at 9:15" has no versioned name.
  EXPECT_FALSE(ChangesVersionOf("Standup is at 10:00.", "Standup is at 9:15.", true));
}

TEST(TurnEditsTest, TheAssistantsGuessBecomesTheUsersStatement) {
  const std::optional<std::string> s =
      CorrectedStatement("Sounds fun! Your brother lives in Lyon, right?", {"Nantes", ""});
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(*s, "The user's brother lives in Nantes.");
  EXPECT_FALSE(CorrectedStatement("Happy to help with that.", {"Nantes", ""}).has_value());
  // A number's comma is no question tag's.
  EXPECT_EQ(CorrectedStatement("Sure. I'll assume your budget is $2,000.", {"3,000", ""}),
            "I'll assume the user's budget is $3,000.");
}

TEST(TurnEditsTest, ACorrectionNamesItsSlotBetweenIGotAndWrong) {
  EXPECT_EQ(CorrectedSlot("I got the clinic hours wrong yesterday, it opens at 9."),
            "clinic hours");
  EXPECT_EQ(CorrectedSlot("I had our Brightline renewal date wrong: it's July 1."),
            "Brightline renewal date");
  EXPECT_EQ(CorrectedSlot("I got that wrong, it's 9."), "");
  EXPECT_EQ(CorrectedSlot("I got a new bike, the old one was wrong for me."), "");
}

TEST(TurnEditsTest, ForgetTopicsNameMemoriesByTheirWords) {
  // "loan" and "owe" are of one family (rules/topic_families.txt).
  EXPECT_DOUBLE_EQ(TopicOverlap("that loan from my uncle", "I owe my uncle Jan 300 pounds"), 1.0);
  EXPECT_DOUBLE_EQ(TopicOverlap("the trip to my uncle", "I owe my uncle Jan 300 pounds"), 0.5);
  EXPECT_TRUE(NamedByForget("the mental health stuff", "I see a therapist for my insomnia.", 0.1));
  EXPECT_TRUE(NamedByForget("my meds", "I take ibuprofen twice a day for my back.", 0.1));
  EXPECT_FALSE(NamedByForget("my meds", "Our team uses Jira for bugs.", 0.1));
  EXPECT_TRUE(NamedByForget("my knee surgery", "The user's knee surgery is on May 2.", 0));
  EXPECT_DOUBLE_EQ(TopicOverlap("my allergy", "The user is allergic to peanuts."), 1.0);
  EXPECT_FALSE(NamedByForget("my knee surgery", "The user likes jazz.", 0.1));
  // One shared word is enough when the vectors agree, and close vectors suffice alone.
  EXPECT_TRUE(NamedByForget("the money I owe my uncle", "My uncle Jan lent me 300 pounds.", 0.45));
  EXPECT_TRUE(NamedByForget("my ex", "Jordan and I broke up in May.", 0.8));
  // A shared name alone does not name a memory when the topic says more.
  EXPECT_FALSE(NamedByForget("Karl's debts", "Karl is a chef in Hamburg.", 0.5));
  EXPECT_TRUE(NamedByForget("Falcon", "Falcon ships on June 30.", 0.2));
  EXPECT_GE(TopicOverlap("the Lyon closure plans", "We're planning to close the Lyon office."),
            0.5);
  // A topic is about its head: "I rent a room" shares "rent" with "the rent arrears", not what
  // that is about, unless the two are close in meaning.
  EXPECT_FALSE(NamedByForget("the rent arrears", "I rent a room in Brixton.", 0.35));
  EXPECT_TRUE(NamedByForget("the rent arrears", "I'm in arrears on my rent.", 0.35));
  EXPECT_TRUE(NamedByForget("the rent arrears", "I'm behind on my rent by two months.", 0.35));
  EXPECT_FALSE(NamedByForget("the loan from my cousin", "My cousin Marta lives in Rome.", 0.2));
  EXPECT_TRUE(NamedByForget("the loan from my cousin", "My cousin lent me 500 euros.", 0.2));
  // Addiction and bereavement are said in the words of their matters (rules/topic_families.txt).
  EXPECT_DOUBLE_EQ(TopicOverlap("my addiction", "I spent six weeks in rehab in 2019."), 1.0);
  EXPECT_DOUBLE_EQ(TopicOverlap("the bereavement", "The funeral was in Galway."), 1.0);
  EXPECT_DOUBLE_EQ(TopicOverlap("my addiction", "I drink two coffees a day."), 0.0);
}

TEST(TurnEditsTest, WhoseATopicIsNamesNoMemoryAlone) {
  // A possessor is like a name: "my uncle's illness" is not about where the uncle lives.
  EXPECT_FALSE(NamedByForget("my uncle's illness", "My uncle lives in Derry.", 0.5));
  EXPECT_TRUE(NamedByForget("my uncle's illness", "My uncle's illness got worse in March.", 0.5));
  EXPECT_EQ(TopicSubjectWords("my uncle's illness"), std::vector<std::string>{"illness"});
  EXPECT_EQ(TopicSubjectWords("Karl's debts"), std::vector<std::string>{"debts"});
  EXPECT_TRUE(TopicSubjectWords("Karl").empty());
}

TEST(TurnEditsTest, TopicWordsSaidInOtherWordsCountAsFound) {
  // The engine finds "pay" said as "salary" by meaning; so found, it names the memory.
  EXPECT_FALSE(NamedByForget("my pay", "My salary is 85k before tax.", 0.35));
  EXPECT_TRUE(NamedByForget("my pay", "My salary is 85k before tax.", 0.35, {"pay"}));
  EXPECT_EQ(TopicCandidateWords("My salary at Monzo is 85k before tax."),
            (std::vector<std::string>{"salary", "before", "tax"}));
}

TEST(TurnEditsTest, StillKeepsTheValueItNames) {
  EXPECT_TRUE(StillHolds("Still at Monzo, though I'm a product manager there now.",
                         "The user works at Monzo."));
  EXPECT_TRUE(StillHolds("I'm still with Crane and Webb.", "I'm a paralegal at Crane and Webb."));
  EXPECT_FALSE(StillHolds("Still at Monzo, though I'm a product manager there now.",
                          "The user is a data analyst."));
  EXPECT_FALSE(StillHolds("Monzo is still great, but I work at Wise now.", "I'm at Revolut."));
}

TEST(TurnEditsTest, RestatementsNameTheSameParticulars) {
  EXPECT_TRUE(
      SameAnchors("Mira is the product manager for Atlas.", "Atlas's product manager is Mira."));
  EXPECT_TRUE(SameAnchors("I prefer dark mode.", "Dark mode everywhere, please."));
  EXPECT_FALSE(SameAnchors("Mira is the product manager for Atlas.", "Atlas launches in May."));
  EXPECT_FALSE(SameAnchors("The standup is at 9:30.", "The standup is at 10:15."));
  // A word that opens a sentence with its capital is no name (rules/sentence_openers.txt).
  EXPECT_TRUE(SameAnchors("The search API depends on Elasticsearch.",
                          "Without Elasticsearch the search API is down."));
  EXPECT_FALSE(HasAnchors("Sold the old car."));
  EXPECT_TRUE(HasAnchors("Bogdan sold the old car."));
}

TEST(TurnEditsTest, AbbreviationsAreWrittenOutAsWholeWords) {
  EXPECT_EQ(ExpandAbbreviations("Atlas's PM is Mira."), "Atlas's product manager is Mira.");
  EXPECT_EQ(ExpandAbbreviations("Our CTO and the VP met."),
            "Our chief technology officer and the vice president met.");
  // Only whole words spelled as in the table: "PMs", "pm" and "NPM" stay.
  EXPECT_EQ(ExpandAbbreviations("NPM and pm and PMs"), "NPM and pm and PMs");
  EXPECT_EQ(ExpandAbbreviations(""), "");
}

TEST(TurnEditsTest, MyRelationNamesTheFamilyKey) {
  EXPECT_TRUE(NamesRelationOf("I live with Ilse, my partner.", "family.partner.name"));
  EXPECT_TRUE(NamesRelationOf("Tea with my mum on Sundays", "family.mother.name"));
  EXPECT_FALSE(NamesRelationOf("I live with Ilse, my partner.", "family.wife.name"));
  EXPECT_FALSE(NamesRelationOf("Ilse is a partner at the firm", "family.partner.name"));
  EXPECT_FALSE(NamesRelationOf("my partner is Ilse", "user.name"));
}

}  // namespace
}  // namespace engram::core
