// The SQLite backend's checkpoint transaction (checkpoint_store.h), on an OpenTransaction of the
// one database the other stores share (sqlite_store.cc). Tables: schema.cc, version 9.
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/checkpoint_store.h"
#include "store/sqlite/connection.h"
#include "store/sqlite/transaction.h"

namespace engram::store::sqlite {

class SqliteCheckpointTransaction final : public CheckpointTransaction {
 public:
  SqliteCheckpointTransaction(Connection* conn, std::function<void()> release,
                              GroupCommit* writer = nullptr)
      : txn_(conn, std::move(release), writer), conn_(conn) {}

  Status Commit() override { return txn_.Commit(); }
  Result<std::optional<Checkpoint>> GetCheckpoint(
      std::string_view owner_id, std::string_view thread_id, std::string_view checkpoint_ns,
      std::optional<std::string_view> checkpoint_id) override;
  Result<std::vector<Checkpoint>> ListCheckpoints(const CheckpointQuery& query) override;
  Status PutCheckpoint(const Checkpoint& checkpoint,
                       const std::vector<ChannelValue>& values) override;
  Result<std::vector<ChannelValue>> GetChannelValues(std::string_view owner_id,
                                                     std::string_view thread_id,
                                                     std::string_view checkpoint_ns,
                                                     std::string_view checkpoint_id) override;
  Result<int64_t> PutWrites(std::string_view owner_id, std::string_view thread_id,
                            std::string_view checkpoint_ns, std::string_view checkpoint_id,
                            const std::vector<PendingWrite>& writes) override;
  Result<std::vector<PendingWrite>> GetWrites(std::string_view owner_id, std::string_view thread_id,
                                              std::string_view checkpoint_ns,
                                              std::string_view checkpoint_id) override;
  Result<int64_t> CountCheckpoints(std::string_view owner_id, std::string_view thread_id) override;
  Result<int64_t> CopyThread(std::string_view owner_id, std::string_view from,
                             std::string_view to) override;
  Result<int64_t> PruneThread(std::string_view owner_id, std::string_view thread_id,
                              size_t keep) override;
  Result<int64_t> DeleteThread(std::string_view owner_id, std::string_view thread_id) override;
  Result<int64_t> DeleteOwnerCheckpoints(std::string_view owner_id) override;
  Result<std::vector<std::string>> ListCheckpointOwners() override;
  Result<std::vector<ThreadChannelValue>> ListOwnerChannelValues(
      std::string_view owner_id) override;
  Result<std::vector<CheckpointWrite>> ListOwnerWrites(std::string_view owner_id) override;

 private:
  // Runs a statement whose ?1 is the owner and ?2 a thread; returns how many rows it changed.
  Result<int64_t> RunForThread(const char* sql, std::string_view owner_id,
                               std::string_view thread_id);

  OpenTransaction txn_;
  Connection* conn_;
};

}  // namespace engram::store::sqlite
