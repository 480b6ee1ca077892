// Archive lines: every record as one JSON object with a "kind", its members in a fixed order and
// its times in epoch milliseconds, so that the same archive always gives the same bytes.
#include "portable/archive_file.h"

#include <openssl/evp.h>
#include <yaml-cpp/emitter.h>

#include <cstring>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "portable/archive_yaml.h"
#include "util/ids.h"
#include "util/json.h"

namespace engram::portable {

namespace {

using Json = nlohmann::ordered_json;

constexpr const char* kMagic = "engram_archive";

std::string Dump(const Json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

Json Opt(const std::optional<Timestamp>& t) {
  return t ? Json(*t) : Json(nullptr);
}

std::string VectorText(const std::vector<float>& v) {
  std::string bytes(v.size() * sizeof(float), '\0');
  std::memcpy(bytes.data(), v.data(), bytes.size());  // little-endian hosts only (x86-64, arm64)
  return util::Base64UrlEncode(bytes);
}

Json MemoryLine(const ArchivedMemory& m) {
  const MemoryRecord& r = m.record;
  return Json{{"kind", "memory"},
              {"owner_id", r.owner_id},
              {"id", r.id},
              {"scope", r.scope},
              {"agent_id", r.agent_id},
              {"session_id", r.session_id},
              {"type", MemoryTypeName(r.type)},
              {"key", r.key},
              {"text", r.text},
              {"data", r.data},
              {"metadata", r.metadata},
              {"source", r.source},
              {"confidence", r.confidence},
              {"created_at", r.created_at},
              {"updated_at", r.updated_at},
              {"valid_from", Opt(r.valid_from)},
              {"valid_to", Opt(r.valid_to)},
              {"last_verified_at", Opt(r.last_verified_at)},
              {"last_accessed_at", Opt(r.last_accessed_at)},
              {"access_count", r.access_count},
              {"expires_at", Opt(r.expires_at)},
              {"superseded_by", r.superseded_by},
              {"deleted_at", Opt(r.deleted_at)},
              {"vector", m.vector.empty() ? Json(nullptr) : Json(VectorText(m.vector))}};
}

Json HistoryLine(const HistoryEvent& e) {
  return Json{{"kind", "history"},
              {"owner_id", e.owner_id},
              {"memory_id", e.memory_id},
              {"event", HistoryEventTypeName(e.event)},
              {"actor", e.actor},
              {"reason", e.reason},
              {"old_value", e.old_value},
              {"new_value", e.new_value},
              {"at", e.at}};
}

Json SessionLine(const std::string& owner, const ArchivedSession& s) {
  Json summary = nullptr;
  if (s.summary) {
    summary = Json{{"text", s.summary->text},
                   {"updated_at", s.summary->updated_at},
                   {"through_seq", s.summary->through_seq}};
  }
  return Json{{"kind", "session"},
              {"owner_id", owner},
              {"session_id", s.session_id},
              {"summary", std::move(summary)}};
}

Json ItemLine(const std::string& owner, const std::string& session, const SessionItem& i) {
  return Json{{"kind", "item"},
              {"owner_id", owner},
              {"session_id", session},
              {"seq", i.seq},
              {"role", RoleName(i.role)},
              {"content", i.content},
              {"tool_calls", i.tool_calls},
              {"tool_call_id", i.tool_call_id},
              {"created_at", i.created_at}};
}

Json EntityLine(const Entity& e) {
  return Json{{"kind", "entity"},
              {"owner_id", e.owner_id},
              {"id", e.id},
              {"scope", e.scope},
              {"name", e.name},
              {"type", e.type},
              {"aliases", e.aliases},
              {"source", e.source},
              {"confidence", e.confidence},
              {"created_at", e.created_at},
              {"updated_at", e.updated_at},
              {"expired_at", Opt(e.expired_at)}};
}

Json ObservationLine(const std::string& owner, const Observation& o) {
  return Json{{"kind", "observation"},
              {"owner_id", owner},
              {"id", o.id},
              {"entity_id", o.entity_id},
              {"text", o.text},
              {"source", o.source},
              {"created_at", o.created_at},
              {"expired_at", Opt(o.expired_at)}};
}

Json RelationLine(const Relation& r) {
  return Json{{"kind", "relation"},
              {"owner_id", r.owner_id},
              {"id", r.id},
              {"scope", r.scope},
              {"from_id", r.from_id},
              {"type", r.type},
              {"to_id", r.to_id},
              {"valid_from", Opt(r.valid_from)},
              {"valid_to", Opt(r.valid_to)},
              {"source", r.source},
              {"confidence", r.confidence},
              {"created_at", r.created_at},
              {"updated_at", r.updated_at},
              {"expired_at", Opt(r.expired_at)}};
}

Json GraphHistoryLine(const GraphHistoryEvent& e) {
  return Json{{"kind", "graph_history"},  {"owner_id", e.owner_id},
              {"object_kind", e.kind},    {"object_id", e.object_id},
              {"event", e.event},         {"actor", e.actor},
              {"reason", e.reason},       {"old_value", e.old_value},
              {"new_value", e.new_value}, {"at", e.at}};
}

std::string BytesText(const std::string& bytes) {
  return util::Base64UrlEncode(bytes);
}

Json CheckpointLine(const Checkpoint& c) {
  return Json{{"kind", "checkpoint"},
              {"owner_id", c.owner_id},
              {"thread_id", c.thread_id},
              {"checkpoint_ns", c.checkpoint_ns},
              {"checkpoint_id", c.checkpoint_id},
              {"parent_checkpoint_id", c.parent_checkpoint_id},
              {"type", c.checkpoint.type},
              {"checkpoint", BytesText(c.checkpoint.data)},
              {"metadata", c.metadata},
              {"channel_versions", c.channel_versions},
              {"created_at", c.created_at}};
}

Json ChannelValueLine(const std::string& owner, const ThreadChannelValue& v) {
  return Json{{"kind", "channel_value"},    {"owner_id", owner},
              {"thread_id", v.thread_id},   {"checkpoint_ns", v.checkpoint_ns},
              {"channel", v.value.channel}, {"version", v.value.version},
              {"type", v.value.value.type}, {"value", BytesText(v.value.value.data)}};
}

Json CheckpointWriteLine(const std::string& owner, const CheckpointWrite& w) {
  return Json{{"kind", "checkpoint_write"},
              {"owner_id", owner},
              {"thread_id", w.thread_id},
              {"checkpoint_ns", w.checkpoint_ns},
              {"checkpoint_id", w.checkpoint_id},
              {"task_id", w.write.task_id},
              {"task_path", w.write.task_path},
              {"idx", w.write.idx},
              {"channel", w.write.channel},
              {"type", w.write.value.type},
              {"value", BytesText(w.write.value.data)}};
}

// The header's counts and checksum, accumulated line by line so that a streamed archive need not
// hold its lines.
class BodyDigest {
 public:
  BodyDigest() : ctx_(EVP_MD_CTX_new()) {
    EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr);
    for (const char* kind :
         {"memory", "history", "session", "item", "entity", "observation", "relation",
          "graph_history", "checkpoint", "channel_value", "checkpoint_write"}) {
      counts_[kind] = 0;
    }
  }
  ~BodyDigest() { EVP_MD_CTX_free(ctx_); }
  BodyDigest(const BodyDigest&) = delete;
  BodyDigest& operator=(const BodyDigest&) = delete;

  void Add(const std::string& line) {
    EVP_DigestUpdate(ctx_, line.data(), line.size());
    // Every line starts with {"kind":"<kind>", (ArchiveLines).
    const size_t start = std::strlen("{\"kind\":\"");
    const size_t end = line.find('"', start);
    if (line.starts_with("{\"kind\":\"") && end != std::string::npos) {
      ++counts_[line.substr(start, end - start)];
    }
  }

  // "sha256:<hex>" of the lines added; call once.
  std::string Checksum() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    EVP_DigestFinal_ex(ctx_, digest, &size);
    static const char kHex[] = "0123456789abcdef";
    std::string out = "sha256:";
    for (unsigned int i = 0; i < size; ++i) {
      out += kHex[digest[i] >> 4];
      out += kHex[digest[i] & 15];
    }
    return out;
  }

