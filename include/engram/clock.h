// Clock: the engine's source of "now", injectable so that expiry, decay and replays of old
// conversations can be tested and run with their own dates.
#pragma once

#include <atomic>

#include "engram/types.h"

namespace engram {

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since the Unix epoch, UTC.
  virtual Timestamp Now() const = 0;
};

// The system's wall clock.
class SystemClock final : public Clock {
 public:
  Timestamp Now() const override;
};

// A clock that returns what it was last set to; for tests and replays. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Timestamp now) : now_(now) {}
  Timestamp Now() const override { return now_.load(); }
  void Set(Timestamp now) { now_.store(now); }
  void Advance(Timestamp delta_ms) { now_.fetch_add(delta_ms); }

 private:
  std::atomic<Timestamp> now_;
};

}  // namespace engram
