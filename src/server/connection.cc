#include "server/connection.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <string_view>

namespace engram::server {

namespace {

// Milliseconds from now until `deadline`, at least 0.
int MillisUntil(ConnectionStream::Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - ConnectionStream::Clock::now());
  return static_cast<int>(std::clamp<int64_t>(left.count(), 0, 24 * 3600 * 1000));
}

bool Readable(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  int r;
  do {
    r = ::poll(&p, 1, timeout_ms);
  } while (r < 0 && errno == EINTR);
  return r > 0;
}

void Describe(const sockaddr_storage& addr, std::string& ip, int& port) {
  char buf[INET6_ADDRSTRLEN] = {0};
  if (addr.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&addr);
    ::inet_ntop(AF_INET, &a->sin_addr, buf, sizeof buf);
    port = ntohs(a->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&addr);
    ::inet_ntop(AF_INET6, &a->sin6_addr, buf, sizeof buf);
    port = ntohs(a->sin6_port);
  }
  ip = buf;
}

}  // namespace

ConnectionStream::ConnectionStream(int fd, int wake_fd, size_t max_body_bytes, int write_timeout_s)
    : fd_(fd),
      wake_fd_(wake_fd),
      max_body_bytes_(max_body_bytes),
      write_timeout_s_(write_timeout_s) {}

bool ConnectionStream::Stopping() const {
  return Readable(wake_fd_, 0);
}

bool ConnectionStream::WaitForRequest(std::chrono::milliseconds idle,
                                      std::chrono::milliseconds request_timeout, bool stopping) {
  head_.clear();
  head_done_ = false;
  bool ready = in_pos_ < in_.size();  // pipelined behind the previous request
  if (!ready) {
    pollfd p[2] = {{fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    int r;
    do {
      r = ::poll(p, stopping ? 1 : 2, stopping ? 0 : static_cast<int>(idle.count()));
    } while (r < 0 && errno == EINTR);
    if (r <= 0) return false;
    // Woken by the stop: serve what the client already sent, nothing more.
    if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR)) && !Readable(fd_, 0)) return false;
    char byte;
    ssize_t n;
    do {
      n = ::recv(fd_, &byte, 1, MSG_PEEK);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) return false;  // the peer closed the connection
  }
  deadline_ = Clock::now() + request_timeout;
  return true;
}

bool ConnectionStream::Fill() {
  // What a handler already wrote (an interim "100 Continue") goes out before waiting for more.
  if (!out_.empty() && !Flush()) return false;
  if (in_pos_ == in_.size()) {
    in_.clear();
    in_pos_ = 0;
  }
  char buf[16384];
  while (true) {
    if (!Readable(fd_, MillisUntil(deadline_))) {
      timed_out_ = true;  // the request's time is up
      return false;
    }
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n > 0) {
      in_.append(buf, static_cast<size_t>(n));
      return true;
    }
    if (n == 0 || (errno != EINTR && errno != EAGAIN)) return false;
  }
}

bool ConnectionStream::is_readable() const {
  return in_pos_ < in_.size() || Readable(fd_, MillisUntil(deadline_));
}

ssize_t ConnectionStream::read(char* ptr, size_t size) {
  // After headers with an unusable Content-Length the body is never read: httplib answers
  // at once and the connection closes.
  if (head_done_ && bad_length_) return 0;
  if (in_pos_ == in_.size() && !Fill()) return -1;
  const size_t n = std::min(size, in_.size() - in_pos_);
  std::memcpy(ptr, in_.data() + in_pos_, n);
  in_pos_ += n;
  if (!head_done_) Observe(ptr, n);
  return static_cast<ssize_t>(n);
}

ssize_t ConnectionStream::write(const char* ptr, size_t size) {
  out_.append(ptr, size);
  return static_cast<ssize_t>(size);
}

bool ConnectionStream::Flush() {
  size_t sent = 0;
  const Clock::time_point deadline = Clock::now() + std::chrono::seconds(write_timeout_s_);
  while (sent < out_.size()) {
    pollfd p{fd_, POLLOUT, 0};
    int r;
    do {
      r = ::poll(&p, 1, MillisUntil(deadline));
    } while (r < 0 && errno == EINTR);
    if (r <= 0) return false;
    const ssize_t n = ::send(fd_, out_.data() + sent, out_.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  out_.clear();
  return true;
}

void ConnectionStream::Observe(const char* data, size_t n) {
  const size_t from = head_.size() < 3 ? 0 : head_.size() - 3;
  head_.append(data, n);
  const size_t end = head_.find("\r\n\r\n", from);
  if (end != std::string::npos) {
    head_.resize(end + 2);
    head_done_ = true;
    CheckContentLength();
  } else if (head_.size() > 64 * 1024) {
    head_done_ = true;  // httplib refuses headers this long itself
  }
}

void ConnectionStream::CheckContentLength() {
  static constexpr char kName[] = "content-length:";
  std::string declared;
  size_t line = head_.find("\r\n");  // skip the request line
  while (line != std::string::npos && line + 2 < head_.size()) {
    const size_t start = line + 2;
    line = head_.find("\r\n", start);
    const std::string_view header(head_.data() + start,
                                  (line == std::string::npos ? head_.size() : line) - start);
    if (header.size() < sizeof kName - 1) continue;
    bool match = true;
    for (size_t i = 0; i + 1 < sizeof kName && match; ++i) {
      match = std::tolower(static_cast<unsigned char>(header[i])) == kName[i];
    }
    if (!match) continue;
    std::string_view value = header.substr(sizeof kName - 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    const bool digits =
        !value.empty() && value.size() <= 18 &&
        std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
    // Two different lengths are how requests are smuggled past a proxy: refused as malformed.
    if (!digits || (!declared.empty() && declared != value)) {
      bad_length_ = true;
      return;
    }
    declared = value;
  }
  if (!declared.empty() && std::stoull(declared) > max_body_bytes_) bad_length_ = true;
}

void ConnectionStream::get_remote_ip_and_port(std::string& ip, int& port) const {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (::getpeername(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) Describe(addr, ip, port);
}

void ConnectionStream::get_local_ip_and_port(std::string& ip, int& port) const {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) Describe(addr, ip, port);
}

}  // namespace engram::server
