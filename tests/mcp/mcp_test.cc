// The MCP server in process: JSON-RPC and lifecycle (session.h), every tool (tools.h), owner
// isolation, the Streamable HTTP endpoint's sessions and auth (http_endpoint.h) and stdio.
#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "mcp/http_endpoint.h"
#include "mcp/session.h"
#include "mcp/stdio.h"
#include "mcp/tools.h"
#include "server/api_fixture.h"

namespace engram::mcp {
namespace {

using nlohmann::json;
using server::kAdminKey;
using server::kAliceKey;
using server::kBobKey;

json Request(int id, const std::string& method, json params = json::object()) {
  return json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}};
}

json InitParams(const std::string& version = kProtocolVersion) {
  return json{{"protocolVersion", version},
              {"capabilities", json::object()},
              {"clientInfo", {{"name", "test"}, {"version", "1"}}}};
}

class McpTest : public server::ApiTest {
 protected:
  void SetUp() override {
    server::ApiTest::SetUp();
    tools_ = std::make_unique<Tools>(api_->router());
  }

  server::Principal PrincipalOf(const char* key) {
    auto keys = server::KeySet::Parse(server::KeysJson(), "test");
    EXPECT_TRUE(keys.ok());
    return *keys->Authenticate(key);
  }

  // An initialized session for `key`'s principal.
  std::unique_ptr<Session> Open(const char* key = kAliceKey) {
    auto s = std::make_unique<Session>(*tools_, PrincipalOf(key), "test");
    auto r = s->Handle(Request(0, "initialize", InitParams()));
    EXPECT_TRUE(r && r->contains("result"));
    EXPECT_FALSE(s->Handle(json{{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}}));
    return s;
  }

  // tools/call; returns the CallToolResult.
  json CallTool(Session& s, const std::string& name, json args) {
    auto r = s.Handle(Request(++next_id_, "tools/call", {{"name", name}, {"arguments", args}}));
    EXPECT_TRUE(r.has_value());
    EXPECT_TRUE(r->contains("result")) << r->dump();
    return r->value("result", json::object());
  }

  static std::string Text(const json& result) {
    return result["content"][0]["text"].get<std::string>();
  }

  std::unique_ptr<Tools> tools_;
  int next_id_ = 100;
};

TEST_F(McpTest, InitializeNegotiatesTheVersionAndAnnouncesTools) {
  Session s(*tools_, PrincipalOf(kAliceKey), "9.9");
  auto r = s.Handle(Request(1, "initialize", InitParams()));
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)["jsonrpc"], "2.0");
  EXPECT_EQ((*r)["id"], 1);
  EXPECT_EQ((*r)["result"]["protocolVersion"], "2025-06-18");
  EXPECT_EQ((*r)["result"]["capabilities"]["tools"]["listChanged"], false);
  EXPECT_EQ((*r)["result"]["serverInfo"]["name"], "engram");
  EXPECT_EQ((*r)["result"]["serverInfo"]["version"], "9.9");
  // A second initialize on one session is refused.
  auto again = s.Handle(Request(2, "initialize", InitParams()));
  EXPECT_EQ((*again)["error"]["code"], kInvalidRequest);

  // An older version the server speaks is kept; an unknown one gets the latest.
  Session old(*tools_, PrincipalOf(kAliceKey), "1");
  EXPECT_EQ((*old.Handle(
                Request(1, "initialize", InitParams("2025-03-26"))))["result"]["protocolVersion"],
            "2025-03-26");
  Session future(*tools_, PrincipalOf(kAliceKey), "1");
  EXPECT_EQ((*future.Handle(
                Request(1, "initialize", InitParams("2099-01-01"))))["result"]["protocolVersion"],
            "2025-06-18");
  Session bad(*tools_, PrincipalOf(kAliceKey), "1");
  EXPECT_EQ((*bad.Handle(Request(1, "initialize", json::object())))["error"]["code"],
            kInvalidParams);
}