  const std::map<std::string, int64_t>& counts() const { return counts_; }

 private:
  EVP_MD_CTX* ctx_;
  std::map<std::string, int64_t> counts_;  // lines per kind, in a fixed order of kinds
};

Json HeaderJson(const ArchiveHeader& h, BodyDigest& digest) {
  Json counts = Json::object();
  for (const auto& [kind, n] : digest.counts()) counts[kind] = n;
  return Json{{kMagic, 1},
              {"engram_version", h.engram_version},
              {"schema_version", h.schema_version},
              {"embedding_model", h.embedding_model},
              {"owners", h.owners},
              {"counts", std::move(counts)},
              {"checksum", digest.Checksum()}};
}

// The file's text in pieces: the header, each body line, and (YAML) an empty body.
std::string HeadPiece(ArchiveFormat format, const Json& head) {
  if (format == ArchiveFormat::kJsonl) return Dump(head);
  YAML::Emitter y;
  EmitYaml(y, head);
  return "---\n" + std::string(y.c_str()) + "\n---\n";
}

std::string LinePiece(ArchiveFormat format, const std::string& line) {
  if (format == ArchiveFormat::kJsonl) return line;
  YAML::Emitter y;
  y << YAML::BeginSeq;
  EmitYaml(y, Json::parse(line));
  y << YAML::EndSeq;
  return std::string(y.c_str()) + "\n";
}

const char* EmptyBodyPiece(ArchiveFormat format) {
  return format == ArchiveFormat::kYaml ? "[]\n" : "";
}

// Calls `each` with every body line of one owner, in order, until it returns false.
bool ForEachOwnerLine(const OwnerArchive& a, const std::function<bool(const std::string&)>& each) {
  for (const ArchivedMemory& m : a.memories) {
    if (!each(Dump(MemoryLine(m)))) return false;
  }
  for (const HistoryEvent& e : a.history) {
    if (!each(Dump(HistoryLine(e)))) return false;
  }
  for (const ArchivedSession& s : a.sessions) {
    if (!each(Dump(SessionLine(a.owner_id, s)))) return false;
    for (const SessionItem& i : s.items) {
      if (!each(Dump(ItemLine(a.owner_id, s.session_id, i)))) return false;
    }
  }
  for (const Entity& e : a.entities) {
    if (!each(Dump(EntityLine(e)))) return false;
  }
  for (const Observation& o : a.observations) {
    if (!each(Dump(ObservationLine(a.owner_id, o)))) return false;
  }
  for (const Relation& r : a.relations) {
    if (!each(Dump(RelationLine(r)))) return false;
  }
  for (const GraphHistoryEvent& e : a.graph_history) {
    if (!each(Dump(GraphHistoryLine(e)))) return false;
  }
  for (const Checkpoint& c : a.checkpoints) {
    if (!each(Dump(CheckpointLine(c)))) return false;
  }
  for (const ThreadChannelValue& v : a.channel_values) {
    if (!each(Dump(ChannelValueLine(a.owner_id, v)))) return false;
  }
  for (const CheckpointWrite& w : a.checkpoint_writes) {
    if (!each(Dump(CheckpointWriteLine(a.owner_id, w)))) return false;
  }
  return true;
}

// Calls `each` with every body line of these owners, in order, until it returns false.
bool ForEachLine(const std::vector<OwnerArchive>& owners,
                 const std::function<bool(const std::string&)>& each) {
  for (const OwnerArchive& a : owners) {
    if (!ForEachOwnerLine(a, each)) return false;
  }
  return true;
}

// ---- reading lines back ----

class LineReader {
 public:
  explicit LineReader(const Json& j) : j_(j) {}
  std::string Str(const char* name) {
    auto it = j_.find(name);
    if (it == j_.end() || !it->is_string()) return Fail(name, "a string"), std::string();
    return it->get<std::string>();
  }
  int64_t Int(const char* name) {
    auto it = j_.find(name);
    if (it == j_.end() || !it->is_number_integer()) return Fail(name, "an integer"), 0;
    return it->get<int64_t>();
  }
  double Num(const char* name) {
    auto it = j_.find(name);
    if (it == j_.end() || !it->is_number()) return Fail(name, "a number"), 0.0;
    return it->get<double>();
  }
  std::optional<Timestamp> OptInt(const char* name) {
    auto it = j_.find(name);
    if (it != j_.end() && it->is_null()) return std::nullopt;
    return Int(name);
  }
  // Bytes written as base64url (BytesText).
  std::string Bytes(const char* name) {
    std::string bytes;
    if (!util::Base64UrlDecode(Str(name), &bytes)) Fail(name, "base64url");
    return bytes;
  }
  const Json* Get(const char* name) const {
    auto it = j_.find(name);
    return it == j_.end() ? nullptr : &*it;
  }
  void Fail(const char* name, const char* what) {
    if (error_.empty()) error_ = std::string(name) + " must be " + what;
  }
  const std::string& error() const { return error_; }

