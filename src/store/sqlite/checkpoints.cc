// SqliteCheckpointTransaction: checkpoints, their channel values and pending writes.
#include "store/sqlite/checkpoints.h"

#include "store/checkpoint_versions.h"

namespace engram::store::sqlite {

namespace {

#define ENGRAM_CHECKPOINT_COLUMNS                                                              \
  "owner_id, thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, checkpoint," \
  " metadata, channel_versions, created_at"

Result<Checkpoint> ReadCheckpoint(const Stmt& s) {
  Checkpoint c;
  c.owner_id = s.ColumnText(0);
  c.thread_id = s.ColumnText(1);
  c.checkpoint_ns = s.ColumnText(2);
  c.checkpoint_id = s.ColumnText(3);
  c.parent_checkpoint_id = s.ColumnText(4);
  c.checkpoint.type = s.ColumnText(5);
  c.checkpoint.data = s.ColumnBlob(6);
  c.metadata = s.ColumnText(7);
  ENGRAM_ASSIGN_OR_RETURN(c.channel_versions, DecodeChannelVersions(s.ColumnText(8)));
  c.created_at = s.ColumnInt(9);
  return c;
}

Result<std::vector<Checkpoint>> ReadCheckpoints(Stmt& s) {
  std::vector<Checkpoint> out;
  Status st;
  while (s.Step(&st)) {
    ENGRAM_ASSIGN_OR_RETURN(Checkpoint c, ReadCheckpoint(s));
    out.push_back(std::move(c));
  }
  if (!st.ok()) return st;
  return out;
}

void BindOptionalText(Stmt& s, int pos, const std::optional<std::string>& value) {
  if (value) {
    s.Bind(pos, *value);
  } else {
    s.BindNull(pos);
  }
}

}  // namespace

Result<int64_t> SqliteCheckpointTransaction::RunForThread(const char* sql,
                                                          std::string_view owner_id,
                                                          std::string_view thread_id) {
  ENGRAM_ASSIGN_OR_RETURN(auto s, conn_->Prepare(sql));
  s->Bind(1, owner_id);
  s->Bind(2, thread_id);
  ENGRAM_RETURN_IF_ERROR(s->Run());
  return conn_->Changes();
}

Result<std::optional<Checkpoint>> SqliteCheckpointTransaction::GetCheckpoint(
    std::string_view owner_id, std::string_view thread_id, std::string_view checkpoint_ns,
    std::optional<std::string_view> checkpoint_id) {
  ENGRAM_ASSIGN_OR_RETURN(
      auto s, checkpoint_id
                  ? conn_->Prepare("SELECT " ENGRAM_CHECKPOINT_COLUMNS " FROM checkpoints"
                                   " WHERE owner_id = ?1 AND thread_id = ?2 AND checkpoint_ns = ?3"
                                   " AND checkpoint_id = ?4")
                  : conn_->Prepare("SELECT " ENGRAM_CHECKPOINT_COLUMNS " FROM checkpoints"
                                   " WHERE owner_id = ?1 AND thread_id = ?2 AND checkpoint_ns = ?3"
                                   " ORDER BY checkpoint_id DESC LIMIT 1"));
  s->Bind(1, owner_id);
  s->Bind(2, thread_id);
  s->Bind(3, checkpoint_ns);
  if (checkpoint_id) s->Bind(4, *checkpoint_id);
  ENGRAM_ASSIGN_OR_RETURN(std::vector<Checkpoint> found, ReadCheckpoints(*s));
  if (found.empty()) return std::optional<Checkpoint>();
  return std::optional<Checkpoint>(std::move(found.front()));
}

Result<std::vector<Checkpoint>> SqliteCheckpointTransaction::ListCheckpoints(
    const CheckpointQuery& q) {
  // The page after the cursor: a smaller id, or the same id in a later thread or namespace.
#define ENGRAM_CHECKPOINT_PAGE                                                        \
  " AND (?3 IS NULL OR checkpoint_ns = ?3) AND (?4 IS NULL OR checkpoint_id < ?4)"    \
  " AND (?5 IS NULL OR checkpoint_id < ?5 OR (checkpoint_id = ?5 AND (thread_id > ?6" \
  " OR (thread_id = ?6 AND checkpoint_ns > ?7))))"                                    \
  " ORDER BY checkpoint_id DESC, thread_id, checkpoint_ns LIMIT ?8"
  // With a thread, its equality leads so that SQLite reads the thread's rows only.
  ENGRAM_ASSIGN_OR_RETURN(
      auto s, q.thread_id
                  ? conn_->Prepare("SELECT " ENGRAM_CHECKPOINT_COLUMNS " FROM checkpoints"
                                   " WHERE owner_id = ?1 AND thread_id = ?2" ENGRAM_CHECKPOINT_PAGE)
                  : conn_->Prepare("SELECT " ENGRAM_CHECKPOINT_COLUMNS " FROM checkpoints"
                                   " WHERE owner_id = ?1 AND ?2 IS NULL" ENGRAM_CHECKPOINT_PAGE));
#undef ENGRAM_CHECKPOINT_PAGE
  s->Bind(1, q.owner_id);
  BindOptionalText(*s, 2, q.thread_id);
  BindOptionalText(*s, 3, q.checkpoint_ns);
  BindOptionalText(*s, 4, q.before);
  if (q.after) {
    s->Bind(5, q.after->checkpoint_id);
    s->Bind(6, q.after->thread_id);
    s->Bind(7, q.after->checkpoint_ns);
  } else {
    s->BindNull(5);
    s->BindNull(6);
    s->BindNull(7);
  }
  s->Bind(8, static_cast<int64_t>(q.limit));
  return ReadCheckpoints(*s);
}

Status SqliteCheckpointTransaction::PutCheckpoint(const Checkpoint& c,
                                                  const std::vector<ChannelValue>& values) {
  ENGRAM_ASSIGN_OR_RETURN(auto s,
                          conn_->Prepare("INSERT OR REPLACE INTO checkpoints"
                                         " (" ENGRAM_CHECKPOINT_COLUMNS ")"
                                         " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"));
  s->Bind(1, c.owner_id);
  s->Bind(2, c.thread_id);
  s->Bind(3, c.checkpoint_ns);
  s->Bind(4, c.checkpoint_id);
  s->BindOptional(5, c.parent_checkpoint_id);
  s->Bind(6, c.checkpoint.type);
  s->BindBlob(7, c.checkpoint.data);
  s->Bind(8, c.metadata);
  s->Bind(9, EncodeChannelVersions(c.channel_versions));
  s->Bind(10, c.created_at);
  ENGRAM_RETURN_IF_ERROR(s->Run());
  ENGRAM_ASSIGN_OR_RETURN(auto v, conn_->Prepare("INSERT OR REPLACE INTO checkpoint_values"
                                                 " (owner_id, thread_id, checkpoint_ns, channel,"
                                                 " version, type, value)"
                                                 " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
  for (const ChannelValue& value : values) {
    v->Bind(1, c.owner_id);
    v->Bind(2, c.thread_id);
    v->Bind(3, c.checkpoint_ns);
    v->Bind(4, value.channel);
    v->Bind(5, value.version);
    v->Bind(6, value.value.type);
    v->BindBlob(7, value.value.data);
    ENGRAM_RETURN_IF_ERROR(v->Run());
  }
  return Status::Ok();
}

Result<std::vector<ChannelValue>> SqliteCheckpointTransaction::GetChannelValues(
    std::string_view owner_id, std::string_view thread_id, std::string_view checkpoint_ns,
    std::string_view checkpoint_id) {
  ENGRAM_ASSIGN_OR_RETURN(
      auto s, conn_->Prepare("SELECT v.channel, v.version, v.type, v.value"
                             " FROM checkpoints c, json_each(c.channel_versions) j"
                             " JOIN checkpoint_values v ON v.owner_id = c.owner_id"
                             " AND v.thread_id = c.thread_id AND v.checkpoint_ns = c.checkpoint_ns"
                             " AND v.channel = j.key AND v.version = j.value"
                             " WHERE c.owner_id = ?1 AND c.thread_id = ?2 AND c.checkpoint_ns = ?3"
                             " AND c.checkpoint_id = ?4 ORDER BY v.channel"));
  s->Bind(1, owner_id);
  s->Bind(2, thread_id);
  s->Bind(3, checkpoint_ns);
  s->Bind(4, checkpoint_id);
  std::vector<ChannelValue> out;
  Status st;
  while (s->Step(&st)) {
    out.push_back({s->ColumnText(0), s->ColumnText(1), {s->ColumnText(2), s->ColumnBlob(3)}});
  }
  if (!st.ok()) return st;
  return out;
}

Result<int64_t> SqliteCheckpointTransaction::PutWrites(std::string_view owner_id,
                                                       std::string_view thread_id,
                                                       std::string_view checkpoint_ns,
                                                       std::string_view checkpoint_id,
                                                       const std::vector<PendingWrite>& writes) {
#define ENGRAM_WRITE_INSERT                                                                   \
  " INTO checkpoint_writes (owner_id, thread_id, checkpoint_ns, checkpoint_id, task_id, idx," \
  " task_path, channel, type, value) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
  ENGRAM_ASSIGN_OR_RETURN(auto replace, conn_->Prepare("INSERT OR REPLACE" ENGRAM_WRITE_INSERT));
  ENGRAM_ASSIGN_OR_RETURN(auto keep, conn_->Prepare("INSERT OR IGNORE" ENGRAM_WRITE_INSERT));
#undef ENGRAM_WRITE_INSERT
  int64_t stored = 0;
  for (const PendingWrite& w : writes) {
    Stmt& s = w.idx < 0 ? *replace : *keep;
    s.Bind(1, owner_id);
    s.Bind(2, thread_id);
    s.Bind(3, checkpoint_ns);
    s.Bind(4, checkpoint_id);
    s.Bind(5, w.task_id);
    s.Bind(6, w.idx);
    s.Bind(7, w.task_path);
    s.Bind(8, w.channel);
    s.Bind(9, w.value.type);
    s.BindBlob(10, w.value.data);
    ENGRAM_RETURN_IF_ERROR(s.Run());
    stored += conn_->Changes() > 0 ? 1 : 0;
  }
  return stored;
}

Result<std::vector<PendingWrite>> SqliteCheckpointTransaction::GetWrites(
    std::string_view owner_id, std::string_view thread_id, std::string_view checkpoint_ns,
    std::string_view checkpoint_id) {
  ENGRAM_ASSIGN_OR_RETURN(
      auto s, conn_->Prepare("SELECT task_id, task_path, idx, channel, type, value"
                             " FROM checkpoint_writes WHERE owner_id = ?1 AND thread_id = ?2"
                             " AND checkpoint_ns = ?3 AND checkpoint_id = ?4"
                             " ORDER BY task_path, task_id, idx"));
  s->Bind(1, owner_id);
  s->Bind(2, thread_id);
  s->Bind(3, checkpoint_ns);
  s->Bind(4, checkpoint_id);
  std::vector<PendingWrite> out;
  Status st;
  while (s->Step(&st)) {
    out.push_back({s->ColumnText(0),
                   s->ColumnText(1),
                   s->ColumnInt(2),
                   s->ColumnText(3),
                   {s->ColumnText(4), s->ColumnBlob(5)}});
  }
  if (!st.ok()) return st;
  return out;
}

Result<int64_t> SqliteCheckpointTransaction::CountCheckpoints(std::string_view owner_id,
                                                              std::string_view thread_id) {
  ENGRAM_ASSIGN_OR_RETURN(auto s, conn_->Prepare("SELECT count(*) FROM checkpoints"
                                                 " WHERE owner_id = ?1 AND thread_id = ?2"));
  s->Bind(1, owner_id);
  s->Bind(2, thread_id);
  return SingleInt(*s);
}

Result<int64_t> SqliteCheckpointTransaction::CopyThread(std::string_view owner_id,
                                                        std::string_view from,
                                                        std::string_view to) {
  const char* statements[] = {
      "INSERT INTO checkpoint_values (owner_id, thread_id, checkpoint_ns, channel, version, type,"
      " value) SELECT owner_id, ?3, checkpoint_ns, channel, version, type, value"
      " FROM checkpoint_values WHERE owner_id = ?1 AND thread_id = ?2",
      "INSERT INTO checkpoint_writes (owner_id, thread_id, checkpoint_ns, checkpoint_id, task_id,"
      " idx, task_path, channel, type, value) SELECT owner_id, ?3, checkpoint_ns, checkpoint_id,"
      " task_id, idx, task_path, channel, type, value FROM checkpoint_writes"
      " WHERE owner_id = ?1 AND thread_id = ?2",
      "INSERT INTO checkpoints (" ENGRAM_CHECKPOINT_COLUMNS
      ") SELECT owner_id, ?3, checkpoint_ns,"
      " checkpoint_id, parent_checkpoint_id, type, checkpoint, metadata, channel_versions,"
      " created_at FROM checkpoints WHERE owner_id = ?1 AND thread_id = ?2",
  };
  for (const char* sql : statements) {
    ENGRAM_ASSIGN_OR_RETURN(auto s, conn_->Prepare(sql));
    s->Bind(1, owner_id);
    s->Bind(2, from);
    s->Bind(3, to);
    ENGRAM_RETURN_IF_ERROR(s->Run());
  }
  return conn_->Changes();  // of the last statement: the checkpoints
}

Result<int64_t> SqliteCheckpointTransaction::PruneThread(std::string_view owner_id,
                                                         std::string_view thread_id, size_t keep) {
  ENGRAM_ASSIGN_OR_RETURN(
      auto s, conn_->Prepare("DELETE FROM checkpoints WHERE owner_id = ?1 AND thread_id = ?2"
                             " AND (checkpoint_ns, checkpoint_id) IN (SELECT checkpoint_ns,"
                             " checkpoint_id FROM (SELECT checkpoint_ns, checkpoint_id,"
                             " row_number() OVER (PARTITION BY checkpoint_ns"
                             " ORDER BY checkpoint_id DESC) AS n FROM checkpoints"
                             " WHERE owner_id = ?1 AND thread_id = ?2) WHERE n > ?3)"));
  s->Bind(1, owner_id);
  s->Bind(2, thread_id);
  s->Bind(3, static_cast<int64_t>(keep));
  ENGRAM_RETURN_IF_ERROR(s->Run());
  const int64_t pruned = conn_->Changes();
  ENGRAM_RETURN_IF_ERROR(
      RunForThread("DELETE FROM checkpoint_writes AS w WHERE owner_id = ?1 AND thread_id = ?2"
                   " AND NOT EXISTS (SELECT 1 FROM checkpoints c WHERE c.owner_id = ?1"
                   " AND c.thread_id = ?2 AND c.checkpoint_ns = w.checkpoint_ns"
                   " AND c.checkpoint_id = w.checkpoint_id)",
                   owner_id, thread_id)
          .status());
  ENGRAM_RETURN_IF_ERROR(
      RunForThread("DELETE FROM checkpoint_values AS v WHERE owner_id = ?1 AND thread_id = ?2"
                   " AND NOT EXISTS (SELECT 1 FROM checkpoints c, json_each(c.channel_versions) j"
                   " WHERE c.owner_id = ?1 AND c.thread_id = ?2"
                   " AND c.checkpoint_ns = v.checkpoint_ns AND j.key = v.channel"
                   " AND j.value = v.version)",
                   owner_id, thread_id)
          .status());
  return pruned;
}

Result<int64_t> SqliteCheckpointTransaction::DeleteThread(std::string_view owner_id,
                                                          std::string_view thread_id) {
  ENGRAM_RETURN_IF_ERROR(
      RunForThread("DELETE FROM checkpoint_writes WHERE owner_id = ?1 AND thread_id = ?2", owner_id,
                   thread_id)
          .status());
  ENGRAM_RETURN_IF_ERROR(
      RunForThread("DELETE FROM checkpoint_values WHERE owner_id = ?1 AND thread_id = ?2", owner_id,
                   thread_id)
          .status());
  return RunForThread("DELETE FROM checkpoints WHERE owner_id = ?1 AND thread_id = ?2", owner_id,
                      thread_id);
}

Result<int64_t> SqliteCheckpointTransaction::DeleteOwnerCheckpoints(std::string_view owner_id) {
  ENGRAM_RETURN_IF_ERROR(
      DeleteWhereOwner(*conn_, "DELETE FROM checkpoint_writes WHERE owner_id = ?1", owner_id)
          .status());
  ENGRAM_RETURN_IF_ERROR(
      DeleteWhereOwner(*conn_, "DELETE FROM checkpoint_values WHERE owner_id = ?1", owner_id)
          .status());
  return DeleteWhereOwner(*conn_, "DELETE FROM checkpoints WHERE owner_id = ?1", owner_id);
}

Result<std::vector<std::string>> SqliteCheckpointTransaction::ListCheckpointOwners() {
  ENGRAM_ASSIGN_OR_RETURN(
      auto s, conn_->Prepare("SELECT DISTINCT owner_id FROM checkpoints ORDER BY owner_id"));
  std::vector<std::string> out;
  Status st;
  while (s->Step(&st)) out.push_back(s->ColumnText(0));
  if (!st.ok()) return st;
  return out;
}

Result<std::vector<ThreadChannelValue>> SqliteCheckpointTransaction::ListOwnerChannelValues(
    std::string_view owner_id) {
  ENGRAM_ASSIGN_OR_RETURN(auto s, conn_->Prepare("SELECT thread_id, checkpoint_ns, channel,"
                                                 " version, type, value FROM checkpoint_values"
                                                 " WHERE owner_id = ?1"));
  s->Bind(1, owner_id);
  std::vector<ThreadChannelValue> out;
  Status st;
  while (s->Step(&st)) {
    out.push_back({s->ColumnText(0),
                   s->ColumnText(1),
                   {s->ColumnText(2), s->ColumnText(3), {s->ColumnText(4), s->ColumnBlob(5)}}});
  }
  if (!st.ok()) return st;
  return out;
}

Result<std::vector<CheckpointWrite>> SqliteCheckpointTransaction::ListOwnerWrites(
    std::string_view owner_id) {
  ENGRAM_ASSIGN_OR_RETURN(
      auto s, conn_->Prepare("SELECT thread_id, checkpoint_ns, checkpoint_id, task_id, task_path,"
                             " idx, channel, type, value FROM checkpoint_writes"
                             " WHERE owner_id = ?1"));
  s->Bind(1, owner_id);
  std::vector<CheckpointWrite> out;
  Status st;
  while (s->Step(&st)) {
    out.push_back({s->ColumnText(0),
                   s->ColumnText(1),
                   s->ColumnText(2),
                   {s->ColumnText(3),
                    s->ColumnText(4),
                    s->ColumnInt(5),
                    s->ColumnText(6),
                    {s->ColumnText(7), s->ColumnBlob(8)}}});
  }
  if (!st.ok()) return st;
  return out;
}

}  // namespace engram::store::sqlite