TEST_F(McpTest, ProtocolErrorsAreJsonRpcErrors) {
  Session s(*tools_, PrincipalOf(kAliceKey), "1");
  // Before initialize only ping works.
  EXPECT_EQ((*s.Handle(Request(1, "ping")))["result"], json::object());
  EXPECT_EQ((*s.Handle(Request(2, "tools/list")))["error"]["code"], kInvalidRequest);
  auto session = Open();
  auto parse = session->HandleText("{\"jsonrpc\": \"2.0\", ");
  EXPECT_EQ((*parse)["error"]["code"], kParseError);
  EXPECT_TRUE((*parse)["id"].is_null());
  EXPECT_EQ((*session->Handle(json::array({Request(3, "ping")})))["error"]["code"],
            kInvalidRequest);
  EXPECT_EQ((*session->Handle(json{{"id", 4}, {"method", "ping"}}))["error"]["code"],
            kInvalidRequest);
  EXPECT_EQ((*session->Handle(json{
                {"jsonrpc", "2.0"}, {"id", json::array()}, {"method", "ping"}}))["error"]["code"],
            kInvalidRequest);
  auto unknown = session->Handle(Request(5, "resources/list"));
  EXPECT_EQ((*unknown)["error"]["code"], kMethodNotFound);
  EXPECT_EQ((*unknown)["id"], 5);
  EXPECT_EQ(
      (*session->Handle(Request(6, "tools/call", {{"name", "no_such_tool"}})))["error"]["code"],
      kInvalidParams);
  EXPECT_EQ(
      (*session->Handle(Request(7, "tools/call",
                                {{"name", "list_memories"}, {"arguments", "x"}})))["error"]["code"],
      kInvalidParams);
  // Notifications and responses are never answered.
  EXPECT_FALSE(session->Handle(json{{"jsonrpc", "2.0"}, {"method", "notifications/cancelled"}}));
  EXPECT_FALSE(session->Handle(json{{"jsonrpc", "2.0"}, {"id", 9}, {"result", json::object()}}));
  // String ids are echoed.
  EXPECT_EQ((*session->Handle(json{{"jsonrpc", "2.0"}, {"id", "abc"}, {"method", "ping"}}))["id"],
            "abc");
}

TEST_F(McpTest, ListsFifteenToolsWithInputSchemas) {
  auto s = Open();
  auto r = s->Handle(Request(1, "tools/list"));
  const json& tools = (*r)["result"]["tools"];
  ASSERT_EQ(tools.size(), std::size(kToolNames));
  ASSERT_EQ(tools.size(), 15u);
  std::map<std::string, json> by_name;
  for (const json& t : tools) by_name[t["name"]] = t;
  for (const char* name : kToolNames) {
    ASSERT_TRUE(by_name.count(name)) << name;
    const json& t = by_name[name];
    EXPECT_EQ(t["inputSchema"]["type"], "object") << name;
    EXPECT_TRUE(t["inputSchema"]["properties"].contains("owner")) << name;
    EXPECT_FALSE(t["description"].get<std::string>().empty()) << name;
  }
  EXPECT_EQ(by_name["add_memory"]["inputSchema"]["required"], json::array({"text"}));
  EXPECT_EQ(by_name["search_memories"]["inputSchema"]["required"], json::array({"query"}));
  EXPECT_EQ(by_name["delete_memory"]["inputSchema"]["required"], json::array({"id"}));
  EXPECT_EQ(by_name["edit_core_block"]["inputSchema"]["required"],
            json::array({"operation", "label"}));
  EXPECT_EQ(by_name["search_memories"]["annotations"]["readOnlyHint"], true);
  EXPECT_EQ(by_name["delete_memory"]["annotations"]["destructiveHint"], true);
}

