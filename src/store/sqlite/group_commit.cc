#include "store/sqlite/group_commit.h"

#include <sqlite3.h>

#include <utility>

namespace engram::store::sqlite {

bool GroupCommit::InTransaction() const {
  return sqlite3_get_autocommit(conn_->handle()) == 0;
}

Status GroupCommit::Begin() {
  turn_.acquire();
  if (!open_) {
    if (Status st = conn_->Exec("BEGIN IMMEDIATE"); !st.ok()) {
      turn_.release();
      return st;
    }
    open_ = true;
    members_ = 0;
    group_ = std::make_shared<Group>();
  }
  if (Status st = conn_->Exec("SAVEPOINT engram_write"); !st.ok()) {
    EndTurn();
    return st;
  }
  return Status::Ok();
}

Status GroupCommit::Commit(uint64_t* ticket) {
  *ticket = 0;
  Status released = InTransaction() ? conn_->Exec("RELEASE engram_write")
                                    : Status::Internal("the write's transaction was rolled back");
  if (!released.ok()) {
    Abandon(released);
    return released;
  }
  std::shared_ptr<Group> group = group_;
  ++members_;
  {
    std::lock_guard lock(mu_);
    *ticket = next_ticket_++;
  }
  EndTurn();
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return group->done && finished_ + 1 == *ticket; });
  return group->status;
}

void GroupCommit::Rollback() {
  Abandon(Status::Internal("a write of its group failed and rolled the transaction back"));
}

void GroupCommit::Abandon(const Status& why) {
  if (InTransaction()) {
    conn_->Exec("ROLLBACK TO engram_write");
    conn_->Exec("RELEASE engram_write");
  }
  // SQLite rolled the whole transaction back (a failed statement or RELEASE can): the group's
  // earlier writes are gone too.
  if (!InTransaction()) CloseGroup(why);
  EndTurn();
}

void GroupCommit::Finish(uint64_t ticket) {
  {
    std::lock_guard lock(mu_);
    finished_ = ticket;
  }
  cv_.notify_all();
}

void GroupCommit::EndTurn() {
  if (open_ && (members_ >= kMaxGroup || turn_.waiting() == 0)) CommitGroup();
  turn_.release();
}

void GroupCommit::CommitGroup() {
  Status st = conn_->Exec("COMMIT");
  if (!st.ok() && InTransaction()) conn_->Exec("ROLLBACK");
  CloseGroup(std::move(st));
}

void GroupCommit::CloseGroup(Status status) {
  open_ = false;
  members_ = 0;
  {
    std::lock_guard lock(mu_);
    group_->done = true;
    group_->status = std::move(status);
  }
  cv_.notify_all();
}

}  // namespace engram::store::sqlite
