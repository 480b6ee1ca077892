#include "store/postgres/change_watch.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "store/postgres/connection.h"

namespace engram::store::pg {

ChangeWatch::ChangeWatch(std::string conninfo)
    : conninfo_(std::move(conninfo)), wake_fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  thread_ = std::thread([this] { Run(); });
}

ChangeWatch::~ChangeWatch() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  if (wake_fd_ >= 0) {
    const uint64_t one = 1;
    [[maybe_unused]] ssize_t n = write(wake_fd_, &one, sizeof one);
  }
  thread_.join();
  if (wake_fd_ >= 0) close(wake_fd_);
}

std::optional<int64_t> ChangeWatch::Current() const {
  std::lock_guard lock(mu_);
  if (!counter_ || read_generation_ != generation_) return std::nullopt;
  if (!listening_.load() && std::chrono::steady_clock::now() - read_at_ >= kPollInterval) {
    return std::nullopt;
  }
  return counter_;
}

uint64_t ChangeWatch::Generation() const {
  std::lock_guard lock(mu_);
  return generation_;
}

void ChangeWatch::Remember(int64_t counter, uint64_t generation) {
  std::lock_guard lock(mu_);
  if (generation != generation_) return;
  counter_ = counter;
  read_generation_ = generation;
  read_at_ = std::chrono::steady_clock::now();
}

void ChangeWatch::Invalidate() {
  std::lock_guard lock(mu_);
  ++generation_;
}

void ChangeWatch::Run() {
  std::unique_ptr<Connection> conn;
  while (true) {
    {
      std::unique_lock lock(mu_);
      if (stop_) break;
    }
    if (!conn || !conn->healthy()) {
      if (conn) {
        listening_ = false;
        Invalidate();
        conn.reset();
      }
      Result<std::unique_ptr<Connection>> opened = Connection::Open(conninfo_, kListenerName);
      if (opened.ok() && (*opened)->Exec(std::string("LISTEN ") + kChangeChannel).ok()) {
        conn = std::move(*opened);
        // Whatever was written while no one listened: the next search reads the counter.
        Invalidate();
        listening_ = true;
      } else {
        std::unique_lock lock(mu_);
        stop_cv_.wait_for(lock, kPollInterval, [this] { return stop_; });
        continue;
      }
    }
    pollfd fds[2] = {{conn->socket(), POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    poll(fds, wake_fd_ >= 0 ? 2 : 1, static_cast<int>(kPollInterval.count()));
    // Reading the socket also finds a connection the server closed (healthy() turns false).
    if (!conn->TakeNotifications().empty()) Invalidate();
  }
  listening_ = false;
}

}  // namespace engram::store::pg
