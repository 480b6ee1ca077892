// The Lua scripts of the Redis backend. Each runs atomically in the server, so a commit is seen
// whole or not at all, and each read of several keys sees one state. Their arguments are listed
// in scripts.cc.
#pragma once

#include "store/redis/connection.h"

namespace engram::store::redis::scripts {

extern const Script kNthLast;            // NthLastSessionSeq
extern const Script kPrecedingNonTool;   // PrecedingNonToolSeq
extern const Script kRecentOwnerItems;   // RecentOwnerItems' candidates
extern const Script kLastActiveSession;  // LastActiveSession
extern const Script kRetentionPlan;      // DeleteSessionItemsBefore: the seqs to delete
extern const Script kCommit;             // a write transaction's buffered changes
extern const Script kRenewLock;          // extends the write lock's lease if it is still ours
extern const Script kUnlock;             // releases the write lock if it is still ours

// Checkpoints (layout.h)
extern const Script kLatestCheckpoint;   // the checkpoint with the greatest id in a namespace
extern const Script kCheckpointMembers;  // ListCheckpoints' candidates
extern const Script kGetCheckpoints;     // checkpoints of several threads by member
extern const Script kChannelValues;      // the stored values a checkpoint names
extern const Script kLoadThread;         // a whole thread (a write transaction's image)
extern const Script kCommitCheckpoints;  // a checkpoint write transaction's commands

}  // namespace engram::store::redis::scripts
