// The changelog table `<t>_ghc` and its heartbeat row: the one place that knows the table's
// layout. Every heartbeat interval ghostcut writes its own wall clock (decimal microseconds since
// the epoch) into row id 1 (hint 'heartbeat'). Three readers share that row: the row's trip
// through the binlog is the applier's lag (ApplierLoop), the row as a replica has it is that
// replica's lag (ReplicaLagProbe). Writer and readers share ghostcut's clock, not the server's.
#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "binlog/error.h"
#include "binlog/row/value.h"
#include "engine/sql/query_builder.h"
#include "engine/sql/result.h"

namespace ghostcut::engine {

class SqlConnection;

// How often the heartbeat is written (--heartbeat-interval-millis): a lag reading is at most this stale.
inline constexpr std::chrono::milliseconds kDefaultHeartbeatInterval{100};
// The copy waits while the applier's heartbeat lag exceeds this (MigratorConfig::max_applier_lag).
inline constexpr std::chrono::milliseconds kDefaultMaxApplierLag{500};

// Microseconds since the epoch on ghostcut's wall clock: the heartbeat's value.
std::int64_t wall_clock_micros();

class Changelog {
 public:
  // `subject` names the migration in the statements' `/* ghostcut <subject> <purpose> */`
  // comment ("db.t"); empty: "<database>.<table>".
  Changelog(std::string database, std::string table, std::string subject = {});

  const std::string& table() const { return table_; }

  std::string create_query() const;
  // INSERT … ON DUPLICATE KEY UPDATE of the heartbeat row (the value is bound twice: VALUES() in
  // ON DUPLICATE KEY UPDATE is deprecated since MySQL 8.0.20).
  BuiltQuery heartbeat_query(std::string_view value) const;
  // Writes `now_micros` (default: now) into the heartbeat row. Throws SqlError.
  void write_heartbeat(SqlConnection& c, std::int64_t now_micros = wall_clock_micros()) const;
  // SELECT of the heartbeat value (one row, one column; no row before the first heartbeat).
  std::string read_heartbeat_query() const;

  // The heartbeat a binlog row image of this table carries; nullopt for another row or a bad value.
  static std::optional<std::int64_t> heartbeat_in(const binlog::RowImage& row);
  // PURE: the lag a heartbeat value shows at `now_micros`; never negative (clocks a little apart).
  // bad_heartbeat for NULL or text that is not a number.
  [[nodiscard]] static Result<std::chrono::milliseconds> lag(const Cell& value, std::int64_t now_micros);

 private:
  std::string comment(std::string_view purpose) const;

  std::string database_;
  std::string table_;
  std::string subject_;
};

}  // namespace ghostcut::engine