TEST_F(McpTest, MemoryToolsAddSearchListDelete) {
  auto s = Open();
  json added = CallTool(*s, "add_memory",
                        {{"text", "Alice prefers green tea in the morning"},
                         {"type", "preference"},
                         {"key", "drink.morning"}});
  ASSERT_EQ(added["isError"], false) << added.dump();
  const std::string id = added["structuredContent"]["memory"]["id"];
  EXPECT_EQ(added["structuredContent"]["event"], "added");
  EXPECT_EQ(added["structuredContent"]["memory"]["source"], "mcp");
  EXPECT_EQ(json::parse(Text(added)), added["structuredContent"]);

  json found = CallTool(*s, "search_memories", {{"query", "green tea"}, {"top_k", 5}});
  ASSERT_EQ(found["isError"], false) << found.dump();
  ASSERT_EQ(found["structuredContent"]["hits"].size(), 1u);
  EXPECT_EQ(found["structuredContent"]["hits"][0]["id"], id);

  json listed = CallTool(*s, "list_memories", {{"type", "preference"}, {"limit", 10}});
  ASSERT_EQ(listed["isError"], false) << listed.dump();
  ASSERT_EQ(listed["structuredContent"]["items"].size(), 1u);
  EXPECT_EQ(listed["structuredContent"]["items"][0]["text"],
            "Alice prefers green tea in the morning");

  json deleted = CallTool(*s, "delete_memory", {{"id", id}, {"reason", "test"}});
  ASSERT_EQ(deleted["isError"], false) << deleted.dump();
  EXPECT_EQ(deleted["structuredContent"]["deleted"], id);
  EXPECT_TRUE(CallTool(*s, "list_memories", json::object())["structuredContent"]["items"].empty());
  json again = CallTool(*s, "delete_memory", {{"id", id}});
  EXPECT_EQ(again["isError"], true);
  EXPECT_EQ(again["structuredContent"]["error"]["code"], "not_found");
}

TEST_F(McpTest, ToolFailuresAreResultsWithIsError) {
  auto s = Open();
  json missing = CallTool(*s, "add_memory", {{"type", "fact"}});
  EXPECT_EQ(missing["isError"], true);
  EXPECT_NE(Text(missing).find("invalid_argument"), std::string::npos) << Text(missing);
  json unknown_arg = CallTool(*s, "search_memories", {{"query", "x"}, {"colour", "red"}});
  EXPECT_EQ(unknown_arg["isError"], true);
  json bad_type = CallTool(*s, "list_memories", {{"type", "nonsense"}});
  EXPECT_EQ(bad_type["isError"], true);
  json bad_value = CallTool(*s, "list_memories", {{"limit", json::array()}});
  EXPECT_EQ(bad_value["isError"], true);
  json owner_id = CallTool(*s, "add_memory", {{"text", "x"}, {"owner_id", "bob"}});
  EXPECT_EQ(owner_id["isError"], true);
}

