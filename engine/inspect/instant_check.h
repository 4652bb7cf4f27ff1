// Can the ALTER be done as a metadata-only change (ALGORITHM=INSTANT)? Asked of the server itself,
// without touching the original: the ALTER, with ALGORITHM=INSTANT, is run on an empty scratch
// copy (CREATE TABLE … LIKE) that is dropped again.
//
// Why an empty LIKE copy answers for the real table: InnoDB decides "instant or not" from the
// table's definition and the requested change alone (MySQL's ha_innobase::check_if_supported_
// inplace_alter / innobase_support_instant, MariaDB's instant_alter_column_possible): column
// types and positions, indexes, row format, FULLTEXT/spatial indexes, partitioning, the server's
// innodb_instant_alter_column_allowed. CREATE TABLE … LIKE copies all of that. What it does not
// copy is the table's instant history: MySQL's row-version count (read from INNODB_TABLES below,
// limit 64), and MariaDB's on-disk metadata record (which can only widen what is allowed for an
// already instant-altered table). The prediction is only a prediction: at --execute the real
// ALTER carries ALGORITHM=INSTANT, so the server refuses anything that is not metadata-only (no
// rewrite can start), and ghostcut then takes the copy.
#pragma once
#include <string>

#include "engine/inspect/plan.h"

namespace ghostcut::engine {

class SqlConnection;

// Error codes of a refused ALGORITHM=INSTANT: ER_ALTER_OPERATION_NOT_SUPPORTED(_REASON) and
// MySQL's ER_INNODB_MAX_ROW_VERSION.
bool is_instant_refusal(int code);

// `clause`: the validated ALTER clause. `counter` names scratch tables (connection id + counter).
InstantEligibility check_instant(SqlConnection& conn, const MigrationPlan& plan, const std::string& clause,
                                 unsigned& counter);

// MySQL 8.0.29+: the table's TOTAL_ROW_VERSIONS now (nullopt elsewhere or when unreadable).
std::optional<long long> instant_row_versions(SqlConnection& conn, const MigrationPlan& plan);

}  // namespace ghostcut::engine
