#include "store/sqlite/sqlite_store.h"

#include <algorithm>
#include <filesystem>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "store/sqlite/connection.h"
#include "store/sqlite/fts_functions.h"
#include "store/sqlite/schema.h"
#include "util/claim.h"
#include "util/text.h"

namespace engram::store {

namespace {

using sqlite::Connection;
using sqlite::Stmt;

#define ENGRAM_MEMORY_COLUMNS                                                                      \
  "id, owner_id, scope, agent_id, session_id, type, key, text, data, metadata, source, "           \
  "confidence, created_at, updated_at, valid_from, valid_to, last_verified_at, last_accessed_at, " \
  "access_count, expires_at, superseded_by, deleted_at"

// The change counter as the transaction sees it: the number of the write, when it bumped it. Every
// write of a record stamps it into change_seq.
#define ENGRAM_CHANGE_COUNTER \
  "(SELECT CAST(value AS INTEGER) FROM store_meta WHERE name = 'change_counter')"

// Reads the ENGRAM_MEMORY_COLUMNS that start at column `first`.
Result<MemoryRecord> ReadMemory(const Stmt& stmt, int first = 0) {
  const sqlite::ColumnReader s(stmt, first);
  MemoryRecord r;
  r.id = s.ColumnText(0);
  r.owner_id = s.ColumnText(1);
  r.scope = s.ColumnText(2);
  r.agent_id = s.ColumnText(3);
  r.session_id = s.ColumnText(4);
  Result<MemoryType> type = ParseMemoryType(s.ColumnText(5));
  if (!type.ok()) return Status::Corruption("memory " + r.id + ": " + type.status().message());
  r.type = *type;
  r.key = s.ColumnText(6);
  r.text = s.ColumnText(7);
  r.data = s.ColumnText(8);
  r.metadata = s.ColumnText(9);
  r.source = s.ColumnText(10);
  r.confidence = s.ColumnDouble(11);
  r.created_at = s.ColumnInt(12);
  r.updated_at = s.ColumnInt(13);
  r.valid_from = s.ColumnOptionalInt(14);
  r.valid_to = s.ColumnOptionalInt(15);
  r.last_verified_at = s.ColumnOptionalInt(16);
  r.last_accessed_at = s.ColumnOptionalInt(17);
  r.access_count = s.ColumnInt(18);
  r.expires_at = s.ColumnOptionalInt(19);
  r.superseded_by = s.ColumnText(20);
  r.deleted_at = s.ColumnOptionalInt(21);
  return r;
}

// Binds the 22 memory columns in ENGRAM_MEMORY_COLUMNS order, starting at position 1.
void BindMemory(Stmt& s, const MemoryRecord& r) {
  s.Bind(1, r.id);
  s.Bind(2, r.owner_id);
  s.Bind(3, r.scope);
  s.BindOptional(4, r.agent_id);
  s.BindOptional(5, r.session_id);
  s.Bind(6, std::string_view(MemoryTypeName(r.type)));
  s.BindOptional(7, r.key);
  s.Bind(8, r.text);
  s.Bind(9, r.data);
  s.Bind(10, r.metadata);
  s.BindOptional(11, r.source);
  s.Bind(12, r.confidence);
  s.Bind(13, r.created_at);
  s.Bind(14, r.updated_at);
  s.BindOptional(15, r.valid_from);
  s.BindOptional(16, r.valid_to);
  s.BindOptional(17, r.last_verified_at);
  s.BindOptional(18, r.last_accessed_at);
  s.Bind(19, r.access_count);
  s.BindOptional(20, r.expires_at);
  s.BindOptional(21, r.superseded_by);
  s.BindOptional(22, r.deleted_at);
}

// What LoadIndexedMemories and LoadIndexedChanges read: memories m LEFT JOIN memory_vectors v,
// with the vector only when written after ?2.
#define ENGRAM_INDEXED_COLUMNS                                                           \
  "m.rid, m.scope, m.type, m.key, m.created_at, m.valid_from, m.valid_to, m.expires_at," \
  " m.superseded_by IS NOT NULL, m.confidence, CASE WHEN v.seq > ?2 THEN v.vector END,"  \
  " m.metadata, v.rid IS NOT NULL, m.deleted_at IS NOT NULL"

Result<std::vector<IndexedMemory>> ReadIndexedMemories(Stmt& s) {
  std::vector<IndexedMemory> out;
  Status st;
  while (s.Step(&st)) {
    IndexedMemory m;
    m.rid = s.ColumnInt(0);
    m.scope = s.ColumnText(1);
    ENGRAM_ASSIGN_OR_RETURN(m.type, ParseMemoryType(s.ColumnText(2)));
    m.key = s.ColumnText(3);
    m.created_at = s.ColumnInt(4);
    m.valid_from = s.ColumnOptionalInt(5);
    m.valid_to = s.ColumnOptionalInt(6);
    m.expires_at = s.ColumnOptionalInt(7);
    m.superseded = s.ColumnInt(8) != 0;
    m.confidence = s.ColumnDouble(9);
    m.vector = s.ColumnFloats(10);
    m.metadata = s.ColumnText(11);
    m.has_vector = s.ColumnInt(12) != 0;
    m.deleted = s.ColumnInt(13) != 0;
    out.push_back(std::move(m));
  }
  if (!st.ok()) return st;
  return out;
}

// An FTS5 string: the term quoted, so the query syntax never applies to it.
std::string FtsPhrase(std::string_view term) {
  std::string out = "\"";
  for (char c : term) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string JoinFts(const std::vector<std::string>& phrases, const char* op) {
  std::string out;
  for (const auto& p : phrases) out += (out.empty() ? "" : std::string(" ") + op + " ") + p;
  return out;
}

// The owner's token in memories_fts, as the owner_tag column computes it (schema.cc).
std::string OwnerTag(std::string_view owner_id) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string tag;
  for (unsigned char c : owner_id) {
    tag += kHex[c >> 4];
    tag += kHex[c & 15];
  }
  return tag + "0";
}

// Lexical search scores every match of the terms when they match at most this many rows in all;
// above, a term finds candidates only when at most kFrequentTermShare of the rows contain it (see
// LexicalSearch). On 100k LoCoMo turns, the terms of its questions under 2% make a fifth of their
// matches, and the top 50 found through them hold 96.7% of the exact BM25 top 50 (about 90% at
// 1%, which is 25% faster).
constexpr int64_t kExactLexicalRows = 2048;
constexpr double kFrequentTermShare = 0.02;

Result<SessionItem> ReadSessionItem(const Stmt& s) {
  SessionItem item;
  item.seq = s.ColumnInt(0);
  Result<Role> role = ParseRole(s.ColumnText(1));
  if (!role.ok()) return Status::Corruption("session item: " + role.status().message());
  item.role = *role;
  item.content = s.ColumnText(2);
  item.tool_calls = s.ColumnText(3);
  item.tool_call_id = s.ColumnText(4);
  item.created_at = s.ColumnInt(5);
  return item;
}

// The filter of a MemoryQuery; parameters ?1..?16 as bound by BindMemoryQuery (?13: limit).
#define ENGRAM_MEMORY_QUERY_WHERE                                             \
  "owner_id = ?1 AND deleted_at IS NULL"                                      \
  " AND (?2 IS NULL OR scope IN (SELECT value FROM json_each(?2)))"           \
  " AND (?3 IS NULL OR type = ?3) AND (?4 IS NULL OR key = ?4)"               \
  " AND (?5 IS NULL OR session_id = ?5) AND (?6 IS NULL OR agent_id = ?6)"    \
  " AND (?7 IS NULL OR created_at >= ?7) AND (?8 IS NULL OR created_at < ?8)" \
  " AND (?9 OR superseded_by IS NULL OR ?15 IS NOT NULL)"                     \
  " AND (?15 IS NULL OR (coalesce(valid_from, created_at) <= ?15"             \
  " AND (valid_to IS NULL OR valid_to > ?15)))"                               \
  " AND (?10 IS NULL OR expires_at IS NULL OR expires_at > ?10)"              \
  " AND (?11 IS NULL OR created_at < ?11 OR (created_at = ?11 AND id < ?12))" \
  " AND (?14 IS NULL OR content_hash = ?14) AND (?16 IS NULL OR claim_hash = ?16)"

// ListMemories' statement. The general filter's "(?N IS NULL OR col = ?N)" terms hide the
// indexes from the planner, which then walks the owner's time index to avoid a sort, reading
// every row of the owner for a lookup by hash or key (every write makes such lookups). A leading
// plain equality and a "+" that keeps the time index out of the ORDER BY let it use the right
// index; those lookups return a few rows, so the sort costs nothing.
const char* ListMemoriesSql(const MemoryQuery& q) {
#define ENGRAM_LIST_MEMORIES(lead, order)                                                \
  "SELECT " ENGRAM_MEMORY_COLUMNS " FROM memories WHERE " lead ENGRAM_MEMORY_QUERY_WHERE \
  " ORDER BY " order "created_at DESC, id DESC LIMIT ?13"
  if (q.claim_hash) return ENGRAM_LIST_MEMORIES("claim_hash = ?16 AND ", "+");
  if (q.content_hash) return ENGRAM_LIST_MEMORIES("content_hash = ?14 AND ", "+");
  if (q.key) return ENGRAM_LIST_MEMORIES("key = ?4 AND ", "+");
  return ENGRAM_LIST_MEMORIES("", "");
#undef ENGRAM_LIST_MEMORIES
}

// The rows of a "SELECT rid, " ENGRAM_MEMORY_COLUMNS statement.
Result<std::vector<std::pair<int64_t, MemoryRecord>>> ReadRidsAndMemories(Stmt& s) {
  std::vector<std::pair<int64_t, MemoryRecord>> out;
  Status st;
  while (s.Step(&st)) {
    ENGRAM_ASSIGN_OR_RETURN(MemoryRecord r, ReadMemory(s, 1));
    out.emplace_back(s.ColumnInt(0), std::move(r));
  }
  if (!st.ok()) return st;
  return out;
}

void BindMemoryQuery(Stmt& s, const MemoryQuery& q) {
  s.Bind(1, q.owner_id);
  if (q.scopes.empty()) {
    s.BindNull(2);
  } else {
    s.Bind(2, nlohmann::json(q.scopes).dump());
  }
  if (q.type) {
    s.Bind(3, std::string_view(MemoryTypeName(*q.type)));
  } else {
    s.BindNull(3);
  }
  q.key ? s.Bind(4, *q.key) : s.BindNull(4);
  q.session_id ? s.Bind(5, *q.session_id) : s.BindNull(5);
  q.agent_id ? s.Bind(6, *q.agent_id) : s.BindNull(6);
  s.BindOptional(7, q.created_from);
  s.BindOptional(8, q.created_until);
  s.Bind(9, int64_t{q.include_superseded ? 1 : 0});
  s.BindOptional(10, q.live_at);
  s.BindOptional(11, q.before_created_at);
  s.Bind(12, q.before_id);
  s.Bind(13, static_cast<int64_t>(q.limit));
  q.content_hash ? s.Bind(14, *q.content_hash) : s.BindNull(14);
  q.claim_hash ? s.Bind(16, *q.claim_hash) : s.BindNull(16);
  s.BindOptional(15, q.valid_at);
}

class SqliteTransaction final : public Transaction {
 public:
  // Takes over an open transaction on conn; `release` hands conn back on destruction, and
  // writer_lock (held for write transactions) is released after it.
  SqliteTransaction(Connection* conn, std::function<void()> release,
                    std::unique_lock<std::mutex> writer_lock = {})
      : writer_lock_(std::move(writer_lock)), conn_(conn), release_(std::move(release)) {}
  ~SqliteTransaction() override {
    if (!done_) conn_->Exec("ROLLBACK");
    release_();
  }

