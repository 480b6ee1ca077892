// The Redis backend's key layout and item encoding (docs/redis.md):
//   <prefix>o:{<owner>}:sessions               ZSET   session id -> when it was active last (ms)
//   <prefix>o:{<owner>}:s:<session>:items      ZSET   encoded items, scored by seq
//   <prefix>o:{<owner>}:s:<session>:meta       HASH   c, u: created and last changed (ms);
//                                                     st, su, ss: the summary's text, time and
//                                                     through_seq; o, s: the ids as given
//   <prefix>lock                               STRING the token of the writer holding the lock
// <owner> and <session> are escaped (EscapeId), so no id can reach another's keys or form a glob.
#pragma once

#include <string>
#include <string_view>

#include "engram/status.h"
#include "engram/types.h"

namespace engram::store::redis {

// Every byte outside [A-Za-z0-9_.-] as %XX (upper-case hex): injective, and free of ':', '{',
// '}' and the glob characters. The Lua scripts escape alike (scripts.cc).
std::string EscapeId(std::string_view id);

class KeyLayout {
 public:
  explicit KeyLayout(std::string prefix) : prefix_(std::move(prefix)) {}
  std::string Sessions(std::string_view owner) const;
  // What a session's keys start with, minus the escaped session id: the Lua scripts that walk
  // an owner's sessions append EscapeId(session) and ":items" or ":meta".
  std::string SessionBase(std::string_view owner) const;
  std::string Items(std::string_view owner, std::string_view session) const;
  std::string Meta(std::string_view owner, std::string_view session) const;
  std::string Lock() const { return prefix_ + "lock"; }
  // A SCAN pattern matching every session's meta key (the prefix holds no glob characters).
  std::string MetaPattern() const { return prefix_ + "o:*:meta"; }

 private:
  std::string prefix_;
};

// An item as a sorted-set member: "<seq>|<role>|<created_at>|<content bytes>|<tool_calls
// bytes>|" then content, tool_calls and tool_call_id. The scripts read the three fields in front;
// the seq keeps members with the same text apart.
std::string EncodeItem(const SessionItem& item);
Result<SessionItem> DecodeItem(std::string_view member);

}  // namespace engram::store::redis
