#include "portable/memory_files.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <tuple>

#include "util/json.h"
#include "util/time.h"

namespace engram::portable {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kStateFile = ".engram-files.json";
constexpr const char* kSoul = "SOUL.md";
constexpr const char* kMemory = "MEMORY.md";
constexpr const char* kMarkOpen = "<!-- engram:";
constexpr const char* kMarkClose = "-->";
constexpr const char* kEpisodes = "## Episodes";
constexpr size_t kPage = 1000;

// FNV-1a: tells an edited file from an untouched one (no adversary here).
std::string Checksum(const std::string& text) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ull;
  std::ostringstream out;
  out << std::hex << h;
  return out.str();
}

// A memory's text as one line of a file.
std::string OneLine(const std::string& text) {
  std::string out;
  for (char c : text) out += (c == '\n' || c == '\r') ? ' ' : c;
  return out;
}

std::string Trim(const std::string& s) {
  const size_t a = s.find_first_not_of(" \t\r");
  if (a == std::string::npos) return "";
  return s.substr(a, s.find_last_not_of(" \t\r") - a + 1);
}

Result<std::vector<MemoryRecord>> AllLive(Engine& engine, const std::string& owner,
                                          MemoryType type) {
  std::vector<MemoryRecord> out;
  ListOptions o;
  o.type = type;
  o.limit = kPage;
  while (true) {
    ENGRAM_ASSIGN_OR_RETURN(MemoryPage page, engine.ListMemories(owner, o));
    for (MemoryRecord& r : page.items) out.push_back(std::move(r));
    if (page.next_cursor.empty()) break;
    o.cursor = page.next_cursor;
  }
  std::reverse(out.begin(), out.end());  // oldest first
  return out;
}

Status WriteFile(const fs::path& path, const std::string& text) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  const fs::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) return Status::IOError("cannot write '" + tmp.string() + "'");
  }
  fs::rename(tmp, path, ec);
  if (ec) return Status::IOError("cannot write '" + path.string() + "': " + ec.message());
  return Status::Ok();
}

Result<std::string> ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read '" + path.string() + "'");
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string Line(const MemoryRecord& r) {
  return "- " + OneLine(r.text) + " " + kMarkOpen + r.id + " " + kMarkClose + "\n";
}

// A "- text <!-- engram:id -->" line: its text and id (empty when it has none); false when the
// line is not a list item.
bool ParseItem(const std::string& raw, std::string* text, std::string* id) {
  const std::string line = Trim(raw);
  if (!line.starts_with("- ")) return false;
  std::string body = line.substr(2);
  id->clear();
  const size_t mark = body.rfind(kMarkOpen);
  if (mark != std::string::npos && body.ends_with(kMarkClose)) {
    const size_t start = mark + std::strlen(kMarkOpen);
    *id = Trim(body.substr(start, body.size() - std::strlen(kMarkClose) - start));
    body = body.substr(0, mark);
  }
  *text = Trim(body);
  return true;
}

struct Exported {
  std::map<std::string, std::string> files;  // relative path -> text
  json lines = json::object();               // id -> {file, text, updated_at}
  json blocks = json::object();              // id -> {label, scope, text, updated_at}
};

