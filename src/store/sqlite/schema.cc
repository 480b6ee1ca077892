#include "store/sqlite/schema.h"

#include <iterator>
#include <string>

namespace engram::store::sqlite {

namespace {

// Migration i brings the schema from version i to i + 1. Append only; never edit a shipped step.
constexpr const char* kMigrations[] = {
    // 0 -> 1: durable memory, history, sessions.
    R"sql(
CREATE TABLE memories (
  rid              INTEGER PRIMARY KEY,   -- internal row id; labels vector index entries
  id               TEXT NOT NULL UNIQUE,  -- UUIDv7
  owner_id         TEXT NOT NULL,
  scope            TEXT NOT NULL,
  agent_id         TEXT,
  session_id       TEXT,
  type             TEXT NOT NULL,
  key              TEXT,
  text             TEXT NOT NULL,
  data             TEXT NOT NULL DEFAULT '{}',
  metadata         TEXT NOT NULL DEFAULT '{}',
  source           TEXT,
  confidence       REAL NOT NULL DEFAULT 1.0,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL,
  valid_from       INTEGER,
  valid_to         INTEGER,
  last_verified_at INTEGER,
  last_accessed_at INTEGER,
  access_count     INTEGER NOT NULL DEFAULT 0,
  expires_at       INTEGER,
  superseded_by    TEXT,
  deleted_at       INTEGER
);
CREATE INDEX memories_by_owner_time ON memories(owner_id, created_at DESC, id DESC);
CREATE INDEX memories_by_owner_scope ON memories(owner_id, scope);
CREATE INDEX memories_by_owner_key ON memories(owner_id, key) WHERE key IS NOT NULL;

CREATE TABLE memory_history (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  memory_id  TEXT NOT NULL,
  owner_id   TEXT NOT NULL,
  event      TEXT NOT NULL,
  actor      TEXT,
  reason     TEXT,
  old_value  TEXT,
  new_value  TEXT,
  at         INTEGER NOT NULL
);
CREATE INDEX memory_history_by_record ON memory_history(owner_id, memory_id, seq);

CREATE TABLE session_items (
  owner_id     TEXT NOT NULL,
  session_id   TEXT NOT NULL,
  seq          INTEGER NOT NULL,
  role         TEXT NOT NULL,
  content      TEXT NOT NULL,
  tool_calls   TEXT,
  tool_call_id TEXT,
  created_at   INTEGER NOT NULL,
  PRIMARY KEY (owner_id, session_id, seq)
) WITHOUT ROWID;

CREATE TABLE sessions (
  owner_id           TEXT NOT NULL,
  session_id         TEXT NOT NULL,
  created_at         INTEGER NOT NULL,
  updated_at         INTEGER NOT NULL,
  summary            TEXT,
  summary_updated_at INTEGER,
  PRIMARY KEY (owner_id, session_id)
) WITHOUT ROWID;

-- Store-wide settings, e.g. which embedding model the vectors come from.
CREATE TABLE store_meta (
  name  TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
)sql",
    // 1 -> 2: recall. Vectors per memory, BM25 over text and key, a change counter.
    R"sql(
CREATE TABLE memory_vectors (
  rid    INTEGER PRIMARY KEY REFERENCES memories(rid) ON DELETE CASCADE,
  vector BLOB NOT NULL             -- little-endian float32 x dimension
);

-- External-content FTS5 over live records; triggers keep it in step with memories, inside the
-- writing transaction. Tombstoned records leave the index.
CREATE VIRTUAL TABLE memories_fts USING fts5(
  text, key, owner_id UNINDEXED,
  content = 'memories', content_rowid = 'rid',
  tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER memories_fts_insert AFTER INSERT ON memories WHEN new.deleted_at IS NULL BEGIN
  INSERT INTO memories_fts(rowid, text, key, owner_id)
  VALUES (new.rid, new.text, coalesce(new.key, ''), new.owner_id);
END;
CREATE TRIGGER memories_fts_delete AFTER DELETE ON memories WHEN old.deleted_at IS NULL BEGIN
  INSERT INTO memories_fts(memories_fts, rowid, text, key, owner_id)
  VALUES ('delete', old.rid, old.text, coalesce(old.key, ''), old.owner_id);
END;
CREATE TRIGGER memories_fts_update AFTER UPDATE OF text, key, deleted_at ON memories BEGIN
  INSERT INTO memories_fts(memories_fts, rowid, text, key, owner_id)
  SELECT 'delete', old.rid, old.text, coalesce(old.key, ''), old.owner_id
  WHERE old.deleted_at IS NULL;
  INSERT INTO memories_fts(rowid, text, key, owner_id)
  SELECT new.rid, new.text, coalesce(new.key, ''), new.owner_id
  WHERE new.deleted_at IS NULL;
END;

INSERT INTO memories_fts(rowid, text, key, owner_id)
  SELECT rid, text, coalesce(key, ''), owner_id FROM memories WHERE deleted_at IS NULL;

INSERT INTO store_meta(name, value) VALUES ('change_counter', '0');
)sql",
    // 2 -> 3: the change counter value of the write that stored each vector, so a saved vector
    // index can be brought up to date by re-reading only the vectors written after it.
    R"sql(
ALTER TABLE memory_vectors ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
CREATE INDEX memory_vectors_by_seq ON memory_vectors(seq);
)sql",
    // 3 -> 4: the normalized-text hash of each record, for exact duplicate detection. Rows of
    // older stores get theirs from the store when it opens (BackfillContentHashes).
    R"sql(
ALTER TABLE memories ADD COLUMN content_hash TEXT;
CREATE INDEX memories_by_owner_hash ON memories(owner_id, content_hash);
)sql",
    // 4 -> 5: the claim hash of each record (util::ClaimHash), so near-duplicate candidates are
    // found through an index (rows of older stores get theirs when the store opens); garbage
    // collection finds expired records without reading every row; how far a session's rolling
    // summary reaches; a session's memories without reading the owner's other rows.
    R"sql(
ALTER TABLE memories ADD COLUMN claim_hash TEXT;
CREATE INDEX memories_by_owner_claim ON memories(owner_id, claim_hash);
CREATE INDEX memories_by_expiry ON memories(expires_at) WHERE expires_at IS NOT NULL;
ALTER TABLE sessions ADD COLUMN summary_through_seq INTEGER NOT NULL DEFAULT 0;
CREATE INDEX memories_by_owner_session ON memories(owner_id, session_id)
  WHERE session_id IS NOT NULL;
)sql",
    // 5 -> 6: the owner becomes part of the lexical index, so a search matches only the owner's
    // rows instead of reading the row of every match to check its owner. owner_tag is one token
    // per owner: the hex of the id (injective) and a final digit, so the porter stemmer leaves it
    // whole. The FTS table is rebuilt with the tag as an indexed column.
    R"sql(
