// The Redis backend of SessionStore (session items and rolling summaries) and CheckpointStore
// (checkpoints of agent state; no memories): several engram processes may share session state
// through one Redis. URL:
// "redis://[user:password@]host[:port][/db][?ttl=SECONDS&prefix=P&timeout_ms=MS]"
// (connection.h); rediss:// is refused (no TLS in Debian's hiredis). Keys: layout.h;
// transactions: transaction.h and checkpoint_transaction.h; docs/redis.md.
#pragma once

#include "engram/status.h"
#include "store/factory.h"

namespace engram::store {

// The opener registered for "redis" and "rediss" (backends.cc). Connects once to check the
// server: Unavailable when it cannot be reached, PermissionDenied when AUTH is refused.
Result<OpenedBackend> OpenRedisUrl(const StoreUrl& url, const OpenSettings& settings);

}  // namespace engram::store
