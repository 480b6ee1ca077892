// Imports of what users of other memory systems already have (docs/export.md), each through the
// engine's normal write calls, so redaction, validation, dedup and supersession apply:
//  - the official MCP memory server's JSONL graph (MEMORY_FILE_PATH): {"type":"entity", "name",
//    "entityType", "observations"} and {"type":"relation", "from", "to", "relationType"} lines;
//  - a Mem0 `get_all` dump: {"results": [memory...]} or a bare list, each memory with "memory"
//    (the text) and optionally "id", "metadata", "categories", "created_at", "user_id",
//    "agent_id", "run_id";
//  - an OpenAI Agents SDK `SQLiteSession` database: its agent_sessions and agent_messages tables,
//    whose message_data are Responses API input items.
// A malformed input is an InvalidArgument naming its line, entry or message, found before
// anything is written.
#pragma once

#include <cstdint>
#include <istream>
#include <string>

#include "engram/engine.h"

namespace engram::portable {

struct ForeignReport {
  int64_t memories = 0;       // stored (new or superseding)
  int64_t already_known = 0;  // deduplicated into a record stored before
  int64_t entities = 0;       // new entities
  int64_t relations = 0;      // new relations
  int64_t sessions = 0;
  int64_t session_items = 0;
  int64_t skipped = 0;  // input items with nothing engram keeps (e.g. model reasoning items)
};

// The MCP memory server's graph, for `owner` at `scope`, all or nothing (Engine::ImportGraph):
// entities, then relations, each relation's ends in the file or already in the graph.
Result<ForeignReport> ImportMcpGraph(Engine& engine, std::istream& in, const std::string& owner,
                                     const std::string& scope);

// A Mem0 dump's memories as facts of `owner` at `scope`, in one write: created_at is when each
// was said; Mem0's id, categories and user_id go to metadata (mem0_id, categories, mem0_user_id:
// the owner is the caller's choice), its metadata too, its agent_id and run_id to agent_id and
// session_id.
Result<ForeignReport> ImportMem0(Engine& engine, std::istream& in, const std::string& owner,
                                 const std::string& scope);

// Every session of an Agents SDK SQLiteSession database file, as sessions of `owner` with the
// same ids: messages become user, assistant, system and tool items; function calls become
// assistant items with tool_calls, their outputs tool items. A session id engram already has for
// the owner is refused (AlreadyExists) before anything is written.
Result<ForeignReport> ImportAgentsSessions(Engine& engine, const std::string& path,
                                           const std::string& owner);

}  // namespace engram::portable
