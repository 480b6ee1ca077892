// FTS5 auxiliary functions of the store's lexical search, registered on every connection.
//
//   engram_fts_stats(fts)
//     For the current query: "<rows> <df 0> <df 1> ...", the number of rows in the table and, for
//     each phrase of the query in order, the number of rows that contain it. Computed on each call
//     (it counts every match of every phrase): call it once, on one row.
//
//   engram_phrase_mask(fts)
//     The phrases of the query that the current row contains, as a bit mask (bit i: phrase i);
//     phrases past the 62nd are not reported.
//
//   engram_bm25(fts, dfs, weight0, weight1, ...)
//     The row's BM25, higher is better: FTS5's bm25() with the given column weights, except that
//     - dfs is text, one integer per phrase of the query in order: the number of rows that contain
//       the phrase (as engram_fts_stats reports it), so the IDFs need no counting; a phrase whose
//       count is negative only restricts the match and adds nothing to the score. A leading
//       "n=<rows>" token sets the row count the counts are out of (default: the table's);
//     - the IDF is Lucene's, store::LexicalIdf, which never drops to 0 (FTS5's is 0 for a phrase
//       in half of the rows or more);
//     - a row's length is that of the weighted columns only (later columns, such as the owner tag,
//       count for nothing).
#pragma once

#include <sqlite3.h>

#include "engram/status.h"

namespace engram::store::sqlite {

Status RegisterFtsFunctions(sqlite3* db);

}  // namespace engram::store::sqlite
