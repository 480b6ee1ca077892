// PgTransaction::LexicalSearch: BM25 over the tsvector column, scored like the SQLite backend.
//
// The memories.lexemes column holds each live record's stemmed words, text weighted 'A' and key
// 'B', plus an owner lexeme; a GIN index serves "owner AND (any term)". BM25 is computed in SQL
// with Lucene's IDF (store::LexicalIdf) from these statistics:
//   - document frequencies: the owner's rows containing the term when the owner is small
//     (at most kOwnerLexicalStatsRecords records), else every owner's (counted through the
//     GIN index);
//   - rows: the owner's record count, or every live record (lexical_totals);
//   - average length: the tokens of text and key over every live record (lexical_totals, kept by
//     a trigger), as SQLite's FTS5 reports it;
//   - term frequency: the term's positions in the row, 1.0 each in the text and 0.5 in the key.
// k1 and b are store::kBm25K1 and kBm25B, as in SQLite. Over many matches, only the rarer terms
// find candidates, as in SQLite (see LexicalSearch). A query word that stems to several lexemes
// (rare: words joined by non-ASCII punctuation) matches rows holding all of them, with the smallest
// of their frequencies.
#include <algorithm>
#include <string>

#include "store/postgres/transaction.h"

namespace engram::store::pg {

namespace {

// When the terms match at most this many rows in all, every match is scored; above, only the
// rows of terms in at most kFrequentTermShare of the rows (and enough more to fill the limit)
// are candidates. The SQLite backend's constants (sqlite/lexical.cc), so both rank alike.
constexpr int64_t kExactLexicalRows = 2048;
constexpr double kFrequentTermShare = 0.02;

// A lexeme quoted for tsquery input.
std::string QuotedLexeme(const std::string& lexeme) {
  std::string out = "'";
  for (char c : lexeme) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

// Parses a text[] in PostgreSQL's output form whose elements hold no quotes, commas or braces
// (lexemes after engram_words): {a,b} or {} or {"x y"}.
std::vector<std::string> ParseLexemeArray(const std::string& s) {
  std::vector<std::string> out;
  if (s.size() < 2) return out;
  std::string cur;
  bool quoted = false;
  for (size_t i = 1; i + 1 < s.size(); ++i) {
    const char c = s[i];
    if (quoted && c == '\\' && i + 2 < s.size()) {
      cur += s[++i];
    } else if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (s.size() > 2) out.push_back(std::move(cur));
  return out;
}

}  // namespace

Result<LexicalResult> PgTransaction::LexicalSearch(std::string_view owner_id,
                                                   const std::vector<std::string>& terms,
                                                   size_t limit, size_t owner_records) {
  LexicalResult result;
  if (terms.empty() || limit == 0) return result;
  const bool own_stats = owner_records > 0 && owner_records <= kOwnerLexicalStatsRecords;
  // Each term's lexemes and document frequency.
  ENGRAM_ASSIGN_OR_RETURN(
      Rows stats, Query("SELECT tsvector_to_array(to_tsvector('engram_text', engram_words(term))),"
                        " CASE WHEN $2::text IS NULL THEN (SELECT count(*) FROM memories"
                        "   WHERE lexemes @@ plainto_tsquery('engram_text', engram_words(term)))"
                        " ELSE (SELECT count(*) FROM memories WHERE owner_id = $2 AND lexemes @@"
                        "   (quote_literal(engram_owner_lexeme($2))::tsquery"
                        "    && plainto_tsquery('engram_text', engram_words(term)))) END,"
                        " (SELECT rows FROM lexical_totals), (SELECT tokens FROM lexical_totals)"
                        " FROM unnest($1::text[]) WITH ORDINALITY AS x(term, i) ORDER BY i",
                        {TextArray(terms), own_stats ? P(owner_id) : Param()}));
  if (stats.size() != static_cast<int>(terms.size())) {
    return Status::Internal("lexical statistics: one row per term expected");
  }
  const int64_t store_rows = stats.Int(0, 2);
  const int64_t store_tokens = stats.Int(0, 3);
  std::vector<std::vector<std::string>> lexemes;
  std::vector<int64_t> dfs;
  bool any = false;
  for (int i = 0; i < stats.size(); ++i) {
    lexemes.push_back(ParseLexemeArray(stats.Text(i, 0)));
    dfs.push_back(stats.Int(i, 1));
    any = any || dfs.back() > 0;
  }
  // Without any match in the store, the owner's count stands for the rows (as in SQLite).
  const int64_t rows = own_stats || !any ? static_cast<int64_t>(owner_records) : store_rows;
  for (int64_t df : dfs) result.idf.push_back(LexicalIdf(rows, df));
  if (!any) return result;

  // Each found term's lexemes with its IDF: what a row is scored with.
  std::vector<int64_t> term_of, lexemes_of_term;
  std::vector<std::string> lexeme_list;
  std::vector<double> idfs;
  std::vector<std::string> term_query(terms.size());  // "('a' & 'b')"
  std::vector<size_t> order;                          // found terms, rarest first
  int64_t all_rows = 0;                               // an upper bound of the rows the terms match
  for (size_t t = 0; t < terms.size(); ++t) {
    if (lexemes[t].empty() || dfs[t] == 0) continue;
    std::string all;
    for (const std::string& l : lexemes[t]) {
      term_of.push_back(static_cast<int64_t>(t));
      lexemes_of_term.push_back(static_cast<int64_t>(lexemes[t].size()));
      lexeme_list.push_back(l);
      idfs.push_back(result.idf[t]);
      all += (all.empty() ? "" : " & ") + QuotedLexeme(l);
    }
    term_query[t] = "(" + all + ")";
    order.push_back(t);
    all_rows += dfs[t];
  }
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return dfs[a] < dfs[b]; });
  // As in the SQLite backend: scoring a match costs far more than finding it, and the frequent
  // terms make most matches while adding little to a score. So when a large owner's terms match
  // many rows (a small owner's matches are all scored),
  // only the rarer terms find candidates (every term still adds to their scores): the rare ones,
  // and more until their rows could fill `limit`; when the owner holds too few of those rows,
  // more terms find, until every one does.
  size_t finders = 0;
  int64_t found_rows = 0;  // an upper bound of the rows the finders match
  auto add_finder = [&] { found_rows += dfs[order[finders++]]; };
  while (finders < order.size() && (own_stats || all_rows <= kExactLexicalRows || finders == 0 ||
                                    found_rows < static_cast<int64_t>(limit) ||
                                    static_cast<double>(dfs[order[finders]]) <=
                                        kFrequentTermShare * static_cast<double>(rows))) {
    add_finder();
  }
  const double avgdl =
      store_rows > 0 && store_tokens > 0 ? static_cast<double>(store_tokens) / store_rows : 1.0;
  while (true) {
    std::string match;
    for (size_t k = 0; k < finders; ++k) match += (k ? " | " : "") + term_query[order[k]];
    ENGRAM_ASSIGN_OR_RETURN(
        Rows hits,
        Query("WITH q AS (SELECT * FROM unnest($1::bigint[], $2::text[], $3::float8[],"
              "   $4::bigint[]) AS q(term, lexeme, idf, n)),"
              " m AS (SELECT rid, lexemes, lexical_length AS len FROM memories"
              "   WHERE owner_id = $5 AND deleted_at IS NULL AND lexemes @@"
              "   (quote_literal(engram_owner_lexeme($5))::tsquery && $6::tsquery)),"
              " f AS (SELECT m.rid, m.len, q.term, q.idf, q.n, min(w.f) AS f, count(*) AS found"
              "   FROM m CROSS JOIN LATERAL unnest(m.lexemes) AS u JOIN q ON q.lexeme = u.lexeme"
              "   CROSS JOIN LATERAL (SELECT coalesce(sum(CASE x WHEN 'A' THEN 1.0"
              "     WHEN 'B' THEN 0.5 ELSE 0 END), 0)::float8 AS f FROM unnest(u.weights) AS x)"
              "   AS w GROUP BY m.rid, m.len, q.term, q.idf, q.n)"
              " SELECT rid, sum(idf * f * $9::float8 / (f + $10::float8 * ($11::float8"
              "   + $12::float8 * len / $7::float8)))"
              "   AS score FROM f WHERE found = n AND f > 0"
              " GROUP BY rid ORDER BY score DESC, rid LIMIT $8",
              {IntArray(term_of), TextArray(lexeme_list), DoubleArray(idfs),
               IntArray(lexemes_of_term), P(owner_id), match, P(avgdl),
               P(static_cast<int64_t>(limit)), P(kBm25K1 + 1), P(kBm25K1), P(1 - kBm25B),
               P(kBm25B)}));
    result.hits.clear();
    for (int i = 0; i < hits.size(); ++i) {
      result.hits.push_back({hits.Int(i, 0), hits.Double(i, 1)});
    }
    if (finders == order.size() || result.hits.size() >= limit) return result;
    // At least double the finders' rows, so all passes cost about twice the last one at most.
    const int64_t target = 2 * found_rows;
    while (finders < order.size() && found_rows < target) add_finder();
  }
}

}  // namespace engram::store::pg
