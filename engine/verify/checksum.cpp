#include "engine/verify/checksum.h"

#include <spdlog/spdlog.h>

#include <future>

#include "engine/sql/binlog_settings.h"
#include "engine/sql/quoting.h"
#include "engine/sql/sql_connection.h"

namespace ghostcut::engine {
namespace {

using Clock = std::chrono::steady_clock;

struct Aggregate {
  std::string count, crc_sum, md5_xor;
  bool operator==(const Aggregate&) const = default;
};

Aggregate aggregate(SqlConnection& c, const std::string& tag, const std::string& table, const std::string& row) {
  auto r = c.query(tag + "SELECT COUNT(*), COALESCE(SUM(CRC32(" + row + ")), 0), " +
                   "COALESCE(BIT_XOR(CAST(CONV(SUBSTRING(MD5(" + row + "), 1, 16), 16, 10) AS UNSIGNED)), 0) FROM " +
                   table);
  return {r.rows.at(0).at(0).value_or(""), r.rows.at(0).at(1).value_or(""), r.rows.at(0).at(2).value_or("")};
}

}  // namespace

std::string checksum_row_expression(const std::vector<std::string>& columns) {
  // Each value as bytes (no collation mixing), preceded by its NULL flag (CONCAT_WS skips NULLs)
  // and its length, so no two different rows encode alike: ('a#b','c') and ('a','b#c') differ.
  std::string e = "CONCAT_WS('#'";
  for (const auto& c : columns) e += ", ISNULL(" + c + "), LENGTH(CAST(" + c + " AS BINARY)), CAST(" + c + " AS BINARY)";
  return e + ")";
}

Checksum::Checksum(ConnectionSettings settings, const MigrationPlan& plan, std::chrono::seconds lock_timeout,
                   DrainFn drain, ResumeFn resume, std::shared_ptr<spdlog::logger> logger)
    : settings_(std::move(settings)),
      plan_(plan),
      lock_timeout_(lock_timeout),
      drain_(std::move(drain)),
      resume_(std::move(resume)),
      log_(logger ? std::move(logger) : spdlog::default_logger()) {}

ChecksumResult Checksum::run() {
  ChecksumResult result;
  std::vector<std::string> source_cols, target_cols;
  for (const auto& s : plan_.mapping.shared) {
    const auto& a = plan_.original.columns.at(s.source_index);
    const auto& b = plan_.ghost.columns.at(s.target_index);
    if (a.generated || b.generated) continue;
    // A retyped column, or one whose NULLs NOT NULL converts, legitimately differs.
    if (a.column_type != b.column_type || a.charset != b.charset || a.collation != b.collation ||
        a.nullable != b.nullable) {
      result.skipped.push_back(s.source_name);
      continue;
    }
    result.compared.push_back(s.source_name);
    source_cols.push_back(quote_identifier(s.source_name));
    target_cols.push_back(quote_identifier(s.target_name));
  }
  if (source_cols.empty()) return result;  // nothing comparable (every column retyped)
  const std::string tag = "/* ghostcut " + plan_.database + "." + plan_.table + " checksum */ ";
  const auto started = Clock::now();

  auto lock = SqlConnection::open(settings_);
  auto snap_original = SqlConnection::open(settings_);
  auto snap_ghost = SqlConnection::open(settings_);
  const auto secs = std::to_string(std::max<long long>(1, lock_timeout_.count()));
  lock->execute("SET SESSION lock_wait_timeout = " + secs + ", wait_timeout = " + std::to_string(lock_timeout_.count() * 3 + 2));
  for (auto* c : {snap_original.get(), snap_ghost.get()})
    c->execute("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ");

  try {
    lock->execute(tag + "LOCK TABLES " + quote_qualified(plan_.database, plan_.table) + " READ");
  } catch (const SqlError& e) {
    throw ChecksumNotTaken("could not lock " + plan_.table + " within " + secs + " s (" + e.what() + ")");
  }
  const auto locked_at = Clock::now();
  bool resumed = false;
  auto release = [&] {
    try {
      lock->execute("UNLOCK TABLES");
    } catch (const std::exception& e) {
      log_->warn("checksum: unlock failed ({}); closing the lock connection", e.what());
      lock.reset();
    }
    result.write_stall = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - locked_at);
    if (!resumed) {
      resumed = true;
      resume_();
    }
  };
  try {
    const auto target = current_binlog_position(*lock, plan_.server.version);
    if (!drain_(target, locked_at + lock_timeout_)) {
      release();
      throw ChecksumNotTaken("the applier did not reach " + target.to_string() + " within the lock timeout");
    }
    snap_original->execute("START TRANSACTION WITH CONSISTENT SNAPSHOT");
    snap_ghost->execute("START TRANSACTION WITH CONSISTENT SNAPSHOT");
  } catch (const ChecksumNotTaken&) {
    throw;
  } catch (...) {
    release();
    throw;
  }
  release();

  const std::string src_row = checksum_row_expression(source_cols), dst_row = checksum_row_expression(target_cols);
  auto other = std::async(std::launch::async, [&] {
    SqlThreadGuard guard;
    return aggregate(*snap_ghost, tag, quote_qualified(plan_.database, plan_.ghost_table), dst_row);
  });
  const Aggregate a = aggregate(*snap_original, tag, quote_qualified(plan_.database, plan_.table), src_row);
  const Aggregate b = other.get();
  snap_original->execute("COMMIT");
  snap_ghost->execute("COMMIT");
  result.took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
  result.rows = std::strtoull(a.count.c_str(), nullptr, 10);
  if (a != b)
    throw ChecksumMismatch("checksum: " + plan_.table + " and " + plan_.ghost_table + " differ (rows " + a.count +
                           " vs " + b.count + ", crc sum " + a.crc_sum + " vs " + b.crc_sum + ", md5 xor " + a.md5_xor +
                           " vs " + b.md5_xor + "); not cutting over");
  return result;
}

}  // namespace ghostcut::engine
