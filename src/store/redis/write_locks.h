// The write locks of a Redis write transaction: keys set to the transaction's token with NX and a
// lease (SET key token NX PX lease), so writers in every process sharing the Redis take turns.
// A lock is taken when the transaction first needs it and held until its commit script deletes
// it, or until Release (a transaction that did not commit). A writer that dies holding one stops
// blocking the others when the lease runs out; a live one renews its leases as it works, and a
// commit script applies nothing unless every lock is still the transaction's.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "engram/status.h"
#include "store/redis/connection.h"

namespace engram::store::redis {

class WriteLocks {
 public:
  // `conn` outlives this object. `busy_timeout_ms`: how long Take waits for another writer.
  WriteLocks(Connection* conn, std::string token, int lease_ms, int busy_timeout_ms);

  // Takes the lock at `key` unless it is held already, retrying until the busy timeout; then
  // Unavailable naming `what` ("the session write lock").
  Status Take(const std::string& key, std::string_view what);
  bool Holds(const std::string& key) const;
  // Extends every lease when a third of it has passed; Unavailable when one was lost (nothing
  // of the transaction may be written then).
  Status Renew();
  // Gives back the locks still the transaction's (best effort: the leases end the others).
  void Release();
  // The locks held, in the order taken, and the token a commit script checks them against.
  const std::vector<std::string>& keys() const { return keys_; }
  const std::string& token() const { return token_; }
  // The commit script deleted the locks: nothing is left to release.
  void Committed() { keys_.clear(); }

 private:
  Connection* conn_;
  const std::string token_;
  const int lease_ms_;
  const int busy_timeout_ms_;
  std::vector<std::string> keys_;
  std::chrono::steady_clock::time_point renewed_ = std::chrono::steady_clock::now();
};

// A token no other transaction holds (32 random hex digits).
std::string NewLockToken();

}  // namespace engram::store::redis
