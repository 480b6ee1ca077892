#include "cli/common.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "core/json_codec.h"
#include "embed/embedder_factory.h"
#include "llm/llm_factory.h"
#include "store/factory.h"
#include "util/claim.h"
#include "util/time.h"

namespace engram::cli {

using nlohmann::json;

std::string DefaultDbPath() {
  if (const char* env = std::getenv("ENGRAM_DB"); env && *env) return env;
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg) {
    return std::string(xdg) + "/engram/engram.db";
  }
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : ".") + "/.local/share/engram/engram.db";
}

Result<std::string> StoreUrl(const Globals& g) {
  if (!g.store.empty() && !g.db.empty()) {
    return Status::InvalidArgument("give either --store or --db, not both");
  }
  if (!g.store.empty()) return g.store;
  if (!g.db.empty()) return store::SqliteUrl(g.db);
  if (const char* env = std::getenv("ENGRAM_STORE"); env && *env) return std::string(env);
  return store::SqliteUrl(DefaultDbPath());
}

std::string SessionsUrl(const Globals& g) {
  if (!g.sessions.empty()) return g.sessions;
  const char* env = std::getenv("ENGRAM_SESSIONS");
  return env ? env : "";
}

std::string IndexCacheDir(const Globals& g) {
  std::string dir = g.index_cache;
  if (const char* env = std::getenv("ENGRAM_INDEX_CACHE"); dir.empty() && env && *env) dir = env;
  if (dir == "none") return "";
  if (!dir.empty()) return dir;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) {
    return std::string(xdg) + "/engram/index";
  }
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : ".") + "/.cache/engram/index";
}

int Cli::Run(const std::function<Status()>& command) {
  Status st = command();
  if (st.ok()) return 0;
  PrintError(st);
  return 1;
}

void Cli::PrintError(const Status& st) const {
  if (g_.json) {
    std::cerr << core::DumpJson(json{
                     {"error", {{"code", Status::CodeName(st.code())}, {"message", st.message()}}}})
              << "\n";
  } else {
    std::cerr << "engram: error: " << st.message() << "\n";
  }
}

Result<Engine*> Cli::engine(bool with_embedder, bool accept_model_change, bool with_llm) {
  if (!engine_) {
    Options options;
    if (with_llm) {
      ENGRAM_ASSIGN_OR_RETURN(
          std::unique_ptr<llm::LlmClient> client,
          llm::LlmClientFromEnvironment(llm::LlmOverrides{g_.llm_provider, g_.llm_model}));
      llm_ = std::move(client);
      options.llm = llm_;
      if (const char* calls = std::getenv("ENGRAM_LLM_MAX_CALLS"); calls && *calls) {
        ENGRAM_ASSIGN_OR_RETURN(llm::LlmSettings settings, llm::LlmSettingsFromEnvironment());
        options.llm_max_calls_per_write = settings.max_calls_per_write;
      }
    }
    if (with_embedder) {
      ENGRAM_ASSIGN_OR_RETURN(options.embedder, EmbedderFromEnvironment());
    }
    options.accept_model_change = accept_model_change;
    if (g_.max_items_per_write) options.max_items_per_append = g_.max_items_per_write;
    options.index_memory = g_.index_memory;
    if (g_.approximate_above) options.approximate_above = g_.approximate_above;
    if (g_.index_save_interval_s >= 0) {
      options.index_save_interval_ms = g_.index_save_interval_s * 1000;
    }
    ENGRAM_ASSIGN_OR_RETURN(options.store, StoreUrl(g_));
    options.sessions = SessionsUrl(g_);
    options.index_cache = IndexCacheDir(g_);
    if (const char* now = std::getenv("ENGRAM_NOW"); now && *now) {
      Result<Timestamp> t = util::ParseTimestamp(now);
      if (!t.ok()) return Status::InvalidArgument("ENGRAM_NOW: " + t.status().message());
      options.clock = std::make_shared<ManualClock>(*t);
    }
    std::string policy = g_.policy;
    if (const char* env = std::getenv("ENGRAM_POLICY"); policy.empty() && env && *env) {
      policy = env;
    }
    if (!policy.empty()) {
      ENGRAM_ASSIGN_OR_RETURN(options.policy, LoadPolicyFile(policy));
    }
    ENGRAM_ASSIGN_OR_RETURN(engine_, Engine::Open(options));
  }
  return engine_.get();
}

