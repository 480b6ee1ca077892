// How engram's HTTP server holds a connection (http_server.cc): cpp-httplib parses requests
// and writes responses; this layer owns the socket's reads, writes and lifetime.
//
// - Every request must arrive whole (request line, headers, body) within a deadline counted
//   from its first byte: a client that trickles a header line every few seconds is cut off
//   instead of holding a thread for ever.
// - The response (headers and body) leaves in one write, on a socket with TCP_NODELAY, so a
//   keep-alive client never waits for a delayed ACK.
// - A Content-Length that is not a decimal number, or one over the body limit, ends the
//   request at once (httplib answers it; the connection then closes) instead of reading or
//   skipping that many bytes until the timeout.
#pragma once

#include <httplib.h>

#include <chrono>
#include <string>

namespace engram::server {

class ConnectionStream : public httplib::Stream {
 public:
  using Clock = std::chrono::steady_clock;

  // `fd`: the connected socket (not owned). `wake_fd`: readable once the server stops.
  ConnectionStream(int fd, int wake_fd, size_t max_body_bytes, int write_timeout_s);

  // Waits up to `idle` for the next request's first byte; false when the peer closed, the wait
  // timed out, or the server is stopping and nothing was sent (a request already received is
  // still served). On true, the request must be complete within `request_timeout`.
  bool WaitForRequest(std::chrono::milliseconds idle, std::chrono::milliseconds request_timeout,
                      bool stopping);
  // True once the server's stop was signalled (wake_fd readable).
  bool Stopping() const;
  // Sends what the response wrote, in one write when the socket allows; false on failure.
  bool Flush();
  // The request's Content-Length was unusable, or the request did not arrive in time: the
  // connection closes after the answer (a client that trickles bytes gets no second request).
  bool must_close() const { return bad_length_ || timed_out_; }

  bool is_readable() const override;
  bool is_writable() const override { return true; }
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  ::socket_t socket() const override { return fd_; }

 private:
  // Reads more bytes into the buffer, waiting no later than the request's deadline.
  bool Fill();
  // Follows the bytes handed to httplib until the end of the headers, then checks the
  // Content-Length they declare.
  void Observe(const char* data, size_t n);
  void CheckContentLength();

  const int fd_, wake_fd_;
  const size_t max_body_bytes_;
  const int write_timeout_s_;
  std::string in_;
  size_t in_pos_ = 0;
  std::string out_;
  Clock::time_point deadline_;
  std::string head_;  // the request's bytes up to the end of its headers
  bool head_done_ = false;
  bool bad_length_ = false, timed_out_ = false;
};

}  // namespace engram::server
