#include "store/redis/layout.h"

#include <charconv>

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

}  // namespace engram::store::redis
