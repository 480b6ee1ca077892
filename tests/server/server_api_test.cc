// In-process tests of the HTTP API: routing, auth, errors, and the /v1 routes end to end
// through Api::Handle (no sockets).
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "api_fixture.h"
#include "server/auth.h"
#include "server/router.h"

namespace engram::server {
namespace {

using nlohmann::json;

// ---- router ----

TEST(RouterTest, LiteralSegmentsWinAndMethodsAreDistinguished) {
  Router router;
  auto add = [&](const char* method, const char* path) {
    Route r;
    r.method = method;
    r.path = path;
    r.handler = [](Call&) -> Result<Reply> { return Reply{}; };
    router.Add(std::move(r));
  };
  add("GET", "/m/{id}");
  add("POST", "/m/search");
  add("GET", "/m/{id}/history");
  Router::Match m = router.Find("POST", {"m", "search"});
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->path, "/m/search");
  m = router.Find("GET", {"m", "search"});
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->path, "/m/{id}");
  EXPECT_EQ(m.params.at("id"), "search");
  m = router.Find("DELETE", {"m", "x"});
  EXPECT_EQ(m.route, nullptr);
  EXPECT_TRUE(m.path_exists);
  m = router.Find("GET", {"nothing"});
  EXPECT_EQ(m.route, nullptr);
  EXPECT_FALSE(m.path_exists);
}

TEST(RouterTest, ParseTargetDecodesSegmentsAndQuery) {
  std::vector<std::string> segments;
  QueryParams query;
  ASSERT_TRUE(
      ParseTarget("/v1/owners/a%2Fb/memories?scope=project%2Falpha&q=a+b&flag", &segments, &query)
          .ok());
  EXPECT_EQ(segments, (std::vector<std::string>{"v1", "owners", "a/b", "memories"}));
  ASSERT_EQ(query.size(), 3u);
  EXPECT_EQ(query[0], (std::pair<std::string, std::string>{"scope", "project/alpha"}));
  EXPECT_EQ(query[1].second, "a b");
  EXPECT_EQ(query[2].first, "flag");
  EXPECT_FALSE(ParseTarget("/v1/%zz", &segments, &query).ok());
  EXPECT_FALSE(ParseTarget("/v1/%ff%fe", &segments, &query).ok());  // not UTF-8 once decoded
  EXPECT_FALSE(ParseTarget("/v1?x=%c3%28", &segments, &query).ok());
  ASSERT_TRUE(ParseTarget("/healthz/", &segments, &query).ok());
  EXPECT_EQ(segments, (std::vector<std::string>{"healthz"}));
}

// ---- auth ----

TEST(AuthTest, KeySetParsesBindingsAndNamesBadEntriesWithoutTheKey) {
  auto keys = KeySet::Parse(KeysJson(), "test");
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  EXPECT_EQ(keys->size(), 3u);
  auto alice = keys->Authenticate(kAliceKey);
  ASSERT_TRUE(alice.has_value());
  EXPECT_TRUE(alice->CanActFor("alice"));
  EXPECT_FALSE(alice->CanActFor("bob"));
  EXPECT_EQ(alice->SoleOwner(), "alice");
  auto admin = keys->Authenticate(kAdminKey);
  ASSERT_TRUE(admin.has_value());
  EXPECT_TRUE(admin->admin);
  EXPECT_TRUE(admin->CanActFor("anyone"));
  EXPECT_FALSE(keys->Authenticate("k-alice-0123456789abcdeX").has_value());
  EXPECT_FALSE(keys->Authenticate("k-alice-0123456789abcde").has_value());  // a prefix
  EXPECT_FALSE(keys->Authenticate("").has_value());

  const std::string secret = "short-secret";
  auto bad = KeySet::Parse("{\"" + secret + "\": {\"owners\": [\"a\"]}}", "f");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message().find(secret), std::string::npos) << bad.status().message();
  EXPECT_NE(bad.status().message().find("entry 1"), std::string::npos);
  EXPECT_FALSE(KeySet::Parse("{\"0123456789abcdefgh\": {\"owners\": []}}", "f").ok());
  EXPECT_FALSE(KeySet::Parse("{\"0123456789abcdefgh\": {\"admin\": true, \"x\": 1}}", "f").ok());
  EXPECT_FALSE(KeySet::Parse("{\"0123456789abcdef gh\": {\"admin\": true}}", "f").ok());
  EXPECT_FALSE(KeySet::Parse("[]", "f").ok());
}

