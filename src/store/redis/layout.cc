#include "store/redis/layout.h"

#include <charconv>
#include <initializer_list>
#include <vector>

#include "store/checkpoint_versions.h"

namespace engram::store::redis {

namespace {

bool Plain(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

// The decimal integer up to the next '|' of `rest`, which it then skips.
bool TakeInt(std::string_view* rest, int64_t* out) {
  const size_t bar = rest->find('|');
  if (bar == std::string_view::npos) return false;
  const auto [end, ec] = std::from_chars(rest->data(), rest->data() + bar, *out);
  if (ec != std::errc() || end != rest->data() + bar) return false;
  rest->remove_prefix(bar + 1);
  return true;
}

int Hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string Fields(std::initializer_list<std::string_view> fields) {
  std::string out;
  for (std::string_view f : fields) {
    out += std::to_string(f.size());
    out += ':';
    out += f;
  }
  return out;
}

// Splits length-prefixed fields; false when the text is not exactly `n` of them.
bool SplitFields(std::string_view text, size_t n, std::vector<std::string_view>* out) {
  out->clear();
  while (!text.empty()) {
    const size_t colon = text.find(':');
    if (colon == std::string_view::npos) return false;
    uint64_t len = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + colon, len);
    if (ec != std::errc() || end != text.data() + colon || len > text.size() - colon - 1) {
      return false;
    }
    out->push_back(text.substr(colon + 1, len));
    text.remove_prefix(colon + 1 + len);
  }
  return out->size() == n;
}

bool ParseInt64(std::string_view text, int64_t* out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

}  // namespace

std::string EscapeId(std::string_view id) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(id.size());
  for (char c : id) {
    if (Plain(c)) {
      out += c;
    } else {
      const auto b = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[b >> 4];
      out += kHex[b & 15];
    }
  }
  return out;
}

Result<std::string> UnescapeId(std::string_view escaped) {
  std::string out;
  out.reserve(escaped.size());
  for (size_t i = 0; i < escaped.size(); ++i) {
    const char c = escaped[i];
    if (Plain(c)) {
      out += c;
      continue;
    }
    const int hi = c == '%' && i + 2 < escaped.size() ? Hex(escaped[i + 1]) : -1;
    const int lo = c == '%' && i + 2 < escaped.size() ? Hex(escaped[i + 2]) : -1;
    if (hi < 0 || lo < 0) return Status::Corruption("redis: a key holds a malformed id");
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

std::string KeyLayout::Sessions(std::string_view owner) const {
  return prefix_ + "o:{" + EscapeId(owner) + "}:sessions";
}

std::string KeyLayout::SessionBase(std::string_view owner) const {
  return prefix_ + "o:{" + EscapeId(owner) + "}:s:";
}

std::string KeyLayout::Items(std::string_view owner, std::string_view session) const {
  return SessionBase(owner) + EscapeId(session) + ":items";
}

std::string KeyLayout::Meta(std::string_view owner, std::string_view session) const {
  return SessionBase(owner) + EscapeId(session) + ":meta";
}

std::string EncodeItem(const SessionItem& item) {
  std::string out = std::to_string(item.seq) + "|" + RoleName(item.role) + "|" +
                    std::to_string(item.created_at) + "|" + std::to_string(item.content.size()) +
                    "|" + std::to_string(item.tool_calls.size()) + "|";
  out += item.content;
  out += item.tool_calls;
  out += item.tool_call_id;
  return out;
}

Result<SessionItem> DecodeItem(std::string_view member) {
  const Status bad = Status::Corruption("redis: a session item does not parse");
  SessionItem item;
  std::string_view rest = member;
  if (!TakeInt(&rest, &item.seq)) return bad;
  const size_t bar = rest.find('|');
  if (bar == std::string_view::npos) return bad;
  Result<Role> role = ParseRole(rest.substr(0, bar));
  if (!role.ok()) return bad;
  item.role = *role;
  rest.remove_prefix(bar + 1);
  int64_t content = 0, calls = 0;
  if (!TakeInt(&rest, &item.created_at) || !TakeInt(&rest, &content) || !TakeInt(&rest, &calls) ||
      content < 0 || calls < 0 || static_cast<uint64_t>(content) > rest.size() ||
      static_cast<uint64_t>(calls) > rest.size() - content) {
    return bad;
  }
  item.content = std::string(rest.substr(0, content));
  item.tool_calls = std::string(rest.substr(content, calls));
  item.tool_call_id = std::string(rest.substr(content + calls));
  return item;
}

std::string KeyLayout::Threads(std::string_view owner) const {
  return prefix_ + "o:{" + EscapeId(owner) + "}:cp:threads";
}

std::string KeyLayout::ThreadBase(std::string_view owner) const {
  return prefix_ + "o:{" + EscapeId(owner) + "}:cp:t:";
}

std::string KeyLayout::Thread(std::string_view owner, std::string_view thread) const {
  return ThreadBase(owner) + EscapeId(thread);
}

std::string KeyLayout::Lock(std::string_view owner) const {
  return prefix_ + "o:{" + EscapeId(owner) + "}:lock";
}

std::string KeyLayout::CheckpointLock(std::string_view owner) const {
  return prefix_ + "o:{" + EscapeId(owner) + "}:cp:lock";
}

std::string KeyLayout::Writes(std::string_view ns, std::string_view checkpoint_id) {
  return ":w:" + EscapeId(ns) + ":" + EscapeId(checkpoint_id);
}

Result<std::string> KeyLayout::OwnerOfThreads(std::string_view key) const {
  const std::string head = prefix_ + "o:{";
  const std::string_view tail = "}:cp:threads";
  if (!key.starts_with(head) || !key.ends_with(tail) || key.size() < head.size() + tail.size()) {
    return Status::Corruption("redis: not a key of an owner's threads");
  }
  return UnescapeId(key.substr(head.size(), key.size() - head.size() - tail.size()));
}

std::string CheckpointMember(std::string_view ns, std::string_view checkpoint_id) {
  return EscapeId(ns) + ":" + std::string(checkpoint_id);
}

std::string NamespaceMin(std::string_view ns) {
  return "[" + EscapeId(ns) + ":";
}

std::string NamespaceMax(std::string_view ns) {
  return "(" + EscapeId(ns) + ";";
}

std::string ValueField(std::string_view ns, std::string_view channel, std::string_view version) {
  return EscapeId(ns) + ":" + EscapeId(channel) + ":" + EscapeId(version);
}

std::string WriteField(std::string_view task_id, int64_t idx) {
  return EscapeId(task_id) + ":" + std::to_string(idx);
}

std::string EncodeCheckpoint(const Checkpoint& c) {
  std::string names;
  for (const auto& [channel, version] : c.channel_versions) {
    if (!names.empty()) names += ' ';
    names += ValueField(c.checkpoint_ns, channel, version);
  }
  return Fields({names, c.checkpoint_ns, c.checkpoint_id, c.parent_checkpoint_id, c.checkpoint.type,
                 c.checkpoint.data, c.metadata, EncodeChannelVersions(c.channel_versions),
                 std::to_string(c.created_at)});
}

Result<Checkpoint> DecodeCheckpoint(std::string_view owner, std::string_view thread,
                                    std::string_view text) {
  std::vector<std::string_view> f;
  Checkpoint c;
  if (!SplitFields(text, 9, &f) || !ParseInt64(f[8], &c.created_at)) {
    return Status::Corruption("redis: a checkpoint does not parse");
  }
  c.owner_id = std::string(owner);
  c.thread_id = std::string(thread);
  c.checkpoint_ns = std::string(f[1]);
  c.checkpoint_id = std::string(f[2]);
  c.parent_checkpoint_id = std::string(f[3]);
  c.checkpoint = {std::string(f[4]), std::string(f[5])};
  c.metadata = std::string(f[6]);
  ENGRAM_ASSIGN_OR_RETURN(c.channel_versions, DecodeChannelVersions(f[7]));
  return c;
}

std::string EncodeValue(std::string_view ns, const ChannelValue& v) {
  return Fields({ns, v.channel, v.version, v.value.type, v.value.data});
}

Result<ThreadChannelValue> DecodeValue(std::string_view thread, std::string_view text) {
  std::vector<std::string_view> f;
  if (!SplitFields(text, 5, &f)) return Status::Corruption("redis: a channel value does not parse");
  return ThreadChannelValue{
      std::string(thread),
      std::string(f[0]),
      {std::string(f[1]), std::string(f[2]), {std::string(f[3]), std::string(f[4])}}};
}

std::string EncodeWrite(std::string_view ns, std::string_view checkpoint_id,
                        const PendingWrite& w) {
  return Fields({ns, checkpoint_id, w.task_id, w.task_path, std::to_string(w.idx), w.channel,
                 w.value.type, w.value.data});
}

Result<CheckpointWrite> DecodeWrite(std::string_view thread, std::string_view text) {
  std::vector<std::string_view> f;
  CheckpointWrite w;
  if (!SplitFields(text, 8, &f) || !ParseInt64(f[4], &w.write.idx)) {
    return Status::Corruption("redis: a pending write does not parse");
  }
  w.thread_id = std::string(thread);
  w.checkpoint_ns = std::string(f[0]);
  w.checkpoint_id = std::string(f[1]);
  w.write.task_id = std::string(f[2]);
  w.write.task_path = std::string(f[3]);
  w.write.channel = std::string(f[5]);
  w.write.value = {std::string(f[6]), std::string(f[7])};
  return w;
}

}  // namespace engram::store::redis
