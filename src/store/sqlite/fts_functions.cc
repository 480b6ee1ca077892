#include "store/sqlite/fts_functions.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "store/sqlite/connection.h"
#include "store/store.h"

namespace engram::store::sqlite {

namespace {

int CountRow(const Fts5ExtensionApi*, Fts5Context*, void* count) {
  ++*static_cast<sqlite3_int64*>(count);
  return SQLITE_OK;
}

void FtsStats(const Fts5ExtensionApi* api, Fts5Context* fts, sqlite3_context* ctx, int,
              sqlite3_value**) {
  sqlite3_int64 rows = 0;
  int rc = api->xRowCount(fts, &rows);
  std::string out = std::to_string(rows);
  for (int i = 0; rc == SQLITE_OK && i < api->xPhraseCount(fts); ++i) {
    sqlite3_int64 hits = 0;
    rc = api->xQueryPhrase(fts, i, &hits, CountRow);
    out += ' ' + std::to_string(hits);
  }
  if (rc != SQLITE_OK) {
    sqlite3_result_error_code(ctx, rc);
    return;
  }
  sqlite3_result_text(ctx, out.data(), static_cast<int>(out.size()), SQLITE_TRANSIENT);
}

void PhraseMask(const Fts5ExtensionApi* api, Fts5Context* fts, sqlite3_context* ctx, int,
                sqlite3_value**) {
  sqlite3_int64 mask = 0;
  int instances = 0;
  int rc = api->xInstCount(fts, &instances);
  for (int i = 0; rc == SQLITE_OK && i < instances; ++i) {
    int phrase = 0, column = 0, offset = 0;
    rc = api->xInst(fts, i, &phrase, &column, &offset);
    if (rc == SQLITE_OK && phrase < 63) mask |= sqlite3_int64{1} << phrase;
  }
  if (rc != SQLITE_OK) {
    sqlite3_result_error_code(ctx, rc);
    return;
  }
  sqlite3_result_int64(ctx, mask);
}

// What engram_bm25 works out once per query.
struct Bm25Query {
  std::vector<double> idf;   // per phrase; negative: the phrase does not score
  double avgdl = 1;          // mean length of a row's weighted columns
  std::vector<double> freq;  // per phrase, its weighted occurrences in the current row
};

void DeleteBm25Query(void* p) {
  delete static_cast<Bm25Query*>(p);
}

// Reads the query's statistics; null with *rc set (or an error message in ctx) on failure.
Bm25Query* LoadBm25Query(const Fts5ExtensionApi* api, Fts5Context* fts, sqlite3_context* ctx,
                         sqlite3_value* dfs, int weighted_columns, int* rc) {
  auto query = std::make_unique<Bm25Query>();
  const int phrases = api->xPhraseCount(fts);
  sqlite3_int64 rows = 0;
  *rc = api->xRowCount(fts, &rows);
  double tokens = 0;
  for (int c = 0; *rc == SQLITE_OK && c < weighted_columns; ++c) {
    sqlite3_int64 n = 0;
    *rc = api->xColumnTotalSize(fts, c, &n);
    tokens += static_cast<double>(n);
  }
  if (*rc != SQLITE_OK) return nullptr;
  if (rows > 0 && tokens > 0) query->avgdl = tokens / static_cast<double>(rows);
  const char* text = reinterpret_cast<const char*>(sqlite3_value_text(dfs));
  if (text != nullptr && std::strncmp(text, "n=", 2) == 0) {
    char* end = nullptr;
    rows = std::strtoll(text + 2, &end, 10);
    text = end;
  }
  for (const char* p = text ? text : ""; *p != '\0';) {
    char* end = nullptr;
    errno = 0;
    const long long df = std::strtoll(p, &end, 10);
    if (end == p || errno != 0) break;
    p = end;
    query->idf.push_back(df < 0 ? -1 : LexicalIdf(rows, df));
  }
  if (static_cast<int>(query->idf.size()) != phrases) {
    const std::string msg =
        "engram_bm25: dfs must hold one count per phrase (" + std::to_string(phrases) + ")";
    sqlite3_result_error(ctx, msg.c_str(), -1);
    return nullptr;
  }
  query->freq.resize(query->idf.size());
  Bm25Query* raw = query.release();
  *rc = api->xSetAuxdata(fts, raw, DeleteBm25Query);  // frees raw on failure
  return *rc == SQLITE_OK ? raw : nullptr;
}

void Bm25(const Fts5ExtensionApi* api, Fts5Context* fts, sqlite3_context* ctx, int argc,
          sqlite3_value** argv) {
  if (argc < 1) {
    sqlite3_result_error(ctx, "engram_bm25: missing dfs", -1);
    return;
  }
  const int weighted_columns = argc - 1;
  int rc = SQLITE_OK;
  auto* query = static_cast<Bm25Query*>(api->xGetAuxdata(fts, 0));
  if (query == nullptr) {
    query = LoadBm25Query(api, fts, ctx, argv[0], weighted_columns, &rc);
    if (query == nullptr) {
      if (rc != SQLITE_OK) sqlite3_result_error_code(ctx, rc);
      return;
    }
  }
  std::fill(query->freq.begin(), query->freq.end(), 0.0);
  int instances = 0;
  rc = api->xInstCount(fts, &instances);
  for (int i = 0; rc == SQLITE_OK && i < instances; ++i) {
    int phrase = 0, column = 0, offset = 0;
    rc = api->xInst(fts, i, &phrase, &column, &offset);
    if (rc == SQLITE_OK && column < weighted_columns) {
      query->freq[static_cast<size_t>(phrase)] += sqlite3_value_double(argv[1 + column]);
    }
  }
  double length = 0;
  for (int c = 0; rc == SQLITE_OK && c < weighted_columns; ++c) {
    int n = 0;
    rc = api->xColumnSize(fts, c, &n);
    length += n;
  }
  if (rc != SQLITE_OK) {
    sqlite3_result_error_code(ctx, rc);
    return;
  }
  const double norm = kBm25K1 * (1 - kBm25B + kBm25B * length / query->avgdl);
  double score = 0;
  for (size_t i = 0; i < query->idf.size(); ++i) {
    const double f = query->freq[i];
    if (query->idf[i] >= 0 && f > 0) score += query->idf[i] * (f * (kBm25K1 + 1)) / (f + norm);
  }
  sqlite3_result_double(ctx, score);
}

}  // namespace

Status RegisterFtsFunctions(sqlite3* db) {
  fts5_api* api = nullptr;
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &stmt, nullptr);
  if (rc == SQLITE_OK) {
    sqlite3_bind_pointer(stmt, 1, static_cast<void*>(&api), "fts5_api_ptr", nullptr);
    rc = sqlite3_step(stmt) == SQLITE_ROW ? SQLITE_OK : sqlite3_errcode(db);
  }
  sqlite3_finalize(stmt);
  if (rc != SQLITE_OK) return StatusFromSqlite(rc, "reach FTS5", db);
  if (api == nullptr) return Status::Internal("this SQLite has no FTS5");
  rc = api->xCreateFunction(api, "engram_fts_stats", nullptr, FtsStats, nullptr);
  if (rc == SQLITE_OK) rc = api->xCreateFunction(api, "engram_bm25", nullptr, Bm25, nullptr);
  if (rc == SQLITE_OK) {
    rc = api->xCreateFunction(api, "engram_phrase_mask", nullptr, PhraseMask, nullptr);
  }
  if (rc != SQLITE_OK) return StatusFromSqlite(rc, "register FTS5 functions", db);
  return Status::Ok();
}

}  // namespace engram::store::sqlite

namespace engram::store {

double LexicalIdf(int64_t rows, int64_t df) {
  const double n = static_cast<double>(std::max(rows, df));
  const double d = static_cast<double>(std::max<int64_t>(df, 0));
  return std::log(1 + (n - d + 0.5) / (d + 0.5));
}

}  // namespace engram::store