TEST(AuthTest, MergeRejectsADuplicateKey) {
  auto a = KeySet::Parse(KeysJson(), "a");
  auto b = KeySet::Parse(std::string("{\"") + kBobKey + "\": {\"admin\": true}}", "b");
  ASSERT_TRUE(a.ok() && b.ok());
  Status st = a->Merge(std::move(*b));
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.message().find(kBobKey), std::string::npos);
}

TEST(AuthTest, PresentedKeyAcceptsBearerTokenAndXApiKey) {
  EXPECT_EQ(PresentedKey("Bearer abc", ""), "abc");
  EXPECT_EQ(PresentedKey("bearer   abc ", ""), "abc");
  EXPECT_EQ(PresentedKey("Token abc", ""), "abc");
  EXPECT_EQ(PresentedKey("", "abc"), "abc");
  EXPECT_EQ(PresentedKey("Basic xyz", ""), "");
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
  EXPECT_FALSE(ConstantTimeEquals("", "a"));
}

// ---- authentication and isolation through the Api ----

TEST_F(ApiTest, MissingOrUnknownKeyIs401) {
  Reply2 r = Do("GET", "/v1/owners/alice/memories", "", nullptr);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(ErrorCode(r), "unauthorized");
  bool challenge = false;
  for (const auto& [k, v] : r.response.headers) challenge = challenge || k == "WWW-Authenticate";
  EXPECT_TRUE(challenge);
  EXPECT_EQ(Do("GET", "/v1/owners/alice/memories", "", "k-wrong-0123456789abcdef").status, 401);
  // X-API-Key works as well as Authorization.
  HttpRequest req;
  req.method = "GET";
  req.target = "/v1/owners/alice/memories";
  req.x_api_key = kAliceKey;
  EXPECT_EQ(api_->Handle(req).status, 200);
}

TEST_F(ApiTest, AnotherOwnersKeyIs403AndLearnsNothing) {
  ASSERT_EQ(Do("POST", "/v1/owners/alice/memories", json{{"text", "Alice likes tea"}}).status, 201);
  Reply2 existing = Do("GET", "/v1/owners/alice/memories", "", kBobKey);
  Reply2 ghost = Do("GET", "/v1/owners/nobody-at-all/memories", "", kBobKey);
  EXPECT_EQ(existing.status, 403);
  EXPECT_EQ(ErrorCode(existing), "permission_denied");
  EXPECT_EQ(existing.raw, ghost.raw);
  // Even a malformed body gets the same 403: the owner check runs before the body is read.
  Reply2 malformed = Do("POST", "/v1/owners/alice/memories", std::string("{nope"), kBobKey);
  EXPECT_EQ(malformed.status, 403);
  EXPECT_EQ(malformed.raw, existing.raw);
  // The admin key acts for alice.
  Reply2 admin = Do("GET", "/v1/owners/alice/memories", "", kAdminKey);
  EXPECT_EQ(admin.status, 200);
  EXPECT_EQ(admin.body["items"].size(), 1u);
}

TEST_F(ApiTest, WithoutKeysOnlyAnonymousModeServes) {
  ApiOptions none;
  none.allow_anonymous = true;
  Open(std::move(none));
  EXPECT_EQ(Do("POST", "/v1/owners/x/memories", json{{"text", "hi there"}}, nullptr).status, 201);
  // Anonymous mode acts as an admin: the admin route answers, and not with an error.
  EXPECT_EQ(Do("POST", "/v1/gc", json{{"dry_run", true}}, nullptr).status, 200);
}

// ---- errors ----