  Status Commit() override {
    if (done_) return Status::Internal("transaction already finished");
    Status st = conn_->Exec("COMMIT");
    if (!st.ok()) return st;  // the destructor rolls back
    done_ = true;
    return st;
  }

  Result<std::optional<MemoryRecord>> GetMemory(std::string_view owner_id,
                                                std::string_view id) override {
    ENGRAM_ASSIGN_OR_RETURN(auto s,
                            conn_->Prepare("SELECT " ENGRAM_MEMORY_COLUMNS
                                           " FROM memories WHERE id = ?1 AND owner_id = ?2"));
    s->Bind(1, id);
    s->Bind(2, owner_id);
    Status st;
    if (!s->Step(&st)) {
      if (!st.ok()) return st;
      return std::optional<MemoryRecord>();
    }
    ENGRAM_ASSIGN_OR_RETURN(MemoryRecord r, ReadMemory(*s));
    return std::optional<MemoryRecord>(std::move(r));
  }

  Result<std::vector<MemoryRecord>> ListMemories(const MemoryQuery& q) override {
    ENGRAM_ASSIGN_OR_RETURN(auto s, conn_->Prepare(ListMemoriesSql(q)));
    BindMemoryQuery(*s, q);
    std::vector<MemoryRecord> out;
    Status st;
    while (s->Step(&st)) {
      ENGRAM_ASSIGN_OR_RETURN(MemoryRecord r, ReadMemory(*s));
      out.push_back(std::move(r));
    }
    if (!st.ok()) return st;
    return out;
  }

