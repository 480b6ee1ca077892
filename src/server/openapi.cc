#include "server/openapi.h"

#include <set>

#include "server/graph_schemas.h"
#include "server/schema.h"
#include "server/v1_routes.h"

namespace engram::server {

namespace {

using nlohmann::json;
using schema::ArrayOf;
using schema::Nullable;
using schema::Object;
using schema::Ref;
using schema::Type;

// Error responses a route may give, by its kind.
std::vector<int> ErrorStatuses(const Route& route) {
  std::vector<int> out;
  if (!route.doc.request_schema.is_null() || !route.doc.query.empty() ||
      route.path.find('{') != std::string::npos) {
    out.push_back(400);
  }
  if (route.access != Access::kPublic) {
    out.push_back(401);
    if (route.access != Access::kAnyKey) out.push_back(403);
    if (route.access == Access::kOwner) out.push_back(404);
    out.push_back(422);
    out.push_back(429);
  }
  if (!route.doc.request_schema.is_null()) out.push_back(413);
  out.push_back(500);
  if (route.access != Access::kPublic) out.push_back(503);
  return out;
}

const char* Reason(int status) {
  switch (status) {
    case 400:
      return "Malformed request: bad JSON, invalid UTF-8 or a bad path escape";
    case 401:
      return "No valid API key";
    case 403:
      return "The key does not cover this owner, or the route needs an admin key";
    case 404:
      return "Unknown id (or an id of another owner)";
    case 409:
      return "The store does not allow this now";
    case 413:
      return "Request body or a field over its size limit";
    case 422:
      return "A field is missing or invalid";
    case 429:
      return "Rate limit of this key exceeded; see Retry-After";
    case 503:
      return "The store is busy or a provider is unreachable; see Retry-After";
    default:
      return "Internal error";
  }
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

json ComponentSchemas() {
  const json time = Ref("Time");
  json s = json::object();
  s["Time"] = json{{"oneOf",
                    {Type("string", "ISO-8601, e.g. 2024-03-01T10:00:00Z"),
                     Type("integer", "epoch milliseconds")}}};
  s["Error"] = Object({{"error", Object({{"code", Type("string", "snake_case, e.g. not_found")},
                                         {"message", Type("string")}},
                                        {"code", "message"})}},
                      {"error"});
  s["MemoryType"] =
      json{{"type", "string"},
           {"enum", {"fact", "preference", "episode", "procedure", "summary", "block"}}};
  s["Memory"] = Object({{"id", Type("string")},
                        {"owner_id", Type("string")},
                        {"scope", Type("string")},
                        {"agent_id", Nullable("string")},
                        {"session_id", Nullable("string")},
                        {"type", Ref("MemoryType")},
                        {"key", Nullable("string")},
                        {"text", Type("string")},
                        {"data", json::object()},
                        {"metadata", Type("object")},
                        {"source", Nullable("string")},
                        {"confidence", Type("number")},
                        {"created_at", Type("string")},
                        {"updated_at", Type("string")},
                        {"valid_from", Nullable("string")},
                        {"valid_to", Nullable("string")},
                        {"last_verified_at", Nullable("string")},
                        {"last_accessed_at", Nullable("string")},
                        {"access_count", Type("integer")},
                        {"expires_at", Nullable("string")},
                        {"superseded_by", Nullable("string")},
                        {"deleted_at", Nullable("string")}},
                       {"id", "owner_id", "scope", "type", "text", "created_at", "updated_at"});
  // Open, because SearchHit extends it (allOf) with score and explanation.
  s["Memory"].erase("additionalProperties");
  s["NewMemory"] = Object({{"text", Type("string")},
                           {"type", Ref("MemoryType")},
                           {"key", Type("string", "what it is about, e.g. ui.theme")},
                           {"scope", Type("string", "global (default) or a path: project/alpha")},
                           {"agent_id", Type("string")},
                           {"session_id", Type("string")},
                           {"data", json::object()},
                           {"metadata", Type("object")},
                           {"source", Type("string")},
                           {"confidence", Type("number")},
                           {"observed_at", time},
                           {"created_at", time},
                           {"valid_from", time},
                           {"valid_to", time},
                           {"expires_at", time},
                           {"owner_id", Type("string", "if given, must be the path's owner")},
                           {"supersedes", ArrayOf(Type("string", "ids this record replaces"))},
                           {"reason", Type("string", "recorded in history")}},
                          {"text"});
  s["WriteResult"] = Object(
      {{"event",
        json{{"type", "string"}, {"enum", {"added", "deduplicated", "superseded", "updated"}}}},
       {"memory", Ref("Memory")},
       {"superseded_ids", ArrayOf(Type("string"))}},
      {"event", "memory", "superseded_ids"});
  s["MemoryPage"] = Object({{"items", ArrayOf(Ref("Memory"))}, {"next_cursor", Nullable("string")}},
                           {"items", "next_cursor"});
  s["SearchRequest"] =
      Object({{"query", Type("string")},
              {"scope", Type("string")},
              {"type", Ref("MemoryType")},
              {"key", Type("string")},
              {"session_id", Type("string")},
              {"filter", Type("object", "JSON filter over fields and metadata (docs/search.md)")},
              {"since", time},
              {"until", time},
              {"valid_at", time},
              {"top_k", Type("integer", "1..1000, default 10")},
              {"threshold", Type("number")},
              {"mode", json{{"type", "string"}, {"enum", {"hybrid", "lexical", "vector"}}}},
              {"use_recency", Type("boolean")},
              {"use_answer_fit",
               Type("boolean", "favour memories of the kind the question asks for (default true)")},
              {"use_graph", Type("boolean",
                                 "favour memories linked to the entities the query "
                                 "names in the knowledge graph (default true)")},
              {"explain", Type("boolean")}},
             {"query"});
  s["SearchHit"] =
      json{{"allOf",
            {Ref("Memory"), json{{"type", "object"},
                                 {"properties",
                                  {{"score", Type("number")},
                                   {"explanation", Object({{"lexical_rank", Nullable("integer")},
                                                           {"lexical_score", Type("number")},
                                                           {"vector_rank", Nullable("integer")},
                                                           {"vector_similarity", Type("number")},
                                                           {"relevance", Type("number")},
                                                           {"date", Type("number")},
                                                           {"context", Type("number")},
                                                           {"answer", Type("number")},
                                                           {"graph", Type("number")},
                                                           {"graph_reason", Type("string")},
                                                           {"recency", Type("number")},
                                                           {"confidence", Type("number")},
                                                           {"final", Type("number")}})}}},
                                 {"required", {"score"}}}}}};
  s["HistoryEvent"] = Object({{"seq", Type("integer")},
                              {"memory_id", Type("string")},
                              {"event", Type("string", "add|update|delete|verify|supersede")},
                              {"actor", Nullable("string")},
                              {"reason", Nullable("string")},
                              {"old_value", json::object()},
                              {"new_value", json::object()},
                              {"at", Type("string")}},
                             {"seq", "memory_id", "event", "at"});
  s["ForgetReport"] = Object({{"memories", Type("integer")},
                              {"history_events", Type("integer")},
                              {"sessions", Type("integer")},
                              {"session_items", Type("integer")},
                              {"checkpoints", Type("integer")}},
                             {"memories", "history_events", "sessions", "session_items"});
  const json role = json{{"type", "string"}, {"enum", {"user", "assistant", "system", "tool"}}};
  s["NewSessionItem"] = Object({{"role", role},
                                {"content", Type("string")},
                                {"tool_calls", ArrayOf(Type("object"))},
                                {"tool_call_id", Type("string")}},
                               {"role"});
  s["SessionItem"] = Object({{"seq", Type("integer")},
                             {"role", role},
                             {"content", Type("string")},
                             {"tool_calls", ArrayOf(Type("object"))},
                             {"tool_call_id", Type("string")},
                             {"created_at", Type("string")}},
                            {"seq", "role", "content", "created_at"});
  s["OwnerItem"] = Object({{"session_id", Type("string")},
                           {"seq", Type("integer")},
                           {"role", role},
                           {"content", Type("string")},
                           {"tool_calls", ArrayOf(Type("object"))},
                           {"tool_call_id", Type("string")},
                           {"created_at", Type("string")}},
                          {"session_id", "seq", "role", "content", "created_at"});
  s["SessionSummary"] = Object({{"text", Type("string")},
                                {"updated_at", Type("string")},
                                {"through_seq", Type("integer", "items up to it are folded in")}},
                               {"text", "updated_at"});
  s["CoreBlock"] = Object({{"id", Type("string")},
                           {"scope", Type("string")},
                           {"label", Type("string")},
                           {"value", Type("string")},
                           {"limit", Type("integer")},
                           {"updated_at", Type("string")}},
                          {"id", "scope", "label", "value", "limit", "updated_at"});
  s["TurnReport"] = Object(
      {{"disposition", json{{"type", "string"}, {"enum", {"discard", "session_only", "promote"}}}},
       {"reason", Type("string")},
       {"writes", ArrayOf(Ref("WriteResult"))},
       {"forgotten", ArrayOf(Ref("Memory"))},
       {"skipped", ArrayOf(Type("string"))},
       {"llm_error", schema::Nullable("string")}},
      {"disposition", "reason", "writes", "skipped"});
  s["GcReport"] = Object({{"expired_memories", Type("integer")},
                          {"history_events", Type("integer")},
                          {"session_items", Type("integer")},
                          {"dry_run", Type("boolean")}},
                         {"expired_memories", "history_events", "session_items"});
  s["ContextRequest"] =
      Object({{"scope", Type("string")},
              {"session_id", Type("string")},
              {"query", Type("string")},
              {"token_budget", Type("integer", "default 2000")},
              {"max_relevant", Type("integer")},
              {"max_standing", Type("integer")},
              {"max_related", Type("integer",
                                   "default 10: knowledge-graph facts about the entities the query "
                                   "names")},
              {"recent_turns", Type("integer")},
              {"previous_session", Type("boolean",
                                        "default true: the summary and last turns of the owner's "
                                        "previous session")},
              {"previous_turns", Type("integer", "default 2")}});
  const json item =
      Object({{"section", Type("string", "block|previous|summary|standing|relevant|related|turn")},
              {"reason", Type("string")},
              {"score", Type("number")},
              {"tokens", Type("integer")},
              {"text", Type("string")},
              {"memory_id", Type("string")},
              {"session_seq", Type("integer")}},
             {"section", "reason", "score", "tokens", "text"});
  s["Context"] = Object({{"items", ArrayOf(item)},
                         {"omitted", ArrayOf(item)},
                         {"token_count", Type("integer")},
                         {"token_budget", Type("integer")},
                         {"rendered", Type("string")}},
                        {"items", "omitted", "token_count", "token_budget", "rendered"});

  AddGraphSchemas(s);

  // Mem0 shapes: open objects, since Mem0 clients send and expect a few more fields.
  const json message = json{{"type", "object"},
                            {"properties", {{"role", role}, {"content", Type("string")}}},
                            {"required", {"role", "content"}}};
  s["Mem0AddRequest"] = json{{"type", "object"},
                             {"properties",
                              {{"messages", json{{"oneOf", {ArrayOf(message), Type("string")}}}},
                               {"user_id", Type("string")},
                               {"agent_id", Type("string")},
                               {"run_id", Type("string")},
                               {"metadata", Type("object")},
                               {"infer", Type("boolean")},
                               {"timestamp", Type("integer")},
                               {"expiration_date", Type("string")}}},
                             {"required", {"messages"}}};
  s["Mem0SearchRequest"] = json{{"type", "object"},
                                {"properties",
                                 {{"query", Type("string")},
                                  {"user_id", Type("string")},
                                  {"agent_id", Type("string")},
                                  {"run_id", Type("string")},
                                  {"filters", Type("object")},
                                  {"top_k", Type("integer")},
                                  {"limit", Type("integer")},
                                  {"threshold", Type("number")}}},
                                {"required", {"query"}}};
  s["Mem0UpdateRequest"] = json{{"type", "object"},
                                {"properties",
                                 {{"text", Type("string")},
                                  {"memory", Type("string")},
                                  {"data", Type("string")},
                                  {"content", Type("string")},
                                  {"metadata", Type("object")},
                                  {"expiration_date", Type("string")},
                                  {"user_id", Type("string")}}}};
  s["Mem0Memory"] =
      json{{"type", "object"},
           {"properties",
            {{"id", Type("string")},
             {"memory", Type("string")},
             {"metadata", Type("object")},
             {"created_at", Type("string")},
             {"updated_at", Type("string")},
             {"user_id", Type("string")},
             {"agent_id", Nullable("string")},
             {"run_id", Nullable("string")},
             {"expiration_date", Nullable("string")},
             {"score", Type("number")},
             {"event", json{{"type", "string"}, {"enum", {"ADD", "UPDATE", "DELETE", "NONE"}}}}}},
           {"required", {"id", "memory"}}};
  s["Mem0Results"] = Object({{"results", ArrayOf(Ref("Mem0Memory"))}}, {"results"});
  s["Mem0Page"] = Object({{"count", Type("integer")},
                          {"next", Nullable("string")},
                          {"previous", Nullable("string")},
                          {"results", ArrayOf(Ref("Mem0Memory"))}},
                         {"count", "next", "previous", "results"});
  s["Mem0HistoryEntry"] = json{{"type", "object"},
                               {"properties",
                                {{"id", Type("string")},
                                 {"memory_id", Type("string")},
                                 {"old_memory", Nullable("string")},
                                 {"new_memory", Nullable("string")},
                                 {"event", Type("string")},
                                 {"created_at", Type("string")},
                                 {"is_deleted", Type("boolean")}}},
                               {"required", {"id", "memory_id", "event"}}};
  v1::AddCheckpointSchemas(s);
  return s;
}

json BuildOpenApi(const Router& router) {
  json paths = json::object();
  std::set<std::string> tags;
  for (const Route& route : router.routes()) {
    json op{{"operationId", route.doc.operation_id},
            {"summary", route.doc.summary},
            {"tags", {route.doc.tag}}};
    tags.insert(route.doc.tag);
    json params = json::array();
    for (const std::string& seg : route.segments) {
      if (seg.size() > 2 && seg.front() == '{' && seg.back() == '}') {
        params.push_back({{"name", seg.substr(1, seg.size() - 2)},
                          {"in", "path"},
                          {"required", true},
                          {"schema", Type("string")}});
      }
    }
    for (const QueryParamDoc& q : route.doc.query) {
      params.push_back({{"name", q.name},
                        {"in", "query"},
                        {"required", q.required},
                        {"description", q.description},
                        {"schema", Type(q.type.c_str())}});
    }
    if (!params.empty()) op["parameters"] = std::move(params);
    if (!route.doc.request_schema.is_null()) {
      op["requestBody"] = {
          {"required", route.doc.body_required},
          {"content", {{"application/json", {{"schema", route.doc.request_schema}}}}}};
    }
    json responses = json::object();
    responses[std::to_string(route.success_status)] = {
        {"description", "Success"},
        {"content", {{route.doc.response_content_type, {{"schema", route.doc.response_schema}}}}}};
    for (int status : ErrorStatuses(route)) {
      responses[std::to_string(status)] = {
          {"description", Reason(status)},
          {"content", {{"application/json", {{"schema", Ref("Error")}}}}}};
    }
    op["responses"] = std::move(responses);
    if (route.access == Access::kPublic) {
      op["security"] = json::array();
    } else if (route.access == Access::kAdmin) {
      op["description"] = "Admin keys only.";
    }
    paths[route.path][Lower(route.method)] = std::move(op);
  }
  json tag_list = json::array();
  for (const std::string& t : tags) tag_list.push_back({{"name", t}});
  return json{
      {"openapi", "3.1.0"},
      {"info",
       {{"title", "engram"},
        {"version", "1"},
        {"description",
         "Memory for LLM agents: durable memories, session state, core blocks and context "
         "assembly, scoped per owner. Keys are bound to owners; see docs/http.md."}}},
      {"jsonSchemaDialect", "https://spec.openapis.org/oas/3.1/dialect/base"},
      {"tags", std::move(tag_list)},
      {"paths", std::move(paths)},
      {"components",
       {{"schemas", ComponentSchemas()},
        {"securitySchemes",
         {{"bearer", {{"type", "http"}, {"scheme", "bearer"}}},
          {"apiKey", {{"type", "apiKey"}, {"in", "header"}, {"name", "X-API-Key"}}}}}}},
      {"security", json::array({{{"bearer", json::array()}}, {{"apiKey", json::array()}}})}};
}

}  // namespace engram::server