TEST_F(McpTest, ContextAndCoreBlocks) {
  auto s = Open();
  json set = CallTool(*s, "edit_core_block",
                      {{"operation", "set"}, {"label", "human"}, {"value", "Name: Alice"}});
  ASSERT_EQ(set["isError"], false) << set.dump();
  EXPECT_EQ(set["structuredContent"]["value"], "Name: Alice");
  json appended = CallTool(*s, "edit_core_block",
                           {{"operation", "append"}, {"label", "human"}, {"text", "Likes tea"}});
  ASSERT_EQ(appended["isError"], false) << appended.dump();
  EXPECT_EQ(appended["structuredContent"]["value"], "Name: Alice\nLikes tea");
  json replaced = CallTool(
      *s, "edit_core_block",
      {{"operation", "replace"}, {"label", "human"}, {"old_text", "tea"}, {"new_text", "coffee"}});
  ASSERT_EQ(replaced["isError"], false) << replaced.dump();
  EXPECT_EQ(replaced["structuredContent"]["value"], "Name: Alice\nLikes coffee");
  json absent = CallTool(
      *s, "edit_core_block",
      {{"operation", "replace"}, {"label", "human"}, {"old_text", "juice"}, {"new_text", "x"}});
  EXPECT_EQ(absent["isError"], true);
  EXPECT_EQ(absent["structuredContent"]["error"]["code"], "not_found");
  EXPECT_EQ(CallTool(*s, "edit_core_block", {{"operation", "drop"}, {"label", "human"}})["isError"],
            true);
  EXPECT_EQ(
      CallTool(*s, "edit_core_block",
               {{"operation", "set"}, {"label", "human"}, {"text", "wrong field"}})["isError"],
      true);
  // A block at another scope.
  json scoped = CallTool(*s, "edit_core_block",
                         {{"operation", "set"},
                          {"label", "project"},
                          {"scope", "project/alpha"},
                          {"value", "Alpha ships Friday"}});
  ASSERT_EQ(scoped["isError"], false) << scoped.dump();
  EXPECT_EQ(scoped["structuredContent"]["scope"], "project/alpha");

  CallTool(*s, "add_memory", {{"text", "Alice's cat is called Miso"}});
  json context = CallTool(*s, "get_context", {{"query", "what is the cat called"}});
  ASSERT_EQ(context["isError"], false) << context.dump();
  EXPECT_EQ(Text(context), context["structuredContent"]["rendered"]);
  EXPECT_NE(Text(context).find("Likes coffee"), std::string::npos) << Text(context);
  EXPECT_NE(Text(context).find("Miso"), std::string::npos) << Text(context);
  EXPECT_EQ(Text(context).find("Alpha ships"), std::string::npos) << "global scope only";
}

// The knowledge-graph tools answer as the official MCP memory server does: the created items
// (text: the same JSON), messages for deletions, graphs for reads. engram is stricter where the
// engine is: a relation to an unknown entity is an error.
TEST_F(McpTest, GraphToolsAnswerInTheMemoryServersShapes) {
  auto s = Open();
  const json entities = json::array(
      {{{"name", "Alice"}, {"entityType", "person"}, {"observations", {"prefers Dark Mode"}}},
       {{"name", "Project Alpha"}, {"entityType", "project"}, {"observations", json::array()}},
       {{"name", "March 2026"}, {"entityType", "date"}, {"observations", json::array()}}});
  json created = CallTool(*s, "create_entities", {{"entities", entities}});
  ASSERT_EQ(created["isError"], false) << created;
  EXPECT_EQ(created["structuredContent"]["entities"], entities);
  EXPECT_EQ(json::parse(created["content"][0]["text"].get<std::string>()), entities);
  json again = CallTool(*s, "create_entities", {{"entities", entities}});
  EXPECT_TRUE(again["structuredContent"]["entities"].empty()) << again;

  const json relations = json::array(
      {{{"from", "Alice"}, {"to", "Project Alpha"}, {"relationType", "manages"}},
       {{"from", "Project Alpha"}, {"to", "March 2026"}, {"relationType", "deadline"}}});
  json related = CallTool(*s, "create_relations", {{"relations", relations}});
  EXPECT_EQ(related["structuredContent"]["relations"], relations) << related;
  json unknown = CallTool(
      *s, "create_relations",
      {{"relations", {{{"from", "Alice"}, {"to", "Nowhere"}, {"relationType", "works_at"}}}}});
  EXPECT_EQ(unknown["isError"], true);
  EXPECT_EQ(unknown["structuredContent"]["error"]["code"], "not_found");

  json observed =
      CallTool(*s, "add_observations",
               {{"observations",
                 {{{"entityName", "Alice"}, {"contents", {"uses Python", "prefers Dark Mode"}}}}}});
  EXPECT_EQ(observed["structuredContent"]["results"],
            json::parse(R"([{"entityName":"Alice","addedObservations":["uses Python"]}])"));

  json opened = CallTool(*s, "open_nodes", {{"names", {"Alice"}}});
  EXPECT_EQ(opened["structuredContent"]["entities"][0]["observations"],
            json::array({"prefers Dark Mode", "uses Python"}));
  EXPECT_EQ(opened["structuredContent"]["relations"], json::array({relations[0]}));
  json found = CallTool(*s, "search_nodes", {{"query", "PYTHON"}});
  ASSERT_EQ(found["structuredContent"]["entities"].size(), 1u);
  EXPECT_EQ(found["structuredContent"]["entities"][0]["name"], "Alice");
  json graph = CallTool(*s, "read_graph", json::object());
  EXPECT_EQ(graph["structuredContent"]["entities"].size(), 3u);
  EXPECT_EQ(graph["structuredContent"]["relations"].size(), 2u);

  EXPECT_EQ(CallTool(*s, "delete_relations", {{"relations", {relations[1]}}})["content"][0]["text"],
            "Relations deleted successfully");
  EXPECT_EQ(
      CallTool(
          *s, "delete_observations",
          {{"deletions",
            {{{"entityName", "Alice"}, {"observations", {"uses Python"}}}}}})["content"][0]["text"],
      "Observations deleted successfully");
  EXPECT_EQ(
      CallTool(*s, "delete_entities", {{"entityNames", {"Alice", "Nobody"}}})["content"][0]["text"],
      "Deleted 1 of 2 entities. Not found: Nobody");
  json left = CallTool(*s, "read_graph", json::object());
  EXPECT_EQ(left["structuredContent"]["entities"].size(), 2u);
  EXPECT_TRUE(left["structuredContent"]["relations"].empty());
}