  Result<int64_t> CountMemories(const MemoryQuery& q) override {
    ENGRAM_ASSIGN_OR_RETURN(
        auto s, conn_->Prepare("SELECT count(*) FROM memories WHERE " ENGRAM_MEMORY_QUERY_WHERE));
    BindMemoryQuery(*s, q);
    return SingleInt(*s);
  }

  Result<std::vector<std::pair<MemoryType, int64_t>>> CountLiveByType(Timestamp now) override {
    ENGRAM_ASSIGN_OR_RETURN(
        auto s, conn_->Prepare("SELECT type, count(*) FROM memories WHERE deleted_at IS NULL"
                               " AND superseded_by IS NULL"
                               " AND (expires_at IS NULL OR expires_at > ?1) GROUP BY type"));
    s->Bind(1, now);
    std::vector<std::pair<MemoryType, int64_t>> out;
    Status st;
    while (s->Step(&st)) {
      Result<MemoryType> type = ParseMemoryType(s->ColumnText(0));
      if (!type.ok()) return Status::Corruption("a memory has an unknown type");
      out.emplace_back(*type, s->ColumnInt(1));
    }
    if (!st.ok()) return st;
    return out;
  }

  Result<std::vector<std::pair<int64_t, MemoryRecord>>> ListExpired(Timestamp now,
                                                                    size_t limit) override {
    ENGRAM_ASSIGN_OR_RETURN(
        auto s, conn_->Prepare("SELECT rid, " ENGRAM_MEMORY_COLUMNS
                               " FROM memories WHERE expires_at <= ?1 AND deleted_at IS NULL"
                               " ORDER BY expires_at, rid LIMIT ?2"));
    s->Bind(1, now);
    s->Bind(2, static_cast<int64_t>(limit));
    return ReadRidsAndMemories(*s);
  }

  Result<int64_t> EraseMemory(std::string_view owner_id, std::string_view id,
                              bool erase_history) override {
    ENGRAM_ASSIGN_OR_RETURN(auto s,
                            conn_->Prepare("DELETE FROM memories WHERE owner_id = ?1 AND id = ?2"));
    s->Bind(1, owner_id);
    s->Bind(2, id);
    ENGRAM_RETURN_IF_ERROR(s->Run());
    if (!erase_history) return int64_t{0};
    ENGRAM_ASSIGN_OR_RETURN(
        auto h,
        conn_->Prepare("DELETE FROM memory_history WHERE owner_id = ?1 AND memory_id = ?2"));
    h->Bind(1, owner_id);
    h->Bind(2, id);
    ENGRAM_RETURN_IF_ERROR(h->Run());
    return conn_->Changes();
  }

  Result<int64_t> InsertMemory(const MemoryRecord& r) override {
    ENGRAM_ASSIGN_OR_RETURN(
        auto s,
        conn_->Prepare("INSERT INTO memories (" ENGRAM_MEMORY_COLUMNS
                       ", content_hash, claim_hash, change_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,"
                       " ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22,"
                       " ?23, ?24, " ENGRAM_CHANGE_COUNTER ")"));
    BindMemory(*s, r);
    s->Bind(23, util::ContentHash(r.text));
    s->Bind(24, util::ClaimHash(r.text));
    Status st = s->Run();
    if (st.code() == Status::Code::kAlreadyExists) {
      return Status::AlreadyExists("memory id " + r.id + " already exists");
    }
    if (!st.ok()) return st;
    return conn_->LastInsertRowid();
  }

  Result<int64_t> MemoryRid(std::string_view owner_id, std::string_view id) override {
    ENGRAM_ASSIGN_OR_RETURN(
        auto s, conn_->Prepare("SELECT rid FROM memories WHERE id = ?1 AND owner_id = ?2"));
    s->Bind(1, id);
    s->Bind(2, owner_id);
    Status st;
    if (!s->Step(&st)) {
      return st.ok() ? Status::NotFound("memory " + std::string(id) + " not found") : st;
    }
    return s->ColumnInt(0);
  }

  Result<std::vector<int64_t>> SessionRids(std::string_view owner_id,
                                           std::string_view session_id) override {
    ENGRAM_ASSIGN_OR_RETURN(
        auto s, conn_->Prepare("SELECT rid FROM memories WHERE owner_id = ?1 AND session_id = ?2"
                               " AND deleted_at IS NULL"));
    s->Bind(1, owner_id);
    s->Bind(2, session_id);
    std::vector<int64_t> out;
    Status st;
    while (s->Step(&st)) out.push_back(s->ColumnInt(0));
    if (!st.ok()) return st;
    return out;
  }

  Result<std::vector<std::pair<int64_t, MemoryRecord>>> GetMemoriesByRid(
      std::string_view owner_id, const std::vector<int64_t>& rids) override {
    // "+owner_id" keeps the planner on the rid primary key: through the owner index it would
    // read every row of the owner (86% of a search's time at 30k records).
    ENGRAM_ASSIGN_OR_RETURN(
        auto s, conn_->Prepare("SELECT rid, " ENGRAM_MEMORY_COLUMNS
                               " FROM memories WHERE rid IN (SELECT value FROM json_each(?1))"
                               " AND +owner_id = ?2 AND deleted_at IS NULL"));
    s->Bind(1, nlohmann::json(rids).dump());
    s->Bind(2, owner_id);
    return ReadRidsAndMemories(*s);
  }

  Result<std::vector<IndexedMemory>> LoadIndexedMemories(std::string_view owner_id,
                                                         int64_t vectors_after_seq) override {
    ENGRAM_ASSIGN_OR_RETURN(
        auto s, conn_->Prepare("SELECT " ENGRAM_INDEXED_COLUMNS
                               " FROM memories m LEFT JOIN memory_vectors v ON v.rid = m.rid"
                               " WHERE m.owner_id = ?1 AND m.deleted_at IS NULL ORDER BY m.rid"));
    s->Bind(1, owner_id);
    s->Bind(2, vectors_after_seq);
    return ReadIndexedMemories(*s);
  }

