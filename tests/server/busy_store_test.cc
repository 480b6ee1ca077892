// Another process holding the store's write lock (a second engram on the same file, or sqlite3
// in a shell): a write waits Options::busy_timeout_ms, then answers 503 "unavailable" with
// Retry-After, never a 500 or a hang; reads go on meanwhile; the write succeeds once the lock
// is released.
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include "api_fixture.h"

namespace engram::server {
namespace {

// A child process that takes the write lock of the database at `path` and holds it until told.
class LockHolder {
 public:
  explicit LockHolder(const std::string& path) {
    int ready[2], release[2];
    if (pipe(ready) != 0 || pipe(release) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      close(ready[0]);
      close(release[1]);
      sqlite3* db = nullptr;
      char byte = 0;
      const bool locked =
          sqlite3_open(path.c_str(), &db) == SQLITE_OK &&
          sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK;
      byte = locked ? 'L' : 'E';
      if (write(ready[1], &byte, 1) != 1 || read(release[0], &byte, 1) != 1) _exit(2);
      sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
      sqlite3_close(db);
      _exit(locked ? 0 : 1);
    }
    close(ready[1]);
    close(release[0]);
    release_fd_ = release[1];
    char byte = 0;
    locked_ = read(ready[0], &byte, 1) == 1 && byte == 'L';
    close(ready[0]);
  }
  ~LockHolder() { Release(); }

  bool locked() const { return locked_; }
  // Ends the child's transaction; true when it exited cleanly.
  bool Release() {
    if (pid_ <= 0) return false;
    const char byte = 'R';
    const bool told = write(release_fd_, &byte, 1) == 1;
    close(release_fd_);
    int status = 0;
    const bool reaped = waitpid(pid_, &status, 0) == pid_;
    pid_ = -1;
    return told && reaped && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }

 private:
  pid_t pid_ = -1;
  int release_fd_ = -1;
  bool locked_ = false;
};

TEST_F(ApiTest, WriteLockOfAnotherProcessIs503WithRetryAfter) {
  Options engine_options;
  engine_options.busy_timeout_ms = 50;
  Open(ApiOptions{}, std::move(engine_options));
  ASSERT_EQ(
      Do("POST", "/v1/owners/alice/memories", nlohmann::json{{"text", "Alice likes tea"}}).status,
      201);

  LockHolder holder(dir_.File("engram.db"));
  ASSERT_TRUE(holder.locked());
  Reply2 busy = Do("POST", "/v1/owners/alice/memories", nlohmann::json{{"text", "Alice hikes"}});
  EXPECT_EQ(busy.status, 503) << busy.raw;
  EXPECT_EQ(ErrorCode(busy), "unavailable");
  bool retry_after = false;
  for (const auto& [name, value] : busy.response.headers) {
    retry_after = retry_after || (name == "Retry-After" && value == "1");
  }
  EXPECT_TRUE(retry_after);
  // Reads do not wait for the writer.
  Reply2 list = Do("GET", "/v1/owners/alice/memories");
  EXPECT_EQ(list.status, 200);
  EXPECT_EQ(list.body["items"].size(), 1u);

  ASSERT_TRUE(holder.Release());
  EXPECT_EQ(Do("POST", "/v1/owners/alice/memories", nlohmann::json{{"text", "Alice hikes"}}).status,
            201);
  EXPECT_EQ(Do("GET", "/v1/owners/alice/memories").body["items"].size(), 2u);
}

}  // namespace
}  // namespace engram::server