Result<std::string> ReadText(const std::vector<std::string>& words, size_t limit) {
  if (words.size() == 1 && words[0] == "-") {
    std::string text;
    char buf[65536];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, stdin)) > 0) {
      text.append(buf, n);
      // Stop reading well past any limit so a huge pipe cannot exhaust memory; the engine
      // reports the size error.
      if (text.size() > limit + 1) break;
    }
    return text;
  }
  std::string text;
  for (size_t i = 0; i < words.size(); ++i) {
    if (i) text += ' ';
    text += words[i];
  }
  return text;
}

Result<std::optional<Timestamp>> OptionalTime(const std::string& value) {
  if (value.empty()) return std::optional<Timestamp>();
  ENGRAM_ASSIGN_OR_RETURN(Timestamp t, util::ParseTimestamp(value));
  return std::optional<Timestamp>(t);
}

std::string OrDash(const std::string& s) {
  return s.empty() ? "-" : s;
}

std::string OneLine(const std::string& s, size_t max) {
  std::string out;
  for (char c : s) out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  if (out.size() > max) {
    size_t cut = max;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out = out.substr(0, cut) + "…";
  }
  return out;
}

void PrintRecord(const MemoryRecord& r) {
  using util::FormatTimestamp;
  std::cout << "id:          " << r.id << "\n"
            << "owner:       " << r.owner_id << "\n"
            << "scope:       " << r.scope << "\n"
            << "type:        " << MemoryTypeName(r.type) << "\n"
            << "key:         " << OrDash(r.key) << "\n"
            << "text:        " << r.text << "\n";
  if (!r.session_id.empty()) std::cout << "session:     " << r.session_id << "\n";
  if (!r.agent_id.empty()) std::cout << "agent:       " << r.agent_id << "\n";
  if (r.metadata != "{}") std::cout << "metadata:    " << r.metadata << "\n";
  if (r.data != "{}") std::cout << "data:        " << r.data << "\n";
  std::cout << "confidence:  " << r.confidence << "\n"
            << "created_at:  " << FormatTimestamp(r.created_at) << "\n"
            << "updated_at:  " << FormatTimestamp(r.updated_at) << "\n";
  if (r.expires_at) std::cout << "expires_at:  " << FormatTimestamp(*r.expires_at) << "\n";
  if (!r.superseded_by.empty()) std::cout << "superseded_by: " << r.superseded_by << "\n";
}

Result<std::vector<MemoryRecord>> MatchingMemories(Engine& engine, const std::string& owner,
                                                   const std::string& query,
                                                   const std::optional<std::string>& scope) {
  std::vector<std::string> stems;
  for (std::string& w : util::ClaimWords(query)) stems.push_back(util::ClaimStem(std::move(w)));
  if (stems.empty()) {
    return Status::InvalidArgument("the query names nothing to match: give content words");
  }
  SearchOptions o;
  o.scope = scope;
  o.mode = SearchMode::kLexical;
  o.top_k = 1000;
  o.use_recency = false;
  o.record_access = false;
  ENGRAM_ASSIGN_OR_RETURN(std::vector<SearchHit> hits, engine.Search(owner, query, o));
  std::vector<MemoryRecord> out;
  for (SearchHit& hit : hits) {
    std::string haystack = hit.record.text + " " + hit.record.key;
    for (char& c : haystack) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (std::all_of(stems.begin(), stems.end(), [&](const std::string& stem) {
          return haystack.find(stem) != std::string::npos;
        })) {
      out.push_back(std::move(hit.record));
    }
  }
  return out;
}

void PrintItem(const SessionItem& item) {
  std::cout << "#" << item.seq << " " << RoleName(item.role);
  if (!item.tool_call_id.empty()) std::cout << " (result of " << item.tool_call_id << ")";
  std::cout << ": " << item.content;
  if (!item.tool_calls.empty()) std::cout << " [tool_calls " << item.tool_calls << "]";
  std::cout << "\n";
}

void Emit(const json& value) {
  std::cout << core::DumpJson(value, 2) << "\n";
}

}  // namespace engram::cli
