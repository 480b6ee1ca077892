#include "portable/foreign.h"

#include <sqlite3.h>

#include <algorithm>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "util/json.h"
#include "util/time.h"

namespace engram::portable {

namespace {

using nlohmann::json;

Status At(const std::string& where, const std::string& what) {
  return Status::InvalidArgument(where + ": " + what);
}

Result<std::string> StringField(const json& o, const char* name, const std::string& where) {
  auto it = o.find(name);
  if (it == o.end() || !it->is_string()) return At(where, std::string(name) + " must be a string");
  return it->get<std::string>();
}

// An optional string member; "" when absent or null.
std::string OptionalString(const json& o, const char* name) {
  auto it = o.find(name);
  return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// ISO-8601 with any number of fraction digits (Mem0 writes microseconds), cut to milliseconds.
Result<Timestamp> ParseTime(std::string text) {
  const size_t dot = text.find('.');
  if (dot != std::string::npos) {
    size_t end = dot + 1;
    while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end]))) ++end;
    if (end - dot > 4) text.erase(dot + 4, end - dot - 4);
  }
  return util::ParseTimestamp(text);
}

}  // namespace

Result<ForeignReport> ImportMcpGraph(Engine& engine, std::istream& in, const std::string& owner,
                                     const std::string& scope) {
  std::vector<NewEntity> entities;
  std::vector<NewRelation> relations;
  std::string text;
  for (size_t n = 1; std::getline(in, text); ++n) {
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = "line " + std::to_string(n);
    Result<json> parsed = util::ParseJson(text);
    if (!parsed.ok()) return At(where, parsed.status().message());
    const json& o = *parsed;
    if (!o.is_object()) return At(where, "not a JSON object");
    ENGRAM_ASSIGN_OR_RETURN(std::string type, StringField(o, "type", where));
    if (type == "entity") {
      NewEntity e;
      e.owner_id = owner;
      e.scope = scope;
      ENGRAM_ASSIGN_OR_RETURN(e.name, StringField(o, "name", where));
      ENGRAM_ASSIGN_OR_RETURN(e.type, StringField(o, "entityType", where));
      auto obs = o.find("observations");
      if (obs == o.end() || !obs->is_array()) {
        return At(where, "observations must be an array of strings");
      }
      for (const json& s : *obs) {
        if (!s.is_string()) return At(where, "observations must be an array of strings");
        e.observations.push_back(s.get<std::string>());
      }
      e.source = "import";
      e.change = {"import", "MCP memory graph"};
      entities.push_back(std::move(e));
    } else if (type == "relation") {
      NewRelation r;
      r.owner_id = owner;
      r.scope = scope;
      ENGRAM_ASSIGN_OR_RETURN(r.from, StringField(o, "from", where));
      ENGRAM_ASSIGN_OR_RETURN(r.to, StringField(o, "to", where));
      ENGRAM_ASSIGN_OR_RETURN(r.type, StringField(o, "relationType", where));
      r.source = "import";
      r.change = {"import", "MCP memory graph"};
      relations.push_back(std::move(r));
    } else {
      return At(where, "type must be entity or relation");
    }
  }
  // One transaction: a relation whose ends are neither in the file nor in the graph, like any
  // other error, writes nothing.
  ENGRAM_ASSIGN_OR_RETURN(GraphImportReport written, engine.ImportGraph(entities, relations));
  ForeignReport report;
  report.entities = written.entities_added;
  report.relations = written.relations_added;
  return report;
}

