// The SQLite backend's knowledge-graph transaction (graph_store.h), on an OpenTransaction of the
// one database the other stores share (sqlite_store.cc). Tables: schema.cc, version 8.
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/graph_store.h"
#include "store/sqlite/connection.h"
#include "store/sqlite/transaction.h"

namespace engram::store::sqlite {

class SqliteGraphTransaction final : public GraphTransaction {
 public:
  SqliteGraphTransaction(Connection* conn, std::function<void()> release,
                         GroupCommit* writer = nullptr)
      : txn_(conn, std::move(release), writer), conn_(conn) {}

  Status Commit() override { return txn_.Commit(); }
  Result<std::vector<Entity>> GetEntities(std::string_view owner_id,
                                          const std::vector<std::string>& ids,
                                          std::optional<Timestamp> as_of) override;
  Result<std::vector<Entity>> GetEntitiesWithObservations(std::string_view owner_id,
                                                          const std::vector<std::string>& ids,
                                                          std::optional<Timestamp> as_of) override;
  Result<std::vector<Entity>> FindEntitiesByKey(std::string_view owner_id,
                                                const std::vector<std::string>& scopes,
                                                std::string_view key,
                                                std::optional<Timestamp> as_of) override;
  Result<std::vector<KeyedEntity>> FindEntitiesByKeys(std::string_view owner_id,
                                                      const std::vector<std::string>& scopes,
                                                      const std::vector<std::string>& keys,
                                                      std::optional<Timestamp> as_of) override;
  Result<std::vector<Entity>> ListEntities(std::string_view owner_id,
                                           const std::vector<std::string>& scopes,
                                           std::optional<Timestamp> as_of) override;
  Status PutEntity(const Entity& e, const std::vector<std::string>& keys) override;
  Status ExpireEntity(std::string_view owner_id, std::string_view id, Timestamp at) override;
  Result<std::vector<Observation>> ListObservations(std::string_view owner_id,
                                                    const std::vector<std::string>& entity_ids,
                                                    std::optional<Timestamp> as_of) override;
  Status InsertObservation(std::string_view owner_id, const Observation& o) override;
  Status ExpireObservation(std::string_view owner_id, std::string_view id, Timestamp at) override;
  Result<std::vector<Relation>> ListRelations(const EdgeQuery& query) override;
  Result<EdgeBall> ListRelationsWithin(const EdgeQuery& query, size_t rounds) override;
  Status PutRelation(const Relation& r) override;
  Status ExpireRelation(std::string_view owner_id, std::string_view id, Timestamp at) override;
  Status AppendGraphHistory(const GraphHistoryEvent& event) override;
  Result<std::vector<GraphHistoryEvent>> GetGraphHistory(
      std::string_view owner_id, const std::vector<std::string>& object_ids) override;
  Result<GraphDeleteReport> EraseEntities(std::string_view owner_id,
                                          const std::vector<std::string>& ids) override;
  Result<GraphDeleteReport> DeleteOwnerGraph(std::string_view owner_id) override;
  Result<std::vector<std::string>> ListGraphOwners() override;
  Result<GraphVersions> ListGraphVersions(std::string_view owner_id) override;
  Status InsertEntityVersion(const Entity& e, const std::vector<std::string>& keys) override;
  Status InsertRelationVersion(const Relation& r) override;

 private:
  // Runs an UPDATE ... SET expired_at = ?3 WHERE owner_id = ?1 AND id = ?2 AND expired_at IS
  // NULL; NotFound naming `what` when it changed no row.
  Status Expire(const char* sql, std::string_view what, std::string_view owner_id,
                std::string_view id, Timestamp at);

  OpenTransaction txn_;
  Connection* conn_;
};

}  // namespace engram::store::sqlite
