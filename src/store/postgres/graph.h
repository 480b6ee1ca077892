// The PostgreSQL backend's knowledge-graph transaction (graph_store.h), on a pooled connection
// of the database the other stores share (postgres_store.cc). Tables: schema.cc, version 3. The
// SQL mirrors store/sqlite/graph.cc; lists of ids, scopes and types are text[] parameters. Inserts
// are pipelined (Connection::Send): a batch of writes costs a round trip per read, not per row.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/graph_store.h"
#include "store/postgres/transaction.h"

namespace engram::store::pg {

class PgGraphTransaction final : public GraphTransaction {
 public:
  PgGraphTransaction(std::unique_ptr<Connection> conn, ReleaseConnection release)
      : txn_(std::move(conn), std::move(release)) {}

  // A transaction that wrote many rows (an import) analyzes the graph's tables before it commits:
  // until autovacuum does, the planner knows nothing of the new rows and reads an owner's edges
  // through the partial index of current versions, all of them per query, not its from/to
  // indexes (docs/graph.md, "Speed": 67 ms for a neighbourhood of depth 1 at 100k edges).
  static constexpr size_t kAnalyzeAfterRows = 1000;
  Status Commit() override;
  // A read: see OpenTransaction::EndWithoutWaiting.
  void EndWithoutWaiting() { txn_.EndWithoutWaiting(); }
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
  Result<Rows> Query(const char* sql, const std::vector<Param>& params = {}) {
    return txn_.Query(sql, params);
  }
  // The writes that need no answer (versions, observations, history) are pipelined: sent
  // without waiting, their errors failing the next statement or the commit.
  Status Send(const char* sql, const std::vector<Param>& params) { return txn_.Send(sql, params); }
  // Runs an UPDATE ... SET expired_at = $3 WHERE owner_id = $1 AND id = $2 AND expired_at IS
  // NULL; NotFound naming `what` when it changed no row.
  Status Expire(const char* sql, std::string_view what, std::string_view owner_id,
                std::string_view id, Timestamp at);

  OpenTransaction txn_;
  size_t inserted_ = 0;  // entity, observation and relation versions this transaction wrote
};

}  // namespace engram::store::pg
