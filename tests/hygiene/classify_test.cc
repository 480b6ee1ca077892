// ClassifyTurn: filler is discarded, tool output, assistant chatter and questions stay in the
// session, disclosures are promoted; realistic chat turns and arbitrary bytes.
#include "hygiene/classify.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace engram::hygiene {
namespace {

struct Turn {
  Role role;
  const char* text;
  Disposition expected;
};

std::string Describe(const Turn& t) {
  const Classification c = ClassifyTurn(t.role, t.text);
  return std::string(RoleName(t.role)) + " \"" + t.text + "\" -> " +
         DispositionName(c.disposition) + " (" + std::string(c.reason) + ")";
}

void ExpectAll(Role role, std::initializer_list<const char*> texts, Disposition expected) {
  for (const char* text : texts) {
    const Turn t{role, text, expected};
    EXPECT_EQ(Classify(role, text), expected) << Describe(t);
  }
}

TEST(ClassifyTest, FillerIsDiscarded) {
  ExpectAll(Role::kUser,
            {"ok",
             "OK.",
             "sure",
             "lol",
             "👍",
             "thanks!",
             "Thank you so much!",
             "got it",
             "hello there",
             "Hi!",
             "hey",
             "good morning",
             "Thanks so much for the help!",
             "sounds good",
             "makes sense",
             "no worries",
             "cool cool",
             "haha nice",
             "k",
             "okay, got it 👍",
             "thx",
             "yes thanks",
             "Perfect, that works.",
             "bye!",
             "🙏🙏",
             "...",
             "",
             "   "},
            Disposition::kDiscard);
  ExpectAll(Role::kAssistant, {"You're welcome!", "Sure!", "Great!", "Hello! 👋"},
            Disposition::kDiscard);
  EXPECT_EQ(ClassifyTurn(Role::kUser, "thanks!").reason, "filler");
  EXPECT_EQ(ClassifyTurn(Role::kUser, "👍").reason, "filler");
  EXPECT_EQ(ClassifyTurn(Role::kUser, " \n").reason, "empty");
}

TEST(ClassifyTest, BareAnswersStayInTheSession) {
  // "yes" and "no" answer the turn before them; without it they mean nothing, with it they may.
  ExpectAll(Role::kUser, {"yes", "No.", "yeah", "nope", "yes please", "please"},
            Disposition::kSessionOnly);
}

TEST(ClassifyTest, ToolAndSystemTurnsAlwaysStayInTheSession) {
  ExpectAll(Role::kTool,
            {"{\"status\": \"ok\", \"rows\": 3}", "ok", "", "My name is Dana.",
             "Traceback (most recent call last):\n  File \"x.py\", line 1"},
            Disposition::kSessionOnly);
  EXPECT_EQ(ClassifyTurn(Role::kTool, "ok").reason, "tool output");
  ExpectAll(Role::kSystem, {"You are a helpful assistant.", "ok", ""}, Disposition::kSessionOnly);
  EXPECT_EQ(ClassifyTurn(Role::kSystem, "ok").reason, "system message");
}

TEST(ClassifyTest, AssistantChatterStaysInTheSession) {
  ExpectAll(Role::kAssistant,
            {"Sure, here is the code you asked for: def f(): pass",
             "I live in the cloud and my name is Claude.", "I'm allergic to nothing, I'm a model.",
             "Would you like me to continue?"},
            Disposition::kSessionOnly);
  EXPECT_EQ(ClassifyTurn(Role::kAssistant, "Here you go.").reason, "assistant message");
}

TEST(ClassifyTest, QuestionsAndRequestsStayInTheSession) {
  ExpectAll(Role::kUser,
            {"Can you help me write a SQL query?", "What's the weather like in Paris?",
             "How do I reverse a list in Python?", "Do I like sushi?", "why does this fail",
             "I need help with my code.", "I'm trying to get this to work.", "I like that idea.",
             "I like your suggestion, let's go with it.", "I want you to fix the bug.",
             "My code is broken.", "This doesn't work.", "I'm a bit confused.",
             "I have a question about pandas.", "Please rewrite this paragraph.",
             "I'm looking for a restaurant in Paris."},
            Disposition::kSessionOnly);
  EXPECT_EQ(ClassifyTurn(Role::kUser, "How do I reverse a list?").reason, "question");
  EXPECT_EQ(ClassifyTurn(Role::kUser, "Please rewrite this paragraph.").reason,
            "no durable information");
}

TEST(ClassifyTest, HypotheticalsStayInTheSession) {
  ExpectAll(Role::kUser,
            {"If I lived in Paris, I'd walk everywhere.", "Suppose I have two kids, how big a car?",
             "Imagine I'm training for a marathon.", "What if I moved to Berlin?"},
            Disposition::kSessionOnly);
}

TEST(ClassifyTest, DisclosuresArePromoted) {
  ExpectAll(Role::kUser,
            {"My name is Dana.", "Remember that my sister lives in Oslo.",
             "Please always answer in French.", "The report is due Friday.",
             "I'm allergic to peanuts", "I have two kids and a dog.", "I usually work late.",
             "I'm planning a trip to Japan in April.", "I want to learn Rust this year.",
             "I'm training for a marathon.", "My wife and I are expecting a baby.",
             "I got married last year.", "I'm a night owl.",
             "I've been learning piano for two years.", "I never drink coffee after 2pm",
             "ok so basically I have a bad knee", "I play the cello in an orchestra",
             "I keep my plants on the balcony.", "I carry an EpiPen."},
            Disposition::kPromote);
  EXPECT_EQ(ClassifyTurn(Role::kUser, "My name is Dana.").reason, "extracted memory");
  EXPECT_EQ(ClassifyTurn(Role::kUser, "I usually work late.").reason, "self-disclosure");
}

TEST(ClassifyTest, FactsAboutTheUsersWorldArePromoted) {
  ExpectAll(Role::kUser,
            {"Tomasz leads the payments squad.", "Our search service depends on the catalog API.",
             "The spare car keys are in the kitchen drawer next to the Brita filter.",
             "Mira is Jonah's piano teacher.", "The test cluster lives at k8s.test.example.net",
             "so the nightly export runs at 02:30 UTC", "Kenji manages our Tokyo office.",
             "The VPN gateway is vpn.corp.example, port 1194.",
             "In staging.env we set QUEUE_URL=amqp://mq.staging.internal:5672"},
            Disposition::kPromote);
  // A relation of rules/world_relations.txt is extracted (a keyed fact with its triple); one
  // that says "it" waits for the write path to resolve it.
  EXPECT_EQ(ClassifyTurn(Role::kUser, "Tomasz leads the payments squad.").reason,
            "extracted memory");
  EXPECT_EQ(ClassifyTurn(Role::kUser, "Globex's reports run on it.").reason, "world fact");
}

TEST(ClassifyTest, StandingValuesHoweverPhrasedArePromoted) {
  ExpectAll(Role::kUser,
            {"My usual coffee order is a cortado with oat milk.",
             "our regular table at Nando's is by the window", "I'm on the early shift now.",
             "We're on Kotlin 2.0 now.", "We always deploy on Tuesdays."},
            Disposition::kPromote);
}

TEST(ClassifyTest, ChangesOfHabitArePromoted) {
  ExpectAll(Role::kUser,
            {"I've switched to oat milk, dairy doesn't agree with me anymore.",
             "I gave up coffee last month.", "I've started cycling to work.",
             "I stopped eating meat in March.", "I've taken up pottery on Sundays."},
            Disposition::kPromote);
  ExpectAll(Role::kUser,
            {"I started looking into the bug.", "I gave up on that approach.",
             "I switched to your version."},
            Disposition::kSessionOnly);
}

TEST(ClassifyTest, WorldFactsInAnyPresentFormArePromoted) {
  ExpectAll(Role::kUser,
            {"Design reviews end on Thursdays.", "Order data comes from Magento.",
             "The intranet needs a VPN with Tailscale.", "Ops's rota this month is Ada.",
             "I report to Malik.", "We chose MariaDB for the ledger."},
            Disposition::kPromote);
}

TEST(ClassifyTest, TaskTalkWithNamesStaysInTheSession) {
  ExpectAll(Role::kUser,
            {"Explain how Kafka works.", "This is wrong, the answer is 42.", "It is broken again.",
             "Rewrite this so it mentions Berlin.", "The build failed with exit code 2",
             "You are right about Python."},
            Disposition::kSessionOnly);
}

TEST(ClassifyTest, LastingFactsThatNameNothingArePromoted) {
  // No name or number: a plain subject in the present, a property of something the user has, a
  // recurring time, a fear, an effect on the user, a one-word name as subject.
  ExpectAll(Role::kUser,
            {"The spare charger is in the top drawer of my desk.",
             "The parking garage closes at midnight.",
             "The coffee machine in the kitchen needs descaling every month.",
             "My office is on the ninth floor.",
             "our car has a roof box",
             "I'm in the office every Tuesday.",
             "I ride a road bike on Sundays.",
             "I help out at the allotment on Tuesday evenings.",
             "we eat out twice a month",
             "I'm scared of deep water.",
             "Peanuts give me hives.",
             "Gluten makes me sick.",
             "Bogdan takes care of our invoices.",
             "We have eleven employees.",
             "we have about 40 customers",
             "I'm colour-blind, red and green look alike to me.",
             "I get seasick easily.",
             "I'm in the CET timezone.",
             "For beta we went with DynamoDB.",
             "The vending machine only accepts coins.",
             "The fee covers two adults."},
            Disposition::kPromote);
  EXPECT_EQ(ClassifyTurn(Role::kUser, "The parking garage closes at midnight.").reason,
            "world fact");
}

TEST(ClassifyTest, StatementsAboutNowOrTheConversationStayInTheSession) {
  ExpectAll(Role::kUser,
            {"the traffic is terrible today", "The tests are failing again", "The build is slow.",
             "My internet is down today.", "My question is about pandas.", "She takes the bus.",
             "I'm afraid I can't make it.", "That makes me happy.", "This gives me an error.",
             "The first option is better.", "I get it.", "I get that often from you.",
             "I'm in a meeting.", "I went with my gut on that one.", "The weather is lovely here.",
             "Our server is on fire lol", "My guess is that the cache is stale.",
             "My head is killing me."},
            Disposition::kSessionOnly);
}

TEST(ClassifyTest, VentingStaysInTheSessionBesideFactsThatArePromoted) {
  ExpectAll(Role::kUser,
            {"Ugh, the ferry was cancelled twice.", "My landlord is driving me up the wall.",
             "Quarterly planning all week, kill me.", "So sick of these Jenkins timeouts.",
             "The new ticket system is a joke.", "I can't believe the rent went up by 200."},
            Disposition::kSessionOnly);
  ExpectAll(Role::kUser,
            {"My landlord is Mrs. Achterberg.", "The ferry terminal is in Den Helder.",
             "I hate coriander."},
            Disposition::kPromote);
}

TEST(ClassifyTest, ChangesSaidWithoutTheSpeakersIArePromoted) {
  ExpectAll(Role::kUser,
            {"Sold the Civic and bought a Tesla.", "Left Initech in the spring.",
             "Joined Contoso last week.", "Adopted Biscuit from the shelter."},
            Disposition::kPromote);
  ExpectAll(Role::kUser,
            {"Fixed the bug.", "Switched to your version.", "Sold out everywhere, sadly.",
             "Left a comment on your PR.", "Moved the file to src."},
            Disposition::kSessionOnly);
}

// Where the user works or lives now, said only by naming it (rules/slot_values.txt,
// slot_value_phrases.txt, slot_value_contexts.txt); not a visit or someone else's.
TEST(ClassifyTest, ANewHomeOrEmployerSaidByItsNameIsPromoted) {
  ExpectAll(Role::kUser,
            {"Four months in at Brisa Airlines and honestly the people are nicer.",
             "Swansea life is treating us well so far.", "Loving life in Bristol, the kids too."},
            Disposition::kPromote);
  ExpectAll(Role::kUser, {"Flying to Paris tomorrow, so excited.", "Had a great time in Bristol."},
            Disposition::kSessionOnly);
}

// A standing preference however phrased (rules/classify_preference_cues.txt).
TEST(ClassifyTest, StandingPreferencesHoweverPhrasedArePromoted) {
  ExpectAll(Role::kUser,
            {"Not a fan of long emails, keep it brief when you draft them.",
             "I'd rather get the summary first and the details after.",
             "When you explain code, skip the basics."},
            Disposition::kPromote);
  EXPECT_EQ(ClassifyTurn(Role::kUser, "I'd rather get the summary first.").reason, "preference");
}

TEST(ClassifyTest, QuestionsThatDiscloseArePromoted) {
  ExpectAll(Role::kUser,
            {"I'm vegetarian, any recipe ideas?", "I have two kids, any tips for long flights?",
             "I live in Paris, what should I see?", "Thanks! My name is Dana. What's yours?"},
            Disposition::kPromote);
  ExpectAll(Role::kUser, {"If I lived in Paris, would I like it?", "Do I like sushi, or not?"},
            Disposition::kSessionOnly);
}

TEST(ClassifyTest, RealisticConversation) {
  const Turn turns[] = {
      {Role::kSystem, "You are a helpful coding assistant.", Disposition::kSessionOnly},
      {Role::kUser, "hey!", Disposition::kDiscard},
      {Role::kAssistant, "Hi! How can I help today?", Disposition::kSessionOnly},
      {Role::kUser, "I'm Dana, I work at Acme as a backend engineer. Can you review my Go handler?",
       Disposition::kPromote},
      {Role::kAssistant, "Sure, paste it here.", Disposition::kSessionOnly},
      {Role::kUser, "func h(w http.ResponseWriter, r *http.Request) { ... }",
       Disposition::kSessionOnly},
      {Role::kAssistant, "", Disposition::kDiscard},
      {Role::kTool, "go vet: ok", Disposition::kSessionOnly},
      {Role::kAssistant, "It looks fine, but you should check the error from Decode.",
       Disposition::kSessionOnly},
      {Role::kUser, "got it, thanks", Disposition::kDiscard},
      {Role::kUser, "btw please always use tabs in Go snippets", Disposition::kPromote},
      {Role::kUser, "also the migration is due Thursday", Disposition::kPromote},
      {Role::kUser, "why does vet not catch that?", Disposition::kSessionOnly},
      {Role::kUser, "lol", Disposition::kDiscard},
      {Role::kUser, "Bonjour", Disposition::kSessionOnly},
  };
  for (const Turn& t : turns) EXPECT_EQ(Classify(t.role, t.text), t.expected) << Describe(t);
}

TEST(ClassifyTest, OtherLanguagesAreNeverDiscarded) {
  ExpectAll(Role::kUser,
            {"Bonjour", "こんにちは", "Я живу в Москве", "我喜欢寿司", "Merci beaucoup pour tout"},
            Disposition::kSessionOnly);
}

TEST(ClassifyTest, Names) {
  EXPECT_STREQ(DispositionName(Disposition::kDiscard), "discard");
  EXPECT_STREQ(DispositionName(Disposition::kSessionOnly), "session_only");
  EXPECT_STREQ(DispositionName(Disposition::kPromote), "promote");
}

TEST(ClassifyTest, ArbitraryBytesNeverCrash) {
  std::mt19937_64 rng(11);
  for (int i = 0; i < 3000; ++i) {
    std::string s(rng() % 80, '\0');
    for (char& ch : s) ch = static_cast<char>(rng());
    for (Role role : {Role::kUser, Role::kAssistant, Role::kTool, Role::kSystem}) {
      const Classification c = ClassifyTurn(role, s);
      EXPECT_FALSE(c.reason.empty());
    }
  }
}

}  // namespace
}  // namespace engram::hygiene
