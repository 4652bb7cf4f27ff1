// The flavour- and version-dependent SQL of the query-plan check (#15), pure so a version matrix
// tests it without a server.
#pragma once
#include <string>

#include "engine/inspect/plan.h"

namespace ghostcut::engine {

// "EXPLAIN FORMAT=TRADITIONAL " on MySQL (explain_format may default to TREE or JSON from 8.0.32),
// "EXPLAIN " on MariaDB (which knows no FORMAT=TRADITIONAL): the tabular rows both read.
std::string explain_prefix(const ServerInfo& server);

// The statement digests of performance_schema that read the table, most total time first: rows of
// (digest text, sample text or NULL, executions). Binds: database, LIKE pattern (digest_like).
// Fetches `limit` rows; the caller drops ghostcut's own statements and keeps the first N.
// MySQL 8.0.3+: events_statements_summary_by_digest.QUERY_SAMPLE_TEXT, a sample per digest.
// MariaDB (10.11 has no QUERY_SAMPLE_TEXT) and older MySQL: the digest table for the ranking, the
// text from events_statements_history_long or _history, which hold only recent statements and
// only when their consumers are on — a digest without a sample there cannot be EXPLAINed.
std::string top_digests_query(const ServerInfo& server, int limit);
// The digest text's LIKE pattern for a table: "%`name`%" with LIKE's wildcards escaped.
std::string digest_like(const std::string& table);
// Whether every digest has its sample text (MySQL 8.0.3+).
bool digest_samples_always(const ServerInfo& server);
// One row, one column: the enabled statement consumers, comma-separated (NULL: none). Without
// digest samples (MariaDB, MySQL < 8.0.3) the texts need events_statements_current and
// events_statements_history_long (or _history) on; MariaDB has them off by default.
std::string statement_consumers_query();
// One row, one column: 1 when digests are collected (performance_schema on).
std::string digests_on_query(const ServerInfo& server);

}  // namespace ghostcut::engine