 private:
  const Json& j_;
  std::string error_;
};

OwnerArchive& OwnerOf(ParsedArchive& p, const std::string& owner) {
  for (OwnerArchive& a : p.owners) {
    if (a.owner_id == owner) return a;
  }
  p.owners.push_back(OwnerArchive{});
  p.owners.back().owner_id = owner;
  return p.owners.back();
}

// Adds one body object to the archive; the error names the problem.
Status AddLine(const Json& j, ParsedArchive* p) {
  if (!j.is_object()) return Status::InvalidArgument("not a JSON object");
  LineReader r(j);
  const std::string kind = r.Str("kind");
  const std::string owner = r.Str("owner_id");
  if (!r.error().empty()) return Status::InvalidArgument(r.error());
  OwnerArchive& a = OwnerOf(*p, owner);
  if (kind == "memory") {
    ArchivedMemory m;
    MemoryRecord& x = m.record;
    x.owner_id = owner;
    x.id = r.Str("id");
    x.scope = r.Str("scope");
    x.agent_id = r.Str("agent_id");
    x.session_id = r.Str("session_id");
    Result<MemoryType> type = ParseMemoryType(r.Str("type"));
    if (!type.ok()) return type.status();
    x.type = *type;
    x.key = r.Str("key");
    x.text = r.Str("text");
    x.data = r.Str("data");
    x.metadata = r.Str("metadata");
    x.source = r.Str("source");
    x.confidence = r.Num("confidence");
    x.created_at = r.Int("created_at");
    x.updated_at = r.Int("updated_at");
    x.valid_from = r.OptInt("valid_from");
    x.valid_to = r.OptInt("valid_to");
    x.last_verified_at = r.OptInt("last_verified_at");
    x.last_accessed_at = r.OptInt("last_accessed_at");
    x.access_count = r.Int("access_count");
    x.expires_at = r.OptInt("expires_at");
    x.superseded_by = r.Str("superseded_by");
    x.deleted_at = r.OptInt("deleted_at");
    if (const Json* v = r.Get("vector"); v && !v->is_null()) {
      std::string bytes;
      if (!v->is_string() || !util::Base64UrlDecode(v->get<std::string>(), &bytes) ||
          bytes.size() % sizeof(float) != 0) {
        return Status::InvalidArgument("vector must be base64url of float32 values");
      }
      m.vector.resize(bytes.size() / sizeof(float));
      std::memcpy(m.vector.data(), bytes.data(), bytes.size());
    }
    if (r.error().empty()) a.memories.push_back(std::move(m));
  } else if (kind == "history") {
    HistoryEvent e;
    e.owner_id = owner;
    e.memory_id = r.Str("memory_id");
    Result<HistoryEventType> event = ParseHistoryEventType(r.Str("event"));
    if (!event.ok()) return event.status();
    e.event = *event;
    e.actor = r.Str("actor");
    e.reason = r.Str("reason");
    e.old_value = r.Str("old_value");
    e.new_value = r.Str("new_value");
    e.at = r.Int("at");
    if (r.error().empty()) a.history.push_back(std::move(e));
  } else if (kind == "session") {
    ArchivedSession s;
    s.session_id = r.Str("session_id");
    const Json* summary = r.Get("summary");
    if (summary && summary->is_object()) {
      LineReader sr(*summary);
      s.summary = SessionSummary{sr.Str("text"), sr.Int("updated_at"), sr.Int("through_seq")};
      if (!sr.error().empty()) return Status::InvalidArgument("summary: " + sr.error());
    } else if (!summary || !summary->is_null()) {
      return Status::InvalidArgument("summary must be an object or null");
    }
    if (r.error().empty()) a.sessions.push_back(std::move(s));
  } else if (kind == "item") {
    const std::string session = r.Str("session_id");
    if (a.sessions.empty() || a.sessions.back().session_id != session) {
      return Status::InvalidArgument("an item must follow its session's line");
    }
    SessionItem i;
    i.seq = r.Int("seq");
    Result<Role> role = ParseRole(r.Str("role"));
    if (!role.ok()) return role.status();
    i.role = *role;
    i.content = r.Str("content");
    i.tool_calls = r.Str("tool_calls");
    i.tool_call_id = r.Str("tool_call_id");
    i.created_at = r.Int("created_at");
    if (r.error().empty()) a.sessions.back().items.push_back(std::move(i));
  } else if (kind == "entity") {
    Entity e;
    e.owner_id = owner;
    e.id = r.Str("id");
    e.scope = r.Str("scope");
    e.name = r.Str("name");
    e.type = r.Str("type");
    const Json* aliases = r.Get("aliases");
    if (!aliases || !aliases->is_array()) return Status::InvalidArgument("aliases must be a list");
    for (const Json& alias : *aliases) {
      if (!alias.is_string()) return Status::InvalidArgument("aliases must be strings");
      e.aliases.push_back(alias.get<std::string>());
    }
    e.source = r.Str("source");
    e.confidence = r.Num("confidence");
    e.created_at = r.Int("created_at");
    e.updated_at = r.Int("updated_at");
    e.expired_at = r.OptInt("expired_at");
    if (r.error().empty()) a.entities.push_back(std::move(e));
  } else if (kind == "observation") {
    Observation o{r.Str("id"),     r.Str("entity_id"),  r.Str("text"),
                  r.Str("source"), r.Int("created_at"), r.OptInt("expired_at")};
    if (r.error().empty()) a.observations.push_back(std::move(o));
  } else if (kind == "relation") {
    Relation x;
    x.owner_id = owner;
    x.id = r.Str("id");
    x.scope = r.Str("scope");
    x.from_id = r.Str("from_id");
    x.type = r.Str("type");
    x.to_id = r.Str("to_id");
    x.valid_from = r.OptInt("valid_from");
    x.valid_to = r.OptInt("valid_to");
    x.source = r.Str("source");
    x.confidence = r.Num("confidence");
    x.created_at = r.Int("created_at");
    x.updated_at = r.Int("updated_at");
    x.expired_at = r.OptInt("expired_at");
    if (r.error().empty()) a.relations.push_back(std::move(x));
  } else if (kind == "graph_history") {
    GraphHistoryEvent e{0,
                        owner,
                        r.Str("object_kind"),
                        r.Str("object_id"),
                        r.Str("event"),
                        r.Str("actor"),
                        r.Str("reason"),
                        r.Str("old_value"),
                        r.Str("new_value"),
                        r.Int("at")};
    if (r.error().empty()) a.graph_history.push_back(std::move(e));
  } else if (kind == "checkpoint") {
    Checkpoint c;
    c.owner_id = owner;
    c.thread_id = r.Str("thread_id");
    c.checkpoint_ns = r.Str("checkpoint_ns");
    c.checkpoint_id = r.Str("checkpoint_id");
    c.parent_checkpoint_id = r.Str("parent_checkpoint_id");
    c.checkpoint.type = r.Str("type");
    c.checkpoint.data = r.Bytes("checkpoint");
    c.metadata = r.Str("metadata");
    const Json* versions = r.Get("channel_versions");
    if (!versions || !versions->is_object()) {
      return Status::InvalidArgument("channel_versions must be an object");
    }
    for (const auto& [channel, version] : versions->items()) {
      if (!version.is_string()) {
        return Status::InvalidArgument("channel_versions must map channels to strings");
      }
      c.channel_versions.emplace(channel, version.get<std::string>());
    }
    c.created_at = r.Int("created_at");
    if (r.error().empty()) a.checkpoints.push_back(std::move(c));
  } else if (kind == "channel_value") {
    ThreadChannelValue v{r.Str("thread_id"),
                         r.Str("checkpoint_ns"),
                         {r.Str("channel"), r.Str("version"), {r.Str("type"), r.Bytes("value")}}};
    if (r.error().empty()) a.channel_values.push_back(std::move(v));
  } else if (kind == "checkpoint_write") {
    CheckpointWrite w;
    w.thread_id = r.Str("thread_id");
    w.checkpoint_ns = r.Str("checkpoint_ns");
    w.checkpoint_id = r.Str("checkpoint_id");
    w.write.task_id = r.Str("task_id");
    w.write.task_path = r.Str("task_path");
    w.write.idx = r.Int("idx");
    w.write.channel = r.Str("channel");
    w.write.value.type = r.Str("type");
    w.write.value.data = r.Bytes("value");
    if (r.error().empty()) a.checkpoint_writes.push_back(std::move(w));
  } else {
    return Status::InvalidArgument("unknown kind '" + kind + "'");
  }
  if (!r.error().empty()) return Status::InvalidArgument(r.error());
  return Status::Ok();
}

// Checks the header against the body's canonical lines and fills *p's header.
Status CheckHeader(const Json& h, const std::vector<std::string>& lines, ParsedArchive* p) {
  if (!h.is_object() || !h.contains(kMagic)) {
    return Status::InvalidArgument("the first line is not an engram archive header");
  }
  LineReader r(h);
  p->header.engram_version = r.Str("engram_version");
  p->header.schema_version = static_cast<int>(r.Int("schema_version"));
  p->header.embedding_model = r.Str("embedding_model");
  const std::string checksum = r.Str("checksum");
  if (!r.error().empty()) return Status::InvalidArgument("header: " + r.error());
  if (p->header.schema_version > kArchiveSchemaVersion) {
    return Status::FailedPrecondition(
        "the archive was written with schema version " + std::to_string(p->header.schema_version) +
        " by engram " + p->header.engram_version + "; this engram reads up to version " +
        std::to_string(kArchiveSchemaVersion));
  }
  if (const Json* owners = r.Get("owners"); owners && owners->is_array()) {
    for (const Json& o : *owners) {
      if (o.is_string()) p->header.owners.push_back(o.get<std::string>());
    }
  }
  BodyDigest digest;
  for (const std::string& line : lines) digest.Add(line);
  const std::string actual = digest.Checksum();
  if (checksum != actual) {
    return Status::Corruption("checksum mismatch: the header says " + checksum + ", the body is " +
                              actual +
                              " (the file was changed or cut short); nothing was imported");
  }
  return Status::Ok();
}

}  // namespace

