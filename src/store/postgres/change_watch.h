// Whether the store's change counter may have moved since this process last read it, so that a
// search reads the counter (one round trip) only when something changed. A thread holds one
// connection that LISTENs on kChangeChannel; every memory write NOTIFYs there in its transaction
// (PgTransaction::BumpChangeCounter), so the notification arrives once the write is committed.
// While that connection is lost, a counter read is trusted for kPollInterval only (polling), and
// the thread reconnects every kPollInterval; notifications missed meanwhile do not matter, since
// reconnecting forgets the counter read. Hits are re-read from the database in the search's
// snapshot, so a deleted or superseded record is never returned even in the instant between a
// commit and its notification.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace engram::store::pg {

inline constexpr const char* kChangeChannel = "engram_changes";
// The application_name of the listening connection (pg_stat_activity), unless the URL sets one.
inline constexpr const char* kListenerName = "engram-listener";
inline constexpr std::chrono::milliseconds kPollInterval{250};

class ChangeWatch {
 public:
  // Starts the listening thread on `conninfo` (a libpq URI or key=value string).
  explicit ChangeWatch(std::string conninfo);
  ~ChangeWatch();  // stops the thread and closes its connection
  ChangeWatch(const ChangeWatch&) = delete;
  ChangeWatch& operator=(const ChangeWatch&) = delete;

  // The counter as last read, while it is known to be current: no notification (and no write of
  // this process) came since the read and the listener is connected, or, with the listener
  // lost, the read is under kPollInterval old. nullopt: read it again.
  std::optional<int64_t> Current() const;
  // Before reading the counter: the generation to give Remember with the value read.
  uint64_t Generation() const;
  // The counter read in a snapshot begun after Generation() returned `generation`; kept unless a
  // notification came in between.
  void Remember(int64_t counter, uint64_t generation);
  // After this process committed a write: the counter moved.
  void Invalidate();
  // Whether the listening connection is up and LISTENing.
  bool listening() const { return listening_.load(); }

 private:
  void Run();

  const std::string conninfo_;
  mutable std::mutex mu_;
  uint64_t generation_ = 0;
  std::optional<int64_t> counter_;  // read at generation read_generation_
  uint64_t read_generation_ = 0;
  std::chrono::steady_clock::time_point read_at_;
  std::atomic<bool> listening_{false};
  std::condition_variable stop_cv_;  // with mu_
  bool stop_ = false;
  int wake_fd_ = -1;  // an eventfd that ends the thread's wait on the socket
  std::thread thread_;
};

}  // namespace engram::store::pg