TEST_F(ApiTest, MalformedJsonIs400NamingThePositionWithoutEchoingTheBody) {
  Reply2 r = Do("POST", "/v1/owners/alice/memories", std::string("{\"text\": secret-value}"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ErrorCode(r), "malformed_json");
  const std::string msg = r.body["error"]["message"];
  EXPECT_NE(msg.find("byte 10"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("secret"), std::string::npos) << msg;
  EXPECT_EQ(Do("POST", "/v1/owners/alice/memories", std::string("")).status, 400);
}

TEST_F(ApiTest, InvalidUtf8Is400) {
  Reply2 r = Do("POST", "/v1/owners/alice/memories", std::string("{\"text\": \"a\xff\"}"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ErrorCode(r), "invalid_utf8");
  EXPECT_EQ(Do("GET", "/v1/owners/al%ffice/memories").status, 400);
  EXPECT_EQ(Do("GET", "/v1/owners/alice/memories?scope=%c3").status, 400);
}

TEST_F(ApiTest, SemanticErrorsAre422AndNameTheField) {
  Reply2 empty = Do("POST", "/v1/owners/alice/memories", json{{"text", ""}});
  EXPECT_EQ(empty.status, 422);
  EXPECT_EQ(ErrorCode(empty), "invalid_argument");
  Reply2 typo = Do("POST", "/v1/owners/alice/memories", json{{"text", "x"}, {"scpoe", "a"}});
  EXPECT_EQ(typo.status, 422);
  EXPECT_NE(typo.body["error"]["message"].get<std::string>().find("scpoe"), std::string::npos);
  EXPECT_EQ(Do("POST", "/v1/owners/alice/memories", json{{"text", "x"}, {"type", "bogus"}}).status,
            422);
  EXPECT_EQ(Do("GET", "/v1/owners/alice/memories?limit=abc").status, 422);
  EXPECT_EQ(Do("GET", "/v1/owners/alice/memories?colour=red").status, 422);
  Reply2 batch =
      Do("POST", "/v1/owners/alice/memories",
         json{{"memories", {{{"text", "fine"}}, {{"text", "ok"}, {"confidence", "x"}}}}});
  EXPECT_EQ(batch.status, 422);
  EXPECT_NE(batch.body["error"]["message"].get<std::string>().find("memories[1]"),
            std::string::npos);
  // Nothing of the failed batch was written.
  EXPECT_EQ(Do("GET", "/v1/owners/alice/memories").body["items"].size(), 0u);
}

TEST_F(ApiTest, UnknownIdIs404AndUnknownRouteOrMethodIsSaid) {
  EXPECT_EQ(Do("GET", "/v1/owners/alice/memories/0190aaaa-0000-7000-8000-000000000000").status,
            404);
  Reply2 route = Do("GET", "/v2/nothing");
  EXPECT_EQ(route.status, 404);
  EXPECT_EQ(ErrorCode(route), "route_not_found");
  Reply2 method = Do("PUT", "/v1/owners/alice/memories");
  EXPECT_EQ(method.status, 405);
  EXPECT_EQ(ErrorCode(method), "method_not_allowed");
}

TEST_F(ApiTest, BodyOverTheLimitIs413) {
  ApiOptions small;
  small.max_body_bytes = 100;
  Open(std::move(small));
  Reply2 r = Do("POST", "/v1/owners/alice/memories", json{{"text", std::string(200, 'a')}});
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(ErrorCode(r), "too_large");
}

TEST_F(ApiTest, RateLimitIs429WithRetryAfter) {
  // The limiter reads an injected clock: the test decides when time passes.
  auto now = std::make_shared<double>(1000.0);
  ApiOptions limited;
  limited.rate_limit_per_second = 1;  // bursts of 2
  limited.clock = [now] { return *now; };
  Open(std::move(limited));
  EXPECT_EQ(Do("GET", "/v1/owners/alice/memories").status, 200);
  EXPECT_EQ(Do("GET", "/v1/owners/alice/memories").status, 200);
  Reply2 r = Do("GET", "/v1/owners/alice/memories");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(ErrorCode(r), "rate_limited");
  bool retry = false;
  for (const auto& [k, v] : r.response.headers) retry = retry || (k == "Retry-After" && v == "1");
  EXPECT_TRUE(retry);
  // Buckets are per key: bob is not slowed down by alice.
  EXPECT_EQ(Do("GET", "/v1/owners/bob/memories", "", kBobKey).status, 200);
  // Public routes are not limited.
  EXPECT_EQ(Do("GET", "/healthz", "", nullptr).status, 200);
  // Half a second refills half a token: still limited. A whole second refills one.
  *now += 0.5;
  EXPECT_EQ(Do("GET", "/v1/owners/alice/memories").status, 429);
  *now += 0.5;
  EXPECT_EQ(Do("GET", "/v1/owners/alice/memories").status, 200);
  EXPECT_EQ(Do("GET", "/v1/owners/alice/memories").status, 429);
  // Idle time refills at most the burst.
  *now += 3600;
  EXPECT_EQ(Do("GET", "/v1/owners/alice/memories").status, 200);
  EXPECT_EQ(Do("GET", "/v1/owners/alice/memories").status, 200);
  EXPECT_EQ(Do("GET", "/v1/owners/alice/memories").status, 429);
}

// ---- durable memory ----

TEST_F(ApiTest, AddDeduplicateSupersedeGetUpdateHistoryDelete) {
  Reply2 added = Do("POST", "/v1/owners/alice/memories",
                    json{{"text", "I prefer dark mode."},
                         {"type", "preference"},
                         {"key", "ui.theme"},
                         {"metadata", {{"via", "test"}}}});
  ASSERT_EQ(added.status, 201) << added.raw;
  EXPECT_EQ(added.body["event"], "added");
  const std::string id = added.body["memory"]["id"];
  EXPECT_EQ(added.body["memory"]["owner_id"], "alice");

  Reply2 again =
      Do("POST", "/v1/owners/alice/memories",
         json{{"text", "I prefer dark mode."}, {"type", "preference"}, {"key", "ui.theme"}});
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.body["event"], "deduplicated");
  EXPECT_EQ(again.body["memory"]["id"], id);

  Reply2 newer =
      Do("POST", "/v1/owners/alice/memories",
         json{{"text", "I prefer light mode now."}, {"type", "preference"}, {"key", "ui.theme"}});
  EXPECT_EQ(newer.status, 201);
  EXPECT_EQ(newer.body["event"], "superseded");
  EXPECT_EQ(newer.body["superseded_ids"], json::array({id}));
  const std::string new_id = newer.body["memory"]["id"];

  Reply2 got = Do("GET", "/v1/owners/alice/memories/" + new_id);
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(got.body["text"], "I prefer light mode now.");

  Reply2 patched = Do("PATCH", "/v1/owners/alice/memories/" + new_id,
                      json{{"text", "I prefer solarized light."}, {"reason", "user corrected"}});
  EXPECT_EQ(patched.status, 200) << patched.raw;
  EXPECT_EQ(patched.body["text"], "I prefer solarized light.");

  Reply2 history = Do("GET", "/v1/owners/alice/memories/" + new_id + "/history");
  ASSERT_EQ(history.status, 200);
  std::vector<std::string> events;
  for (const json& e : history.body["events"]) events.push_back(e["event"]);
  EXPECT_EQ(events, (std::vector<std::string>{"add", "update"}));
  EXPECT_EQ(history.body["events"][1]["reason"], "user corrected");
  EXPECT_EQ(history.body["events"][1]["actor"], "api:key#1");

  EXPECT_EQ(Do("DELETE", "/v1/owners/alice/memories/" + new_id + "?reason=obsolete").status, 200);
  EXPECT_EQ(Do("GET", "/v1/owners/alice/memories/" + new_id).status, 404);
  // Bob cannot see alice's memory even by id, through his own owner path.
  EXPECT_EQ(Do("GET", "/v1/owners/bob/memories/" + id, "", kBobKey).status, 404);
}

TEST_F(ApiTest, ListPagesWithCursorsAndFilters) {
  json batch = json::array();
  for (int i = 0; i < 7; ++i) {
    batch.push_back({{"text", "note number " + std::to_string(i)},
                     {"type", i % 2 ? "fact" : "episode"},
                     {"scope", i < 3 ? "project/alpha" : "global"}});
  }
  Reply2 added = Do("POST", "/v1/owners/alice/memories", json{{"memories", batch}});
  ASSERT_EQ(added.status, 201) << added.raw;
  ASSERT_EQ(added.body["results"].size(), 7u);

  std::set<std::string> seen;
  std::string cursor;
  int pages = 0;
  do {
    Reply2 page = Do(
        "GET", "/v1/owners/alice/memories?limit=3" + (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(page.status, 200) << page.raw;
    for (const json& m : page.body["items"]) EXPECT_TRUE(seen.insert(m["id"]).second);
    cursor = page.body["next_cursor"].is_null() ? "" : page.body["next_cursor"].get<std::string>();
    ++pages;
  } while (!cursor.empty() && pages < 10);
  EXPECT_EQ(seen.size(), 7u);
  EXPECT_EQ(pages, 3);

  EXPECT_EQ(Do("GET", "/v1/owners/alice/memories?type=fact").body["items"].size(), 3u);
  // Visible at project/beta: global only (4 records); at project/alpha: all 7.
  EXPECT_EQ(Do("GET", "/v1/owners/alice/memories?scope=project%2Fbeta").body["items"].size(), 4u);
  EXPECT_EQ(Do("GET", "/v1/owners/alice/memories?scope=project/alpha").body["items"].size(), 7u);
  EXPECT_EQ(Do("GET", "/v1/owners/alice/memories?as_of=2000-01-01").body["items"].size(), 0u);
}

TEST_F(ApiTest, SearchWithFiltersAndExplanations) {
  ASSERT_EQ(
      Do("POST", "/v1/owners/alice/memories",
         json{{"memories",
               {{{"text", "Alice drinks green tea every morning"},
                 {"metadata", {{"topic", "food"}}}},
                {{"text", "Alice deploys with Kubernetes"}, {"metadata", {{"topic", "work"}}}}}}})
          .status,
      201);
  Reply2 r = Do("POST", "/v1/owners/alice/memories/search",
                json{{"query", "green tea"}, {"explain", true}});
  ASSERT_EQ(r.status, 200) << r.raw;
  ASSERT_GE(r.body["hits"].size(), 1u);
  EXPECT_EQ(r.body["hits"][0]["text"], "Alice drinks green tea every morning");
  EXPECT_TRUE(r.body["hits"][0].contains("explanation"));
  EXPECT_GE(r.body["hits"][0]["explanation"]["lexical_rank"].get<int>(), 1);

  Reply2 filtered =
      Do("POST", "/v1/owners/alice/memories/search",
         json{{"query", "Alice"}, {"mode", "lexical"}, {"filter", {{"topic", "work"}}}});
  ASSERT_EQ(filtered.status, 200) << filtered.raw;
  ASSERT_EQ(filtered.body["hits"].size(), 1u);
  EXPECT_EQ(filtered.body["hits"][0]["metadata"]["topic"], "work");

  EXPECT_EQ(Do("POST", "/v1/owners/alice/memories/search",
               json{{"query", "x"}, {"filter", {{"topic", {{"between", 1}}}}}, {"mode", "lexical"}})
                .status,
            422);
  // Vector search needs an embedder, which this engine has not: the store's state, 409.
  EXPECT_EQ(Do("POST", "/v1/owners/alice/memories/search", json{{"query", "x"}, {"mode", "vector"}})
                .status,
            409);
  // Bob's search of his own data finds nothing of alice's.
  Reply2 bob = Do("POST", "/v1/owners/bob/memories/search",
                  json{{"query", "green tea"}, {"mode", "lexical"}}, kBobKey);
  EXPECT_EQ(bob.status, 200);
  EXPECT_TRUE(bob.body["hits"].empty());
}

TEST_F(ApiTest, ForgetOwnerErasesOnlyThatOwner) {
  ASSERT_EQ(Do("POST", "/v1/owners/alice/memories", json{{"text", "alice fact"}}).status, 201);
  ASSERT_EQ(Do("POST", "/v1/owners/bob/memories", json{{"text", "bob fact"}}, kBobKey).status, 201);
  Reply2 forgot = Do("DELETE", "/v1/owners/alice");
  ASSERT_EQ(forgot.status, 200) << forgot.raw;
  EXPECT_EQ(forgot.body["memories"], 1);
  EXPECT_EQ(Do("GET", "/v1/owners/alice/memories").body["items"].size(), 0u);
  EXPECT_EQ(Do("GET", "/v1/owners/bob/memories", "", kBobKey).body["items"].size(), 1u);
}

// ---- sessions ----

TEST_F(ApiTest, SessionItemsWindowPopAndClear) {
  const std::string base = "/v1/owners/alice/sessions/s%201/items";
  json items = {{{"role", "user"}, {"content", "hello"}},
                {{"role", "assistant"},
                 {"content", ""},
                 {"tool_calls", {{{"id", "c1"}, {"name", "lookup"}}}}},
                {{"role", "tool"}, {"tool_call_id", "c1"}, {"content", "result"}},
                {{"role", "user"}, {"content", "thanks"}}};
  Reply2 added = Do("POST", base, json{{"items", items}});
  ASSERT_EQ(added.status, 201) << added.raw;
  EXPECT_EQ(added.body["items"][3]["seq"], 4);

  Reply2 all = Do("GET", base);
  EXPECT_EQ(all.body["session_id"], "s 1");
  EXPECT_EQ(all.body["items"].size(), 4u);
  // The last 2 items would start at the tool result: widened back to its call.
  EXPECT_EQ(Do("GET", base + "?last_n=2").body["items"].size(), 3u);
  EXPECT_EQ(Do("GET", base + "?turns=1").body["items"].size(), 1u);
  EXPECT_EQ(Do("GET", base + "?turns=1&last_n=1").status, 422);

  Reply2 popped = Do("POST", "/v1/owners/alice/sessions/s%201/pop");
  EXPECT_EQ(popped.body["item"]["content"], "thanks");
  Reply2 cleared = Do("DELETE", base);
  EXPECT_EQ(cleared.body["removed"], 3);
  EXPECT_TRUE(Do("POST", "/v1/owners/alice/sessions/s%201/pop").body["item"].is_null());

  // A tool result that answers no call is refused, naming the item.
  Reply2 orphan = Do("POST", base, json{{"items", {{{"role", "tool"}, {"content", "x"}}}}});
  EXPECT_EQ(orphan.status, 422);
}

// ---- metrics and health ----

TEST_F(ApiTest, MetricsCountRequestsByRouteTemplateAndNeedAnAdminKey) {
  ASSERT_EQ(Do("GET", "/v1/owners/alice/memories").status, 200);
  ASSERT_EQ(Do("GET", "/v1/owners/alice/memories/0190aaaa-0000-7000-8000-00000000abcd").status,
            404);
  EXPECT_EQ(Do("GET", "/metrics").status, 403);
  Reply2 m = Do("GET", "/metrics", "", kAdminKey);
  ASSERT_EQ(m.status, 200);
  EXPECT_EQ(m.response.content_type.rfind("text/plain", 0), 0u);
  EXPECT_NE(m.raw.find("engram_http_requests_total{method=\"GET\",route=\"/v1/owners/{owner}/"
                       "memories\",status=\"200\"} 1"),
            std::string::npos)
      << m.raw;
  EXPECT_NE(m.raw.find("route=\"/v1/owners/{owner}/memories/{id}\",status=\"404\""),
            std::string::npos);
  EXPECT_NE(m.raw.find("engram_http_request_duration_seconds_bucket{method=\"GET\",route=\"/v1/"
                       "owners/{owner}/memories\",status=\"200\",le=\"+Inf\"} 1"),
            std::string::npos);
  // Concrete ids and owners never become labels.
  EXPECT_EQ(m.raw.find("alice"), std::string::npos);
  EXPECT_EQ(m.raw.find("abcd"), std::string::npos);
  EXPECT_EQ(api_->metrics().Count("GET", "/metrics", 403), 1u);
  // The memories gauge counts live records of all owners, by type.
  ASSERT_EQ(
      Do("POST", "/v1/owners/alice/memories", json{{"text", "a"}, {"type", "preference"}}).status,
      201);
  ASSERT_EQ(
      Do("POST", "/v1/owners/bob/memories", json{{"text", "b"}, {"type", "preference"}}, kBobKey)
          .status,
      201);
  m = Do("GET", "/metrics", "", kAdminKey);
  EXPECT_NE(m.raw.find("engram_memories{type=\"preference\"} 2"), std::string::npos) << m.raw;
  EXPECT_NE(m.raw.find("engram_memories{type=\"fact\"} 0"), std::string::npos);
  // The search partitions: alice's is loaded by her search, under the engine's budget.
  ASSERT_EQ(Do("POST", "/v1/owners/alice/memories/search", json{{"query", "a"}}).status, 200);
  m = Do("GET", "/metrics", "", kAdminKey);
  EXPECT_NE(m.raw.find("\nengram_index_partitions 1\n"), std::string::npos) << m.raw;
  EXPECT_NE(
      m.raw.find("# TYPE engram_index_evictions_total counter\nengram_index_evictions_total 0"),
      std::string::npos);
  EXPECT_NE(m.raw.find("\nengram_index_budget_bytes "), std::string::npos);
  EXPECT_NE(m.raw.find("\nengram_index_bytes "), std::string::npos);
}

TEST_F(ApiTest, HealthzAndOpenApiArePublic) {
  Reply2 h = Do("GET", "/healthz", "", nullptr);
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.body["status"], "ok");
  Reply2 o = Do("GET", "/openapi.json", "", nullptr);
  EXPECT_EQ(o.status, 200);
  EXPECT_EQ(o.body["openapi"], "3.1.0");
}

}  // namespace
}  // namespace engram::server

namespace engram::server {
namespace {

using nlohmann::json;

// ---- write policy, core blocks, summaries, context, gc ----

TEST_F(ApiTest, RememberTurnsExtractsFromUserTurnsOnly) {
  Reply2 r = Do("POST", "/v1/owners/alice/memories/from-turns",
                json{{"session_id", "s1"},
                     {"turns",
                      {{{"role", "user"}, {"content", "My name is Alice and I live in Lisbon."}},
                       {{"role", "assistant"}, {"content", "Nice to meet you, Alice."}}}}});
  ASSERT_EQ(r.status, 200) << r.raw;
  ASSERT_EQ(r.body["reports"].size(), 2u);
  EXPECT_EQ(r.body["reports"][0]["disposition"], "promote");
  EXPECT_FALSE(r.body["reports"][0]["writes"].empty());
  EXPECT_TRUE(r.body["reports"][1]["writes"].empty());
  // A bad turn anywhere writes nothing.
  const size_t before = Do("GET", "/v1/owners/alice/memories").body["items"].size();
  Reply2 bad = Do("POST", "/v1/owners/alice/memories/from-turns",
                  json{{"turns",
                        {{{"role", "user"}, {"content", "I love hiking."}},
                         {{"role", "narrator"}, {"content", "x"}}}}});
  EXPECT_EQ(bad.status, 422);
  EXPECT_NE(bad.raw.find("turns[1]"), std::string::npos);
  EXPECT_EQ(Do("GET", "/v1/owners/alice/memories").body["items"].size(), before);
}

TEST_F(ApiTest, CoreBlocksSetAppendReplaceListDelete) {
  const std::string persona = "/v1/owners/alice/blocks/persona";
  Reply2 set = Do("PUT", persona + "?scope=project%2Falpha",
                  json{{"value", "I am a helpful assistant."}, {"limit", 60}});
  ASSERT_EQ(set.status, 200) << set.raw;
  EXPECT_EQ(set.body["scope"], "project/alpha");
  EXPECT_EQ(set.body["limit"], 60);
  Reply2 appended =
      Do("POST", persona + "/append?scope=project/alpha", json{{"text", "Be brief."}});
  ASSERT_EQ(appended.status, 200) << appended.raw;
  EXPECT_EQ(appended.body["value"], "I am a helpful assistant.\nBe brief.");
  Reply2 replaced = Do("POST", persona + "/replace?scope=project/alpha",
                       json{{"old_text", "helpful"}, {"new_text", "careful"}});
  ASSERT_EQ(replaced.status, 200) << replaced.raw;
  EXPECT_EQ(replaced.body["value"], "I am a careful assistant.\nBe brief.");
  // Stale edit: the text is gone, so the replace is 404 rather than a silent no-op.
  EXPECT_EQ(Do("POST", persona + "/replace?scope=project/alpha",
               json{{"old_text", "helpful"}, {"new_text", "x"}})
                .status,
            404);
  // Over the limit: 422, nothing written.
  EXPECT_EQ(
      Do("POST", persona + "/append?scope=project/alpha", json{{"text", std::string(100, 'y')}})
          .status,
      422);
  EXPECT_EQ(Do("PUT", "/v1/owners/alice/blocks/Bad%20Label", json{{"value", "x"}}).status, 422);

  ASSERT_EQ(Do("PUT", "/v1/owners/alice/blocks/human", json{{"value", "Alice, a chemist."}}).status,
            200);
  Reply2 visible = Do("GET", "/v1/owners/alice/blocks?scope=project/alpha/task/1");
  ASSERT_EQ(visible.status, 200);
  EXPECT_EQ(visible.body["blocks"].size(), 2u);
  EXPECT_EQ(Do("GET", "/v1/owners/alice/blocks").body["blocks"].size(), 1u);  // global only
  EXPECT_EQ(Do("GET", persona + "?scope=project/alpha").body["value"],
            "I am a careful assistant.\nBe brief.");
  EXPECT_EQ(Do("GET", persona).status, 404);  // not at global
  EXPECT_EQ(Do("DELETE", persona + "?scope=project/alpha").status, 200);
  EXPECT_EQ(Do("GET", persona + "?scope=project/alpha").status, 404);
}

TEST_F(ApiTest, SummaryAndContextAssembly) {
  const std::string s = "/v1/owners/alice/sessions/s1";
  EXPECT_TRUE(Do("GET", s + "/summary").body["summary"].is_null());
  Reply2 put = Do("PUT", s + "/summary", json{{"text", "Alice planned a trip to Kyoto."}});
  ASSERT_EQ(put.status, 200) << put.raw;
  EXPECT_EQ(Do("GET", s + "/summary").body["summary"]["text"], "Alice planned a trip to Kyoto.");

  ASSERT_EQ(Do("POST", s + "/items",
               json{{"items", {{{"role", "user"}, {"content", "Which temples should I visit?"}}}}})
                .status,
            201);
  ASSERT_EQ(Do("POST", "/v1/owners/alice/memories",
               json{{"text", "Alice is vegetarian"}, {"type", "preference"}})
                .status,
            201);
  ASSERT_EQ(Do("PUT", "/v1/owners/alice/blocks/persona", json{{"value", "Travel helper."}}).status,
            200);
  Reply2 ctx = Do("POST", "/v1/owners/alice/context",
                  json{{"session_id", "s1"}, {"query", "vegetarian food"}, {"token_budget", 500}});
  ASSERT_EQ(ctx.status, 200) << ctx.raw;
  std::set<std::string> sections;
  for (const json& item : ctx.body["items"]) sections.insert(item["section"]);
  EXPECT_TRUE(sections.count("block"));
  EXPECT_TRUE(sections.count("summary"));
  EXPECT_TRUE(sections.count("turn"));
  EXPECT_LE(ctx.body["token_count"].get<size_t>(), 500u);
  EXPECT_NE(ctx.body["rendered"].get<std::string>().find("Travel helper."), std::string::npos);
  // An empty body is allowed: defaults everywhere.
  EXPECT_EQ(Do("POST", "/v1/owners/alice/context", "").status, 200);

  // Folding the session (extractively: no model here) and ending it into a summary memory.
  Reply2 folded = Do("POST", s + "/summarize", json{{"keep_turns", 0}});
  ASSERT_EQ(folded.status, 200) << folded.raw;
  ASSERT_TRUE(folded.body["summary"].is_object()) << folded.raw;
  EXPECT_EQ(folded.body["summary"]["through_seq"], 1);  // the session's one item is folded in
  Reply2 ended = Do("POST", s + "/end", json{{"scope", "global"}});
  ASSERT_EQ(ended.status, 200) << ended.raw;
  EXPECT_EQ(ended.body["memory"]["type"], "summary");
  EXPECT_EQ(ended.body["memory"]["key"], "session.s1");
}

// The owner's recent items across sessions, and a new session's context that starts where the
// previous session left off (its summary and last turns), unless the request says not to.
TEST_F(ApiTest, RecentItemsAndThePreviousSessionInContext) {
  const std::string owner = "/v1/owners/alice";
  ASSERT_EQ(Do("POST", owner + "/sessions/mon/items",
               json{{"items",
                     {{{"role", "user"}, {"content", "We chose Lisbon for the team offsite."}},
                      {{"role", "assistant"}, {"content", "Great, Lisbon it is."}}}}})
                .status,
            201);
  ASSERT_EQ(Do("POST", owner + "/sessions/mon/end", json{{"scope", "global"}}).status, 200);
  ASSERT_EQ(Do("POST", owner + "/sessions/tue/items",
               json{{"items", {{{"role", "user"}, {"content", "Any news?"}}}}})
                .status,
            201);

  Reply2 recent = Do("GET", owner + "/recent?last_n=2");
  ASSERT_EQ(recent.status, 200) << recent.raw;
  ASSERT_EQ(recent.body["items"].size(), 2u);
  EXPECT_EQ(recent.body["items"][0]["session_id"], "mon");
  EXPECT_EQ(recent.body["items"][0]["content"], "Great, Lisbon it is.");
  EXPECT_EQ(recent.body["items"][1]["session_id"], "tue");
  EXPECT_EQ(recent.body["items"][1]["seq"], 1);
  EXPECT_EQ(Do("GET", owner + "/recent").body["items"].size(), 3u);
  EXPECT_EQ(Do("GET", owner + "/recent?last_n=0").status, 422);
  EXPECT_EQ(Do("GET", owner + "/recent?since=1").status, 422);

  Reply2 ctx = Do("POST", owner + "/context", json{{"session_id", "tue"}});
  ASSERT_EQ(ctx.status, 200) << ctx.raw;
  size_t previous = 0;
  for (const json& item : ctx.body["items"]) {
    if (item["section"] != "previous") continue;
    ++previous;
    EXPECT_NE(item["reason"].get<std::string>().find("previous session 'mon'"), std::string::npos);
  }
  EXPECT_EQ(previous, 3u);  // its summary and its last turn's two items
  Reply2 without =
      Do("POST", owner + "/context", json{{"session_id", "tue"}, {"previous_session", false}});
  EXPECT_EQ(without.body["rendered"].get<std::string>().find("Lisbon"), std::string::npos);
  EXPECT_EQ(Do("POST", owner + "/context", json{{"previous_turns", "two"}}).status, 422);
}

TEST_F(ApiTest, DeleteManyIsAllOrNothingAndGcIsAdminOnly) {
  Reply2 added = Do("POST", "/v1/owners/alice/memories",
                    json{{"memories", {{{"text", "one"}}, {{"text", "two"}}}}});
  ASSERT_EQ(added.status, 201);
  const std::string a = added.body["results"][0]["memory"]["id"];
  const std::string b = added.body["results"][1]["memory"]["id"];
  EXPECT_EQ(Do("POST", "/v1/owners/alice/memories/delete",
               json{{"ids", {a, "0190aaaa-0000-7000-8000-000000000000"}}})
                .status,
            404);
  EXPECT_EQ(Do("GET", "/v1/owners/alice/memories").body["items"].size(), 2u);
  Reply2 deleted = Do("POST", "/v1/owners/alice/memories/delete", json{{"ids", {a, b}}});
  EXPECT_EQ(deleted.body["deleted"], 2);

  EXPECT_EQ(Do("POST", "/v1/gc", json{{"dry_run", true}}).status, 403);
  Reply2 gc = Do("POST", "/v1/gc", json{{"dry_run", true}}, kAdminKey);
  ASSERT_EQ(gc.status, 200) << gc.raw;
  EXPECT_EQ(gc.body["dry_run"], true);
  EXPECT_TRUE(gc.body["expired_memories"].is_number_integer());
}

}  // namespace
}  // namespace engram::server