std::vector<std::string> ArchiveLines(const std::vector<OwnerArchive>& owners) {
  std::vector<std::string> lines;
  ForEachLine(owners, [&lines](const std::string& line) {
    lines.push_back(line);
    return true;
  });
  return lines;
}

size_t ArchiveLineCount(const std::vector<OwnerArchive>& owners) {
  size_t n = 0;
  for (const OwnerArchive& a : owners) {
    n += a.memories.size() + a.history.size() + a.sessions.size() + a.entities.size() +
         a.observations.size() + a.relations.size() + a.graph_history.size() +
         a.checkpoints.size() + a.channel_values.size() + a.checkpoint_writes.size();
    for (const ArchivedSession& s : a.sessions) n += s.items.size();
  }
  return n;
}

OwnerDigest DigestOf(const OwnerArchive& owner) {
  // Line by line: an owner's lines are never all in memory at once.
  BodyDigest digest;
  ForEachOwnerLine(owner, [&digest](const std::string& line) {
    digest.Add(line);
    return true;
  });
  OwnerDigest d;
  d.counts = digest.counts();
  d.checksum = digest.Checksum();
  return d;
}

Status WriteArchive(std::ostream& out, ArchiveFormat format, const ArchiveHeader& header,
                    const std::vector<std::string>& lines) {
  BodyDigest digest;
  for (const std::string& line : lines) digest.Add(line);
  out << HeadPiece(format, HeaderJson(header, digest));
  for (const std::string& line : lines) out << LinePiece(format, line);
  if (lines.empty()) out << EmptyBodyPiece(format);
  out.flush();
  if (!out) return Status::IOError("cannot write the archive");
  return Status::Ok();
}