Result<ForeignReport> ImportMem0(Engine& engine, std::istream& in, const std::string& owner,
                                 const std::string& scope) {
  std::stringstream buffer;
  buffer << in.rdbuf();
  Result<json> parsed = util::ParseJson(buffer.str());
  if (!parsed.ok()) return parsed.status();
  const json& dump = *parsed;
  const json* list = &dump;
  if (dump.is_object()) {
    auto it = dump.find("results");
    if (it == dump.end()) return Status::InvalidArgument("a Mem0 dump has a \"results\" list");
    list = &*it;
  }
  if (!list->is_array()) return Status::InvalidArgument("the memories must be a list");
  std::vector<NewMemory> memories;
  for (size_t i = 0; i < list->size(); ++i) {
    const json& m = (*list)[i];
    const std::string where = "memory " + std::to_string(i);
    if (!m.is_object()) return At(where, "not a JSON object");
    NewMemory x;
    x.owner_id = owner;
    x.scope = scope;
    ENGRAM_ASSIGN_OR_RETURN(x.text, StringField(m, "memory", where));
    x.agent_id = OptionalString(m, "agent_id");
    x.session_id = OptionalString(m, "run_id");
    x.source = "mem0";
    json metadata = json::object();
    if (auto it = m.find("metadata"); it != m.end() && it->is_object()) metadata = *it;
    if (auto id = OptionalString(m, "id"); !id.empty()) metadata["mem0_id"] = id;
    if (auto user = OptionalString(m, "user_id"); !user.empty()) metadata["mem0_user_id"] = user;
    if (auto it = m.find("categories"); it != m.end() && it->is_array()) {
      metadata["categories"] = *it;
    }
    x.metadata = metadata.dump();
    if (auto created = OptionalString(m, "created_at"); !created.empty()) {
      Result<Timestamp> t = ParseTime(created);
      if (!t.ok()) return At(where, "created_at: " + t.status().message());
      x.observed_at = *t;
    }
    x.change = {"import", "Mem0 dump"};
    if (Status st = engine.ValidateMemory(x); !st.ok()) return At(where, st.message());
    memories.push_back(std::move(x));
  }
  ForeignReport report;
  if (memories.empty()) return report;
  ENGRAM_ASSIGN_OR_RETURN(std::vector<WriteResult> writes, engine.WriteMemories(memories));
  for (const WriteResult& w : writes) {
    (w.event == WriteEvent::kDeduplicated ? report.already_known : report.memories) += 1;
  }
  return report;
}

namespace {

struct SqliteCloser {
  void operator()(sqlite3* db) const { sqlite3_close(db); }
};
struct StmtCloser {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};

std::string ColumnText(sqlite3_stmt* s, int col) {
  const unsigned char* text = sqlite3_column_text(s, col);
  return text ? reinterpret_cast<const char*>(text) : "";
}

// The text of a Responses API content: a string, or a list of parts with "text".
std::string ContentText(const json& content) {
  if (content.is_string()) return content.get<std::string>();
  std::string out;
  if (!content.is_array()) return out;
  for (const json& part : content) {
    if (!part.is_object()) continue;
    const std::string text = OptionalString(part, "text");
    if (text.empty()) continue;
    if (!out.empty()) out += "\n";
    out += text;
  }
  return out;
}

// One Agents SDK input item as a session item; nullopt for items engram keeps nothing of.
Result<std::optional<SessionItem>> ItemOf(const json& m, const std::string& where) {
  if (!m.is_object()) return At(where, "message_data is not a JSON object");
  const std::string type = OptionalString(m, "type");
  SessionItem item;
  if (type == "function_call") {
    item.role = Role::kAssistant;
    ENGRAM_ASSIGN_OR_RETURN(std::string call, StringField(m, "call_id", where));
    json fn = {{"name", OptionalString(m, "name")}, {"arguments", OptionalString(m, "arguments")}};
    item.tool_calls = json::array({{{"id", call}, {"type", "function"}, {"function", fn}}}).dump();
    return std::optional<SessionItem>(std::move(item));
  }
  if (type == "function_call_output") {
    item.role = Role::kTool;
    ENGRAM_ASSIGN_OR_RETURN(item.tool_call_id, StringField(m, "call_id", where));
    auto out = m.find("output");
    if (out == m.end()) return At(where, "function_call_output has no output");
    item.content = out->is_string() ? out->get<std::string>() : ContentText(*out);
    if (item.content.empty()) item.content = out->dump();
    return std::optional<SessionItem>(std::move(item));
  }
  if (!type.empty() && type != "message") return std::optional<SessionItem>();
  const std::string role = OptionalString(m, "role");
  if (role == "user") {
    item.role = Role::kUser;
  } else if (role == "assistant") {
    item.role = Role::kAssistant;
  } else if (role == "system" || role == "developer") {
    item.role = Role::kSystem;
  } else {
    return At(where, "message role must be user, assistant, system or developer");
  }
  auto content = m.find("content");
  if (content == m.end()) return At(where, "message has no content");
  item.content = ContentText(*content);
  if (item.content.empty()) return std::optional<SessionItem>();
  return std::optional<SessionItem>(std::move(item));
}

}  // namespace