Result<Exported> Render(Engine& engine, const std::string& owner) {
  Exported out;
  // SOUL.md: one section per block.
  std::string soul = "# SOUL\n\nCore blocks of " + owner +
                     ": always in the agent's context. Edit a section's text, add a \"## label\" "
                     "section, or remove one; then run `engram files sync`.\n";
  ENGRAM_ASSIGN_OR_RETURN(auto blocks, AllLive(engine, owner, MemoryType::kBlock));
  for (const MemoryRecord& b : blocks) {
    soul += "\n## " + b.key + " " + kMarkOpen + b.id + " scope=" + b.scope + " " + kMarkClose +
            "\n\n" + b.text + "\n";
    out.blocks[b.id] = {
        {"label", b.key}, {"scope", b.scope}, {"text", Trim(b.text)}, {"updated_at", b.updated_at}};
  }
  out.files[kSoul] = soul;
  // MEMORY.md: by scope, then type.
  std::map<std::string, std::map<std::string, std::string>> sections;
  for (MemoryType type : {MemoryType::kFact, MemoryType::kPreference, MemoryType::kProcedure}) {
    ENGRAM_ASSIGN_OR_RETURN(auto records, AllLive(engine, owner, type));
    for (const MemoryRecord& r : records) {
      sections[r.scope][MemoryTypeName(type)] += Line(r);
      out.lines[r.id] = {
          {"file", kMemory}, {"text", Trim(OneLine(r.text))}, {"updated_at", r.updated_at}};
    }
  }
  std::string memory = "# MEMORY\n\nLong-term memory of " + owner +
                       ", by scope and type. Edit, remove or add \"- \" lines; then run `engram "
                       "files sync`.\n";
  for (const auto& [scope, types] : sections) {
    memory += "\n## " + scope + "\n";
    for (const auto& [type, lines] : types) memory += "\n### " + type + "\n\n" + lines;
  }
  out.files[kMemory] = memory;
  // memory/YYYY-MM-DD.md: the day's episodes, then its session transcripts.
  std::map<std::string, std::string> episodes, transcripts;
  auto day = [](Timestamp t) { return util::FormatTimestamp(t).substr(0, 10); };
  ENGRAM_ASSIGN_OR_RETURN(auto eps, AllLive(engine, owner, MemoryType::kEpisode));
  for (const MemoryRecord& r : eps) {
    const std::string file = "memory/" + day(r.created_at) + ".md";
    episodes[file] += Line(r);
    out.lines[r.id] = {
        {"file", file}, {"text", Trim(OneLine(r.text))}, {"updated_at", r.updated_at}};
  }
  ArchiveParts sessions_only{false, false, false, false, true, false, false};
  ENGRAM_ASSIGN_OR_RETURN(OwnerArchive archive, engine.ExportOwner(owner, sessions_only));
  for (const ArchivedSession& s : archive.sessions) {
    std::map<std::string, std::string> by_day;
    for (const SessionItem& item : s.items) {
      const std::string time = util::FormatTimestamp(item.created_at).substr(11, 5);
      by_day["memory/" + day(item.created_at) + ".md"] +=
          "> **" + std::string(RoleName(item.role)) + "** " + time + ": " +
          OneLine(item.content.empty() ? item.tool_calls : item.content) + "\n";
    }
    for (const auto& [file, text] : by_day) {
      transcripts[file] += "\n## Session " + s.session_id + "\n\n" + text;
    }
  }
  std::set<std::string> days;
  for (const auto& [file, _] : episodes) days.insert(file);
  for (const auto& [file, _] : transcripts) days.insert(file);
  for (const std::string& file : days) {
    std::string text = "# " + file.substr(7, 10) + "\n\n" + kEpisodes + "\n\n" + episodes[file];
    out.files[file] = text + transcripts[file];
  }
  return out;
}

Status CheckState(const json& state, const std::string& owner, const std::string& dir) {
  if (!state.is_object() || state.value("owner", "") != owner) {
    return Status::FailedPrecondition("'" + dir + "' holds no files exported for owner " + owner +
                                      " (run `engram files export` first)");
  }
  return Status::Ok();
}

}  // namespace

bool SyncPlan::has_conflicts() const {
  for (const SyncStep& s : steps) {
    if (s.action == "conflict") return true;
  }
  return false;
}

Status ExportMemoryFiles(Engine& engine, const std::string& owner, const std::string& dir,
                         std::vector<std::string>* files) {
  ENGRAM_ASSIGN_OR_RETURN(Exported e, Render(engine, owner));
  json state = {
      {"owner", owner}, {"files", json::object()}, {"lines", e.lines}, {"blocks", e.blocks}};
  for (const auto& [file, text] : e.files) {
    ENGRAM_RETURN_IF_ERROR(WriteFile(fs::path(dir) / file, text));
    state["files"][file] = Checksum(text);
    files->push_back(file);
  }
  // Written last: files without a state are never taken for exported ones.
  return WriteFile(fs::path(dir) / kStateFile, state.dump(1) + "\n");
}

