// A write transaction's view of the sessions it changed. The changes are buffered (SessionOp) and
// sent in one script at Commit; a read of a changed session is answered from its image: the
// session as stored, loaded once, with the buffered changes applied in order. The queries here
// mirror the Lua scripts' (scripts.cc) over the stored sessions.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engram/types.h"

namespace engram::store::redis {

struct SessionImage {
  bool exists = false;  // the session's row: items or a summary were written
  Timestamp created_at = 0;
  Timestamp updated_at = 0;
  std::optional<SessionSummary> summary;
  std::map<int64_t, SessionItem> items;  // by seq
};

// A buffered change (the kinds of scripts::kCommit).
struct SessionOp {
  enum class Kind { kAppend, kDeleteFrom, kDeleteSeqs, kDeleteSession, kPutSummary, kDropIndex };
  Kind kind = Kind::kAppend;
  std::string owner, session;      // session "" for kDropIndex
  std::vector<SessionItem> items;  // kAppend
  int64_t from_seq = 0;            // kDeleteFrom
  std::vector<int64_t> seqs;       // kDeleteSeqs
  SessionSummary summary;          // kPutSummary
};

void Apply(const SessionOp& op, SessionImage* image);

int64_t LastSeq(const SessionImage& image);
int64_t NthLastSeq(const SessionImage& image, size_t n, std::optional<Role> role);
int64_t PrecedingNonToolSeq(const SessionImage& image, int64_t seq);
std::vector<SessionItem> ItemsFrom(const SessionImage& image, int64_t from_seq);
// The seqs DeleteSessionItemsBefore removes: items created before cutoff, then the tool results
// left at the head.
std::vector<int64_t> RetentionPlan(const SessionImage& image, Timestamp cutoff);
// When the session was last active: its last item's time, else its row's last change.
Timestamp LastActive(const SessionImage& image);

}  // namespace engram::store::redis
