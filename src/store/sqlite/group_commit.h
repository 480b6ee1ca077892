// Group commit over SQLite's single writer connection: write transactions take the connection in
// turn, each inside a savepoint of one shared SQLite transaction, and a group of them is made
// durable by one COMMIT (one fsync) instead of one each.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>

#include "engram/status.h"
#include "store/sqlite/connection.h"
#include "util/fifo_semaphore.h"

namespace engram::store::sqlite {

// The contract a write transaction sees is that of a transaction of its own: its statements run
// alone on the connection (writers get it in the order they asked); Commit returns only once
// its writes are durable, or fails and then none of them is; a rollback undoes only its own.
// Writers that arrive while another holds the connection join its group: when a writer commits
// while others wait, it hands them the connection and the group's COMMIT comes when the last one
// finds nobody waiting (or the group is full). A failure of that COMMIT, or a statement error that
// makes SQLite roll the whole transaction back, fails every commit of the group.
//
// Committed writers are released in the order they wrote, one at a time (each until Finish):
// what a caller does between its Commit and Finish (updating in-memory state from the write)
// happens in commit order, as it did when the writer connection stayed held until then.
class GroupCommit {
 public:
  // The most write transactions one COMMIT makes durable: bounds the wait of a group's first.
  static constexpr size_t kMaxGroup = 32;

  explicit GroupCommit(Connection* conn) : conn_(conn) {}
  GroupCommit(const GroupCommit&) = delete;
  GroupCommit& operator=(const GroupCommit&) = delete;

  Connection* connection() const { return conn_; }
  // How many writers wait for the connection now.
  size_t waiting() { return turn_.waiting(); }

  // Waits for the connection and opens a write transaction on it (BEGIN IMMEDIATE when no group
  // is open, so a database that another process is writing fails here, not mid-way). On error the
  // caller holds nothing.
  Status Begin();
  // Ends the caller's statements, waits until they are durable and every writer before it has
  // finished; on success the caller must call Finish(ticket) when done with what followed.
  // On failure too the caller must call Finish(ticket) when *ticket is not 0.
  Status Commit(uint64_t* ticket);
  // Undoes the caller's statements and gives the connection up (the transaction never committed).
  void Rollback();
  // Lets the next committed writer return from Commit.
  void Finish(uint64_t ticket);

 private:
  struct Group {
    bool done = false;  // committed or failed; guarded by mu_
    Status status;
  };

  // With the connection held: undoes the caller's savepoint, fails the group with `why` when its
  // transaction is gone, and gives the connection up.
  void Abandon(const Status& why);
  // With the connection held: closes the group if nobody waits or it is full, then gives the
  // connection to the next writer.
  void EndTurn();
  // With the connection held: COMMIT (or, on failure, roll back) the open group.
  void CommitGroup();
  // The open group failed (its transaction is gone): fail every commit in it.
  void CloseGroup(Status status);
  bool InTransaction() const;

  Connection* conn_;
  util::FifoSemaphore turn_{1};
  // Guarded by turn_: whether a group's transaction is open, its members committed so far, and
  // the group itself (shared with its waiting members).
  bool open_ = false;
  size_t members_ = 0;
  std::shared_ptr<Group> group_;

  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t next_ticket_ = 1;  // the ticket of the next commit
  uint64_t finished_ = 0;     // every ticket up to this one has finished
};

}  // namespace engram::store::sqlite