  Result<std::vector<IndexedMemory>> LoadIndexedChanges(std::string_view owner_id,
                                                        int64_t after_seq) override {
    // A range of memories_by_owner_change, then each row by its rid.
    ENGRAM_ASSIGN_OR_RETURN(
        auto s, conn_->Prepare("SELECT " ENGRAM_INDEXED_COLUMNS
                               " FROM memories m LEFT JOIN memory_vectors v ON v.rid = m.rid"
                               " WHERE m.owner_id = ?1 AND m.change_seq > ?2 ORDER BY m.rid"));
    s->Bind(1, owner_id);
    s->Bind(2, after_seq);
    return ReadIndexedMemories(*s);
  }

  Result<std::vector<int64_t>> LiveRidsWrittenUpTo(std::string_view owner_id,
                                                   int64_t seq) override {
    // memories_by_owner_change covers the query: no table row is read.
    ENGRAM_ASSIGN_OR_RETURN(auto s, conn_->Prepare("SELECT rid FROM memories WHERE owner_id = ?1"
                                                   " AND change_seq <= ?2 AND deleted_at IS NULL"));
    s->Bind(1, owner_id);
    s->Bind(2, seq);
    std::vector<int64_t> out;
    Status st;
    while (s->Step(&st)) out.push_back(s->ColumnInt(0));
    if (!st.ok()) return st;
    return out;
  }

  Result<std::vector<std::pair<int64_t, std::string>>> LiveTexts(int64_t after_rid,
                                                                 size_t limit) override {
    ENGRAM_ASSIGN_OR_RETURN(auto s,
                            conn_->Prepare("SELECT rid, text FROM memories WHERE rid > ?1"
                                           " AND deleted_at IS NULL ORDER BY rid LIMIT ?2"));
    s->Bind(1, after_rid);
    s->Bind(2, static_cast<int64_t>(limit));
    std::vector<std::pair<int64_t, std::string>> out;
    Status st;
    while (s->Step(&st)) out.emplace_back(s->ColumnInt(0), s->ColumnText(1));
    if (!st.ok()) return st;
    return out;
  }

  Status PutVector(int64_t rid, const std::vector<float>& vector, int64_t seq) override {
    ENGRAM_ASSIGN_OR_RETURN(auto s, conn_->Prepare("INSERT OR REPLACE INTO memory_vectors(rid,"
                                                   " vector, seq) VALUES (?1, ?2, ?3)"));
    s->Bind(1, rid);
    s->BindFloats(2, vector);
    s->Bind(3, seq);
    ENGRAM_RETURN_IF_ERROR(s->Run());
    // Usually the record was written (stamped) in this write already: then nothing is written.
    ENGRAM_ASSIGN_OR_RETURN(
        auto stamp,
        conn_->Prepare("UPDATE memories SET change_seq = ?2 WHERE rid = ?1 AND change_seq < ?2"));
    stamp->Bind(1, rid);
    stamp->Bind(2, seq);
    return stamp->Run();
  }

  Result<std::vector<float>> GetVector(int64_t rid) override {
    ENGRAM_ASSIGN_OR_RETURN(auto s,
                            conn_->Prepare("SELECT vector FROM memory_vectors WHERE rid = ?1"));
    s->Bind(1, rid);
    Status st;
    if (!s->Step(&st)) {
      if (!st.ok()) return st;
      return std::vector<float>();
    }
    return s->ColumnFloats(0);
  }

  Status DeleteAllVectors() override {
    return conn_->Exec(
        "DELETE FROM memory_vectors; UPDATE memories SET change_seq = " ENGRAM_CHANGE_COUNTER
        " WHERE deleted_at IS NULL");
  }

  Result<std::vector<LexicalHit>> LexicalSearch(std::string_view owner_id,
                                                const std::vector<std::string>& terms,
                                                size_t limit) override {
    std::vector<LexicalHit> out;
    if (terms.empty() || limit == 0) return out;
    std::vector<std::string> phrases;
    for (const auto& term : terms) phrases.push_back(FtsPhrase(term));
    int64_t rows = 0;
    std::vector<int64_t> dfs;
    ENGRAM_ASSIGN_OR_RETURN(const bool any, CountFtsMatches(phrases, &rows, &dfs));
    if (!any) return out;
    // Terms by rising frequency; those found nowhere drop out.
    std::vector<size_t> order;
    int64_t all_rows = 0;  // an upper bound of the rows the terms match
    for (size_t i = 0; i < phrases.size(); ++i) {
      if (dfs[i] > 0) order.push_back(i);
      all_rows += dfs[i];
    }
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return dfs[a] < dfs[b]; });
    // Scoring a match costs far more than finding it, and the frequent terms make most matches
    // while adding little to a score (low IDF). So when the terms match many rows, only the first
    // `finders` terms find candidates and the others add to their scores: the rare terms, and
    // more until their rows could fill `limit`. When the owner holds too few of those rows, more
    // terms find, until every one does.
    size_t finders = 0;
    int64_t found_rows = 0;  // an upper bound of the rows the finders match
    auto add_finder = [&] { found_rows += dfs[order[finders++]]; };
    while (finders < order.size() && (all_rows <= kExactLexicalRows || finders == 0 ||
                                      found_rows < static_cast<int64_t>(limit) ||
                                      static_cast<double>(dfs[order[finders]]) <=
                                          kFrequentTermShare * static_cast<double>(rows))) {
      add_finder();
    }
    const std::string owner_and = "owner_tag : " + FtsPhrase(OwnerTag(owner_id)) + " AND ";
    while (true) {
      // engram_bm25's counts: one per phrase in expression order, -1 for those that only restrict.
      std::string counts = "-1";  // the owner tag
      auto group = [&](size_t from, size_t to, bool scored) {
        std::vector<std::string> members;
        for (size_t k = from; k < to; ++k) {
          members.push_back(phrases[order[k]]);
          counts += ' ' + std::to_string(scored ? dfs[order[k]] : -1);
        }
        // Appended, not prepended: "(" + std::string&& trips g++ 12's -Wrestrict at -O3.
        std::string joined = "(";
        joined += JoinFts(members, "OR");
        joined += ')';
        return joined;
      };
      if (finders == order.size()) {
        const std::string all = group(0, finders, true);
        return RankFts(owner_and + "{text key} : " + all, counts, limit);
      }
      // Rows with a finder, scored with the other terms too (the finders' second mention only
      // lets the other terms' occurrences be seen).
      const std::string rare = group(0, finders, true);
      const std::string rare_again = group(0, finders, false);
      const std::string frequent = group(finders, order.size(), true);
      ENGRAM_ASSIGN_OR_RETURN(out, RankFts(owner_and + "{text key} : (" + rare + " OR (" +
                                               rare_again + " AND " + frequent + "))",
                                           counts, limit));
      if (out.size() >= limit) return out;
      // At least double the finders' rows, so all passes cost about twice the last one at most.
      const int64_t target = 2 * found_rows;
      while (finders < order.size() && found_rows < target) add_finder();
    }
  }