TEST_F(McpTest, AnotherOwnerIsRefusedAndLearnsNothing) {
  auto bob = Open(kBobKey);
  ASSERT_EQ(CallTool(*bob, "add_memory", {{"text", "Bob's secret plan"}})["isError"], false);
  auto alice = Open(kAliceKey);
  json existing = CallTool(*alice, "search_memories", {{"owner", "bob"}, {"query", "secret"}});
  json nobody = CallTool(*alice, "search_memories", {{"owner", "nobody"}, {"query", "secret"}});
  EXPECT_EQ(existing["isError"], true);
  EXPECT_EQ(existing["structuredContent"]["error"]["code"], "permission_denied");
  EXPECT_EQ(existing, nobody) << "the refusal must not depend on whether the owner exists";
  for (const char* tool : kToolNames) {
    json r = CallTool(*alice, tool, {{"owner", "bob"}});
    EXPECT_EQ(r["isError"], true) << tool;
    EXPECT_EQ(r["structuredContent"]["error"]["code"], "permission_denied") << tool;
  }
  // Alice's own view stays empty; her explicit owner works.
  EXPECT_TRUE(CallTool(*alice, "list_memories", {{"owner", "alice"}})["structuredContent"]["items"]
                  .empty());
  // An admin key covers every owner but must name one.
  auto admin = Open(kAdminKey);
  EXPECT_EQ(CallTool(*admin, "list_memories", json::object())["isError"], true);
  json bobs = CallTool(*admin, "list_memories", {{"owner", "bob"}});
  ASSERT_EQ(bobs["isError"], false);
  EXPECT_EQ(bobs["structuredContent"]["items"].size(), 1u);
}