DROP TRIGGER memories_fts_insert;
DROP TRIGGER memories_fts_delete;
DROP TRIGGER memories_fts_update;
DROP TABLE memories_fts;
ALTER TABLE memories ADD COLUMN owner_tag TEXT GENERATED ALWAYS AS (hex(owner_id) || '0') VIRTUAL;

CREATE VIRTUAL TABLE memories_fts USING fts5(
  text, key, owner_tag,
  content = 'memories', content_rowid = 'rid',
  tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER memories_fts_insert AFTER INSERT ON memories WHEN new.deleted_at IS NULL BEGIN
  INSERT INTO memories_fts(rowid, text, key, owner_tag)
  VALUES (new.rid, new.text, coalesce(new.key, ''), new.owner_tag);
END;
CREATE TRIGGER memories_fts_delete AFTER DELETE ON memories WHEN old.deleted_at IS NULL BEGIN
  INSERT INTO memories_fts(memories_fts, rowid, text, key, owner_tag)
  VALUES ('delete', old.rid, old.text, coalesce(old.key, ''), old.owner_tag);
END;
CREATE TRIGGER memories_fts_update AFTER UPDATE OF text, key, owner_id, deleted_at ON memories
BEGIN
  INSERT INTO memories_fts(memories_fts, rowid, text, key, owner_tag)
  SELECT 'delete', old.rid, old.text, coalesce(old.key, ''), old.owner_tag
  WHERE old.deleted_at IS NULL;
  INSERT INTO memories_fts(rowid, text, key, owner_tag)
  SELECT new.rid, new.text, coalesce(new.key, ''), new.owner_tag
  WHERE new.deleted_at IS NULL;
END;

INSERT INTO memories_fts(rowid, text, key, owner_tag)
  SELECT rid, text, coalesce(key, ''), owner_tag FROM memories WHERE deleted_at IS NULL;
)sql",
    // 6 -> 7: the change counter value of the write that last wrote each record, so a saved
    // recall partition can be brought up to date by re-reading only the records written after it.
    // The index holds deleted_at so that the live records written before a save are listed from
    // it alone. Rows of older stores get 0: older than any partition saved from now on.
    R"sql(