  Status RecordAccess(const std::vector<int64_t>& rids, Timestamp at) override {
    ENGRAM_ASSIGN_OR_RETURN(
        auto s, conn_->Prepare("UPDATE memories SET access_count = access_count + hits.n,"
                               " last_accessed_at = max(coalesce(last_accessed_at, 0), ?2)"
                               " FROM (SELECT value AS rid, count(*) AS n FROM json_each(?1)"
                               " GROUP BY value) AS hits WHERE memories.rid = hits.rid"));
    s->Bind(1, nlohmann::json(rids).dump());
    s->Bind(2, at);
    return s->Run();
  }

  Result<int64_t> ChangeCounter() override {
    ENGRAM_ASSIGN_OR_RETURN(auto s, conn_->Prepare("SELECT CAST(value AS INTEGER) FROM store_meta"
                                                   " WHERE name = 'change_counter'"));
    return SingleInt(*s);
  }

  Result<int64_t> BumpChangeCounter() override {
    ENGRAM_ASSIGN_OR_RETURN(
        auto s, conn_->Prepare("UPDATE store_meta SET value = CAST(value AS INTEGER) + 1"
                               " WHERE name = 'change_counter' RETURNING CAST(value AS INTEGER)"));
    return SingleInt(*s);
  }

  Result<std::optional<std::string>> GetMeta(std::string_view name) override {
    ENGRAM_ASSIGN_OR_RETURN(auto s, conn_->Prepare("SELECT value FROM store_meta WHERE name = ?1"));
    s->Bind(1, name);
    Status st;
    if (!s->Step(&st)) {
      if (!st.ok()) return st;
      return std::optional<std::string>();
    }
    return std::optional<std::string>(s->ColumnText(0));
  }

  Status PutMeta(std::string_view name, std::string_view value) override {
    ENGRAM_ASSIGN_OR_RETURN(
        auto s, conn_->Prepare("INSERT OR REPLACE INTO store_meta(name, value) VALUES (?1, ?2)"));
    s->Bind(1, name);
    s->Bind(2, value);
    return s->Run();
  }

  Status ReplaceMemory(const MemoryRecord& r) override {
    ENGRAM_ASSIGN_OR_RETURN(
        auto s, conn_->Prepare(
                    "UPDATE memories SET scope = ?3, agent_id = ?4, session_id = ?5, type = ?6,"
                    " key = ?7, text = ?8, data = ?9, metadata = ?10, source = ?11,"
                    " confidence = ?12, created_at = ?13, updated_at = ?14, valid_from = ?15,"
                    " valid_to = ?16, last_verified_at = ?17, last_accessed_at = ?18,"
                    " access_count = ?19, expires_at = ?20, superseded_by = ?21, deleted_at = ?22,"
                    " content_hash = ?23, claim_hash = ?24, change_seq = " ENGRAM_CHANGE_COUNTER
                    " WHERE id = ?1 AND owner_id = ?2"));
    BindMemory(*s, r);
    s->Bind(23, util::ContentHash(r.text));
    s->Bind(24, util::ClaimHash(r.text));
    ENGRAM_RETURN_IF_ERROR(s->Run());
    if (conn_->Changes() == 0) return Status::NotFound("memory " + r.id + " not found");
    return Status::Ok();
  }

  Status AppendHistory(const HistoryEvent& e) override {
    ENGRAM_ASSIGN_OR_RETURN(
        auto s, conn_->Prepare("INSERT INTO memory_history (memory_id, owner_id, event, actor,"
                               " reason, old_value, new_value, at)"
                               " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"));
    s->Bind(1, e.memory_id);
    s->Bind(2, e.owner_id);
    s->Bind(3, HistoryEventTypeName(e.event));
    s->BindOptional(4, e.actor);
    s->BindOptional(5, e.reason);
    s->BindOptional(6, e.old_value);
    s->BindOptional(7, e.new_value);
    s->Bind(8, e.at);
    return s->Run();
  }

  Result<std::vector<std::string>> SnapshotsAsOf(std::string_view owner_id, Timestamp at) override {
    ENGRAM_ASSIGN_OR_RETURN(
        auto s, conn_->Prepare("SELECT coalesce(h.new_value, '') FROM memory_history h"
                               " JOIN (SELECT memory_id, max(seq) AS seq FROM memory_history"
                               " WHERE owner_id = ?1 AND at <= ?2 GROUP BY memory_id) last"
                               " ON h.seq = last.seq"));
    s->Bind(1, owner_id);
    s->Bind(2, at);
    std::vector<std::string> out;
    Status st;
    while (s->Step(&st)) out.push_back(s->ColumnText(0));
    if (!st.ok()) return st;
    return out;
  }

  Result<std::vector<HistoryEvent>> GetHistory(std::string_view owner_id,
                                               std::string_view memory_id) override {
    ENGRAM_ASSIGN_OR_RETURN(
        auto s, conn_->Prepare("SELECT seq, memory_id, owner_id, event, actor, reason, old_value,"
                               " new_value, at FROM memory_history"
                               " WHERE owner_id = ?1 AND memory_id = ?2 ORDER BY seq"));
    s->Bind(1, owner_id);
    s->Bind(2, memory_id);
    std::vector<HistoryEvent> out;
    Status st;
    while (s->Step(&st)) {
      HistoryEvent e;
      e.seq = s->ColumnInt(0);
      e.memory_id = s->ColumnText(1);
      e.owner_id = s->ColumnText(2);
      Result<HistoryEventType> type = ParseHistoryEventType(s->ColumnText(3));
      if (!type.ok()) return Status::Corruption("history row: " + type.status().message());
      e.event = *type;
      e.actor = s->ColumnText(4);
      e.reason = s->ColumnText(5);
      e.old_value = s->ColumnText(6);
      e.new_value = s->ColumnText(7);
      e.at = s->ColumnInt(8);
      out.push_back(std::move(e));
    }
    if (!st.ok()) return st;
    return out;
  }

