// End-to-end tests of the real `engram` binary: each call is a new process on one database file.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>

#include "cli/cli_test.h"

namespace engram {
namespace {

using testing::ReadFile;

// The seed check: one process stores a preference in session_001; a new process in session_002
// finds it for user_42, and user_43 sees nothing.
TEST_F(CliTest, PreferenceSurvivesIntoANewProcessAndStaysWithItsOwner) {
  RunResult add = Engram({"add", "--owner", "user_42", "--session", "session_001", "--type",
                          "preference", "My name is Dana and I prefer dark mode."});
  ASSERT_EQ(add.exit_code, 0) << add.err;
  EXPECT_NE(add.out.find("added "), std::string::npos);

  json page = EngramJson({"list", "--owner", "user_42"});
  ASSERT_EQ(page["items"].size(), 1u);
  const json& m = page["items"][0];
  EXPECT_EQ(m["type"], "preference");
  EXPECT_EQ(m["session_id"], "session_001");
  EXPECT_NE(m["text"].get<std::string>().find("dark mode"), std::string::npos);

  RunResult other = Engram({"list", "--owner", "user_43"});
  EXPECT_EQ(other.exit_code, 0);
  EXPECT_EQ(other.out.find("dark mode"), std::string::npos);
  EXPECT_EQ(EngramJson({"list", "--owner", "user_43"})["items"].size(), 0u);
  RunResult foreign = Engram({"get", m["id"], "--owner", "user_43"});
  ExpectOneLineError(foreign, "not found");
}

// --json output is pretty only to a depth (docs/cli.md): a record whose data is nested to the
// accepted limit, with a wide array at the bottom, prints as valid JSON of the same value within
// 23 times the compact answer's size (the REST API's form of it); laid out level by level it
// would be ~130 times.
TEST_F(CliTest, JsonOutputOfDataNestedToTheLimitIsBounded) {
  auto nested = [](int depth) {
    json v = json::array();
    for (int i = 0; i < 20'000; ++i) v.push_back(1);
    for (int d = 1; d < depth; ++d) v = json::array({std::move(v)});
    return v;
  };
  const json data = nested(128);  // util::kMaxJsonDepth
  ExpectOneLineError(Engram({"add", "--owner", "u", "--data", nested(129).dump(), "Too deep"}),
                     "nested deeper than 128");
  json added = EngramJson({"add", "--owner", "u", "--data", data.dump(), "Deeply nested data"});
  const std::string id = added["id"];
  for (bool list : {true, false}) {
    RunResult r = list ? Engram({"--json", "list", "--owner", "u"})
                       : Engram({"--json", "get", "--owner", "u", id});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const json out = json::parse(r.out, nullptr, false);
    ASSERT_FALSE(out.is_discarded()) << list;
    EXPECT_EQ(list ? out["items"][0]["data"] : out["data"], data);
    EXPECT_LE(r.out.size(), 23 * out.dump().size()) << list;
    EXPECT_GT(out.dump(2).size(), 100 * out.dump().size()) << "nlohmann's layout, for scale";
  }
}

TEST_F(CliTest, AddPrintsTheRecordWithItsFields) {
  json r = EngramJson({"add", "--owner", "u", "--scope", "project/alpha", "--type", "fact", "--key",
                       "stack.db", "--meta", R"({"source":"standup"})", "We", "use", "PostgreSQL",
                       "16"});
  EXPECT_EQ(r["text"], "We use PostgreSQL 16");  // words are joined
  EXPECT_EQ(r["scope"], "project/alpha");
  EXPECT_EQ(r["key"], "stack.db");
  EXPECT_EQ(r["metadata"]["source"], "standup");
  EXPECT_EQ(r["id"].get<std::string>().size(), 36u);
  EXPECT_EQ(r["event"], "added");
  json got = EngramJson({"get", r["id"], "--owner", "u"});
  r.erase("event");
  r.erase("superseded_ids");
  EXPECT_EQ(got, r);
}

TEST_F(CliTest, AddReportsDuplicatesAndSupersession) {
  json light = EngramJson(
      {"add", "--owner", "u", "--type", "preference", "--key", "ui.theme", "Prefers light mode"});
  json dark = EngramJson(
      {"add", "--owner", "u", "--type", "preference", "--key", "ui.theme", "Prefers dark mode"});
  EXPECT_EQ(dark["event"], "superseded");
  EXPECT_EQ(dark["superseded_ids"][0], light["id"]);
  json again = EngramJson(
      {"add", "--owner", "u", "--type", "preference", "--key", "ui.theme", "prefers dark mode."});
  EXPECT_EQ(again["event"], "deduplicated");
  EXPECT_EQ(again["id"], dark["id"]);
  json page = EngramJson({"list", "--owner", "u"});
  ASSERT_EQ(page["items"].size(), 1u);
  EXPECT_EQ(page["items"][0]["text"], "Prefers dark mode");
  RunResult text = Engram(
      {"add", "--owner", "u", "--type", "preference", "--key", "ui.theme", "Prefers dark mode"});
  EXPECT_NE(text.out.find("already known"), std::string::npos);
}

TEST_F(CliTest, UpdateDeleteAndHistory) {
  const std::string id = EngramJson({"add", "--owner", "u", "prefers light mode"})["id"];
  json updated = EngramJson({"update", id, "--owner", "u", "prefers dark mode"});
  EXPECT_EQ(updated["text"], "prefers dark mode");
  RunResult del = Engram({"delete", id, "--owner", "u"});
  ASSERT_EQ(del.exit_code, 0) << del.err;
  ExpectOneLineError(Engram({"get", id, "--owner", "u"}), "deleted");
  json history = EngramJson({"history", id, "--owner", "u"});
  ASSERT_EQ(history.size(), 3u);
  EXPECT_EQ(history[0]["event"], "add");
  EXPECT_EQ(history[1]["event"], "update");
  EXPECT_EQ(history[1]["old_value"]["text"], "prefers light mode");
  EXPECT_EQ(history[1]["new_value"]["text"], "prefers dark mode");
  EXPECT_EQ(history[2]["event"], "delete");
  RunResult text = Engram({"history", id, "--owner", "u"});
  EXPECT_NE(text.out.find("prefers light mode -> prefers dark mode"), std::string::npos);
}

TEST_F(CliTest, ListPagesWithACursor) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(Engram({"add", "--owner", "u", "fact number " + std::to_string(i)}).exit_code, 0);
  }
  json first = EngramJson({"list", "--owner", "u", "--limit", "3"});
  ASSERT_EQ(first["items"].size(), 3u);
  ASSERT_TRUE(first["next_cursor"].is_string());
  json second = EngramJson({"list", "--owner", "u", "--limit", "3", "--cursor",
                            first["next_cursor"].get<std::string>()});
  ASSERT_EQ(second["items"].size(), 2u);
  EXPECT_TRUE(second["next_cursor"].is_null());
  EXPECT_EQ(second["items"][1]["text"], "fact number 0");
}

TEST_F(CliTest, OwnersListsTheOwnersWithTheirCounts) {
  for (const auto& [owner, text] : {std::pair{"bob", "Bob plays chess"},
                                    {"alice", "Alice likes green tea"},
                                    {"alice", "Alice works at Acme"}}) {
    ASSERT_EQ(Engram({"add", "--owner", owner, text}).exit_code, 0);
  }
  json all = EngramJson({"owners"});
  EXPECT_EQ(
      all,
      (json{{"owners",
             {{{"owner_id", "alice"}, {"memories", 2}}, {{"owner_id", "bob"}, {"memories", 1}}}},
            {"next_cursor", nullptr}}));
  json first = EngramJson({"owners", "--limit", "1"});
  ASSERT_TRUE(first["next_cursor"].is_string());
  json second =
      EngramJson({"owners", "--limit", "1", "--cursor", first["next_cursor"].get<std::string>()});
  EXPECT_EQ(second["owners"][0]["owner_id"], "bob");
  RunResult text = Engram({"owners"});
  EXPECT_EQ(text.out, "alice  2 memories\nbob  1 memory\n");
  ExpectOneLineError(Engram({"owners", "--limit", "0"}), "limit");
}

TEST_F(CliTest, ForgetAllErasesTheOwner) {
  for (int i = 0; i < 3; ++i) Engram({"add", "--owner", "u", "fact " + std::to_string(i)});
  Engram({"add", "--owner", "v", "other owner"});
  Engram({"session", "add", "--owner", "u", "--session", "s", "--role", "user", "hi"});
  ExpectOneLineError(Engram({"forget", "--owner", "u"}), "--all");
  EXPECT_EQ(CountMemories("u"), 3u);
  json report = EngramJson({"forget", "--owner", "u", "--all"});
  EXPECT_EQ(report["memories"], 3);
  EXPECT_EQ(report["session_items"], 1);
  EXPECT_EQ(CountMemories("u"), 0u);
  EXPECT_EQ(CountMemories("v"), 1u);
}

TEST_F(CliTest, ListTravelsBackInTime) {
  {
    ScopedEnv now("ENGRAM_NOW", "2025-01-01T00:00:00Z");
    RunResult r = Engram({"add", "--owner", "u", "--key", "user.city", "Lives in Paris"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  {
    ScopedEnv now("ENGRAM_NOW", "2025-06-01T00:00:00Z");
    RunResult r = Engram({"add", "--owner", "u", "--key", "user.city", "Lives in Berlin"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  auto texts = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = {"list", "--owner", "u"};
    args.insert(args.end(), extra.begin(), extra.end());
    const json page = EngramJson(args);
    std::vector<std::string> out;
    for (const auto& item : page["items"]) out.push_back(item["text"]);
    return out;
  };
  EXPECT_EQ(texts({}), std::vector<std::string>{"Lives in Berlin"});
  EXPECT_EQ(texts({"--as-of", "2025-03-01"}), std::vector<std::string>{"Lives in Paris"});
  EXPECT_EQ(texts({"--valid-at", "2025-03-01"}), std::vector<std::string>{"Lives in Paris"});
  EXPECT_EQ(texts({"--include-superseded"}).size(), 2u);
  ExpectOneLineError(Engram({"list", "--owner", "u", "--as-of", "soon"}), "invalid timestamp");
}

TEST_F(CliTest, BadInputGetsOnePreciseErrorAndWritesNothing) {
  ASSERT_EQ(Engram({"add", "--owner", "u", "keep me"}).exit_code, 0);
  ExpectOneLineError(Engram({"add", "--owner", "u", "bad \xC3\x28 utf8"}), "not valid UTF-8");
  ExpectOneLineError(Engram({"add", "--owner", "u", "-"}, "bad \xFF"), "not valid UTF-8");
  ExpectOneLineError(Engram({"add", "--owner", "u", ""}), "text is empty");
  ExpectOneLineError(Engram({"add", "--owner", "u", "-"}, std::string(10 << 20, 'x')),
                     "10485760 bytes; the limit is 65536");
  ExpectOneLineError(Engram({"add", "--owner", "u", "--meta", "{oops", "text"}),
                     "metadata is not valid JSON");
  ExpectOneLineError(Engram({"add", "--owner", "u", "--type", "rumour", "text"}),
                     "unknown memory type 'rumour'");
  ExpectOneLineError(Engram({"add", "--owner", "u", "--scope", "a//b", "text"}), "scope");
  ExpectOneLineError(Engram({"add", "--owner", "", "text"}), "owner_id is required");
  ExpectOneLineError(Engram({"get", "01a1fccd-12c0-71ee-af29-6dcf212fd6c5", "--owner", "u"}),
                     "memory 01a1fccd-12c0-71ee-af29-6dcf212fd6c5 not found");
  ExpectOneLineError(Engram({"get", "xyz", "--owner", "u"}), "invalid memory id 'xyz'");
  ExpectOneLineError(
      Engram({"update", "01a1fccd-12c0-71ee-af29-6dcf212fd6c5", "--owner", "u", "new"}),
      "not found");
  ExpectOneLineError(Engram({"list", "--owner", "u", "--cursor", "???"}), "malformed cursor");
  ExpectOneLineError(Engram({"add", "--owner", "u", "--observed-at", "last week", "x"}),
                     "invalid timestamp");
  EXPECT_EQ(CountMemories("u"), 1u);
}

TEST_F(CliTest, UsageErrorsExitWithTwo) {
  RunResult r = Engram({"add", "text without owner"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--owner"), std::string::npos) << r.err;
  EXPECT_EQ(Engram({}).exit_code, 2);
}

TEST_F(CliTest, JsonErrorsAreJson) {
  RunResult r = Engram({"--json", "get", "xyz", "--owner", "u"});
  EXPECT_EQ(r.exit_code, 1);
  json err = json::parse(r.err, nullptr, false);
  ASSERT_TRUE(err.is_object()) << r.err;
  EXPECT_EQ(err["error"]["code"], "invalid_argument");
}

TEST_F(CliTest, SessionCommands) {
  auto add = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = {"session", "add", "--owner", "u", "--session", "s"};
    args.insert(args.end(), extra.begin(), extra.end());
    return Engram(args);
  };
  ASSERT_EQ(add({"--role", "user", "What is the weather in Paris?"}).exit_code, 0);
  ASSERT_EQ(add({"--role", "assistant", "--tool-calls", R"([{"id":"call_1","name":"weather"}])"})
                .exit_code,
            0);
  ASSERT_EQ(add({"--role", "tool", "--tool-call-id", "call_1", "sunny, 21C"}).exit_code, 0);
  ASSERT_EQ(add({"--role", "assistant", "Sunny and 21C."}).exit_code, 0);
  ExpectOneLineError(add({"--role", "tool", "--tool-call-id", "call_9", "x"}), "call_9");
  ExpectOneLineError(add({"--role", "wizard", "x"}), "unknown role");

  json all = EngramJson({"session", "show", "--owner", "u", "--session", "s"});
  ASSERT_EQ(all["items"].size(), 4u);
  EXPECT_EQ(all["items"][1]["tool_calls"][0]["id"], "call_1");
  EXPECT_EQ(all["items"][2]["tool_call_id"], "call_1");
  json last2 = EngramJson({"session", "show", "--owner", "u", "--session", "s", "--last", "2"});
  EXPECT_EQ(last2["items"].size(), 3u);  // widened so the tool call stays with its result
  EXPECT_EQ(EngramJson({"session", "show", "--owner", "other", "--session", "s"})["items"].size(),
            0u);

  json popped = EngramJson({"session", "pop", "--owner", "u", "--session", "s"});
  EXPECT_EQ(popped["content"], "Sunny and 21C.");
  json cleared = EngramJson({"session", "clear", "--owner", "u", "--session", "s"});
  EXPECT_EQ(cleared["removed"], 3);
  EXPECT_TRUE(EngramJson({"session", "pop", "--owner", "u", "--session", "s"}).is_null());
}

TEST_F(CliTest, DatabaseComesFromEngramDbOrTheDataFolder) {
  pass_db_flag_ = false;
  {
    const std::string env_db = dir_.File("from-env/engram.db");
    ScopedEnv db("ENGRAM_DB", env_db);
    ASSERT_EQ(Engram({"add", "--owner", "u", "x"}).exit_code, 0);
    EXPECT_TRUE(std::filesystem::exists(env_db));
  }
  ScopedEnv no_db("ENGRAM_DB", "");
  ScopedEnv xdg("XDG_DATA_HOME", dir_.File("xdg"));
  ASSERT_EQ(Engram({"add", "--owner", "u", "y"}).exit_code, 0);
  EXPECT_TRUE(std::filesystem::exists(dir_.File("xdg/engram/engram.db")));
}

// --store URL (or $ENGRAM_STORE) names the store; --db PATH is its SQLite shorthand, and
// --sessions URL puts session state in another store.
TEST_F(CliTest, StoreComesFromAUrl) {
  pass_db_flag_ = false;
  const std::string url = "sqlite://" + dir_.File("by-url/engram.db");
  ASSERT_EQ(Engram({"--store", url, "add", "--owner", "u", "stored by url"}).exit_code, 0);
  EXPECT_TRUE(std::filesystem::exists(dir_.File("by-url/engram.db")));
  json page = EngramJson({"--db", dir_.File("by-url/engram.db"), "list", "--owner", "u"});
  ASSERT_EQ(page["items"].size(), 1u);
  EXPECT_EQ(page["items"][0]["text"], "stored by url");
  {
    ScopedEnv store("ENGRAM_STORE", url);
    EXPECT_EQ(EngramJson({"list", "--owner", "u"})["items"].size(), 1u);
  }
  const std::string sessions = "sqlite://" + dir_.File("sessions.db");
  ASSERT_EQ(Engram({"--store", url, "--sessions", sessions, "session", "add", "--owner", "u",
                    "--session", "s", "--role", "user", "hello"})
                .exit_code,
            0);
  EXPECT_TRUE(std::filesystem::exists(dir_.File("sessions.db")));
  EXPECT_EQ(EngramJson({"--store", url, "--sessions", sessions, "session", "show", "--owner", "u",
                        "--session", "s"})["items"]
                .size(),
            1u);
  EXPECT_EQ(
      EngramJson({"--store", url, "session", "show", "--owner", "u", "--session", "s"})["items"]
          .size(),
      0u);
  ExpectOneLineError(Engram({"--store", url, "--db", dir_.File("x.db"), "list", "--owner", "u"}),
                     "either --store or --db");
  ExpectOneLineError(Engram({"--store", "nosuchdb://h/db", "list", "--owner", "u"}),
                     "known schemes: sqlite://");
  ExpectOneLineError(Engram({"--store", "engram.db", "list", "--owner", "u"}), "scheme://");
}

TEST_F(CliTest, EngramNowSetsTheClock) {
  {
    ScopedEnv now("ENGRAM_NOW", "2023-05-01T12:00:00Z");
    json r = EngramJson({"add", "--owner", "u", "an old fact"});
    EXPECT_EQ(r["created_at"], "2023-05-01T12:00:00.000Z");
  }
  ScopedEnv bad("ENGRAM_NOW", "not a date");
  ExpectOneLineError(Engram({"add", "--owner", "u", "x"}), "ENGRAM_NOW");
}

// The seed's recall check: a question worded differently from the stored preference finds it,
// in a new process, and only for its owner.
TEST_F(CliRecallTest, AQuestionFindsThePreferenceInANewProcess) {
  ASSERT_EQ(Engram({"add", "--owner", "user_42", "--session", "session_001", "--type", "preference",
                    "My name is Dana and I prefer dark mode."})
                .exit_code,
            0);
  ASSERT_EQ(Engram({"add", "--owner", "user_42", "Dana's cat is called Miso."}).exit_code, 0);
  ASSERT_EQ(
      Engram({"add", "--owner", "user_42", "The quarterly report is due on Friday."}).exit_code, 0);
  for (const char* mode : {"hybrid", "vector"}) {
    json r = EngramJson({"search", "--owner", "user_42", "--mode", mode, "--explain",
                         "What UI preference did I mention?"});
    ASSERT_FALSE(r["hits"].empty()) << mode;
    EXPECT_NE(r["hits"][0]["text"].get<std::string>().find("dark mode"), std::string::npos) << mode;
    EXPECT_TRUE(r["hits"][0]["explanation"].contains("vector_similarity"));
  }
  json pet = EngramJson({"search", "--owner", "user_42", "--mode", "vector", "--limit", "1",
                         "which animal does she own"});
  EXPECT_NE(pet["hits"][0]["text"].get<std::string>().find("cat"), std::string::npos);
  EXPECT_TRUE(EngramJson({"search", "--owner", "user_43", "dark mode"})["hits"].empty());
}

TEST_F(CliRecallTest, SearchFiltersAndErrors) {
  Engram({"add", "--owner", "u", "--scope", "project/alpha", "--meta", R"({"team":"infra"})",
          "Deploys go through ArgoCD"});
  Engram({"add", "--owner", "u", "--scope", "project/beta", "--meta", R"({"team":"web"})",
          "Deploys go through Vercel"});
  json beta =
      EngramJson({"search", "--owner", "u", "--scope", "project/beta", "how do deploys work"});
  ASSERT_EQ(beta["hits"].size(), 1u);
  EXPECT_NE(beta["hits"][0]["text"].get<std::string>().find("Vercel"), std::string::npos);
  json infra = EngramJson(
      {"search", "--owner", "u", "--filter", R"({"team": {"in": ["infra"]}})", "deploys"});
  ASSERT_EQ(infra["hits"].size(), 1u);
  EXPECT_NE(infra["hits"][0]["text"].get<std::string>().find("ArgoCD"), std::string::npos);
  ExpectOneLineError(Engram({"search", "--owner", "u", "--filter", "{bad", "x"}),
                     "filter is not valid JSON");
  ExpectOneLineError(Engram({"search", "--owner", "u", "--mode", "psychic", "x"}), "unknown mode");
  RunResult text = Engram({"search", "--owner", "u", "--explain", "ArgoCD"});
  EXPECT_NE(text.out.find("lexical rank 1"), std::string::npos) << text.out;
  {
    ScopedEnv one_thread{"ENGRAM_EMBED_THREADS", "1"};
    json again =
        EngramJson({"search", "--owner", "u", "--scope", "project/beta", "how do deploys work"});
    ASSERT_EQ(again["hits"].size(), 1u);
    EXPECT_EQ(again["hits"][0]["text"], beta["hits"][0]["text"]);
    EXPECT_EQ(again["hits"][0]["score"], beta["hits"][0]["score"]);
  }
  ScopedEnv bad_threads{"ENGRAM_EMBED_THREADS", "many"};
  ExpectOneLineError(Engram({"search", "--owner", "u", "x"}), "ENGRAM_EMBED_THREADS='many'");
}

TEST_F(CliRecallTest, ImportJsonlIsAllOrNothing) {
  const std::string good = dir_.File("good.jsonl"), bad = dir_.File("bad.jsonl");
  std::ofstream(good)
      << R"({"text": "Prefers window seats", "type": "preference", "key": "travel.seat"})"
      << "\n\n"
      << R"({"text": "Visited Lisbon in 2023", "type": "episode", "observed_at": "2023-06-01T10:00:00Z", "metadata": {"city": "Lisbon"}})"
      << "\n";
  std::ofstream(bad) << R"({"text": "fine"})"
                     << "\n"
                     << R"({"text": ""})"
                     << "\n";
  RunResult failed = Engram({"import", "--owner", "u", bad});
  ExpectOneLineError(failed, "line 2: text is empty");
  EXPECT_EQ(CountMemories("u"), 0u);
  ExpectOneLineError(Engram({"import", "--owner", "u", dir_.File("missing.jsonl")}), "cannot open");
  json r = EngramJson({"import", "--owner", "u", good});
  EXPECT_EQ(r["imported"], 2);
  // A re-run (after a crash, say) adds nothing twice, the episode included.
  json again = EngramJson({"import", "--owner", "u", good});
  EXPECT_EQ(again["imported"], 0);
  EXPECT_EQ(again["already_stored"], 2);
  // A line nested too deeply, or with a time outside 1900-9999, fails the whole file.
  const std::string hostile = dir_.File("hostile.jsonl");
  std::ofstream(hostile) << R"({"text": "would be written"})"
                         << "\n"
                         << R"({"text": "deep", "data": )" << std::string(70'000, '[')
                         << std::string(70'000, ']') << "}\n"
                         << R"({"text": "far future", "observed_at": 9223372036854775807})"
                         << "\n";
  ExpectOneLineError(Engram({"import", "--owner", "u", hostile}), "line 2: not valid JSON");
  std::ofstream(hostile) << R"({"text": "would be written"})"
                         << "\n"
                         << R"({"text": "far future", "observed_at": 9223372036854775807})"
                         << "\n";
  ExpectOneLineError(Engram({"import", "--owner", "u", hostile}), "line 2: observed_at");
  json page = EngramJson({"list", "--owner", "u"});
  ASSERT_EQ(page["items"].size(), 2u);
  EXPECT_EQ(page["items"][1]["created_at"], "2023-06-01T10:00:00.000Z");
  json hits = EngramJson({"search", "--owner", "u", "which seat does the user like on planes"});
  EXPECT_EQ(hits["hits"][0]["key"], "travel.seat");
}

TEST_F(CliTest, HostileFlagsAreRefusedWithOneLine) {
  // 20,000 levels: far past the limit, within the 128 KB the kernel allows one argument.
  const std::string deep = std::string(20'000, '[') + std::string(20'000, ']');
  ExpectOneLineError(Engram({"add", "--owner", "u", "--data", deep, "x"}), "nested deeper");
  ExpectOneLineError(Engram({"add", "--owner", "u", "--meta", "{\"a\": " + deep + "}", "x"}),
                     "nested deeper");
  ExpectOneLineError(Engram({"search", "--owner", "u", "--mode", "lexical", "--filter", deep, "x"}),
                     "nested deeper");
  ExpectOneLineError(Engram({"session", "add", "--owner", "u", "--session", "s", "--role",
                             "assistant", "--tool-calls", deep, "calling"}),
                     "not valid JSON");
  ExpectOneLineError(Engram({"add", "--owner", "u", "--observed-at", "0001-01-01", "x"}),
                     "1900 to 9999");
  ExpectOneLineError(Engram({"list", "--owner", "u", "--as-of", "10850-01-01"}), "timestamp");
  EXPECT_EQ(CountMemories("u"), 0u);
}

TEST_F(CliRecallTest, AnotherEmbedderNeedsReindex) {
  ASSERT_EQ(Engram({"add", "--owner", "u", "stored with use-lite"}).exit_code, 0);
  ScopedEnv other("ENGRAM_EMBEDDER", "none");
  // Lexical-only processes can still read and search the words.
  json lexical = EngramJson({"search", "--owner", "u", "--mode", "lexical", "use-lite"});
  EXPECT_EQ(lexical["hits"].size(), 1u);
  ExpectOneLineError(Engram({"reindex"}), "reindex needs an embedder");
  ScopedEnv back("ENGRAM_EMBEDDER", "use-lite");
  json r = EngramJson({"reindex"});
  EXPECT_EQ(r["reindexed"], 1);
}

// ---- hygiene and context commands ----

TEST_F(CliTest, AddFromTurnClassifiesExtractsAndSupersedes) {
  json first = EngramJson({"add", "--from-turn", "--owner", "dana", "--session", "s1",
                           "My name is Dana and I prefer dark mode."});
  EXPECT_EQ(first["disposition"], "promote");
  ASSERT_EQ(first["writes"].size(), 2u);
  json filler = EngramJson({"add", "--from-turn", "--owner", "dana", "ok thanks!"});
  EXPECT_EQ(filler["disposition"], "discard");
  EXPECT_TRUE(filler["writes"].empty());
  json change = EngramJson(
      {"add", "--from-turn", "--owner", "dana", "--session", "s2", "I prefer light mode now."});
  ASSERT_EQ(change["writes"].size(), 1u);
  EXPECT_EQ(change["writes"][0]["event"], "superseded");
  json prefs = EngramJson({"list", "--owner", "dana", "--type", "preference"});
  ASSERT_EQ(prefs["items"].size(), 1u);
  EXPECT_EQ(prefs["items"][0]["text"], "The user prefers light mode.");
}

TEST_F(CliTest, ContextPrintsAPromptBlockAndJson) {
  ASSERT_EQ(
      Engram({"block", "set", "--owner", "dana", "--label", "persona", "You are Dana's assistant."})
          .exit_code,
      0);
  ASSERT_EQ(Engram({"add", "--owner", "dana", "--type", "preference", "--key", "pref.ui.theme",
                    "Dana prefers dark mode"})
                .exit_code,
            0);
  ASSERT_EQ(Engram({"session", "add", "--owner", "dana", "--session", "s1", "--role", "user",
                    "Which theme should the dashboard use?"})
                .exit_code,
            0);
  ASSERT_EQ(Engram({"session", "summary", "--owner", "dana", "--session", "s1",
                    "Dana is building a dashboard."})
                .exit_code,
            0);
  RunResult text = Engram({"context", "--owner", "dana", "--session", "s1", "--query",
                           "dashboard theme", "--budget", "200"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("## Core memory\n[persona]\nYou are Dana's assistant."),
            std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("Dana prefers dark mode"), std::string::npos);
  EXPECT_NE(text.out.find("Dana is building a dashboard."), std::string::npos);
  EXPECT_NE(text.out.find("user: Which theme should the dashboard use?"), std::string::npos);
  json c = EngramJson({"context", "--owner", "dana", "--session", "s1", "--query",
                       "dashboard theme", "--budget", "200"});
  EXPECT_LE(c["token_count"].get<int>(), 200);
  EXPECT_EQ(c["token_budget"], 200);
  EXPECT_FALSE(c["items"].empty());
  for (const auto& item : c["items"]) {
    EXPECT_TRUE(item.contains("reason"));
    EXPECT_TRUE(item.contains("score"));
  }
  json other = EngramJson({"context", "--owner", "eve", "--query", "dashboard theme"});
  EXPECT_TRUE(other["items"].empty());  // another owner sees nothing of Dana's
  ExpectOneLineError(Engram({"context", "--owner", "dana", "--budget", "0"}), "token_budget");
}

TEST_F(CliTest, BlockCommandsEditWithHistoryAndRefuseOverLimit) {
  json b = EngramJson(
      {"block", "set", "--owner", "u", "--label", "human", "--limit", "30", "Name: Dana."});
  EXPECT_EQ(b["limit"], 30);
  b = EngramJson({"block", "append", "--owner", "u", "--label", "human", "Likes tea."});
  EXPECT_EQ(b["value"], "Name: Dana.\nLikes tea.");
  b = EngramJson({"block", "replace", "--owner", "u", "--label", "human", "tea", "coffee"});
  EXPECT_EQ(b["value"], "Name: Dana.\nLikes coffee.");
  ExpectOneLineError(Engram({"block", "append", "--owner", "u", "--label", "human",
                             "A line far too long for the limit."}),
                     "over its limit of 30");
  ExpectOneLineError(
      Engram({"block", "replace", "--owner", "u", "--label", "human", "juice", "water"}),
      "does not contain");
  json history = EngramJson({"history", "--owner", "u", b["id"].get<std::string>()});
  EXPECT_EQ(history.size(), 3u);
  json list = EngramJson({"block", "list", "--owner", "u"});
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["value"], "Name: Dana.\nLikes coffee.");
  ASSERT_EQ(Engram({"block", "delete", "--owner", "u", "--label", "human"}).exit_code, 0);
  ExpectOneLineError(Engram({"block", "show", "--owner", "u", "--label", "human"}), "not found");
}

TEST_F(CliTest, ForgetQueryShowsMatchesAndNeedsYesWithoutATerminal) {
  ASSERT_EQ(Engram({"add", "--owner", "u", "The staging password rotates weekly"}).exit_code, 0);
  ASSERT_EQ(Engram({"add", "--owner", "u", "The staging server runs Debian"}).exit_code, 0);
  ASSERT_EQ(Engram({"add", "--owner", "v", "The staging password is on the wiki"}).exit_code, 0);
  RunResult refused = Engram({"forget", "--owner", "u", "--query", "staging password"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.out.find("The staging password rotates weekly"), std::string::npos);
  EXPECT_EQ(refused.out.find("Debian"), std::string::npos);  // not every word matches
  EXPECT_NE(refused.err.find("--yes"), std::string::npos);
  EXPECT_EQ(CountMemories("u"), 2u);
  json done = EngramJson({"forget", "--owner", "u", "--query", "staging password", "--yes"});
  EXPECT_EQ(done["deleted"], 1);
  EXPECT_EQ(CountMemories("u"), 1u);
  EXPECT_EQ(CountMemories("v"), 1u);  // another owner's memory is untouched
  json none = EngramJson({"forget", "--owner", "u", "--query", "nonexistent words", "--yes"});
  EXPECT_EQ(none["deleted"], 0);
  ExpectOneLineError(Engram({"forget", "--owner", "u"}), "--all");
}

TEST_F(CliTest, GcErasesExpiredMemoriesByThePolicyFile) {
  const std::string policy = dir_.File("policy.json");
  std::ofstream(policy) << R"({"types": {"episode": {"ttl_days": 7}}})";
  {
    ScopedEnv now("ENGRAM_NOW", "2026-01-01T00:00:00Z");
    ASSERT_EQ(Engram({"--policy", policy, "add", "--owner", "u", "--type", "episode",
                      "Visited the Lisbon office"})
                  .exit_code,
              0);
    ASSERT_EQ(
        Engram({"--policy", policy, "add", "--owner", "u", "Lisbon office opens at 9"}).exit_code,
        0);
  }
  ScopedEnv later("ENGRAM_NOW", "2026-01-10T00:00:00Z");
  EXPECT_EQ(CountMemories("u"), 1u);  // expired: no longer listed
  json dry = EngramJson({"--policy", policy, "gc", "--dry-run"});
  EXPECT_EQ(dry["expired_memories"], 1);
  EXPECT_EQ(dry["dry_run"], true);
  json done = EngramJson({"--policy", policy, "gc"});
  EXPECT_EQ(done["expired_memories"], 1);
  EXPECT_EQ(EngramJson({"gc"})["expired_memories"], 0);
  std::ofstream(policy) << R"({"types": {"episode": {"ttl": 7}}})";
  ExpectOneLineError(Engram({"--policy", policy, "gc"}), "types.episode.ttl");
}

TEST_F(CliTest, SessionSummaryIsShownAndSet) {
  EXPECT_EQ(Engram({"session", "summary", "--owner", "u", "--session", "s1"}).out,
            "(no summary)\n");
  ASSERT_EQ(
      Engram({"session", "summary", "--owner", "u", "--session", "s1", "Planning the Q3 offsite."})
          .exit_code,
      0);
  json s = EngramJson({"session", "summary", "--owner", "u", "--session", "s1"});
  EXPECT_EQ(s["text"], "Planning the Q3 offsite.");
}

// A new session is not amnesic: `session recent` lists the owner's last items across sessions,
// and a new session's context carries the previous session, folded when the new one started
// after it had gone quiet.
TEST_F(CliTest, SessionRecentAndContextAcrossSessions) {
  auto say = [&](const char* now, const char* session, const char* role, const char* text) {
    ScopedEnv at("ENGRAM_NOW", now);
    RunResult r =
        Engram({"session", "add", "--owner", "ana", "--session", session, "--role", role, text});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  };
  say("2026-03-02T09:00:00Z", "mon", "user", "The quarterly report goes to Priya by Friday.");
  say("2026-03-02T09:00:05Z", "mon", "assistant", "Noted: report to Priya by Friday.");
  say("2026-03-03T10:00:00Z", "tue", "user", "Morning!");

  json recent = EngramJson({"session", "recent", "--owner", "ana", "--last", "2"});
  ASSERT_EQ(recent["items"].size(), 2u);
  EXPECT_EQ(recent["items"][0]["session_id"], "mon");
  EXPECT_EQ(recent["items"][1]["content"], "Morning!");
  RunResult text = Engram({"session", "recent", "--owner", "ana"});
  EXPECT_NE(text.out.find("[mon] #1 user: The quarterly report"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("[tue] #1 user: Morning!"), std::string::npos) << text.out;
  EXPECT_EQ(Engram({"session", "recent", "--owner", "ana", "--last", "0"}).exit_code, 1);

  // "mon" was quiet for a day when "tue" started: it was folded into its summary.
  json summary = EngramJson({"session", "summary", "--owner", "ana", "--session", "mon"});
  EXPECT_NE(summary.dump().find("Priya"), std::string::npos) << summary.dump();
  RunResult context = Engram({"context", "--owner", "ana", "--session", "tue"});
  ASSERT_EQ(context.exit_code, 0) << context.err;
  EXPECT_NE(context.out.find("## The previous conversation"), std::string::npos) << context.out;
  EXPECT_NE(context.out.find("assistant: Noted: report to Priya by Friday."), std::string::npos);
  RunResult without = Engram({"context", "--owner", "ana", "--session", "tue", "--no-previous"});
  EXPECT_EQ(without.out.find("Priya"), std::string::npos) << without.out;
}

// `eval scenarios` scores the runner's fixed self-test file and reports each failed probe; a
// malformed file is one error line naming the line.
TEST_F(CliTest, EvalScenariosScoresAFileAndRejectsAMalformedOne) {
  const std::string file =
      std::string(ENGRAM_FAKES_DIR) + "/../data/scenarios/runner_selftest.jsonl";
  json report = EngramJson({"eval", "scenarios", file});
  EXPECT_EQ(report["overall"]["scenarios"], 8);
  EXPECT_EQ(report["overall"]["scenarios_passed"], 4);
  EXPECT_EQ(report["overall"]["probes"], 19);
  EXPECT_EQ(report["overall"]["probes_passed"], 12);
  EXPECT_EQ(report["failures"].size(), 7u);
  EXPECT_EQ(report["failures"][0]["scenario"], "st-fail");

  RunResult text = Engram({"eval", "scenarios", file, "--category", "beta"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("beta                 0/2"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("st-secret probe 1"), std::string::npos) << text.out;

  const std::string bad = dir_.File("bad.jsonl");
  std::ofstream(bad) << "{\"id\":\"x\",\"category\":\"c\",\"events\":[{\"usr\":\"hi\"}],"
                        "\"probes\":[{\"list_lacks\":\"x\"}]}\n";
  ExpectOneLineError(Engram({"eval", "scenarios", bad}), "line 1 (x) event 1");
}

}  // namespace
}  // namespace engram
