// The Redis backend's key layout and item encoding (docs/redis.md):
//   <prefix>o:{<owner>}:sessions               ZSET   session id -> when it was active last (ms)
//   <prefix>o:{<owner>}:s:<session>:items      ZSET   encoded items, scored by seq
//   <prefix>o:{<owner>}:s:<session>:meta       HASH   c, u: created and last changed (ms);
//                                                     st, su, ss: the summary's text, time and
//                                                     through_seq; o, s: the ids as given
//   <prefix>o:{<owner>}:lock                   STRING the token of the owner's session writer
// Checkpoints (docs/redis.md), per thread; a "member" is "<ns>:<checkpoint id>" (ns escaped, the
// id as given), so members sort by namespace and then by id, bytewise:
//   <prefix>o:{<owner>}:cp:threads             ZSET   thread ids as given (score 0)
//   <prefix>o:{<owner>}:cp:t:<thread>:ids      ZSET   members (score 0)
//   <prefix>o:{<owner>}:cp:t:<thread>:c        HASH   member -> EncodeCheckpoint
//   <prefix>o:{<owner>}:cp:t:<thread>:v        HASH   ValueField -> EncodeValue
//   <prefix>o:{<owner>}:cp:t:<thread>:wk       SET    "<ns>:<checkpoint id>", both escaped, of
//                                                     the checkpoints that have writes
//   <prefix>o:{<owner>}:cp:t:<thread>:w:<ns>:<checkpoint id>  HASH  WriteField -> EncodeWrite
//   <prefix>o:{<owner>}:cp:lock                STRING the token of the owner's checkpoint writer
// <owner>, <session>, <thread> and the others are escaped (EscapeId), so no id can reach
// another's keys or form a glob.
#pragma once

#include <string>
#include <string_view>

#include "engram/checkpoints.h"
#include "engram/status.h"
#include "engram/types.h"

namespace engram::store::redis {

// Every byte outside [A-Za-z0-9_.-] as %XX (upper-case hex): injective, and free of ':', '{',
// '}' and the glob characters. The Lua scripts escape alike (scripts.cc).
std::string EscapeId(std::string_view id);
// The inverse of EscapeId; Corruption for text EscapeId cannot give.
Result<std::string> UnescapeId(std::string_view escaped);

class KeyLayout {
 public:
  explicit KeyLayout(std::string prefix) : prefix_(std::move(prefix)) {}
  std::string Sessions(std::string_view owner) const;
  // What a session's keys start with, minus the escaped session id: the Lua scripts that walk
  // an owner's sessions append EscapeId(session) and ":items" or ":meta".
  std::string SessionBase(std::string_view owner) const;
  std::string Items(std::string_view owner, std::string_view session) const;
  std::string Meta(std::string_view owner, std::string_view session) const;
  // The owner's session write lock (write_locks.h).
  std::string Lock(std::string_view owner) const;
  // A SCAN pattern matching every session's meta key (the prefix holds no glob characters).
  std::string MetaPattern() const { return prefix_ + "o:*:meta"; }

  // ---- checkpoints ----
  std::string Threads(std::string_view owner) const;
  // What a thread's keys start with, minus the escaped thread id (the Lua scripts append it).
  std::string ThreadBase(std::string_view owner) const;
  // The thread's keys: its ThreadBase and escaped id, then one of the suffixes below.
  std::string Thread(std::string_view owner, std::string_view thread) const;
  static constexpr const char* kIds = ":ids";
  static constexpr const char* kCheckpoints = ":c";
  static constexpr const char* kValues = ":v";
  static constexpr const char* kWriteKeys = ":wk";
  // ":w:" + a member of the :wk set: the writes against one checkpoint.
  static std::string Writes(std::string_view ns, std::string_view checkpoint_id);
  // The owner's checkpoint write lock (write_locks.h).
  std::string CheckpointLock(std::string_view owner) const;
  // A SCAN pattern matching every owner's index of threads.
  std::string ThreadsPattern() const { return prefix_ + "o:*:cp:threads"; }
  // The owner of an index of threads; Corruption for another key ThreadsPattern matched.
  Result<std::string> OwnerOfThreads(std::string_view key) const;

 private:
  std::string prefix_;
};

// An item as a sorted-set member: "<seq>|<role>|<created_at>|<content bytes>|<tool_calls
// bytes>|" then content, tool_calls and tool_call_id. The scripts read the three fields in front;
// the seq keeps members with the same text apart.
std::string EncodeItem(const SessionItem& item);
Result<SessionItem> DecodeItem(std::string_view member);

// ---- checkpoints ----
// A checkpoint's member: its namespace escaped, ':', its id as given.
std::string CheckpointMember(std::string_view ns, std::string_view checkpoint_id);
// The lexicographic bounds (ZRANGEBYLEX) of the members of one namespace.
std::string NamespaceMin(std::string_view ns);  // "[<ns>:"
std::string NamespaceMax(std::string_view ns);  // "(<ns>;"
std::string ValueField(std::string_view ns, std::string_view channel, std::string_view version);
std::string WriteField(std::string_view task_id, int64_t idx);
// Values as length-prefixed fields ("<bytes>:<bytes of the field>" each). A checkpoint's first
// field is the space-separated ValueFields of the versions it names, which the Lua scripts read.
std::string EncodeCheckpoint(const Checkpoint& c);
Result<Checkpoint> DecodeCheckpoint(std::string_view owner, std::string_view thread,
                                    std::string_view text);
std::string EncodeValue(std::string_view ns, const ChannelValue& value);
Result<ThreadChannelValue> DecodeValue(std::string_view thread, std::string_view text);
std::string EncodeWrite(std::string_view ns, std::string_view checkpoint_id,
                        const PendingWrite& write);
Result<CheckpointWrite> DecodeWrite(std::string_view thread, std::string_view text);

}  // namespace engram::store::redis