  Result<ForgetReport> DeleteOwner(std::string_view owner_id) override {
    ForgetReport report;
    ENGRAM_ASSIGN_OR_RETURN(report.memories,
                            DeleteWhereOwner("DELETE FROM memories WHERE owner_id = ?1", owner_id));
    ENGRAM_ASSIGN_OR_RETURN(
        report.history_events,
        DeleteWhereOwner("DELETE FROM memory_history WHERE owner_id = ?1", owner_id));
    ENGRAM_ASSIGN_OR_RETURN(
        report.session_items,
        DeleteWhereOwner("DELETE FROM session_items WHERE owner_id = ?1", owner_id));
    ENGRAM_ASSIGN_OR_RETURN(report.sessions,
                            DeleteWhereOwner("DELETE FROM sessions WHERE owner_id = ?1", owner_id));
    return report;
  }

  Result<int64_t> LastSessionSeq(std::string_view owner_id, std::string_view session_id) override {
    ENGRAM_ASSIGN_OR_RETURN(auto s, conn_->Prepare("SELECT coalesce(max(seq), 0) FROM session_items"
                                                   " WHERE owner_id = ?1 AND session_id = ?2"));
    s->Bind(1, owner_id);
    s->Bind(2, session_id);
    return SingleInt(*s);
  }

  Result<int64_t> NthLastSessionSeq(std::string_view owner_id, std::string_view session_id,
                                    size_t n, std::optional<Role> role) override {
    ENGRAM_ASSIGN_OR_RETURN(auto s, conn_->Prepare("SELECT coalesce((SELECT seq FROM session_items"
                                                   " WHERE owner_id = ?1 AND session_id = ?2"
                                                   " AND (?3 IS NULL OR role = ?3)"
                                                   " ORDER BY seq DESC LIMIT 1 OFFSET ?4), 0)"));
    s->Bind(1, owner_id);
    s->Bind(2, session_id);
    if (role) {
      s->Bind(3, std::string_view(RoleName(*role)));
    } else {
      s->BindNull(3);
    }
    s->Bind(4, static_cast<int64_t>(n) - 1);
    return SingleInt(*s);
  }

  Result<int64_t> PrecedingNonToolSeq(std::string_view owner_id, std::string_view session_id,
                                      int64_t seq) override {
    ENGRAM_ASSIGN_OR_RETURN(auto s,
                            conn_->Prepare("SELECT coalesce(max(seq), 0) FROM session_items"
                                           " WHERE owner_id = ?1 AND session_id = ?2 AND seq < ?3"
                                           " AND role <> 'tool'"));
    s->Bind(1, owner_id);
    s->Bind(2, session_id);
    s->Bind(3, seq);
    return SingleInt(*s);
  }

  Status AppendSessionItems(std::string_view owner_id, std::string_view session_id,
                            const std::vector<SessionItem>& items) override {
    if (items.empty()) return Status::Ok();
    ENGRAM_ASSIGN_OR_RETURN(
        auto upsert,
        conn_->Prepare("INSERT INTO sessions (owner_id, session_id, created_at, updated_at)"
                       " VALUES (?1, ?2, ?3, ?3) ON CONFLICT (owner_id, session_id)"
                       " DO UPDATE SET updated_at = excluded.updated_at"));
    upsert->Bind(1, owner_id);
    upsert->Bind(2, session_id);
    upsert->Bind(3, items.back().created_at);
    ENGRAM_RETURN_IF_ERROR(upsert->Run());
    ENGRAM_ASSIGN_OR_RETURN(
        auto s, conn_->Prepare("INSERT INTO session_items (owner_id, session_id, seq, role,"
                               " content, tool_calls, tool_call_id, created_at)"
                               " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"));
    for (const SessionItem& item : items) {
      s->Bind(1, owner_id);
      s->Bind(2, session_id);
      s->Bind(3, item.seq);
      s->Bind(4, std::string_view(RoleName(item.role)));
      s->Bind(5, item.content);
      s->BindOptional(6, item.tool_calls);
      s->BindOptional(7, item.tool_call_id);
      s->Bind(8, item.created_at);
      Status st = s->Run();
      if (!st.ok()) return st;
    }
    return Status::Ok();
  }

  Result<std::vector<SessionItem>> GetSessionItems(std::string_view owner_id,
                                                   std::string_view session_id,
                                                   int64_t from_seq) override {
    ENGRAM_ASSIGN_OR_RETURN(
        auto s, conn_->Prepare("SELECT seq, role, content, tool_calls, tool_call_id, created_at"
                               " FROM session_items WHERE owner_id = ?1 AND session_id = ?2"
                               " AND seq >= ?3 ORDER BY seq"));
    s->Bind(1, owner_id);
    s->Bind(2, session_id);
    s->Bind(3, from_seq);
    std::vector<SessionItem> out;
    Status st;
    while (s->Step(&st)) {
      ENGRAM_ASSIGN_OR_RETURN(SessionItem item, ReadSessionItem(*s));
      out.push_back(std::move(item));
    }
    if (!st.ok()) return st;
    return out;
  }

  Result<int64_t> DeleteSessionItems(std::string_view owner_id, std::string_view session_id,
                                     int64_t from_seq) override {
    ENGRAM_ASSIGN_OR_RETURN(auto s, conn_->Prepare("DELETE FROM session_items WHERE owner_id = ?1"
                                                   " AND session_id = ?2 AND seq >= ?3"));
    s->Bind(1, owner_id);
    s->Bind(2, session_id);
    s->Bind(3, from_seq);
    ENGRAM_RETURN_IF_ERROR(s->Run());
    return conn_->Changes();
  }

  Result<std::optional<SessionSummary>> GetSessionSummary(std::string_view owner_id,
                                                          std::string_view session_id) override {
    ENGRAM_ASSIGN_OR_RETURN(
        auto s,
        conn_->Prepare("SELECT summary, summary_updated_at, summary_through_seq FROM sessions"
                       " WHERE owner_id = ?1 AND session_id = ?2 AND summary IS NOT NULL"));
    s->Bind(1, owner_id);
    s->Bind(2, session_id);
    Status st;
    if (!s->Step(&st)) {
      if (!st.ok()) return st;
      return std::optional<SessionSummary>();
    }
    return std::optional<SessionSummary>(
        SessionSummary{s->ColumnText(0), s->ColumnInt(1), s->ColumnInt(2)});
  }

