#include "mcp/tools.h"

#include <optional>
#include <set>
#include <vector>

#include "core/json_codec.h"
#include "engram/status.h"
#include "server/api.h"
#include "server/errors.h"

namespace engram::mcp {

namespace {

using nlohmann::json;

json Str(const char* description) {
  return json{{"type", "string"}, {"description", description}};
}
json Int(const char* description, int minimum, int maximum) {
  return json{{"type", "integer"},
              {"minimum", minimum},
              {"maximum", maximum},
              {"description", description}};
}
json Bool(const char* description) {
  return json{{"type", "boolean"}, {"description", description}};
}
json Types() {
  return json{{"type", "string"},
              {"enum", {"fact", "preference", "episode", "procedure", "summary", "block"}},
              {"description", "memory type"}};
}

json Schema(json properties, std::vector<std::string> required) {
  properties["owner"] =
      Str("whose memory: defaults to the owner the credential is bound to (required only when "
          "it covers several owners)");
  json s{
      {"type", "object"}, {"properties", std::move(properties)}, {"additionalProperties", false}};
  if (!required.empty()) s["required"] = std::move(required);
  return s;
}

json Tool(const char* name, const char* title, const char* description, json input_schema,
          json annotations) {
  annotations["title"] = title;
  annotations["openWorldHint"] = false;
  return json{{"name", name},
              {"title", title},
              {"description", description},
              {"inputSchema", std::move(input_schema)},
              {"annotations", std::move(annotations)}};
}

json StrArray(const char* description) {
  return json{{"type", "array"}, {"items", {{"type", "string"}}}, {"description", description}};
}

json ObjectArray(json properties, std::vector<std::string> required, const char* description) {
  return json{{"type", "array"},
              {"items",
               {{"type", "object"},
                {"properties", std::move(properties)},
                {"required", std::move(required)},
                {"additionalProperties", false}}},
              {"description", description}};
}

// The official MCP memory server's nine tools, with its names and input schemas (plus owner), so
// a client configured for it can switch to engram (docs/graph.md).
void AddGraphTools(json* tools) {
  const json entity = {{"name", Str("The name of the entity")},
                       {"entityType", Str("The type of the entity")},
                       {"observations", StrArray("An array of observation contents associated "
                                                 "with the entity")}};
  const json relation = {{"from", Str("The name of the entity where the relation starts")},
                         {"to", Str("The name of the entity where the relation ends")},
                         {"relationType", Str("The type of the relation")}};
  const json write{{"readOnlyHint", false}, {"destructiveHint", false}, {"idempotentHint", false}};
  const json erase{{"readOnlyHint", false}, {"destructiveHint", true}, {"idempotentHint", true}};
  const json read{{"readOnlyHint", true}, {"destructiveHint", false}, {"idempotentHint", true}};
  tools->push_back(Tool(
      "create_entities", "Create Entities", "Create multiple new entities in the knowledge graph",
      Schema({{"entities",
               ObjectArray(entity, {"name", "entityType", "observations"}, "the entities")}},
             {"entities"}),
      write));
  tools->push_back(Tool("create_relations", "Create Relations",
                        "Create multiple new relations between entities in the knowledge graph. "
                        "Relations should be in active voice",
                        Schema({{"relations", ObjectArray(relation, {"from", "to", "relationType"},
                                                          "the relations")}},
                               {"relations"}),
                        write));
  tools->push_back(Tool(
      "add_observations", "Add Observations",
      "Add new observations to existing entities in the knowledge graph",
      Schema({{"observations",
               ObjectArray({{"entityName", Str("The name of the entity to add the observations "
                                               "to")},
                            {"contents", StrArray("An array of observation contents to add")}},
                           {"entityName", "contents"}, "the observations")}},
             {"observations"}),
      write));
  tools->push_back(Tool(
      "delete_entities", "Delete Entities",
      "Delete multiple entities and their associated relations from the "
      "knowledge graph",
      Schema({{"entityNames", StrArray("An array of entity names to delete")}}, {"entityNames"}),
      erase));
  tools->push_back(
      Tool("delete_observations", "Delete Observations",
           "Delete specific observations from entities in the knowledge graph",
           Schema({{"deletions",
                    ObjectArray({{"entityName", Str("The name of the entity containing the "
                                                    "observations")},
                                 {"observations", StrArray("An array of observations to delete")}},
                                {"entityName", "observations"}, "the deletions")}},
                  {"deletions"}),
           erase));
  tools->push_back(Tool("delete_relations", "Delete Relations",
                        "Delete multiple relations from the knowledge graph",
                        Schema({{"relations", ObjectArray(relation, {"from", "to", "relationType"},
                                                          "An array of relations to delete")}},
                               {"relations"}),
                        erase));
  tools->push_back(Tool("read_graph", "Read Graph", "Read the entire knowledge graph",
                        Schema(json::object(), {}), read));
  tools->push_back(Tool("search_nodes", "Search Nodes",
                        "Search for nodes in the knowledge graph based on a query",
                        Schema({{"query", Str("The search query to match against entity names, "
                                              "types, and observation content")}},
                               {"query"}),
                        read));
  tools->push_back(
      Tool("open_nodes", "Open Nodes", "Open specific nodes in the knowledge graph by their names",
           Schema({{"names", StrArray("An array of entity names to retrieve")}}, {"names"}), read));
}

// The /v1 graph route (under the owner) of each graph tool, and the member of its answer that
// the official server prints as the tool's text ("" : the whole answer).
struct GraphToolRoute {
  const char* tool;
  const char* method;
  std::vector<std::string> path;
  const char* text_member;
};

const std::vector<GraphToolRoute>& GraphToolRoutes() {
  static const std::vector<GraphToolRoute> routes = {
      {"create_entities", "POST", {"graph", "entities"}, "entities"},
      {"create_relations", "POST", {"graph", "relations"}, "relations"},
      {"add_observations", "POST", {"graph", "observations"}, "results"},
      {"delete_entities", "POST", {"graph", "entities", "delete"}, "message"},
      {"delete_observations", "POST", {"graph", "observations", "delete"}, "message"},
      {"delete_relations", "POST", {"graph", "relations", "delete"}, "message"},
      {"read_graph", "GET", {"graph"}, ""},
      {"search_nodes", "POST", {"graph", "search"}, ""},
      {"open_nodes", "POST", {"graph", "open"}, ""},
  };
  return routes;
}

const GraphToolRoute* FindGraphTool(const std::string& name) {
  for (const GraphToolRoute& r : GraphToolRoutes()) {
    if (name == r.tool) return &r;
  }
  return nullptr;
}

json BuildList() {
  json tools = json::array();
  tools.push_back(Tool(
      "add_memory", "Add a memory",
      "Store one durable memory (a fact, preference, episode, procedure...) for the owner. An "
      "identical memory is deduplicated; one with the same key and scope may supersede the old.",
      Schema({{"text", Str("the memory, one self-contained statement")},
              {"type", Types()},
              {"key", Str("what it is about, e.g. ui.theme (same key and scope: supersedes)")},
              {"scope", Str("scope such as project/alpha (default global)")},
              {"session_id", Str("session it came from")},
              {"agent_id", Str("agent that wrote it")},
              {"metadata", {{"type", "object"}, {"description", "free-form metadata"}}},
              {"data", {{"description", "structured data (any JSON)"}}},
              {"source", Str("where it came from (default mcp)")},
              {"confidence",
               {{"type", "number"}, {"minimum", 0}, {"maximum", 1}, {"description", "0..1"}}},
              {"observed_at", Str("when it was said (ISO-8601)")},
              {"expires_at", Str("when it expires (ISO-8601)")},
              {"supersedes",
               {{"type", "array"},
                {"items", {{"type", "string"}}},
                {"description", "ids of memories this one replaces"}}},
              {"reason", Str("why, kept in the history")}},
             {"text"}),
      json{{"readOnlyHint", false}, {"destructiveHint", false}, {"idempotentHint", true}}));
  tools.push_back(Tool(
      "search_memories", "Search memories",
      "The owner's live memories most relevant to a query, best first (hybrid lexical + vector "
      "search), with optional filters.",
      Schema({{"query", Str("what to look for")},
              {"scope", Str("only what is visible at this scope")},
              {"type", Types()},
              {"key", Str("only this key")},
              {"session_id", Str("only from this session")},
              {"filter",
               {{"type", "object"},
                {"description", "JSON filter over fields and metadata (docs/search.md)"}}},
              {"since", Str("created at or after (ISO-8601)")},
              {"until", Str("created before (ISO-8601)")},
              {"valid_at", Str("what was true at this time (ISO-8601)")},
              {"top_k", Int("how many hits (default 10)", 1, 1000)},
              {"threshold", {{"type", "number"}, {"description", "minimum score"}}},
              {"mode", {{"type", "string"}, {"enum", {"hybrid", "lexical", "vector"}}}},
              {"use_recency", Bool("weigh recent memories higher (default true)")},
              {"explain", Bool("include score explanations")}},
             {"query"}),
      json{{"readOnlyHint", true}}));
  tools.push_back(Tool(
      "list_memories", "List memories",
      "One page of the owner's live memories, newest first, with filters; pass next_cursor back "
      "as cursor for the next page.",
      Schema({{"scope", Str("only what is visible at this scope")},
              {"type", Types()},
              {"key", Str("only this key")},
              {"session_id", Str("only from this session")},
              {"agent_id", Str("only written by this agent")},
              {"since", Str("created at or after (ISO-8601)")},
              {"until", Str("created before (ISO-8601)")},
              {"valid_at", Str("what was true at this time (ISO-8601)")},
              {"as_of", Str("what engram believed at this time (ISO-8601; not paged)")},
              {"include_superseded", Bool("also records a newer one replaced")},
              {"limit", Int("page size (default 50)", 1, 1000)},
              {"cursor", Str("next_cursor of the previous page")}},
             {}),
      json{{"readOnlyHint", true}}));
  tools.push_back(Tool(
      "delete_memory", "Delete a memory", "Delete one memory by id (its history keeps the record).",
      Schema({{"id", Str("the memory id")}, {"reason", Str("why, kept in the history")}}, {"id"}),
      json{{"readOnlyHint", false}, {"destructiveHint", true}, {"idempotentHint", false}}));
  tools.push_back(Tool(
      "get_context", "Get context",
      "What the agent should see at its next turn, within a token budget: core blocks, recent "
      "turns, the session summary, memories relevant to the query and standing facts. The text "
      "is the rendered context.",
      Schema({{"scope", Str("scope to assemble for (default global)")},
              {"session_id", Str("session whose recent turns and summary to include")},
              {"query", Str("what the next turn is about")},
              {"token_budget", Int("tokens available", 1, 1000000)},
              {"max_relevant", Int("most relevant memories", 0, 1000)},
              {"max_standing", Int("most standing facts", 0, 1000)},
              {"max_related",
               Int("most knowledge-graph facts about entities the query names", 0, 1000)},
              {"recent_turns", Int("recent turns to include", 0, 1000)}},
             {}),
      json{{"readOnlyHint", true}}));
  tools.push_back(
      Tool("edit_core_block", "Edit a core block",
           "Edit a core memory block (always in context): operation set (value, optional limit), "
           "append (text, on a new line; creates the block) or replace (old_text by new_text).",
           Schema({{"operation", {{"type", "string"}, {"enum", {"set", "append", "replace"}}}},
                   {"label", Str("block label, e.g. persona or human")},
                   {"scope", Str("block scope (default global)")},
                   {"value", Str("set: the new value")},
                   {"limit", Int("set: character limit (default 2000)", 1, 1000000)},
                   {"text", Str("append: the text to add")},
                   {"old_text", Str("replace: the text to find")},
                   {"new_text", Str("replace: its replacement")},
                   {"reason", Str("why, kept in the history")}},
                  {"operation", "label"}),
           json{{"readOnlyHint", false}, {"destructiveHint", true}, {"idempotentHint", false}}));
  AddGraphTools(&tools);
  return tools;
}

json TextResult(std::string text, json structured, bool is_error) {
  json r{{"content", json::array({json{{"type", "text"}, {"text", std::move(text)}}})},
         {"isError", is_error}};
  if (structured.is_object()) r["structuredContent"] = std::move(structured);
  return r;
}

json ErrorResult(const Status& st) {
  json body = server::ErrorBody(st);
  const json& e = body["error"];
  return TextResult(e["code"].get<std::string>() + ": " + e["message"].get<std::string>(),
                    std::move(body), true);
}

// Arguments as a route's query parameters: strings as they are, booleans and integers spelled
// out; anything else is the caller's mistake.
Result<server::QueryParams> AsQuery(const json& args) {
  server::QueryParams q;
  for (const auto& [name, value] : args.items()) {
    if (value.is_string()) {
      q.emplace_back(name, value.get<std::string>());
    } else if (value.is_boolean()) {
      q.emplace_back(name, value.get<bool>() ? "true" : "false");
    } else if (value.is_number_integer()) {
      q.emplace_back(name, value.dump());
    } else {
      return Status::InvalidArgument(name + " must be a string, integer or boolean");
    }
  }
  return q;
}

// Only `allowed` may be present in `args`.
Status Only(const json& args, const std::set<std::string>& allowed, const std::string& what) {
  for (const auto& [name, value] : args.items()) {
    if (!allowed.count(name)) {
      return Status::InvalidArgument("'" + name + "' is not an argument of " + what);
    }
  }
  return Status::Ok();
}

Result<std::string> RequiredString(const json& args, const char* name) {
  auto it = args.find(name);
  if (it == args.end() || !it->is_string() || it->get<std::string>().empty()) {
    return Status::InvalidArgument(std::string(name) + " is required (a non-empty string)");
  }
  return it->get<std::string>();
}

}  // namespace

Tools::Tools(const server::Router& routes) : routes_(routes), list_(BuildList()) {}

bool Tools::Has(const std::string& name) const {
  for (const char* n : kToolNames) {
    if (name == n) return true;
  }
  return false;
}

json Tools::Call(const server::Principal& principal, const std::string& name,
                 const json& arguments) const {
  json args = arguments.is_object() ? arguments : json::object();
  // The owner first: a credential that does not cover it learns nothing else.
  std::string owner;
  if (auto it = args.find("owner"); it != args.end()) {
    if (!it->is_string() || it->get<std::string>().empty()) {
      return ErrorResult(Status::InvalidArgument("owner must be a non-empty string"));
    }
    owner = it->get<std::string>();
    args.erase("owner");
  } else {
    owner = principal.SoleOwner();
    if (owner.empty()) {
      return ErrorResult(Status::InvalidArgument(
          "owner is required: this credential is not bound to exactly one owner"));
    }
  }
  if (Status st = server::CheckOwner(principal, owner); !st.ok()) return ErrorResult(st);

  // The route each tool maps onto.
  std::string method;
  std::vector<std::string> segments = {"v1", "owners", owner};
  json body;  // null: the route takes none
  server::QueryParams query;
  Status prepared = [&]() -> Status {
    if (name == "add_memory") {
      if (args.contains("owner_id")) return Status::InvalidArgument("use owner, not owner_id");
      method = "POST";
      segments.push_back("memories");
      body = args;
      if (!body.contains("source")) body["source"] = "mcp";
    } else if (name == "search_memories") {
      method = "POST";
      segments.insert(segments.end(), {"memories", "search"});
      body = args;
    } else if (name == "list_memories") {
      method = "GET";
      segments.push_back("memories");
      ENGRAM_ASSIGN_OR_RETURN(query, AsQuery(args));
    } else if (name == "delete_memory") {
      ENGRAM_RETURN_IF_ERROR(Only(args, {"id", "reason"}, name));
      ENGRAM_ASSIGN_OR_RETURN(std::string id, RequiredString(args, "id"));
      method = "DELETE";
      segments.insert(segments.end(), {"memories", id});
      json rest = args;
      rest.erase("id");
      ENGRAM_ASSIGN_OR_RETURN(query, AsQuery(rest));
    } else if (name == "get_context") {
      method = "POST";
      segments.push_back("context");
      body = args;
    } else if (name == "edit_core_block") {
      ENGRAM_ASSIGN_OR_RETURN(std::string op, RequiredString(args, "operation"));
      ENGRAM_ASSIGN_OR_RETURN(std::string label, RequiredString(args, "label"));
      segments.insert(segments.end(), {"blocks", label});
      if (auto it = args.find("scope"); it != args.end()) {
        if (!it->is_string()) return Status::InvalidArgument("scope must be a string");
        query.emplace_back("scope", it->get<std::string>());
      }
      json rest = args;
      for (const char* n : {"operation", "label", "scope"}) rest.erase(n);
      if (op == "set") {
        ENGRAM_RETURN_IF_ERROR(Only(rest, {"value", "limit", "reason"}, "operation set"));
        method = "PUT";
      } else if (op == "append") {
        ENGRAM_RETURN_IF_ERROR(Only(rest, {"text", "reason"}, "operation append"));
        method = "POST";
        segments.push_back("append");
      } else if (op == "replace") {
        ENGRAM_RETURN_IF_ERROR(Only(rest, {"old_text", "new_text", "reason"}, "operation replace"));
        method = "POST";
        segments.push_back("replace");
      } else {
        return Status::InvalidArgument("operation must be set, append or replace");
      }
      body = std::move(rest);
    } else if (const GraphToolRoute* g = FindGraphTool(name)) {
      method = g->method;
      segments.insert(segments.end(), g->path.begin(), g->path.end());
      if (method == "POST") {
        body = args;
      } else {
        ENGRAM_RETURN_IF_ERROR(Only(args, {}, name));
      }
    } else {
      return Status::Internal("no such tool");
    }
    return Status::Ok();
  }();
  if (!prepared.ok()) return ErrorResult(prepared);

  server::Router::Match match = routes_.Find(method, segments);
  if (match.route == nullptr) {
    return ErrorResult(Status::Internal("the route of tool " + name + " is not registered"));
  }
  server::Call call;
  call.principal = &principal;
  call.path = std::move(match.params);
  call.query = std::move(query);
  call.body = std::move(body);
  Result<server::Reply> reply = Status::Internal("the tool failed");
  try {
    reply = match.route->handler(call);
  } catch (const std::exception&) {
    return ErrorResult(Status::Internal("internal error while running the tool"));
  }
  if (!reply.ok()) return ErrorResult(reply.status());
  json out = std::move(reply->body);
  std::string text =
      name == "get_context" && out.contains("rendered") && out["rendered"].is_string()
          ? out["rendered"].get<std::string>()
          : core::DumpJson(out);
  if (const GraphToolRoute* g = FindGraphTool(name)) {
    // As the official server prints it: the created items, the message, or the graph.
    const std::string member = g->text_member;
    const json& shown = member.empty() ? out : out[member];
    text = shown.is_string() ? shown.get<std::string>() : core::DumpJson(shown, 2);
  }
  return TextResult(std::move(text), std::move(out), false);
}

}  // namespace engram::mcp
