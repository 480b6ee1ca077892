// ParseForgetRequest and ParseCorrection: requests to forget and corrections as people say them,
// and the turns that look like them without being them.
#include "hygiene/turn_intent.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "hygiene/self_correction.h"
#include "hygiene/slot_values.h"

namespace engram::hygiene {
namespace {

std::string Topic(std::string_view text) {
  const std::optional<ForgetRequest> r = ParseForgetRequest(text);
  return r ? r->topic : "<none>";
}

std::string Fix(std::string_view text) {
  const std::optional<Correction> c = ParseCorrection(text);
  return c ? c->right + " | " + c->wrong : "<none>";
}

TEST(TurnIntentTest, ForgetRequestsNameTheirTopic) {
  EXPECT_EQ(Topic("Please forget what I told you about the kitchen renovation."),
            "kitchen renovation");
  EXPECT_EQ(Topic("forget that money I owe my brother"), "money I owe my brother");
  EXPECT_EQ(Topic("Can you forget the stuff about my knee surgery? It's private."),
            "my knee surgery");
  EXPECT_EQ(Topic("Don't keep anything about Priya, please."), "Priya");
  EXPECT_EQ(Topic("ok, delete everything regarding the Lisbon apartment"), "Lisbon apartment");
  EXPECT_EQ(Topic("Stop remembering my old phone number."), "my old phone number");
  EXPECT_EQ(Topic("hey, can you remove the medication info you have on me?"), "medication");
  EXPECT_EQ(Topic("On second thought, don't keep my address."), "my address");
  EXPECT_EQ(Topic("Delete my birthday from your memory please."), "my birthday");
  EXPECT_EQ(Topic("No need to remember the plumber stuff anymore."), "plumber");
  EXPECT_EQ(Topic("I'd rather you didn't remember my bonus."), "my bonus");
  EXPECT_EQ(Topic("Please unlearn the thing about my cousin's fine."), "my cousin's fine");
  // "forget it" points back to the clause before it in the same sentence.
  EXPECT_EQ(Topic("I gave up on the bakery idea, forget it."), "I gave up on the bakery idea");
  EXPECT_EQ(Topic("Never mind the Porto trip, forget that."), "the Porto trip");
  // Chat shorthand opens and closes a request too (rules/forget_request_lead.txt).
  EXPECT_EQ(Topic("plz forget that stuff about borrowing from my uncle"),
            "borrowing from my uncle");
  EXPECT_EQ(Topic("pls delete what I said about the fence"), "fence");
  EXPECT_EQ(Topic("could you not keep the sleep test thing?"), "sleep test");
  EXPECT_EQ(Topic("Don't hold on to the student debt stuff, ok?"), "student debt");
  EXPECT_EQ(Topic("Scrap whatever you know about me quitting Hooli."), "me quitting Hooli");
  EXPECT_EQ(Topic("Get rid of the note about my job search."), "my job search");
  EXPECT_EQ(Topic("Don't hang on to anything about the loan from my sister."),
            "loan from my sister");
  EXPECT_EQ(Topic("We should get rid of the old sofa."), "<none>");
}

// A word for a piece of what was said closes the topic and makes a verb also said of work
// ("wipe", "bin") a request about memory (rules/forget_said_pieces.txt).
TEST(TurnIntentTest, APieceOfWhatWasSaidClosesTheTopic) {
  EXPECT_EQ(Topic("Wipe the marriage counselling bit."), "marriage counselling");
  EXPECT_EQ(Topic("Can you wipe the payday loan stuff, please?"), "payday loan");
  EXPECT_EQ(Topic("Bin the visa thing I mentioned, it's sorted."), "visa");
  EXPECT_EQ(Topic("ditch the bit about my ex"), "my ex");
  EXPECT_EQ(Topic("Wipe the whiteboard after the meeting."), "<none>");
  EXPECT_EQ(Topic("Bin the old branches on the repo."), "<none>");
}

TEST(TurnIntentTest, RemindersAndPastTenseAreNoForgetRequests) {
  for (const char* text :
       {"Don't forget my dentist appointment on Friday.", "forget it", "Forget about it, thanks!",
        "I forgot my keys at the office.", "I never forget a face.", "Remove the semicolon.",
        "Never mind, forget that.", "Delete the DNS records for staging.",
        "I don't remember my password.", "I never keep receipts.",
        "Can you find flights to Rome, actually forget it.", "Thanks, remove the last paragraph."})
    EXPECT_EQ(Topic(text), "<none>") << text;
}

TEST(TurnIntentTest, CorrectionsNameTheRightAndTheWrongValue) {
  EXPECT_EQ(Fix("sorry, I meant the 21st, not the 2nd"), "the 21st | the 2nd");
  EXPECT_EQ(Fix("no — the 8:15 bus, not the 8:45"), "the 8:15 bus | the 8:45");
  EXPECT_EQ(Fix("Actually June 9th, that was a typo."), "June 9th | ");
  EXPECT_EQ(Fix("No, Lyon."), "Lyon | ");
  EXPECT_EQ(Fix("oops, Tuesday not Thursday"), "Tuesday | Thursday");
  EXPECT_EQ(Fix("I meant Hamburg"), "Hamburg | ");
  EXPECT_EQ(Fix("Sorry, 1200 was a typo, it's 2100."), "2100 | 1200");
  EXPECT_EQ(Fix("ugh, not 9:10, it's 9:40, I misread the board"), "9:40 | 9:10");
  EXPECT_EQ(Fix("2031, not 2030, they extended it."), "2031 | 2030");
  EXPECT_EQ(Fix("It's $3,000 actually, we saved more than planned."), "3,000 | ");
  EXPECT_EQ(Fix("Hmm, I was wrong, staging is on 1.29."), "staging is on 1.29 | ");
  EXPECT_EQ(Fix("Scratch that, we're shipping it as v2.4."), "we're shipping it as v2.4 | ");
}

TEST(TurnIntentTest, AMarkerBetweenCommasCorrectsWithWhatFollows) {
  EXPECT_EQ(Fix("per second, sorry, 100 per second"), "100 per second | ");
  EXPECT_EQ(Fix("Thursday, no, Friday"), "Friday | ");
  // A questioned value is the wrong one.
  EXPECT_EQ(Fix("2245? no, 2254."), "2254 | 2245");
  EXPECT_EQ(Fix("I like tea, coffee, and juice"), "<none>");
}

TEST(TurnIntentTest, ATurnMayCorrectAValueItSaidItself) {
  auto self = [](std::string_view text) {
    const std::optional<SelfCorrection> c = ParseSelfCorrection(text);
    return c ? c->statement + " | " + c->fix.right + " | " + c->fix.wrong : "<none>";
  };
  EXPECT_EQ(self("The boiler service is on the 9th, no, the 19th."),
            "The boiler service is on the 9th | the 19th | ");
  EXPECT_EQ(self("ugh, my bus leaves at 8:10, sorry, 8:20"), "my bus leaves at 8:10 | 8:20 | ");
  // A bare value before the marker corrects what was said before the turn, not itself.
  EXPECT_EQ(self("Thursday, no, Friday"), "<none>");
  EXPECT_EQ(self("2245? no, 2254."), "<none>");
  EXPECT_EQ(self("I like tea, coffee, and juice"), "<none>");
}

TEST(TurnIntentTest, AValueBeforeAClosingIMeanIsTheRightOne) {
  EXPECT_EQ(Fix("Greta Holm, I mean."), "Greta Holm | ");
  EXPECT_EQ(Fix("the 14th, I mean. The 4th is a Sunday."), "the 14th | ");
  // A thought before "I mean" is no value.
  EXPECT_EQ(Fix("It's fine, I mean."), "<none>");
}

TEST(TurnIntentTest, ChangeMarkersMayBePhrases) {
  EXPECT_TRUE(AnnouncesChange("As of this month the depot closes at six."));
  EXPECT_TRUE(AnnouncesChange("We ship from Leeds these days."));
  EXPECT_FALSE(AnnouncesChange("The depot closes at six."));
  EXPECT_FALSE(AnnouncesChange("Send it as a PDF of the slides."));
}

TEST(TurnIntentTest, SlotCuesNameTheUsersSlotsOnly) {
  EXPECT_EQ(NamedSlots("We finally moved, Kraków is home now."),
            std::vector<std::string>{"user.location.city"});
  EXPECT_EQ(NamedSlots("Loving the new job at Figma."), std::vector<std::string>{"user.employer"});
  EXPECT_TRUE(NamedSlots("My brother's new job at Figma pays well.").empty());
  EXPECT_TRUE(NamedSlots("Her job at Figma starts in May.").empty());
}

// A well-known city or employer after a word that places the user there names the slot without a
// word of change (rules/slot_values.txt); a visit, a plan, the past or someone else's does not.
TEST(TurnIntentTest, AWellKnownValueNamesTheUsersSlot) {
  const std::vector<std::string> employer{"user.employer"}, city{"user.location.city"};
  EXPECT_EQ(NamedSlotValues("Three weeks in at KPMG and the people are nicer."), employer);
  EXPECT_EQ(NamedSlotValues("I'm at Stripe now."), employer);
  EXPECT_EQ(NamedSlotValues("Life in Bristol is treating us well."), city);
  EXPECT_EQ(NamedSlotValues("Settling into San Francisco slowly."), city);
  for (const char* text :
       {"I have an interview at Google on Monday.", "Flying to Paris tomorrow.",
        "My brother works at Deloitte.", "Priya works at Google.", "We used to live in Leeds.",
        "Is it raining in Bristol?", "I did my weekly shop at Tesco.", "I grew up in Cork.",
        "the bank in bristol closed", "Reading is my favourite hobby."})
    EXPECT_TRUE(NamedSlotValues(text).empty()) << text;
}

TEST(TurnIntentTest, ContrastsAndRecalledValuesNameBothValues) {
  EXPECT_EQ(Fix("Yes, four of us, but it's in Ghent rather than Bruges."), "Ghent | Bruges");
  EXPECT_EQ(Fix("the green folder instead of the red one"), "green folder | red one");
  EXPECT_EQ(Fix("Book the window seat rather than the aisle."), "window seat | aisle");
  EXPECT_EQ(Fix("I think I said 6:20 before, it's 6:50 now."), "6:50 now | 6:20");
  EXPECT_EQ(Fix("I told you Tuesday but I meant Wednesday."), "Wednesday | Tuesday");
  EXPECT_EQ(Fix("Tuesday is wrong, it's Wednesday."), "Wednesday | Tuesday");
  EXPECT_EQ(Fix("Smyth is incorrect, the name is Smith."), "Smith | Smyth");
  EXPECT_EQ(Fix("not Monday but Friday"), "Friday | Monday");
  EXPECT_EQ(Fix("change that to 8:30"), "8:30 | ");
  EXPECT_EQ(Fix("Update the 10:00 to 10:45 please."), "10:45 | 10:00");
  EXPECT_EQ(Fix("That's not right, it's the 5th floor."), "the 5th floor | ");
  for (const char* text : {"I'd rather have tea than coffee.", "I said hi to her yesterday.",
                           "We picked Go instead of Rust for the whole new billing service."})
    EXPECT_EQ(Fix(text), "<none>") << text;
}

TEST(TurnIntentTest, ACorrectionMayNameItsSlotInsteadOfTheWrongValue) {
  // The value is the next clause; core::CorrectedSlot reads the slot ("clinic hours").
  EXPECT_EQ(Fix("I got the clinic hours wrong yesterday, it opens at 9 on Saturdays."),
            "opens at 9 on Saturdays | ");
  EXPECT_EQ(Fix("I got a new bike, it's red."), "<none>");
}

TEST(TurnIntentTest, AClosingCorrectionPhraseAnnouncesTheClauseBeforeIt) {
  EXPECT_EQ(Fix("His name is Mr. Hadad, I spelled it wrong."), "His name is Mr. Hadad | ");
  EXPECT_EQ(Fix("I moved to Porto, my mistake was waiting so long."), "<none>");
}

TEST(TurnIntentTest, ABareValueOpensTheTurn) {
  auto fragment = [](std::string_view text) { return ParseValueFragment(text).value_or("<none>"); };
  EXPECT_EQ(fragment("7C! 3C was the old desk."), "7C");
  EXPECT_EQ(fragment("hmm, the 12th, Monday is the 12th"), "the 12th");
  EXPECT_EQ(fragment("Gate B12."), "Gate B12");
  EXPECT_EQ(fragment("Tuesday, not sure yet."), "<none>");
  EXPECT_EQ(fragment("We have 2 dogs and a cat at home."), "<none>");
}

TEST(TurnIntentTest, NewsAndRepliesAreNoCorrections) {
  for (const char* text :
       {"Actually I live in Porto now.", "No, I don't want that.", "I do not like sushi.",
        "Sorry, can you repeat that?", "The meeting is not on Monday.", "Thanks, that works."})
    EXPECT_EQ(Fix(text), "<none>") << text;
}

TEST(TurnIntentTest, AnyBytesAreSafe) {
  std::mt19937_64 rng(11);
  for (int i = 0; i < 2000; ++i) {
    std::string s(rng() % 48, '\0');
    for (char& c : s) c = static_cast<char>(rng());
    (void)ParseForgetRequest(s);
    (void)ParseCorrection(s);
    (void)ParseSelfCorrection(s);
  }
  SUCCEED();
}

}  // namespace
}  // namespace engram::hygiene