ALTER TABLE memories ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
CREATE INDEX memories_by_owner_change ON memories(owner_id, change_seq, deleted_at);
)sql",
    // 7 -> 8: the knowledge graph (docs/graph.md). Rows are versions: a change expires the
    // current one (expired_at) and adds another, so as_of reads see what was believed then.
    // Keys are the normalized name and aliases of an entity version, for lookups by name.
    R"sql(
CREATE TABLE graph_entities (
  rid         INTEGER PRIMARY KEY,
  id          TEXT NOT NULL,
  owner_id    TEXT NOT NULL,
  scope       TEXT NOT NULL,
  name        TEXT NOT NULL,
  type        TEXT NOT NULL,
  aliases     TEXT NOT NULL DEFAULT '[]',
  source      TEXT,
  confidence  REAL NOT NULL DEFAULT 1.0,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL,
  expired_at  INTEGER
);
CREATE INDEX graph_entities_by_id ON graph_entities(owner_id, id, updated_at);
CREATE UNIQUE INDEX graph_entities_current ON graph_entities(owner_id, id) WHERE expired_at IS NULL;
CREATE TABLE graph_entity_keys (
  owner_id    TEXT NOT NULL,
  key         TEXT NOT NULL,
  entity_rid  INTEGER NOT NULL REFERENCES graph_entities(rid) ON DELETE CASCADE
);
CREATE INDEX graph_entity_keys_by_key ON graph_entity_keys(owner_id, key);
CREATE INDEX graph_entity_keys_by_rid ON graph_entity_keys(entity_rid);
CREATE TABLE graph_observations (
  rid         INTEGER PRIMARY KEY,
  id          TEXT NOT NULL,
  owner_id    TEXT NOT NULL,
  entity_id   TEXT NOT NULL,
  text        TEXT NOT NULL,
  source      TEXT,
  created_at  INTEGER NOT NULL,
  expired_at  INTEGER
);
CREATE INDEX graph_observations_by_entity ON graph_observations(owner_id, entity_id, created_at);
CREATE TABLE graph_relations (
  rid         INTEGER PRIMARY KEY,
  id          TEXT NOT NULL,
  owner_id    TEXT NOT NULL,
  scope       TEXT NOT NULL,
  from_id     TEXT NOT NULL,
  type        TEXT NOT NULL,
  to_id       TEXT NOT NULL,
  valid_from  INTEGER,
  valid_to    INTEGER,
  source      TEXT,
  confidence  REAL NOT NULL DEFAULT 1.0,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL,
  expired_at  INTEGER
);
CREATE INDEX graph_relations_from ON graph_relations(owner_id, from_id, type);
CREATE INDEX graph_relations_to ON graph_relations(owner_id, to_id, type);
CREATE UNIQUE INDEX graph_relations_current ON graph_relations(owner_id, id) WHERE expired_at IS NULL;
CREATE TABLE graph_history (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  owner_id   TEXT NOT NULL,
  kind       TEXT NOT NULL,
  object_id  TEXT NOT NULL,
  event      TEXT NOT NULL,
  actor      TEXT,
  reason     TEXT,
  old_value  TEXT,
  new_value  TEXT,
  at         INTEGER NOT NULL
);
CREATE INDEX graph_history_by_object ON graph_history(owner_id, object_id, seq);
)sql",
    // 8 -> 9: checkpoints of agent state (docs/checkpoints.md). Channel values are stored once
    // per (thread, namespace, channel, version); a checkpoint names its versions in
    // channel_versions (a JSON object of strings). Ids compare as bytes (BINARY), as LangGraph
    // orders them.
    R"sql(