  Status PutSessionSummary(std::string_view owner_id, std::string_view session_id,
                           const SessionSummary& summary) override {
    ENGRAM_ASSIGN_OR_RETURN(
        auto s,
        conn_->Prepare("INSERT INTO sessions (owner_id, session_id, created_at, updated_at,"
                       " summary, summary_updated_at, summary_through_seq)"
                       " VALUES (?1, ?2, ?3, ?3, ?4, ?3, ?5)"
                       " ON CONFLICT (owner_id, session_id) DO UPDATE SET"
                       " summary = excluded.summary, summary_updated_at = excluded.updated_at,"
                       " summary_through_seq = excluded.summary_through_seq,"
                       " updated_at = excluded.updated_at"));
    s->Bind(1, owner_id);
    s->Bind(2, session_id);
    s->Bind(3, summary.updated_at);
    s->Bind(4, summary.text);
    s->Bind(5, summary.through_seq);
    return s->Run();
  }

  Result<std::vector<OwnerItem>> RecentOwnerItems(std::string_view owner_id,
                                                  size_t limit) override {
    ENGRAM_ASSIGN_OR_RETURN(
        auto s, conn_->Prepare("SELECT seq, role, content, tool_calls, tool_call_id, created_at,"
                               " session_id FROM session_items WHERE owner_id = ?1"
                               " ORDER BY created_at DESC, session_id DESC, seq DESC LIMIT ?2"));
    s->Bind(1, owner_id);
    s->Bind(2, static_cast<int64_t>(limit));
    std::vector<OwnerItem> out;
    Status st;
    while (s->Step(&st)) {
      OwnerItem item;
      ENGRAM_ASSIGN_OR_RETURN(item.item, ReadSessionItem(*s));
      item.session_id = s->ColumnText(6);
      out.push_back(std::move(item));
    }
    if (!st.ok()) return st;
    return out;
  }

  Result<std::optional<SessionInfo>> LastActiveSession(std::string_view owner_id,
                                                       std::string_view except) override {
    ENGRAM_ASSIGN_OR_RETURN(
        auto s,
        conn_->Prepare("SELECT s.session_id, coalesce(min(i.created_at), s.created_at),"
                       " coalesce(max(i.created_at), s.updated_at) AS last, count(i.seq)"
                       " FROM sessions AS s LEFT JOIN session_items AS i"
                       " ON i.owner_id = s.owner_id AND i.session_id = s.session_id"
                       " WHERE s.owner_id = ?1 AND s.session_id <> ?2"
                       " GROUP BY s.session_id ORDER BY last DESC, s.session_id DESC LIMIT 1"));
    s->Bind(1, owner_id);
    s->Bind(2, except);
    Status st;
    if (!s->Step(&st)) {
      if (!st.ok()) return st;
      return std::optional<SessionInfo>();
    }
    SessionInfo info;
    info.session_id = s->ColumnText(0);
    info.started_at = s->ColumnInt(1);
    info.last_active_at = s->ColumnInt(2);
    info.items = s->ColumnInt(3);
    return std::optional<SessionInfo>(std::move(info));
  }

  Result<int64_t> DeleteSessionItemsBefore(Timestamp cutoff) override {
    ENGRAM_ASSIGN_OR_RETURN(auto old,
                            conn_->Prepare("DELETE FROM session_items WHERE created_at < ?1"));
    old->Bind(1, cutoff);
    ENGRAM_RETURN_IF_ERROR(old->Run());
    int64_t removed = conn_->Changes();
    // A tool result whose call was removed would start the session with an orphan, which the
    // providers' APIs reject.
    ENGRAM_ASSIGN_OR_RETURN(
        auto orphans,
        conn_->Prepare("DELETE FROM session_items AS t WHERE t.role = 'tool' AND t.seq <"
                       " coalesce((SELECT min(seq) FROM session_items AS o"
                       " WHERE o.owner_id = t.owner_id AND o.session_id = t.session_id"
                       " AND o.role <> 'tool'), 9223372036854775807)"));
    ENGRAM_RETURN_IF_ERROR(orphans->Run());
    return removed + conn_->Changes();
  }

  Result<int64_t> DeleteSession(std::string_view owner_id, std::string_view session_id) override {
    ENGRAM_ASSIGN_OR_RETURN(int64_t removed, DeleteSessionItems(owner_id, session_id, 0));
    ENGRAM_ASSIGN_OR_RETURN(
        auto s, conn_->Prepare("DELETE FROM sessions WHERE owner_id = ?1 AND session_id = ?2"));
    s->Bind(1, owner_id);
    s->Bind(2, session_id);
    ENGRAM_RETURN_IF_ERROR(s->Run());
    return removed;
  }

 private:
  // The number of rows of the lexical index (every owner's) and, per phrase, of those that
  // contain it in text or key: BM25's statistics. False when no row contains any phrase.
  Result<bool> CountFtsMatches(const std::vector<std::string>& phrases, int64_t* rows,
                               std::vector<int64_t>* dfs) {
    ENGRAM_ASSIGN_OR_RETURN(auto s, conn_->Prepare("SELECT engram_fts_stats(memories_fts)"
                                                   " FROM memories_fts WHERE memories_fts"
                                                   " MATCH ?1 LIMIT 1"));
    s->Bind(1, "{text key} : (" + JoinFts(phrases, "OR") + ")");
    Status st;
    if (!s->Step(&st)) {
      if (!st.ok()) return st;
      return false;
    }
    std::istringstream counts(s->ColumnText(0));
    counts >> *rows;
    dfs->clear();
    for (int64_t df; counts >> df;) dfs->push_back(df);
    if (dfs->size() != phrases.size()) return Status::Internal("engram_fts_stats: bad counts");
    return true;
  }

  // The owner's rows matching an FTS5 expression (which restricts the owner), best first by
  // engram_bm25 with the phrases' document counts.
  Result<std::vector<LexicalHit>> RankFts(const std::string& match, const std::string& counts,
                                          size_t limit) {
    ENGRAM_ASSIGN_OR_RETURN(
        auto s, conn_->Prepare("SELECT rowid, engram_bm25(memories_fts, ?2, 1.0, 0.5) AS score"
                               " FROM memories_fts WHERE memories_fts MATCH ?1"
                               " ORDER BY score DESC LIMIT ?3"));
    s->Bind(1, match);
    s->Bind(2, counts);
    s->Bind(3, static_cast<int64_t>(limit));
    std::vector<LexicalHit> out;
    Status st;
    while (s->Step(&st)) out.push_back({s->ColumnInt(0), s->ColumnDouble(1)});
    if (!st.ok()) return st;
    return out;
  }