Result<ForeignReport> ImportAgentsSessions(Engine& engine, const std::string& path,
                                           const std::string& owner) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
  std::unique_ptr<sqlite3, SqliteCloser> db(raw);
  if (rc != SQLITE_OK) return Status::IOError("cannot open '" + path + "' as a SQLite database");
  sqlite3_stmt* raw_stmt = nullptr;
  // The SDK's default table names; messages in the order they were added.
  const char* sql =
      "SELECT m.session_id, m.id, m.message_data FROM agent_messages m"
      " JOIN agent_sessions s ON s.session_id = m.session_id ORDER BY m.session_id, m.id";
  if (sqlite3_prepare_v2(db.get(), sql, -1, &raw_stmt, nullptr) != SQLITE_OK) {
    return Status::InvalidArgument(
        "'" + path + "' is not an Agents SDK session database: " + sqlite3_errmsg(db.get()));
  }
  std::unique_ptr<sqlite3_stmt, StmtCloser> stmt(raw_stmt);
  std::map<std::string, std::vector<SessionItem>> sessions;
  ForeignReport report;
  int step;
  while ((step = sqlite3_step(stmt.get())) == SQLITE_ROW) {
    const std::string session = ColumnText(stmt.get(), 0);
    const std::string where = "message " + std::to_string(sqlite3_column_int64(stmt.get(), 1));
    Result<json> m = util::ParseJson(ColumnText(stmt.get(), 2));
    if (!m.ok()) return At(where, "message_data: " + m.status().message());
    ENGRAM_ASSIGN_OR_RETURN(std::optional<SessionItem> item, ItemOf(*m, where));
    if (!item) {
      ++report.skipped;
      continue;
    }
    // Several calls in one turn: one assistant item with every call, as engram keeps them.
    std::vector<SessionItem>& items = sessions[session];
    if (!items.empty() && !item->tool_calls.empty() && items.back().role == Role::kAssistant &&
        !items.back().tool_calls.empty()) {
      json calls = json::parse(items.back().tool_calls);
      calls.push_back(json::parse(item->tool_calls)[0]);
      items.back().tool_calls = calls.dump();
      continue;
    }
    items.push_back(std::move(*item));
  }
  if (step != SQLITE_DONE) return Status::IOError(sqlite3_errmsg(db.get()));
  for (const auto& [id, items] : sessions) {
    ENGRAM_ASSIGN_OR_RETURN(auto existing, engine.GetSessionItems(owner, id));
    if (!existing.empty()) {
      return Status::AlreadyExists("session " + id + " already has items; nothing was imported");
    }
  }
  for (const auto& [id, items] : sessions) {
    Result<std::vector<SessionItem>> added = engine.AddSessionItems(owner, id, items);
    if (!added.ok()) return added.status().WithPrefix("session " + id + ": ");
    ++report.sessions;
    report.session_items += static_cast<int64_t>(added->size());
  }
  return report;
}

}  // namespace engram::portable
