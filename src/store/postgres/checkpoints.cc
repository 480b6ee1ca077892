// PgCheckpointTransaction: checkpoints, their channel values and pending writes. The SQL mirrors
// store/sqlite/checkpoints.cc.
#include "store/checkpoint_versions.h"
#include "store/postgres/transaction.h"

namespace engram::store::pg {

namespace {

#define ENGRAM_PG_CHECKPOINT_COLUMNS                                                           \
  "owner_id, thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, checkpoint," \
  " metadata, channel_versions, created_at"

Result<std::vector<Checkpoint>> ReadCheckpoints(const Rows& rows) {
  std::vector<Checkpoint> out;
  for (int i = 0; i < rows.size(); ++i) {
    Checkpoint c;
    c.owner_id = rows.Text(i, 0);
    c.thread_id = rows.Text(i, 1);
    c.checkpoint_ns = rows.Text(i, 2);
    c.checkpoint_id = rows.Text(i, 3);
    c.parent_checkpoint_id = rows.Text(i, 4);
    c.checkpoint.type = rows.Text(i, 5);
    c.checkpoint.data = rows.Bytes(i, 6);
    c.metadata = rows.Text(i, 7);
    ENGRAM_ASSIGN_OR_RETURN(c.channel_versions, DecodeChannelVersions(rows.Text(i, 8)));
    c.created_at = rows.Int(i, 9);
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace

Result<std::optional<Checkpoint>> PgCheckpointTransaction::GetCheckpoint(
    std::string_view owner_id, std::string_view thread_id, std::string_view checkpoint_ns,
    std::optional<std::string_view> checkpoint_id) {
  ENGRAM_ASSIGN_OR_RETURN(
      Rows rows,
      checkpoint_id
          ? Query("SELECT " ENGRAM_PG_CHECKPOINT_COLUMNS " FROM checkpoints WHERE owner_id = $1"
                  " AND thread_id = $2 AND checkpoint_ns = $3 AND checkpoint_id = $4",
                  {P(owner_id), P(thread_id), P(checkpoint_ns), P(*checkpoint_id)})
          : Query("SELECT " ENGRAM_PG_CHECKPOINT_COLUMNS " FROM checkpoints WHERE owner_id = $1"
                  " AND thread_id = $2 AND checkpoint_ns = $3"
                  " ORDER BY checkpoint_id DESC LIMIT 1",
                  {P(owner_id), P(thread_id), P(checkpoint_ns)}));
  ENGRAM_ASSIGN_OR_RETURN(std::vector<Checkpoint> found, ReadCheckpoints(rows));
  if (found.empty()) return std::optional<Checkpoint>();
  return std::optional<Checkpoint>(std::move(found.front()));
}

Result<std::vector<Checkpoint>> PgCheckpointTransaction::ListCheckpoints(const CheckpointQuery& q) {
  std::optional<std::string> after_id, after_thread, after_ns;
  if (q.after) {
    after_id = q.after->checkpoint_id;
    after_thread = q.after->thread_id;
    after_ns = q.after->checkpoint_ns;
  }
  ENGRAM_ASSIGN_OR_RETURN(
      Rows rows,
      Query("SELECT " ENGRAM_PG_CHECKPOINT_COLUMNS " FROM checkpoints WHERE owner_id = $1"
            " AND ($2::text IS NULL OR thread_id = $2)"
            " AND ($3::text IS NULL OR checkpoint_ns = $3)"
            " AND ($4::text IS NULL OR checkpoint_id < $4)"
            " AND ($5::text IS NULL OR checkpoint_id < $5 OR (checkpoint_id = $5"
            " AND (thread_id > $6 OR (thread_id = $6 AND checkpoint_ns > $7))))"
            " ORDER BY checkpoint_id DESC, thread_id, checkpoint_ns LIMIT $8",
            {P(q.owner_id), P(q.thread_id), P(q.checkpoint_ns), P(q.before), P(after_id),
             P(after_thread), P(after_ns), P(static_cast<int64_t>(q.limit))}));
  return ReadCheckpoints(rows);
}

Status PgCheckpointTransaction::PutCheckpoint(const Checkpoint& c,
                                              const std::vector<ChannelValue>& values) {
  ENGRAM_RETURN_IF_ERROR(
      Query("INSERT INTO checkpoints (" ENGRAM_PG_CHECKPOINT_COLUMNS ")"
            " VALUES ($1, $2, $3, $4, $5, $6, $7::bytea, $8, $9, $10)"
            " ON CONFLICT (owner_id, thread_id, checkpoint_ns, checkpoint_id) DO UPDATE SET"
            " parent_checkpoint_id = excluded.parent_checkpoint_id, type = excluded.type,"
            " checkpoint = excluded.checkpoint, metadata = excluded.metadata,"
            " channel_versions = excluded.channel_versions, created_at = excluded.created_at",
            {P(c.owner_id), P(c.thread_id), P(c.checkpoint_ns), P(c.checkpoint_id),
             OptionalText(c.parent_checkpoint_id), P(c.checkpoint.type), Bytes(c.checkpoint.data),
             P(c.metadata), P(EncodeChannelVersions(c.channel_versions)), P(c.created_at)})
          .status());
  for (const ChannelValue& v : values) {
    ENGRAM_RETURN_IF_ERROR(
        Query("INSERT INTO checkpoint_values (owner_id, thread_id, checkpoint_ns, channel,"
              " version, type, value) VALUES ($1, $2, $3, $4, $5, $6, $7::bytea)"
              " ON CONFLICT (owner_id, thread_id, checkpoint_ns, channel, version)"
              " DO UPDATE SET type = excluded.type, value = excluded.value",
              {P(c.owner_id), P(c.thread_id), P(c.checkpoint_ns), P(v.channel), P(v.version),
               P(v.value.type), Bytes(v.value.data)})
            .status());
  }
  return Status::Ok();
}

Result<std::vector<ChannelValue>> PgCheckpointTransaction::GetChannelValues(
    std::string_view owner_id, std::string_view thread_id, std::string_view checkpoint_ns,
    std::string_view checkpoint_id) {
  ENGRAM_ASSIGN_OR_RETURN(
      Rows rows,
      Query("SELECT v.channel, v.version, v.type, v.value FROM checkpoints c"
            " CROSS JOIN LATERAL jsonb_each_text(c.channel_versions::jsonb) j"
            " JOIN checkpoint_values v ON v.owner_id = c.owner_id AND v.thread_id = c.thread_id"
            " AND v.checkpoint_ns = c.checkpoint_ns AND v.channel = j.key COLLATE \"C\""
            " AND v.version = j.value COLLATE \"C\""
            " WHERE c.owner_id = $1 AND c.thread_id = $2 AND c.checkpoint_ns = $3"
            " AND c.checkpoint_id = $4 ORDER BY v.channel",
            {P(owner_id), P(thread_id), P(checkpoint_ns), P(checkpoint_id)}));
  std::vector<ChannelValue> out;
  for (int i = 0; i < rows.size(); ++i) {
    out.push_back({rows.Text(i, 0), rows.Text(i, 1), {rows.Text(i, 2), rows.Bytes(i, 3)}});
  }
  return out;
}

Result<int64_t> PgCheckpointTransaction::PutWrites(std::string_view owner_id,
                                                   std::string_view thread_id,
                                                   std::string_view checkpoint_ns,
                                                   std::string_view checkpoint_id,
                                                   const std::vector<PendingWrite>& writes) {
#define ENGRAM_PG_WRITE_INSERT                                                                 \
  "INSERT INTO checkpoint_writes (owner_id, thread_id, checkpoint_ns, checkpoint_id, task_id," \
  " idx, task_path, channel, type, value)"                                                     \
  " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::bytea)"                                   \
  " ON CONFLICT (owner_id, thread_id, checkpoint_ns, checkpoint_id, task_id, idx)"
  int64_t stored = 0;
  for (const PendingWrite& w : writes) {
    const std::vector<Param> params = {
        P(owner_id), P(thread_id),   P(checkpoint_ns), P(checkpoint_id), P(w.task_id),
        P(w.idx),    P(w.task_path), P(w.channel),     P(w.value.type),  Bytes(w.value.data)};
    ENGRAM_ASSIGN_OR_RETURN(Rows rows,
                            w.idx < 0 ? Query(ENGRAM_PG_WRITE_INSERT
                                              " DO UPDATE SET task_path = excluded.task_path,"
                                              " channel = excluded.channel, type = excluded.type,"
                                              " value = excluded.value",
                                              params)
                                      : Query(ENGRAM_PG_WRITE_INSERT " DO NOTHING", params));
    stored += rows.Affected() > 0 ? 1 : 0;
  }
#undef ENGRAM_PG_WRITE_INSERT
  return stored;
}

Result<std::vector<PendingWrite>> PgCheckpointTransaction::GetWrites(
    std::string_view owner_id, std::string_view thread_id, std::string_view checkpoint_ns,
    std::string_view checkpoint_id) {
  ENGRAM_ASSIGN_OR_RETURN(Rows rows,
                          Query("SELECT task_id, task_path, idx, channel, type, value"
                                " FROM checkpoint_writes WHERE owner_id = $1 AND thread_id = $2"
                                " AND checkpoint_ns = $3 AND checkpoint_id = $4"
                                " ORDER BY task_path, task_id, idx",
                                {P(owner_id), P(thread_id), P(checkpoint_ns), P(checkpoint_id)}));
  std::vector<PendingWrite> out;
  for (int i = 0; i < rows.size(); ++i) {
    out.push_back({rows.Text(i, 0),
                   rows.Text(i, 1),
                   rows.Int(i, 2),
                   rows.Text(i, 3),
                   {rows.Text(i, 4), rows.Bytes(i, 5)}});
  }
  return out;
}

Result<int64_t> PgCheckpointTransaction::CountCheckpoints(std::string_view owner_id,
                                                          std::string_view thread_id) {
  return txn_.SingleInt("SELECT count(*) FROM checkpoints WHERE owner_id = $1 AND thread_id = $2",
                        {P(owner_id), P(thread_id)});
}

Result<int64_t> PgCheckpointTransaction::CopyThread(std::string_view owner_id,
                                                    std::string_view from, std::string_view to) {
  const std::vector<Param> params = {P(owner_id), P(from), P(to)};
  ENGRAM_RETURN_IF_ERROR(
      Query("INSERT INTO checkpoint_values (owner_id, thread_id, checkpoint_ns, channel, version,"
            " type, value) SELECT owner_id, $3, checkpoint_ns, channel, version, type, value"
            " FROM checkpoint_values WHERE owner_id = $1 AND thread_id = $2",
            params)
          .status());
  ENGRAM_RETURN_IF_ERROR(
      Query("INSERT INTO checkpoint_writes (owner_id, thread_id, checkpoint_ns, checkpoint_id,"
            " task_id, idx, task_path, channel, type, value) SELECT owner_id, $3, checkpoint_ns,"
            " checkpoint_id, task_id, idx, task_path, channel, type, value"
            " FROM checkpoint_writes WHERE owner_id = $1 AND thread_id = $2",
            params)
          .status());
  ENGRAM_ASSIGN_OR_RETURN(
      Rows copied,
      Query("INSERT INTO checkpoints (" ENGRAM_PG_CHECKPOINT_COLUMNS ") SELECT owner_id, $3,"
            " checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, checkpoint, metadata,"
            " channel_versions, created_at FROM checkpoints WHERE owner_id = $1"
            " AND thread_id = $2",
            params));
  return copied.Affected();
}

Result<int64_t> PgCheckpointTransaction::PruneThread(std::string_view owner_id,
                                                     std::string_view thread_id, size_t keep) {
  ENGRAM_ASSIGN_OR_RETURN(
      Rows pruned,
      Query("DELETE FROM checkpoints WHERE owner_id = $1 AND thread_id = $2"
            " AND (checkpoint_ns, checkpoint_id) IN (SELECT checkpoint_ns, checkpoint_id FROM"
            " (SELECT checkpoint_ns, checkpoint_id, row_number() OVER (PARTITION BY"
            " checkpoint_ns ORDER BY checkpoint_id DESC) AS n FROM checkpoints"
            " WHERE owner_id = $1 AND thread_id = $2) ranked WHERE n > $3)",
            {P(owner_id), P(thread_id), P(static_cast<int64_t>(keep))}));
  ENGRAM_RETURN_IF_ERROR(
      Query("DELETE FROM checkpoint_writes w WHERE owner_id = $1 AND thread_id = $2"
            " AND NOT EXISTS (SELECT 1 FROM checkpoints c WHERE c.owner_id = $1"
            " AND c.thread_id = $2 AND c.checkpoint_ns = w.checkpoint_ns"
            " AND c.checkpoint_id = w.checkpoint_id)",
            {P(owner_id), P(thread_id)})
          .status());
  ENGRAM_RETURN_IF_ERROR(
      Query("DELETE FROM checkpoint_values v WHERE owner_id = $1 AND thread_id = $2"
            " AND NOT EXISTS (SELECT 1 FROM checkpoints c"
            " CROSS JOIN LATERAL jsonb_each_text(c.channel_versions::jsonb) j"
            " WHERE c.owner_id = $1 AND c.thread_id = $2 AND c.checkpoint_ns = v.checkpoint_ns"
            " AND j.key COLLATE \"C\" = v.channel AND j.value COLLATE \"C\" = v.version)",
            {P(owner_id), P(thread_id)})
          .status());
  return pruned.Affected();
}

Result<int64_t> PgCheckpointTransaction::DeleteThread(std::string_view owner_id,
                                                      std::string_view thread_id) {
  const std::vector<Param> params = {P(owner_id), P(thread_id)};
  ENGRAM_RETURN_IF_ERROR(
      Query("DELETE FROM checkpoint_writes WHERE owner_id = $1 AND thread_id = $2", params)
          .status());
  ENGRAM_RETURN_IF_ERROR(
      Query("DELETE FROM checkpoint_values WHERE owner_id = $1 AND thread_id = $2", params)
          .status());
  ENGRAM_ASSIGN_OR_RETURN(
      Rows deleted,
      Query("DELETE FROM checkpoints WHERE owner_id = $1 AND thread_id = $2", params));
  return deleted.Affected();
}

Result<int64_t> PgCheckpointTransaction::DeleteOwnerCheckpoints(std::string_view owner_id) {
  ENGRAM_RETURN_IF_ERROR(
      Query("DELETE FROM checkpoint_writes WHERE owner_id = $1", {P(owner_id)}).status());
  ENGRAM_RETURN_IF_ERROR(
      Query("DELETE FROM checkpoint_values WHERE owner_id = $1", {P(owner_id)}).status());
  ENGRAM_ASSIGN_OR_RETURN(Rows deleted,
                          Query("DELETE FROM checkpoints WHERE owner_id = $1", {P(owner_id)}));
  return deleted.Affected();
}

Result<std::vector<std::string>> PgCheckpointTransaction::ListCheckpointOwners() {
  ENGRAM_ASSIGN_OR_RETURN(
      Rows rows, Query("SELECT DISTINCT owner_id COLLATE \"C\" AS o FROM checkpoints ORDER BY o"));
  std::vector<std::string> out;
  for (int i = 0; i < rows.size(); ++i) out.push_back(rows.Text(i, 0));
  return out;
}

Result<std::vector<ThreadChannelValue>> PgCheckpointTransaction::ListOwnerChannelValues(
    std::string_view owner_id) {
  ENGRAM_ASSIGN_OR_RETURN(Rows rows,
                          Query("SELECT thread_id, checkpoint_ns, channel, version, type, value"
                                " FROM checkpoint_values WHERE owner_id = $1",
                                {P(owner_id)}));
  std::vector<ThreadChannelValue> out;
  for (int i = 0; i < rows.size(); ++i) {
    out.push_back({rows.Text(i, 0),
                   rows.Text(i, 1),
                   {rows.Text(i, 2), rows.Text(i, 3), {rows.Text(i, 4), rows.Bytes(i, 5)}}});
  }
  return out;
}

Result<std::vector<CheckpointWrite>> PgCheckpointTransaction::ListOwnerWrites(
    std::string_view owner_id) {
  ENGRAM_ASSIGN_OR_RETURN(
      Rows rows, Query("SELECT thread_id, checkpoint_ns, checkpoint_id, task_id, task_path, idx,"
                       " channel, type, value FROM checkpoint_writes WHERE owner_id = $1",
                       {P(owner_id)}));
  std::vector<CheckpointWrite> out;
  for (int i = 0; i < rows.size(); ++i) {
    out.push_back({rows.Text(i, 0),
                   rows.Text(i, 1),
                   rows.Text(i, 2),
                   {rows.Text(i, 3),
                    rows.Text(i, 4),
                    rows.Int(i, 5),
                    rows.Text(i, 6),
                    {rows.Text(i, 7), rows.Bytes(i, 8)}}});
  }
  return out;
}

}  // namespace engram::store::pg