// add_memory's `supersedes` names the caller's own live memories only: another owner's id is
// as unknown as a made-up one, the answer never shows the other memory, and nothing is written.
TEST_F(McpTest, SupersedesNamingAnUnknownOrAnotherOwnersMemoryChangesNothing) {
  auto bob = Open(kBobKey);
  json bobs = CallTool(*bob, "add_memory", {{"text", "bob's own fact"}});
  ASSERT_EQ(bobs["isError"], false) << bobs.dump();
  const std::string bob_id = bobs["structuredContent"]["memory"]["id"];
  auto alice = Open(kAliceKey);
  json foreign =
      CallTool(*alice, "add_memory", {{"text", "alice replaces it"}, {"supersedes", {bob_id}}});
  EXPECT_EQ(foreign["isError"], true);
  EXPECT_EQ(foreign["structuredContent"]["error"]["code"], "not_found") << foreign.dump();
  EXPECT_EQ(foreign.dump().find("bob's own fact"), std::string::npos);
  json unknown = CallTool(*alice, "add_memory",
                          {{"text", "alice replaces nothing"},
                           {"supersedes", {"0190aaaa-0000-7000-8000-000000000000"}}});
  EXPECT_EQ(unknown["isError"], true);
  EXPECT_EQ(unknown["structuredContent"]["error"]["code"], "not_found") << unknown.dump();
  // The same words whether or not the id exists elsewhere.
  EXPECT_EQ(foreign["structuredContent"]["error"]["message"], "memory " + bob_id + " not found");
  EXPECT_EQ(unknown["structuredContent"]["error"]["message"],
            "memory 0190aaaa-0000-7000-8000-000000000000 not found");
  EXPECT_TRUE(
      CallTool(*alice, "list_memories", json::object())["structuredContent"]["items"].empty());
  json still = CallTool(*bob, "list_memories", json::object());
  ASSERT_EQ(still["structuredContent"]["items"].size(), 1u);
  EXPECT_TRUE(still["structuredContent"]["items"][0]["superseded_by"].is_null());
}

// ---- Streamable HTTP ----

class McpHttpTest : public McpTest {
 protected:
  void SetUp() override {
    McpTest::SetUp();
    endpoint_ = std::make_unique<HttpEndpoint>(*api_, *tools_, "test", /*max_sessions=*/8);
  }

  server::HttpResponse Send(const std::string& method, const json& body, const char* key,
                            std::map<std::string, std::string> headers = {}) {
    server::HttpRequest r;
    r.method = method;
    r.target = "/mcp";
    r.body = body.is_null() ? "" : body.dump();
    if (key) r.authorization = std::string("Bearer ") + key;
    if (!headers.count("Accept")) headers["Accept"] = "application/json, text/event-stream";
    return endpoint_->Handle(r, [&headers](const std::string& name) {
      auto it = headers.find(name);
      return it == headers.end() ? std::string() : it->second;
    });
  }

  static std::string Header(const server::HttpResponse& r, const std::string& name) {
    for (const auto& [n, v] : r.headers) {
      if (n == name) return v;
    }
    return "";
  }

  std::string Initialize(const char* key) {
    auto r = Send("POST", Request(1, "initialize", InitParams()), key);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.content_type, "application/json");
    return Header(r, "Mcp-Session-Id");
  }

  std::unique_ptr<HttpEndpoint> endpoint_;
};

