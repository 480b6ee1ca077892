#include "engram/types.h"

#include <chrono>

#include "engram/clock.h"

namespace engram {

namespace {
constexpr const char* kTypeNames[] = {"fact",      "preference", "episode",
                                      "procedure", "summary",    "block"};
constexpr const char* kRoleNames[] = {"user", "assistant", "system", "tool"};
constexpr const char* kHistoryEventTypeNames[] = {"add", "update", "delete", "verify", "supersede"};
constexpr const char* kDispositionNames[] = {"discard", "session_only", "promote"};
constexpr const char* kContextSectionNames[] = {"block",    "previous", "summary", "standing",
                                                "relevant", "related",  "turn"};
}  // namespace

const char* MemoryTypeName(MemoryType type) {
  return kTypeNames[static_cast<int>(type)];
}

Result<MemoryType> ParseMemoryType(std::string_view name) {
  for (int i = 0; i < 6; ++i) {
    if (name == kTypeNames[i]) return static_cast<MemoryType>(i);
  }
  return Status::InvalidArgument("unknown memory type '" + std::string(name.substr(0, 64)) +
                                 "': expected fact, preference, episode, procedure, summary or "
                                 "block");
}

const char* WriteEventName(WriteEvent event) {
  switch (event) {
    case WriteEvent::kAdded:
      return "added";
    case WriteEvent::kDeduplicated:
      return "deduplicated";
    case WriteEvent::kSuperseded:
      return "superseded";
    case WriteEvent::kUpdated:
      return "updated";
  }
  return "added";
}

const char* HistoryEventTypeName(HistoryEventType type) {
  return kHistoryEventTypeNames[static_cast<int>(type)];
}

Result<HistoryEventType> ParseHistoryEventType(std::string_view name) {
  for (int i = 0; i < 5; ++i) {
    if (name == kHistoryEventTypeNames[i]) return static_cast<HistoryEventType>(i);
  }
  return Status::InvalidArgument("unknown history event '" + std::string(name.substr(0, 64)) +
                                 "': expected add, update, delete, verify or supersede");
}

const char* DispositionName(Disposition disposition) {
  return kDispositionNames[static_cast<int>(disposition)];
}

const char* ContextSectionName(ContextSection section) {
  return kContextSectionNames[static_cast<int>(section)];
}

const char* RoleName(Role role) {
  return kRoleNames[static_cast<int>(role)];
}

Result<Role> ParseRole(std::string_view name) {
  for (int i = 0; i < 4; ++i) {
    if (name == kRoleNames[i]) return static_cast<Role>(i);
  }
  return Status::InvalidArgument("unknown role '" + std::string(name.substr(0, 64)) +
                                 "': expected user, assistant, system or tool");
}

Timestamp SystemClock::Now() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace engram