bool StreamArchive(ArchiveFormat format, const ArchiveHeader& header,
                   const std::vector<OwnerArchive>& owners, const ArchiveSink& write) {
  BodyDigest digest;
  ForEachLine(owners, [&digest](const std::string& line) {
    digest.Add(line);
    return true;
  });
  if (!write(HeadPiece(format, HeaderJson(header, digest)))) return false;
  bool empty = true;
  if (!ForEachLine(owners, [&](const std::string& line) {
        empty = false;
        return write(LinePiece(format, line));
      })) {
    return false;
  }
  return !empty || write(EmptyBodyPiece(format));
}

bool IsArchive(std::string_view head, ArchiveFormat* format) {
  const size_t start = head.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos) return false;
  head.remove_prefix(start);
  if (head.starts_with("{") && head.substr(0, 40).find(kMagic) != std::string_view::npos) {
    *format = ArchiveFormat::kJsonl;
    return true;
  }
  if (head.starts_with("---\n") && head.substr(4).starts_with(kMagic)) {
    *format = ArchiveFormat::kYaml;
    return true;
  }
  return false;
}

Result<ParsedArchive> ReadArchive(std::istream& in, ArchiveFormat format) {
  ParsedArchive p;
  Json header;
  std::vector<Json> body;
  std::vector<std::string> where;  // "line N" or "entry N" of each body object
  if (format == ArchiveFormat::kJsonl) {
    std::string text;
    size_t n = 0;
    while (std::getline(in, text)) {
      ++n;
      Json j = Json::parse(text, nullptr, false);
      if (j.is_discarded()) {
        return Status::InvalidArgument("line " + std::to_string(n) + ": not JSON");
      }
      if (n == 1) {
        header = std::move(j);
      } else {
        body.push_back(std::move(j));
        where.push_back("line " + std::to_string(n));
      }
    }
    if (n == 0) return Status::InvalidArgument("the archive is empty");
  } else {
    std::stringstream buffer;
    buffer << in.rdbuf();
    // Two documents at most: the header and the body.
    ENGRAM_ASSIGN_OR_RETURN(std::vector<Json> docs, ReadYamlDocuments(buffer.str(), 2));
    if (docs.empty()) return Status::InvalidArgument("the archive is empty");
    header = std::move(docs[0]);
    if (docs.size() > 1) {
      if (!docs[1].is_array()) return Status::InvalidArgument("the body must be a sequence");
      for (size_t i = 0; i < docs[1].size(); ++i) {
        body.push_back(std::move(docs[1][i]));
        where.push_back("entry " + std::to_string(i + 1));
      }
    }
  }
  // The checksum first: a damaged body is reported as such, not as the first bad line in it.
  std::vector<std::string> lines;
  for (const Json& j : body) lines.push_back(Dump(j));
  ENGRAM_RETURN_IF_ERROR(CheckHeader(header, lines, &p));
  for (size_t i = 0; i < body.size(); ++i) {
    Status st = AddLine(body[i], &p);
    if (!st.ok()) return Status::InvalidArgument(where[i] + ": " + st.message());
  }
  return p;
}

}  // namespace engram::portable