TEST_F(McpHttpTest, SessionsAreIssuedRequiredAndEnded) {
  EXPECT_EQ(Send("POST", Request(1, "initialize", InitParams()), nullptr).status, 401);
  EXPECT_EQ(Send("POST", Request(1, "initialize", InitParams()), "k-wrong-0123456789abcdef").status,
            401);
  const std::string sid = Initialize(kAliceKey);
  ASSERT_EQ(sid.size(), 64u);
  EXPECT_NE(Initialize(kAliceKey), sid);
  EXPECT_EQ(endpoint_->session_count(), 2u);

  auto note = Send("POST", json{{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}},
                   kAliceKey, {{"Mcp-Session-Id", sid}});
  EXPECT_EQ(note.status, 202);
  EXPECT_TRUE(note.body.empty());

  auto list = Send("POST", Request(2, "tools/list"), kAliceKey,
                   {{"Mcp-Session-Id", sid}, {"MCP-Protocol-Version", "2025-06-18"}});
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(json::parse(list.body)["result"]["tools"].size(), std::size(kToolNames));

  auto call = Send(
      "POST",
      Request(3, "tools/call", {{"name", "add_memory"}, {"arguments", {{"text", "over http"}}}}),
      kAliceKey, {{"Mcp-Session-Id", sid}});
  ASSERT_EQ(call.status, 200);
  EXPECT_EQ(json::parse(call.body)["result"]["isError"], false) << call.body;

  EXPECT_EQ(Send("POST", Request(4, "tools/list"), kAliceKey).status, 400);
  EXPECT_EQ(Send("POST", Request(4, "tools/list"), kAliceKey, {{"Mcp-Session-Id", "nope"}}).status,
            404);
  // Another key cannot use alice's session, and cannot tell it exists.
  auto stolen = Send("POST", Request(5, "tools/list"), kBobKey, {{"Mcp-Session-Id", sid}});
  EXPECT_EQ(stolen.status, 404);
  EXPECT_EQ(stolen.body,
            Send("POST", Request(5, "tools/list"), kBobKey, {{"Mcp-Session-Id", "nope"}}).body);
  EXPECT_EQ(Send("DELETE", nullptr, kBobKey, {{"Mcp-Session-Id", sid}}).status, 404);

  EXPECT_EQ(Send("POST", Request(6, "tools/list"), kAliceKey,
                 {{"Mcp-Session-Id", sid}, {"MCP-Protocol-Version", "1999-01-01"}})
                .status,
            400);
  EXPECT_EQ(Send("POST", Request(7, "tools/list"), kAliceKey,
                 {{"Mcp-Session-Id", sid}, {"Accept", "text/html"}})
                .status,
            406);
  auto garbage = endpoint_->Handle(
      server::HttpRequest{"POST", "/mcp", "{not json", "Bearer " + std::string(kAliceKey), "", ""},
      [&sid](const std::string& n) { return n == "Mcp-Session-Id" ? sid : std::string(); });
  EXPECT_EQ(garbage.status, 400);
  EXPECT_EQ(json::parse(garbage.body)["error"]["code"], kParseError);
  auto get = Send("GET", nullptr, kAliceKey, {{"Mcp-Session-Id", sid}});
  EXPECT_EQ(get.status, 405);
  EXPECT_EQ(get.route, "/mcp");

  EXPECT_EQ(Send("DELETE", nullptr, kAliceKey, {{"Mcp-Session-Id", sid}}).status, 204);
  EXPECT_EQ(Send("POST", Request(8, "tools/list"), kAliceKey, {{"Mcp-Session-Id", sid}}).status,
            404);
  EXPECT_EQ(endpoint_->session_count(), 1u);
}

TEST_F(McpHttpTest, TheServersRateLimitAppliesPerKey) {
  server::ApiOptions limited;
  limited.rate_limit_per_second = 1;   // bursts of 2
  limited.clock = [] { return 0.0; };  // no time passes: no token comes back
  endpoint_.reset();
  tools_.reset();
  server::ApiTest::Open(std::move(limited));
  tools_ = std::make_unique<Tools>(api_->router());
  endpoint_ = std::make_unique<HttpEndpoint>(*api_, *tools_, "test", /*max_sessions=*/8);
  const std::string sid = Initialize(kAliceKey);
  EXPECT_EQ(Send("POST", Request(2, "ping"), kAliceKey, {{"Mcp-Session-Id", sid}}).status, 200);
  auto r = Send("POST", Request(3, "ping"), kAliceKey, {{"Mcp-Session-Id", sid}});
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(json::parse(r.body)["error"]["code"], "rate_limited");
  EXPECT_EQ(Header(r, "Retry-After"), "1");
  EXPECT_EQ(r.route, "/mcp");
  // Another key has its own budget.
  EXPECT_FALSE(Initialize(kBobKey).empty());
}

TEST_F(McpHttpTest, OldestSessionsAreDroppedBeyondTheCap) {
  const std::string first = Initialize(kAliceKey);
  for (int i = 0; i < 8; ++i) Initialize(kAliceKey);
  EXPECT_EQ(endpoint_->session_count(), 8u);
  EXPECT_EQ(Send("POST", Request(2, "ping"), kAliceKey, {{"Mcp-Session-Id", first}}).status, 404);
}

