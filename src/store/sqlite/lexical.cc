#include <algorithm>
#include <sstream>

#include "store/sqlite/transaction.h"

namespace engram::store::sqlite {

namespace {

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

}  // namespace

Result<LexicalResult> SqliteTransaction::LexicalSearch(std::string_view owner_id,
                                                       const std::vector<std::string>& terms,
                                                       size_t limit, size_t owner_records) {
  LexicalResult result;
  if (terms.empty() || limit == 0) return result;
  std::vector<std::string> phrases;
  for (const auto& term : terms) phrases.push_back(FtsPhrase(term));
  const std::string owner_and = "owner_tag : " + FtsPhrase(OwnerTag(owner_id)) + " AND ";
  const std::string any_term = "{text key} : (" + JoinFts(phrases, "OR") + ")";
  if (owner_records > 0 && owner_records <= kOwnerLexicalStatsRecords && phrases.size() < 63) {
    // A small owner: its own statistics, and every match scored.
    ENGRAM_ASSIGN_OR_RETURN(std::vector<int64_t> dfs,
                            PhraseCounts(owner_and + any_term, phrases.size()));
    const auto rows = static_cast<int64_t>(owner_records);
    std::string counts = "n=" + std::to_string(rows) + " -1";
    bool any = false;
    for (int64_t df : dfs) {
      result.idf.push_back(LexicalIdf(rows, df));
      counts += ' ' + std::to_string(df);
      any = any || df > 0;
    }
    if (!any) return result;
    ENGRAM_ASSIGN_OR_RETURN(result.hits, RankFts(owner_and + any_term, counts, limit));
    return result;
  }
  int64_t rows = 0;
  std::vector<int64_t> dfs;
  ENGRAM_ASSIGN_OR_RETURN(const bool any, CountFtsMatches(phrases, &rows, &dfs));
  if (!any) {  // no row counted: the terms are in none of the owner's records
    rows = static_cast<int64_t>(owner_records);
    dfs.assign(phrases.size(), 0);
  }
  for (int64_t df : dfs) result.idf.push_back(LexicalIdf(rows, df));
  if (!any) return result;
  std::vector<LexicalHit>& out = result.hits;
  // Terms by rising frequency; those found nowhere drop out.
  std::vector<size_t> order;
  int64_t all_rows = 0;  // an upper bound of the rows the terms match
  for (size_t i = 0; i < phrases.size(); ++i) {
    if (dfs[i] > 0) order.push_back(i);
    all_rows += dfs[i];
  }
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return dfs[a] < dfs[b]; });
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
      ENGRAM_ASSIGN_OR_RETURN(out, RankFts(owner_and + "{text key} : " + all, counts, limit));
      return result;
    }
    // Rows with a finder, scored with the other terms too (the finders' second mention only
    // lets the other terms' occurrences be seen).
    const std::string rare = group(0, finders, true);
    const std::string rare_again = group(0, finders, false);
    const std::string frequent = group(finders, order.size(), true);
    ENGRAM_ASSIGN_OR_RETURN(out, RankFts(owner_and + "{text key} : (" + rare + " OR (" +
                                             rare_again + " AND " + frequent + "))",
                                         counts, limit));
    if (out.size() >= limit) return result;
    // At least double the finders' rows, so all passes cost about twice the last one at most.
    const int64_t target = 2 * found_rows;
    while (finders < order.size() && found_rows < target) add_finder();
  }
}

Result<bool> SqliteTransaction::CountFtsMatches(const std::vector<std::string>& phrases,
                                                int64_t* rows, std::vector<int64_t>* dfs) {
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

Result<std::vector<int64_t>> SqliteTransaction::PhraseCounts(const std::string& match,
                                                             size_t phrases) {
  ENGRAM_ASSIGN_OR_RETURN(auto s, conn_->Prepare("SELECT engram_phrase_mask(memories_fts)"
                                                 " FROM memories_fts WHERE memories_fts"
                                                 " MATCH ?1"));
  s->Bind(1, match);
  std::vector<int64_t> dfs(phrases, 0);
  Status st;
  while (s->Step(&st)) {
    const int64_t mask = s->ColumnInt(0);
    for (size_t i = 0; i < phrases; ++i) dfs[i] += (mask >> (i + 1)) & 1;
  }
  if (!st.ok()) return st;
  return dfs;
}

Result<std::vector<LexicalHit>> SqliteTransaction::RankFts(const std::string& match,
                                                           const std::string& counts,
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

}  // namespace engram::store::sqlite
