#include "engine/copy/chunk_copy.h"

#include <algorithm>
#include <stdexcept>

#include "engine/apply/apply_sql.h"
#include "engine/sql/quoting.h"
#include "engine/sql/sql_connection.h"
#include "engine/text.h"

namespace ghostcut::engine {
namespace {

// The most warnings SHOW WARNINGS can list (max_error_count's ceiling); every one is checked.
constexpr std::uint64_t kMaxErrorCount = 65535;
// ER_NO_DEFAULT_FOR_FIELD: "Field 'x' doesn't have a default value".
constexpr std::int64_t kNoDefault = 1364;

// The key name in "Duplicate entry 'x' for key 'name'" (MySQL 8 writes 'table.name').
std::string duplicate_key_name(const std::string& message, const std::string& ghost_table) {
  const std::string marker = "for key '";
  const auto p = message.rfind(marker);
  if (p == std::string::npos) return {};
  auto name = message.substr(p + marker.size());
  if (!name.empty() && name.back() == '\'') name.pop_back();
  if (name.size() > ghost_table.size() + 1 && name.compare(0, ghost_table.size() + 1, ghost_table + ".") == 0)
    name = name.substr(ghost_table.size() + 1);
  return name;
}

}  // namespace

SqlError collision_error(SqlConnection& conn, const MigrationPlan& plan, const std::string& context) {
  // Find the colliding value the way native ALTER reports it: run the plan's probes now.
  for (const auto& p : plan.collision_probes) {
    try {
      const auto dup = conn.query(p.sql);
      if (dup.empty()) continue;
      std::vector<std::string> values;
      for (std::size_t i = 0; i + 1 < dup.rows[0].size(); ++i) values.push_back(dup.rows[0][i].value_or("NULL"));
      return SqlError(sql_errc::kDupEntry, "23000",
                      "Duplicate entry '" + join(values, "-") + "' for key '" + p.key + "' (" + context +
                          ": rows distinct under the original key compare equal under the ALTER's new rules, "
                          "as native ALTER TABLE would fail; the original table is untouched)",
                      "collision");
    } catch (const SqlError&) {
    }
  }
  return SqlError(sql_errc::kDupEntry, "23000",
                  "Duplicate entry for key '" +
                      (plan.changed_unique_keys.empty() ? plan.chunk_key.name : plan.changed_unique_keys[0].name) +
                      "' (" + context +
                      ": a row collides with a row of another original key under the ALTER's "
                      "new rules; native ALTER TABLE would fail; the original table is untouched)",
                  "collision");
}

bool is_collision_marker(int code, const std::string& message, const MigrationPlan& plan) {
  if (code != 1048 || plan.key_identity_terms.empty() || plan.chunk_key.columns.empty()) return false;
  const auto* sc = plan.mapping.find_source(plan.chunk_key.columns.front());
  return sc && lower(message).find("'" + lower(sc->target_name) + "'") != std::string::npos;
}

std::string copy_upsert_tail(const MigrationPlan& plan) {
  if (plan.key_identity_terms.empty()) return {};
  std::string same, first;
  for (std::size_t k = 0; k < plan.chunk_key.columns.size() && k < plan.key_identity_terms.size(); ++k) {
    const auto* sc = plan.mapping.find_source(plan.chunk_key.columns[k]);
    if (!sc) return {};
    const auto stored = quote_qualified(plan.database, plan.ghost_table) + "." + quote_identifier(sc->target_name);
    if (k == 0) first = stored;
    same += (k ? " AND " : "") +
            identity_term(plan.key_identity_terms[k], stored, "VALUES(" + quote_identifier(sc->target_name) + ")");
  }
  // Same original row (the applier wrote it first): keep it, as INSERT IGNORE would. Another
  // row: NULL into a NOT NULL key column, warning 1048, which check_warnings turns into 1062.
  return " ON DUPLICATE KEY UPDATE " + first + " = IF(" + same + ", " + first + ", NULL)";
}

ChunkCopy::ChunkCopy(const MigrationPlan& plan)
    : plan_(plan), builder_([&] {
        auto b = QueryBuilder::create(plan.database, plan.table, plan.chunk_key, plan.mapping, plan.original);
        if (!b) throw std::runtime_error("copier: " + b.error().message());
        return std::move(*b);
      }()) {
  old_unique_keys_.insert(lower(plan_.chunk_key.name));
  for (const auto& k : plan_.kept_unique_keys) old_unique_keys_.insert(lower(k));
}

void ChunkCopy::setup_session(SqlConnection& c, std::chrono::seconds lock_wait_timeout) const {
  c.execute(kEngineSessionSetup);
  // READ COMMITTED: the locking read takes record locks only — no gap or next-key locks — so a
  // writer inserting into a chunk's range never waits for the chunk (under REPEATABLE READ it
  // would, for the whole statement). No row is missed: a locking read sees the latest committed
  // version of every row it scans and waits for an uncommitted writer of one; a row inserted into
  // the range while the statement runs commits after the binlog stream started, so the applier
  // writes it whether the copy saw it or not (INSERT IGNORE yields to the applier's row; the
  // applier's REPLACE overwrites the copy's). Updates and deletes of the chunk's rows still wait
  // for it (record locks): the chunk time target bounds that wait. The server logs rows (ROW
  // format is checked up front), which READ COMMITTED requires.
  c.execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
  // Without IGNORE (a changed unique key) an added NOT NULL column without DEFAULT needs a
  // non-strict session to get its implicit default; check_warnings still fails every other
  // warning, so nothing strict mode would reject gets through (as in the applier).
  if (!plan_.implicit_default_columns.empty() && !plan_.key_identity_terms.empty())
    c.execute("SET SESSION sql_mode = 'NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION'");
  if (plan_.skip_check_constraints) c.execute("SET SESSION check_constraint_checks = OFF");
  c.execute("SET SESSION max_error_count = " + std::to_string(kMaxErrorCount));
  if (lock_wait_timeout.count() > 0)
    c.execute("SET SESSION innodb_lock_wait_timeout = " + std::to_string(lock_wait_timeout.count()));
}

std::uint64_t ChunkCopy::copy(SqlConnection& c, const Chunk& chunk) const {
  auto q = builder_.range_copy_query(chunk.lower, chunk.lower_inclusive(), chunk.upper);
  if (!q) throw std::runtime_error("range copy query: " + q.error().message());
  if (const auto tail = copy_upsert_tail(plan_); !tail.empty()) {
    // INSERT IGNORE would turn the collision marker (NULL into the key) into a silent ''.
    const auto p = q->sql.find("INSERT IGNORE INTO");
    if (p != std::string::npos) q->sql.replace(p, 18, "INSERT INTO");
    q->sql += tail;
  }
  std::uint64_t rows = 0;
  try {
    rows = c.update(q->sql, q->params);
  } catch (const SqlError& e) {
    if (is_collision_marker(e.code(), e.what(), plan_))
      throw collision_error(c, plan_, "row copy into " + plan_.database + "." + plan_.ghost_table);
    throw;
  }
  check_warnings(c, chunk);
  return rows;
}

// Runs SHOW WARNINGS after a chunk; throws on anything but a duplicate on the chunk key.
// Notes pass (native ALTER accepts them: DECIMAL rounding, …), and so does 1364 for an added
// NOT NULL column without DEFAULT (INSERT IGNORE stores the implicit default, as native does).
void ChunkCopy::check_warnings(SqlConnection& conn, const Chunk& chunk) const {
  const auto count = to_uint64(conn.query("SHOW COUNT(*) WARNINGS").scalar());
  if (count == 0) return;
  const auto w = conn.query("SHOW WARNINGS");
  for (std::size_t r = 0; r < w.size(); ++r) {
    const auto code = to_int64(w.at(r, "Code"));
    const std::string msg = w.at(r, "Message").value_or("");
    if (iequals(w.at(r, "Level").value_or(""), "Note")) continue;
    if (code == kNoDefault &&
        std::any_of(plan_.implicit_default_columns.begin(), plan_.implicit_default_columns.end(),
                    [&](const std::string& c) { return lower(msg).find("'" + lower(c) + "'") != std::string::npos; }))
      continue;
    if (is_collision_marker(static_cast<int>(code), msg, plan_))
      throw collision_error(conn, plan_, "row copy into " + plan_.database + "." + plan_.ghost_table);
    if (code == sql_errc::kDupEntry && old_unique_keys_.count(lower(duplicate_key_name(msg, plan_.ghost_table))))
      continue;  // the applier already wrote a newer image of this row, or will replace the stale one
    std::string what = code == sql_errc::kDupEntry
                           ? "a duplicate on a key other than the chunk key (a new UNIQUE key the data violates?)"
                           : "the ALTER would change or drop a value (truncation / out of range / invalid value)";
    throw SqlError(static_cast<int>(code), "",
                   "row copy into " + plan_.database + "." + plan_.ghost_table + ": " + what + ": warning " +
                       std::to_string(code) + ": " + msg,
                   "chunk ending at key " + std::to_string(chunk.upper.size()) + " values");
  }
  if (count > w.size())
    throw std::runtime_error("row copy: " + std::to_string(count) + " warnings, only " + std::to_string(w.size()) +
                             " could be checked; lower chunk-size");
}

}  // namespace ghostcut::engine