CREATE TABLE checkpoints (
  owner_id             TEXT NOT NULL,
  thread_id            TEXT NOT NULL,
  checkpoint_ns        TEXT NOT NULL,
  checkpoint_id        TEXT NOT NULL,
  parent_checkpoint_id TEXT,
  type                 TEXT NOT NULL,
  checkpoint           BLOB NOT NULL,
  metadata             TEXT NOT NULL,
  channel_versions     TEXT NOT NULL,
  created_at           INTEGER NOT NULL,
  PRIMARY KEY (owner_id, thread_id, checkpoint_ns, checkpoint_id)
) WITHOUT ROWID;
CREATE INDEX checkpoints_by_owner_id ON checkpoints(owner_id, checkpoint_id);
CREATE TABLE checkpoint_values (
  owner_id       TEXT NOT NULL,
  thread_id      TEXT NOT NULL,
  checkpoint_ns  TEXT NOT NULL,
  channel        TEXT NOT NULL,
  version        TEXT NOT NULL,
  type           TEXT NOT NULL,
  value          BLOB NOT NULL,
  PRIMARY KEY (owner_id, thread_id, checkpoint_ns, channel, version)
) WITHOUT ROWID;
CREATE TABLE checkpoint_writes (
  owner_id       TEXT NOT NULL,
  thread_id      TEXT NOT NULL,
  checkpoint_ns  TEXT NOT NULL,
  checkpoint_id  TEXT NOT NULL,
  task_id        TEXT NOT NULL,
  idx            INTEGER NOT NULL,
  task_path      TEXT NOT NULL,
  channel        TEXT NOT NULL,
  type           TEXT NOT NULL,
  value          BLOB NOT NULL,
  PRIMARY KEY (owner_id, thread_id, checkpoint_ns, checkpoint_id, task_id, idx)
) WITHOUT ROWID;
)sql",
};

Result<int> ReadVersion(Connection& conn) {
  ENGRAM_RETURN_IF_ERROR(
      conn.Exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"));
  ENGRAM_ASSIGN_OR_RETURN(auto stmt, conn.Prepare("SELECT max(version) FROM schema_version"));
  Status st;
  if (!stmt->Step(&st)) return st.ok() ? Status::Internal("no schema version row") : st;
  return static_cast<int>(stmt->ColumnInt(0));
}

}  // namespace

int LatestSchemaVersion() {
  return static_cast<int>(std::size(kMigrations));
}

Status MigrateSchema(Connection& conn, int target_version) {
  ENGRAM_RETURN_IF_ERROR(conn.Exec("BEGIN IMMEDIATE"));
  Result<int> version = ReadVersion(conn);
  if (!version.ok()) {
    conn.Exec("ROLLBACK");
    return version.status();
  }
  if (*version > LatestSchemaVersion()) {
    conn.Exec("ROLLBACK");
    return Status::FailedPrecondition("database schema version " + std::to_string(*version) +
                                      " is newer than this engram understands (" +
                                      std::to_string(LatestSchemaVersion()) + "); upgrade engram");
  }
  for (int v = *version; v < target_version; ++v) {
    Status st = conn.Exec(kMigrations[v]);
    if (st.ok()) {
      const std::string bump =
          "INSERT INTO schema_version(version) VALUES (" + std::to_string(v + 1) + ")";
      st = conn.Exec(bump.c_str());
    }
    if (!st.ok()) {
      conn.Exec("ROLLBACK");
      return st;
    }
  }
  return conn.Exec("COMMIT");
}

}  // namespace engram::store::sqlite
