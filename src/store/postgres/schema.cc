#include "store/postgres/schema.h"

#include <iterator>
#include <string>

namespace engram::store::pg {

namespace {

// Migration i brings the schema from version i to i + 1. Append only; never edit a shipped step.
// Text columns compared or ordered use the "C" collation: byte order, as SQLite's.
constexpr const char* kMigrations[] = {
    // 0 -> 1: durable memory, history, vectors, lexical index, sessions.
    R"sql(
-- Lexical analysis. ASCII punctuation separates words (as SQLite's unicode61 tokenizer and the
-- engine's query terms do); words are stemmed by Snowball's English stemmer without stop words.
CREATE TEXT SEARCH DICTIONARY engram_stem (TEMPLATE = snowball, Language = english);
CREATE TEXT SEARCH CONFIGURATION engram_text (COPY = simple);
ALTER TEXT SEARCH CONFIGURATION engram_text
  ALTER MAPPING FOR asciiword, word, numword, asciihword, hword, hword_asciipart, hword_part,
                    hword_numpart
  WITH engram_stem;

CREATE FUNCTION engram_words(t text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN regexp_replace(coalesce(t, ''), '[\x01-\x2F\x3A-\x40\x5B-\x60\x7B-\x7F]+', ' ', 'g');

-- The owner's lexeme: every live row carries it, so a search intersects the owner's posting
-- list with the terms' in the GIN index instead of reading other owners' matches. It has no
-- position, hence no weight, and adds nothing to a score.
CREATE FUNCTION engram_owner_lexeme(owner text) RETURNS text LANGUAGE sql IMMUTABLE
  PARALLEL SAFE RETURN '~' || md5(owner);

-- Text weighs 'A' (1.0 in BM25), key 'B' (0.5).
CREATE FUNCTION engram_lexemes(owner text, body text, k text) RETURNS tsvector LANGUAGE sql
  IMMUTABLE PARALLEL SAFE
  RETURN setweight(to_tsvector('engram_text', engram_words(body)), 'A')
      || setweight(to_tsvector('engram_text', engram_words(k)), 'B')
      || array_to_tsvector(ARRAY[engram_owner_lexeme(owner)]);

-- BM25's document length: the tokens of text and key.
CREATE FUNCTION engram_token_count(body text, k text) RETURNS integer LANGUAGE sql IMMUTABLE
  PARALLEL SAFE
  RETURN (SELECT coalesce(sum(array_length(positions, 1)), 0)::integer
          FROM unnest(to_tsvector('engram_text', engram_words(body) || ' ' || engram_words(k))));

CREATE TABLE memories (
  rid              bigserial PRIMARY KEY,  -- internal row id; labels vector index entries
  id               text COLLATE "C" NOT NULL UNIQUE,
  owner_id         text COLLATE "C" NOT NULL,
  scope            text COLLATE "C" NOT NULL,
  agent_id         text COLLATE "C",
  session_id       text COLLATE "C",
  type             text COLLATE "C" NOT NULL,
  key              text COLLATE "C",
  text             text NOT NULL,
  data             text NOT NULL DEFAULT '{}',
  metadata         text NOT NULL DEFAULT '{}',
  source           text,
  confidence       double precision NOT NULL DEFAULT 1.0,
  created_at       bigint NOT NULL,
  updated_at       bigint NOT NULL,
  valid_from       bigint,
  valid_to         bigint,
  last_verified_at bigint,
  last_accessed_at bigint,
  access_count     bigint NOT NULL DEFAULT 0,
  expires_at       bigint,
  superseded_by    text COLLATE "C",
  deleted_at       bigint,
  content_hash     text COLLATE "C",
  claim_hash       text COLLATE "C",
  -- The change counter of the last write of the record or its vector.
  change_seq       bigint NOT NULL DEFAULT 0,
  -- Tombstoned records leave the lexical index.
  lexemes          tsvector GENERATED ALWAYS AS
                     (CASE WHEN deleted_at IS NULL THEN engram_lexemes(owner_id, text, key) END)
                     STORED,
  lexical_length   integer GENERATED ALWAYS AS
                     (CASE WHEN deleted_at IS NULL THEN engram_token_count(text, key) END) STORED
);
CREATE INDEX memories_by_owner_time ON memories(owner_id, created_at DESC, id DESC);
CREATE INDEX memories_by_owner_scope ON memories(owner_id, scope);
CREATE INDEX memories_by_owner_key ON memories(owner_id, key) WHERE key IS NOT NULL;
CREATE INDEX memories_by_owner_hash ON memories(owner_id, content_hash);
CREATE INDEX memories_by_owner_claim ON memories(owner_id, claim_hash);
CREATE INDEX memories_by_expiry ON memories(expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX memories_by_owner_session ON memories(owner_id, session_id)
  WHERE session_id IS NOT NULL;
CREATE INDEX memories_by_owner_change ON memories(owner_id, change_seq) INCLUDE (deleted_at);
CREATE INDEX memories_lexemes ON memories USING gin (lexemes);

-- BM25's collection statistics over live records, kept by a trigger in the writing transaction.
CREATE TABLE lexical_totals (
  one    boolean PRIMARY KEY DEFAULT true CHECK (one),
  rows   bigint NOT NULL,
  tokens bigint NOT NULL
);
INSERT INTO lexical_totals VALUES (true, 0, 0);
CREATE FUNCTION engram_count_lexical() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  d_rows bigint := 0;
  d_tokens bigint := 0;
BEGIN
  IF TG_OP <> 'INSERT' AND OLD.lexical_length IS NOT NULL THEN
    d_rows := d_rows - 1;
    d_tokens := d_tokens - OLD.lexical_length;
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.lexical_length IS NOT NULL THEN
    d_rows := d_rows + 1;
    d_tokens := d_tokens + NEW.lexical_length;
  END IF;
  IF d_rows <> 0 OR d_tokens <> 0 THEN
    UPDATE lexical_totals SET rows = rows + d_rows, tokens = tokens + d_tokens;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER memories_lexical_totals AFTER INSERT OR UPDATE OR DELETE ON memories
  FOR EACH ROW EXECUTE FUNCTION engram_count_lexical();

-- Vectors: float32 little-endian; the model and dimension are the store's (store_meta).
CREATE TABLE memory_vectors (
  rid    bigint PRIMARY KEY REFERENCES memories(rid) ON DELETE CASCADE,
  vector bytea NOT NULL,
  seq    bigint NOT NULL  -- the change counter of the write that stored it
);
CREATE INDEX memory_vectors_by_seq ON memory_vectors(seq);

CREATE TABLE memory_history (
  seq        bigserial PRIMARY KEY,
  memory_id  text COLLATE "C" NOT NULL,
  owner_id   text COLLATE "C" NOT NULL,
  event      text NOT NULL,
  actor      text,
  reason     text,
  old_value  text,
  new_value  text,
  at         bigint NOT NULL
);
CREATE INDEX memory_history_by_record ON memory_history(owner_id, memory_id, seq);

CREATE TABLE session_items (
  owner_id     text COLLATE "C" NOT NULL,
  session_id   text COLLATE "C" NOT NULL,
  seq          bigint NOT NULL,
  role         text COLLATE "C" NOT NULL,
  content      text NOT NULL,
  tool_calls   text,
  tool_call_id text,
  created_at   bigint NOT NULL,
  PRIMARY KEY (owner_id, session_id, seq)
);
CREATE INDEX session_items_by_owner_time
  ON session_items(owner_id, created_at DESC, session_id DESC, seq DESC);
CREATE INDEX session_items_by_time ON session_items(created_at);

CREATE TABLE sessions (
  owner_id            text COLLATE "C" NOT NULL,
  session_id          text COLLATE "C" NOT NULL,
  created_at          bigint NOT NULL,
  updated_at          bigint NOT NULL,
  summary             text,
  summary_updated_at  bigint,
  summary_through_seq bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (owner_id, session_id)
);

-- Store-wide settings, e.g. which embedding model the vectors come from.
CREATE TABLE store_meta (
  name  text COLLATE "C" PRIMARY KEY,
  value text NOT NULL
);
INSERT INTO store_meta(name, value) VALUES ('change_counter', '0');
)sql",
    // 1 -> 2: checkpoints of agent state (docs/checkpoints.md), as in SQLite's version 9.
    R"sql(
CREATE TABLE checkpoints (
  owner_id             text COLLATE "C" NOT NULL,
  thread_id            text COLLATE "C" NOT NULL,
  checkpoint_ns        text COLLATE "C" NOT NULL,
  checkpoint_id        text COLLATE "C" NOT NULL,
  parent_checkpoint_id text COLLATE "C",
  type                 text NOT NULL,
  checkpoint           bytea NOT NULL,
  metadata             text NOT NULL,
  channel_versions     text NOT NULL,
  created_at           bigint NOT NULL,
  PRIMARY KEY (owner_id, thread_id, checkpoint_ns, checkpoint_id)
);
CREATE INDEX checkpoints_by_owner_id ON checkpoints(owner_id, checkpoint_id);
CREATE TABLE checkpoint_values (
  owner_id       text COLLATE "C" NOT NULL,
  thread_id      text COLLATE "C" NOT NULL,
  checkpoint_ns  text COLLATE "C" NOT NULL,
  channel        text COLLATE "C" NOT NULL,
  version        text COLLATE "C" NOT NULL,
  type           text NOT NULL,
  value          bytea NOT NULL,
  PRIMARY KEY (owner_id, thread_id, checkpoint_ns, channel, version)
);
CREATE TABLE checkpoint_writes (
  owner_id       text COLLATE "C" NOT NULL,
  thread_id      text COLLATE "C" NOT NULL,
  checkpoint_ns  text COLLATE "C" NOT NULL,
  checkpoint_id  text COLLATE "C" NOT NULL,
  task_id        text COLLATE "C" NOT NULL,
  idx            bigint NOT NULL,
  task_path      text COLLATE "C" NOT NULL,
  channel        text NOT NULL,
  type           text NOT NULL,
  value          bytea NOT NULL,
  PRIMARY KEY (owner_id, thread_id, checkpoint_ns, checkpoint_id, task_id, idx)
);
)sql",
    // 2 -> 3: the knowledge graph (docs/graph.md), as in SQLite's version 8. Rows are versions:
    // a change expires the current one (expired_at) and adds another. Keys are the normalized
    // name and aliases of an entity version.
    R"sql(
CREATE TABLE graph_entities (
  rid         bigserial PRIMARY KEY,
  id          text COLLATE "C" NOT NULL,
  owner_id    text COLLATE "C" NOT NULL,
  scope       text COLLATE "C" NOT NULL,
  name        text COLLATE "C" NOT NULL,
  type        text NOT NULL,
  aliases     text NOT NULL DEFAULT '[]',
  source      text,
  confidence  double precision NOT NULL DEFAULT 1.0,
  created_at  bigint NOT NULL,
  updated_at  bigint NOT NULL,
  expired_at  bigint
);
CREATE INDEX graph_entities_by_id ON graph_entities(owner_id, id, updated_at);
CREATE UNIQUE INDEX graph_entities_current ON graph_entities(owner_id, id)
  WHERE expired_at IS NULL;
CREATE TABLE graph_entity_keys (
  owner_id    text COLLATE "C" NOT NULL,
  key         text COLLATE "C" NOT NULL,
  entity_rid  bigint NOT NULL REFERENCES graph_entities(rid) ON DELETE CASCADE
);
CREATE INDEX graph_entity_keys_by_key ON graph_entity_keys(owner_id, key);
CREATE INDEX graph_entity_keys_by_rid ON graph_entity_keys(entity_rid);
CREATE TABLE graph_observations (
  rid         bigserial PRIMARY KEY,
  id          text COLLATE "C" NOT NULL,
  owner_id    text COLLATE "C" NOT NULL,
  entity_id   text COLLATE "C" NOT NULL,
  text        text NOT NULL,
  source      text,
  created_at  bigint NOT NULL,
  expired_at  bigint
);
CREATE INDEX graph_observations_by_entity
  ON graph_observations(owner_id, entity_id, created_at);
CREATE TABLE graph_relations (
  rid         bigserial PRIMARY KEY,
  id          text COLLATE "C" NOT NULL,
  owner_id    text COLLATE "C" NOT NULL,
  scope       text COLLATE "C" NOT NULL,
  from_id     text COLLATE "C" NOT NULL,
  type        text COLLATE "C" NOT NULL,
  to_id       text COLLATE "C" NOT NULL,
  valid_from  bigint,
  valid_to    bigint,
  source      text,
  confidence  double precision NOT NULL DEFAULT 1.0,
  created_at  bigint NOT NULL,
  updated_at  bigint NOT NULL,
  expired_at  bigint
);
CREATE INDEX graph_relations_from ON graph_relations(owner_id, from_id, type);
CREATE INDEX graph_relations_to ON graph_relations(owner_id, to_id, type);
CREATE UNIQUE INDEX graph_relations_current ON graph_relations(owner_id, id)
  WHERE expired_at IS NULL;
CREATE TABLE graph_history (
  seq        bigserial PRIMARY KEY,
  owner_id   text COLLATE "C" NOT NULL,
  kind       text NOT NULL,
  object_id  text COLLATE "C" NOT NULL,
  event      text NOT NULL,
  actor      text,
  reason     text,
  old_value  text,
  new_value  text,
  at         bigint NOT NULL
);
CREATE INDEX graph_history_by_object ON graph_history(owner_id, object_id, seq);
)sql",
};

// Serializes migrations of one database: servers starting together take turns.
constexpr const char* kMigrationLock = "SELECT pg_advisory_xact_lock(7308604897068083200)";

}  // namespace

int LatestSchemaVersion() {
  return static_cast<int>(std::size(kMigrations));
}

Result<int> CurrentSchemaVersion(Connection& conn) {
  ENGRAM_ASSIGN_OR_RETURN(Rows rows, conn.Query("SELECT to_regclass('schema_version') IS NULL"));
  if (rows.Bool(0, 0)) return 0;
  ENGRAM_ASSIGN_OR_RETURN(Rows v, conn.Query("SELECT coalesce(max(version), 0) FROM"
                                             " schema_version"));
  return static_cast<int>(v.Int(0, 0));
}

Result<int> MigrateSchema(Connection& conn) {
  ENGRAM_RETURN_IF_ERROR(conn.Exec("BEGIN"));
  auto fail = [&](Status st) -> Result<int> {
    conn.Exec("ROLLBACK");
    return st;
  };
  Status st = conn.Exec(kMigrationLock);
  if (st.ok())
    st = conn.Exec("CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)");
  if (!st.ok()) return fail(st);
  Result<int> version = CurrentSchemaVersion(conn);
  if (!version.ok()) return fail(version.status());
  if (*version > LatestSchemaVersion()) {
    return fail(Status::FailedPrecondition("database schema version " + std::to_string(*version) +
                                           " is newer than this engram understands (" +
                                           std::to_string(LatestSchemaVersion()) +
                                           "); upgrade engram"));
  }
  for (int v = *version; v < LatestSchemaVersion(); ++v) {
    st = conn.Exec(kMigrations[v]);
    if (st.ok()) {
      st = conn.Exec("INSERT INTO schema_version(version) VALUES (" + std::to_string(v + 1) + ")");
    }
    if (!st.ok()) return fail(st);
  }
  ENGRAM_RETURN_IF_ERROR(conn.Exec("COMMIT"));
  return *version;
}

}  // namespace engram::store::pg