Status SyncMemoryFiles(Engine& engine, const std::string& owner, const std::string& dir, bool apply,
                       SyncPlan* plan, const SyncProgress& progress) {
  Result<std::string> state_text = ReadFile(fs::path(dir) / kStateFile);
  json state = state_text.ok() ? util::ParseJsonOr(json(), *state_text) : json();
  ENGRAM_RETURN_IF_ERROR(CheckState(state, owner, dir));
  const json& lines = state["lines"];
  const json& blocks = state["blocks"];
  std::vector<NewMemory> adds;
  // A change to a record is a conflict when the store changed it since the export.
  auto changed_in_store = [&](const std::string& file, const std::string& id,
                              Timestamp exported_at) -> Result<bool> {
    Result<MemoryRecord> now = engine.GetMemory(owner, id);
    if (now.status().code() == Status::Code::kNotFound) {
      plan->steps.push_back({file, "conflict", id, "deleted in the store since the export"});
      return true;
    }
    if (!now.ok()) return now.status();
    if (now->updated_at != exported_at) {
      plan->steps.push_back(
          {file, "conflict", id,
           "changed in the store since the export; it now reads: " + OneLine(now->text)});
      return true;
    }
    return false;
  };
  for (const auto& [file, checksum] : state["files"].items()) {
    Result<std::string> text = ReadFile(fs::path(dir) / file);
    if (!text.ok() || Checksum(*text) == checksum.get<std::string>()) {
      plan->unchanged.push_back(file);  // a missing file is not read as "delete everything"
      continue;
    }
    std::istringstream in(*text);
    std::string raw;
    if (file == kSoul) {
      // Sections: "## label <!-- engram:id scope=S -->" (an existing block) or "## label".
      std::vector<std::tuple<std::string, std::string, std::string, std::string>> found;
      while (std::getline(in, raw)) {
        if (raw.starts_with("## ")) {
          std::string head = raw.substr(3), id, scope = "global";
          const size_t mark = head.find(kMarkOpen);
          if (mark != std::string::npos) {
            std::istringstream meta(head.substr(mark + std::strlen(kMarkOpen)));
            meta >> id;
            std::string word;
            while (meta >> word) {
              if (word.starts_with("scope=")) scope = word.substr(6);
            }
            head = head.substr(0, mark);
          }
          found.emplace_back(Trim(head), id, scope, "");
        } else if (!found.empty()) {
          std::get<3>(found.back()) += raw + "\n";
        }
      }
      std::set<std::string> seen;
      for (auto& [label, id, scope, body] : found) {
        body = Trim(body);
        while (!body.empty() && body.front() == '\n') body.erase(0, 1);
        while (!body.empty() && body.back() == '\n') body.pop_back();
        seen.insert(id);
        if (id.empty() || !blocks.contains(id)) {
          plan->steps.push_back({file, "set block", "", label + ": " + body});
        } else if (body != blocks[id]["text"].get<std::string>()) {
          ENGRAM_ASSIGN_OR_RETURN(
              bool conflict, changed_in_store(file, id, blocks[id]["updated_at"].get<Timestamp>()));
          if (!conflict) plan->steps.push_back({file, "set block", id, label + ": " + body});
        }
      }
      for (const auto& [id, b] : blocks.items()) {
        if (seen.contains(id)) continue;
        ENGRAM_ASSIGN_OR_RETURN(bool conflict,
                                changed_in_store(file, id, b["updated_at"].get<Timestamp>()));
        if (!conflict) {
          plan->steps.push_back({file, "delete block", id, b["label"].get<std::string>()});
        }
      }
      continue;
    }
    // MEMORY.md and the daily files: "- " lines under their headings.
    const bool daily = file != kMemory;
    std::string scope = "global", type = daily ? "episode" : "fact";
    bool in_transcript = false;
    std::set<std::string> seen;
    while (std::getline(in, raw)) {
      if (raw.starts_with("## ")) {
        in_transcript = daily && raw != kEpisodes;
        if (!daily) scope = Trim(raw.substr(3));
        continue;
      }
      if (raw.starts_with("### ") && !daily) {
        type = Trim(raw.substr(4));
        continue;
      }
      std::string line_text, id;
      if (in_transcript || !ParseItem(raw, &line_text, &id)) continue;  // transcripts are logs
      if (id.empty()) {
        Result<MemoryType> t = ParseMemoryType(type);
        if (!t.ok() || line_text.empty()) {
          plan->steps.push_back(
              {file, "conflict", "", "cannot add '" + line_text + "' under '" + type + "'"});
          continue;
        }
        NewMemory m;
        m.owner_id = owner;
        m.scope = scope;
        m.type = *t;
        m.text = line_text;
        m.source = "file";
        m.change = {"file", "added in " + file};
        adds.push_back(m);
        plan->steps.push_back({file, "add", "", line_text});
        continue;
      }
      seen.insert(id);
      if (!lines.contains(id) || lines[id]["file"] != file) {
        plan->steps.push_back({file, "conflict", id, "not a line this file was exported with"});
        continue;
      }
      if (line_text == lines[id]["text"].get<std::string>()) continue;
      ENGRAM_ASSIGN_OR_RETURN(bool conflict,
                              changed_in_store(file, id, lines[id]["updated_at"].get<Timestamp>()));
      if (!conflict) plan->steps.push_back({file, "update", id, line_text});
    }
    for (const auto& [id, l] : lines.items()) {
      if (l["file"] != file || seen.contains(id)) continue;
      ENGRAM_ASSIGN_OR_RETURN(bool conflict,
                              changed_in_store(file, id, l["updated_at"].get<Timestamp>()));
      if (!conflict) plan->steps.push_back({file, "delete", id, l["text"].get<std::string>()});
    }
  }
  if (plan->has_conflicts()) {
    return Status::FailedPrecondition(
        "conflicts: records changed in the store since the export; nothing was changed (undo "
        "those edits, or export the files again)");
  }
  if (!apply) return Status::Ok();
  // The adds are written together, after the other steps: one more step for progress.
  const size_t total = plan->steps.size() - adds.size() + (adds.empty() ? 0 : 1);
  size_t done = 0;
  for (const SyncStep& s : plan->steps) {
    if (s.action == "add") continue;
    if (progress) progress(++done, total, s.file);
    const std::string why = "edited " + s.file;
    if (s.action == "update") {
      MemoryUpdate u;
      u.text = s.text;
      u.change = {"file", why};
      ENGRAM_RETURN_IF_ERROR(engine.UpdateMemory(owner, s.id, u).status());
    } else if (s.action == "delete") {
      ENGRAM_RETURN_IF_ERROR(engine.DeleteMemory(owner, s.id, {"file", "removed from " + s.file}));
    } else if (s.action == "set block") {
      const size_t colon = s.text.find(": ");
      std::string scope = "global";
      if (!s.id.empty()) scope = blocks[s.id]["scope"].get<std::string>();
      ENGRAM_RETURN_IF_ERROR(engine
                                 .SetBlock(owner, scope, s.text.substr(0, colon),
                                           s.text.substr(colon + 2), std::nullopt, {"file", why})
                                 .status());
    } else if (s.action == "delete block") {
      const json& b = blocks[s.id];
      ENGRAM_RETURN_IF_ERROR(engine.DeleteBlock(owner, b["scope"].get<std::string>(),
                                                b["label"].get<std::string>(),
                                                {"file", "removed from " + s.file}));
    }
  }
  if (!adds.empty()) {
    if (progress) progress(++done, total, "new lines");
    ENGRAM_RETURN_IF_ERROR(engine.WriteMemories(adds).status());
  }
  std::vector<std::string> files;
  return ExportMemoryFiles(engine, owner, dir, &files);
}

}  // namespace engram::portable