TEST_F(McpTest, StdioAnswersOneLinePerRequest) {
  Session s(*tools_, PrincipalOf(kAliceKey), "1");
  std::istringstream in(
      Request(1, "initialize", InitParams()).dump() + "\n\n" +
      json{{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}}.dump() + "\r\n" +
      Request(2, "tools/call",
              {{"name", "add_memory"}, {"arguments", {{"text", "line one\nline two"}}}})
          .dump() +
      "\nnot json\n");
  std::ostringstream out;
  ASSERT_TRUE(ServeStdio(s, in, out).ok());
  std::istringstream lines(out.str());
  std::vector<json> responses;
  for (std::string line; std::getline(lines, line);) responses.push_back(json::parse(line));
  ASSERT_EQ(responses.size(), 3u);
  EXPECT_EQ(responses[0]["id"], 1);
  EXPECT_EQ(responses[1]["id"], 2);
  EXPECT_EQ(responses[1]["result"]["structuredContent"]["memory"]["text"], "line one\nline two");
  EXPECT_EQ(responses[2]["error"]["code"], kParseError);
}

TEST_F(McpHttpTest, OneKeyCannotEvictAnotherKeysSessions) {
  endpoint_ = std::make_unique<HttpEndpoint>(*api_, *tools_, "test", /*max_sessions=*/8,
                                             /*max_sessions_per_key=*/4);
  const std::string bobs = Initialize(kBobKey);
  std::vector<std::string> alices;
  for (int i = 0; i < 20; ++i) alices.push_back(Initialize(kAliceKey));
  EXPECT_EQ(endpoint_->session_count(), 5u);
  EXPECT_EQ(Send("POST", Request(2, "ping"), kBobKey, {{"Mcp-Session-Id", bobs}}).status, 200);
  // Alice keeps her four most recent sessions.
  EXPECT_EQ(Send("POST", Request(2, "ping"), kAliceKey, {{"Mcp-Session-Id", alices[15]}}).status,
            404);
  EXPECT_EQ(Send("POST", Request(2, "ping"), kAliceKey, {{"Mcp-Session-Id", alices[16]}}).status,
            200);

  // When the whole table is full, the key holding the most sessions gives one up.
  endpoint_ = std::make_unique<HttpEndpoint>(*api_, *tools_, "test", /*max_sessions=*/8,
                                             /*max_sessions_per_key=*/8);
  const std::string bob_again = Initialize(kBobKey);
  for (int i = 0; i < 20; ++i) Initialize(kAliceKey);
  EXPECT_EQ(endpoint_->session_count(), 8u);
  EXPECT_EQ(Send("POST", Request(2, "ping"), kBobKey, {{"Mcp-Session-Id", bob_again}}).status, 200);
}

TEST_F(McpHttpTest, DeeplyNestedMessagesAreParseErrorsWithoutASession) {
  const std::string deep = std::string(70'000, '[') + std::string(70'000, ']');
  server::HttpRequest r{"POST",
                        "/mcp",
                        R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":)" + deep + "}",
                        "Bearer " + std::string(kAliceKey),
                        "",
                        ""};
  auto reply = endpoint_->Handle(r, [](const std::string& n) {
    return n == "Accept" ? std::string("application/json") : std::string();
  });
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(json::parse(reply.body)["error"]["code"], kParseError);
  EXPECT_EQ(endpoint_->session_count(), 0u);
}

TEST_F(McpTest, StdioAnswersADeeplyNestedLineWithAParseError) {
  Session s(*tools_, PrincipalOf(kAliceKey), "1");
  std::istringstream in(std::string(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":)") +
                        std::string(70'000, '[') + std::string(70'000, ']') + "}\n" +
                        Request(2, "ping").dump() + "\n");
  std::ostringstream out;
  ASSERT_TRUE(ServeStdio(s, in, out).ok());
  std::istringstream lines(out.str());
  std::vector<json> responses;
  for (std::string line; std::getline(lines, line);) responses.push_back(json::parse(line));
  ASSERT_EQ(responses.size(), 2u);
  EXPECT_EQ(responses[0]["error"]["code"], kParseError);
  EXPECT_NE(responses[0]["error"]["message"].get<std::string>().find("nested deeper"),
            std::string::npos);
}

}  // namespace
}  // namespace engram::mcp