  Result<int64_t> DeleteWhereOwner(const char* sql, std::string_view owner_id) {
    ENGRAM_ASSIGN_OR_RETURN(auto s, conn_->Prepare(sql));
    s->Bind(1, owner_id);
    ENGRAM_RETURN_IF_ERROR(s->Run());
    return conn_->Changes();
  }

  static Result<int64_t> SingleInt(Stmt& s) {
    Status st;
    if (!s.Step(&st)) return st.ok() ? Status::Internal("query returned no row") : st;
    return s.ColumnInt(0);
  }

  std::unique_lock<std::mutex> writer_lock_;
  Connection* conn_;
  std::function<void()> release_;
  bool done_ = false;
};

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(SqliteOptions options, std::unique_ptr<Connection> writer)
      : options_(std::move(options)), writer_(std::move(writer)) {}

  std::string backend() const override { return "sqlite"; }

  Result<std::unique_ptr<Transaction>> BeginWrite() override {
    std::unique_lock lock(writer_mu_);
    // IMMEDIATE takes the write lock now, so a busy database fails here rather than mid-way.
    ENGRAM_RETURN_IF_ERROR(writer_->Exec("BEGIN IMMEDIATE"));
    return std::unique_ptr<Transaction>(new SqliteTransaction(
        writer_.get(), [] {}, std::move(lock)));
  }

  Result<std::unique_ptr<Transaction>> BeginRead() override {
    std::unique_ptr<Connection> conn;
    {
      std::lock_guard lock(readers_mu_);
      if (!readers_.empty()) {
        conn = std::move(readers_.back());
        readers_.pop_back();
      }
    }
    if (!conn) {
      ENGRAM_ASSIGN_OR_RETURN(conn, OpenConnection(options_, /*writer=*/false));
    }
    ENGRAM_RETURN_IF_ERROR(conn->Exec("BEGIN"));
    Connection* raw = conn.release();
    return std::unique_ptr<Transaction>(new SqliteTransaction(raw, [this, raw] {
      std::lock_guard lock(readers_mu_);
      readers_.emplace_back(raw);
    }));
  }

  static Result<std::unique_ptr<Connection>> OpenConnection(const SqliteOptions& options,
                                                            bool writer) {
    ENGRAM_ASSIGN_OR_RETURN(auto conn,
                            Connection::Open(options.path, false, options.busy_timeout_ms));
    ENGRAM_RETURN_IF_ERROR(conn->Exec("PRAGMA foreign_keys = ON"));
    ENGRAM_RETURN_IF_ERROR(sqlite::RegisterFtsFunctions(conn->handle()));
    if (writer) {
      ENGRAM_RETURN_IF_ERROR(conn->Exec("PRAGMA journal_mode = WAL"));
      ENGRAM_RETURN_IF_ERROR(conn->Exec(options.durable_commits ? "PRAGMA synchronous = FULL"
                                                                : "PRAGMA synchronous = NORMAL"));
    } else {
      ENGRAM_RETURN_IF_ERROR(conn->Exec("PRAGMA query_only = ON"));
    }
    return conn;
  }

 private:
  SqliteOptions options_;
  std::mutex writer_mu_;
  std::unique_ptr<Connection> writer_;
  std::mutex readers_mu_;
  std::vector<std::unique_ptr<Connection>> readers_;
};

// Rows written before schema version 4 have no content or claim hash, and rows hashed by an
// older util::ClaimKey have claim hashes that new texts no longer match; SQL cannot compute them,
// so the store does, once, in one transaction, and then notes in store_meta that every row has
// them (the store writes both with every row), so that later opens skip the table scan.
Status BackfillTextHashes(Connection& conn) {
  const std::string version = std::to_string(util::kClaimHashVersion);
  ENGRAM_ASSIGN_OR_RETURN(
      auto done, conn.Prepare("SELECT (SELECT value FROM store_meta WHERE name = "
                              "'text_hashes_complete'), (SELECT value FROM store_meta WHERE name = "
                              "'claim_hash_version')"));
  Status st;
  if (!done->Step(&st)) return st;
  const bool hashed = !done->ColumnText(0).empty();
  const bool current = done->ColumnText(1) == version;
  done.reset();
  if (hashed && current) return st;
  ENGRAM_RETURN_IF_ERROR(conn.Exec("BEGIN IMMEDIATE"));
  std::vector<std::pair<int64_t, std::string>> rows;
  {
    ENGRAM_ASSIGN_OR_RETURN(auto s,
                            conn.Prepare(current ? "SELECT rid, text FROM memories WHERE"
                                                   " content_hash IS NULL OR claim_hash IS NULL"
                                                 : "SELECT rid, text FROM memories"));
    while (s->Step(&st)) rows.emplace_back(s->ColumnInt(0), s->ColumnText(1));
  }
  if (st.ok()) {
    ENGRAM_ASSIGN_OR_RETURN(auto u,
                            conn.Prepare("UPDATE memories SET content_hash = ?2, claim_hash = ?3"
                                         " WHERE rid = ?1"));
    for (const auto& [rid, text] : rows) {
      u->Bind(1, rid);
      u->Bind(2, util::ContentHash(text));
      u->Bind(3, util::ClaimHash(text));
      st = u->Run();
      if (!st.ok()) break;
    }
  }
  if (st.ok()) {
    const std::string mark =
        "INSERT OR REPLACE INTO store_meta(name, value) VALUES ('text_hashes_complete', '1'),"
        " ('claim_hash_version', '" +
        version + "')";
    st = conn.Exec(mark.c_str());
  }
  if (!st.ok()) {
    conn.Exec("ROLLBACK");
    return st;
  }
  return conn.Exec("COMMIT");
}

}  // namespace

Result<std::unique_ptr<Store>> OpenSqliteStore(const SqliteOptions& options) {
  if (options.path.empty()) return Status::InvalidArgument("database path is empty");
  std::error_code ec;
  const auto parent = std::filesystem::path(options.path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (ec) {
    return Status::IOError("cannot create folder '" + parent.string() + "': " + ec.message());
  }
  ENGRAM_ASSIGN_OR_RETURN(auto writer, SqliteStore::OpenConnection(options, /*writer=*/true));
  ENGRAM_RETURN_IF_ERROR(sqlite::MigrateSchema(*writer));
  ENGRAM_RETURN_IF_ERROR(BackfillTextHashes(*writer));
  return std::unique_ptr<Store>(new SqliteStore(options, std::move(writer)));
}

}  // namespace engram::store
