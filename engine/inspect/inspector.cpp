#include "engine/inspect/inspector.h"

#include "engine/text.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <set>

#include "engine/inspect/alter_text.h"
#include "engine/inspect/instant_check.h"
#include "engine/inspect/key_bounds.h"
#include "engine/inspect/scratch_table.h"
#include "engine/inspect/show_schema.h"
#include "engine/inspect/unique_keys.h"
#include "engine/sql/query_builder.h"
#include "engine/sql/quoting.h"
#include "engine/sql/server_queries.h"
#include "engine/sql/sql_connection.h"
#include "engine/sql/sql_tokens.h"

#include <spdlog/spdlog.h>

namespace ghostcut::engine {
namespace {

std::string qualified(const std::string& db, const std::string& t) { return quote_qualified(db, t); }

bool same_columns(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!iequals(a[i], b[i])) return false;
  return true;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

InspectionError::InspectionError(std::vector<std::string> refusals)
    : std::runtime_error([&] {
        std::string m = "migration refused (" + std::to_string(refusals.size()) +
                        (refusals.size() == 1 ? " problem" : " problems") + "):";
        for (const auto& r : refusals) m += "\n  - " + r;
        return m;
      }()),
      refusals_(std::move(refusals)) {}

// ---------------------------------------------------------------------------------------------

Inspector::Inspector(SqlConnection& conn, InspectorConfig config) : conn_(conn), config_(config) {}

ServerInfo Inspector::server_info() {
  auto r = conn_.query(
      "SELECT /* ghostcut inspect */ VERSION(), @@version_comment, @@server_id, @@log_bin, "
      "@@global.binlog_format, @@global.binlog_row_image");
  if (r.empty()) throw SqlError(0, "HY000", "SELECT VERSION() returned no row", "inspect");
  const auto& row = r.rows[0];
  ServerInfo s = parse_server_version(row[0].value_or(""), row[1].value_or(""));
  s.server_id = static_cast<std::uint32_t>(to_uint64(row[2]));
  const std::string log_bin = upper(row[3].value_or("0"));
  s.log_bin = log_bin == "1" || log_bin == "ON";
  s.binlog_format = row[4].value_or("");
  s.binlog_row_image = row[5].value_or("");
  if (s.flavour == Flavour::kMySql && s.at_least(8, 0)) {
    auto m = conn_.query(
        "SELECT /* ghostcut inspect */ @@global.binlog_row_value_options, @@global.binlog_transaction_compression");
    if (!m.empty()) {
      s.binlog_row_value_options = m.rows[0][0].value_or("");
      const std::string c = upper(m.rows[0][1].value_or("0"));
      s.binlog_transaction_compression = c == "1" || c == "ON";
    }
  }
  return s;
}

MigrationPlan Inspector::inspect(const std::string& database, const std::string& table, const std::string& alter) {
  std::vector<std::string> refusals;
  MigrationPlan plan;
  plan.database = database;
  plan.table = table;
  plan.alter = alter;
  plan.ghost_table = ghost_table_name(table);
  plan.changelog_table = changelog_table_name(table);
  plan.old_table = old_table_name(table);
  const std::string where = qualified(database, table);
  if (plan.ghost_table.empty() || plan.changelog_table.empty() || plan.old_table.empty()) {
    // The cut-over needs names that sort after the table's (cutover.h); none fits in 64 characters.
    throw InspectionError({"the table name `" + table +
                           "` is too long to derive ghost and old table names from (over 60 characters, none of "
                           "the first 50 an ASCII character); rename it or use native ALTER TABLE"});
  }

  // Server.
  plan.server = server_info();
  for (auto& r : check_server(plan.server)) refusals.push_back(std::move(r));
  if (plan.server.binlog_transaction_compression)
    plan.notes.push_back("binlog_transaction_compression is ON: transaction payloads are decompressed while reading");

  // Privileges.
  std::vector<std::string> lines;  // the grants, also for the triggers' checks
  try {
    auto g = conn_.query("SHOW /* ghostcut inspect */ GRANTS FOR CURRENT_USER");
    for (const auto& row : g.rows) lines.push_back(row.at(0).value_or(""));
    auto missing = missing_privileges(lines, database, plan.server.flavour);
    if (!missing.empty())
      refusals.push_back("user " + conn_.settings().user + " lacks privileges: " + join(missing, "; "));
    if (sees_all_sessions(lines)) plan.binlog_readers = binlog_reader_count(conn_);
    plan.cluster_member = cluster_member(conn_);
  } catch (const SqlError& e) {
    plan.notes.push_back(std::string("could not read the grants (") + e.what() + "); privileges not checked");
  }

  // The ALTER text.
  const AlterCheck alter_check = check_alter_text(alter, database, table);
  for (const auto& r : alter_check.refusals) refusals.push_back(r);
  plan.alter = alter_check.refusals.empty() ? alter_check.clause : alter;

  // The table.
  auto tbl = conn_.query(
      "SELECT /* ghostcut inspect */ TABLE_TYPE, ENGINE, TABLE_ROWS FROM information_schema.TABLES "
      "WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
      {database, table});
  if (tbl.empty()) {
    refusals.push_back("table " + where + " does not exist");
    throw InspectionError(refusals);
  }
  const std::string type = tbl.rows[0][0].value_or("");
  if (type != "BASE TABLE") {
    refusals.push_back(where + " is a " + type + ", not a base table");
    throw InspectionError(refusals);
  }
  const std::string engine = tbl.rows[0][1].value_or("");
  if (!iequals(engine, "InnoDB")) refusals.push_back(where + " uses engine " + engine + ": only InnoDB is supported");
  plan.estimated_rows = tbl.rows[0][2] ? to_uint64(tbl.rows[0][2]) : 0;
  plan.original = load_table_schema(conn_, database, table);

  // Triggers: refused, or with --include-triggers read for the cut-over (trigger_check.h).
  check_triggers(conn_, config_.triggers, lines, plan, refusals);

  // Foreign keys, in either direction.
  auto fks = conn_.query(
      "SELECT /* ghostcut inspect */ CONSTRAINT_NAME, CONSTRAINT_SCHEMA, TABLE_NAME, UNIQUE_CONSTRAINT_SCHEMA, "
      "REFERENCED_TABLE_NAME FROM information_schema.REFERENTIAL_CONSTRAINTS "
      "WHERE (CONSTRAINT_SCHEMA = ? AND TABLE_NAME = ?) OR (UNIQUE_CONSTRAINT_SCHEMA = ? AND REFERENCED_TABLE_NAME = ?) "
      "ORDER BY CONSTRAINT_SCHEMA, TABLE_NAME, CONSTRAINT_NAME",
      {database, table, database, table});
  if (!fks.empty()) {
    std::vector<std::string> desc;
    for (const auto& row : fks.rows)
      desc.push_back(row[0].value_or("") + ": " + row[1].value_or("") + "." + row[2].value_or("") + " -> " +
                     row[3].value_or("") + "." + row[4].value_or(""));
    if (config_.allow_foreign_keys)
      plan.notes.push_back("foreign keys involve this table (" + join(desc) +
                           "); the ghost table gets none and child tables will reference the old table after cut-over; "
                           "changes made by ON DELETE/UPDATE CASCADE or SET NULL are not in the binlog and are NOT "
                           "carried to the ghost table");
    else
      refusals.push_back("foreign keys involve " + where + " (" + join(desc) +
                         "); pass --allow-foreign-keys if you accept that they are not migrated");
  }

  // Leftovers from an earlier run.
  auto left = conn_.query(
      "SELECT /* ghostcut inspect */ TABLE_NAME FROM information_schema.TABLES "
      "WHERE TABLE_SCHEMA = ? AND TABLE_NAME IN (?, ?, ?) ORDER BY TABLE_NAME",
      {database, plan.ghost_table, plan.changelog_table, plan.old_table});
  if (!left.empty()) {
    std::vector<std::string> names;
    for (const auto& row : left.rows) names.push_back(row[0].value_or(""));
    auto has_table = [&](const std::string& n) { return std::find(names.begin(), names.end(), n) != names.end(); };
    if (config_.drop_leftover_tables) {
      plan.leftover_tables = names;
      plan.notes.push_back("leftover tables " + join(names) + " will be dropped before the migration starts");
    } else if ((config_.resume || config_.start_over) && has_table(plan.ghost_table) &&
               has_table(plan.changelog_table) && !has_table(plan.old_table)) {
      if (config_.start_over) {
        plan.leftover_tables = names;
        plan.notes.push_back("--no-resume: the interrupted run's " + join(names) +
                             " will be dropped and the migration "
                             "starts over");
      } else
        plan.notes.push_back("an interrupted run left " + join(names) +
                             ": --execute resumes it if its checkpoint holds "
                             "this same migration (--no-resume starts over)");
    } else {
      // Say what an interrupted run left: the next step differs (engine/cutover/cutover.h).
      auto has = [&](const std::string& n) { return std::find(names.begin(), names.end(), n) != names.end(); };
      std::string what;
      if (has(plan.old_table)) {
        const bool sentry = table_comment(conn_, database, plan.old_table) == std::string(kCutOverSentryComment);
        if (sentry)
          what = "; a cut-over was interrupted before the swap: `" + table + "` is the original, intact and live";
        else if (!has(plan.ghost_table))
          what = "; a cut-over completed before the earlier run ended: `" + table + "` is already the new table and `" +
                 plan.old_table + "` the old one (keep it as long as you may want to go back)";
      } else if (has(plan.ghost_table)) {
        what = "; an earlier run was interrupted before its cut-over: `" + table + "` is the original, intact";
      }
      refusals.push_back("leftover tables from an earlier run exist in `" + database + "`: " + join(names) + what +
                         ". Make sure no ghostcut runs on `" + table +
                         "`, then drop them, or pass --drop-leftover-tables");
    }
  }

  // Validate the ALTER on a scratch copy: a regular table created LIKE the original, altered,
  // read back and dropped. Not a TEMPORARY table: InnoDB refuses FULLTEXT indexes and
  // partitioning on those, and changes some row formats, so a temporary copy refuses (or silently
  // changes) ALTERs the server accepts on the real table. The name is ours alone: a prefix users
  // don't use, our connection id and a counter; CREATE without IF NOT EXISTS never reuses an
  // existing table (1050 moves on to the next name), and only a table we created is dropped, on
  // every path out of here (ScratchTable's destructor covers exceptions).
  bool ghost_ok = false;
  std::map<std::string, std::vector<std::string>> ghost_unique_parts;
  std::vector<std::string> no_default_columns;  // NOT NULL, no DEFAULT, in the altered table
  if (alter_check.refusals.empty()) {
    ScratchTable scratch(conn_, database);
    std::string tmp;
    try {
      for (int attempt = 0; tmp.empty(); ++attempt) {
        const std::string name =
            "_gct_inspect_" + std::to_string(conn_.connection_id()) + "_" + std::to_string(temp_counter_++);
        try {
          conn_.execute("CREATE /* ghostcut inspect */ TABLE " + qualified(database, name) + " LIKE " + where);
          tmp = name;
          scratch.created(name);
        } catch (const SqlError& e) {
          if (e.code() != 1050 || attempt >= 9) throw;  // ER_TABLE_EXISTS_ERROR: someone else's; next name
        }
      }
      const std::string tmp_q = qualified(database, tmp);
      try {
        conn_.execute("ALTER /* ghostcut inspect */ TABLE " + tmp_q + " " + alter_check.clause);
        plan.ghost = load_table_schema_from_show(conn_, database, tmp);
        plan.ghost.table = plan.ghost_table;
        ghost_unique_parts = unique_key_parts(conn_, database, tmp);
        auto cols = conn_.query("SHOW /* ghostcut inspect */ FULL COLUMNS FROM " + tmp_q);
        for (std::size_t r = 0; r < cols.size(); ++r) {
          const std::string extra = lower(cols.at(r, "Extra").value_or(""));
          if (cols.at(r, "Null").value_or("") == "NO" && !cols.at(r, "Default") &&
              extra.find("auto_increment") == std::string::npos && extra.find("generated") == std::string::npos &&
              extra.find("virtual") == std::string::npos && extra.find("persistent") == std::string::npos &&
              extra.find("stored") == std::string::npos)
            no_default_columns.push_back(cols.at(r, "Field").value_or(""));
        }
        auto sc = conn_.query("SHOW CREATE TABLE " + tmp_q);
        std::string ddl = sc.empty() ? std::string() : sc.rows[0].at(1).value_or("");
        const std::string prefix = "CREATE TABLE " + quote_identifier(tmp);
        if (ddl.rfind(prefix, 0) == 0) {
          plan.ghost_create_statement =
              "CREATE TABLE " + qualified(database, plan.ghost_table) + ddl.substr(prefix.size());
          ghost_ok = true;
        } else {
          refusals.push_back("could not read the altered table's definition (unexpected SHOW CREATE TABLE text)");
        }
      } catch (const SqlError& e) {
        // The server names our scratch copy; the operator knows it as the ghost table.
        std::string msg = e.what();
        for (auto p = msg.find(tmp); p != std::string::npos; p = msg.find(tmp, p + plan.ghost_table.size()))
          msg.replace(p, tmp.size(), plan.ghost_table);
        refusals.push_back("the ALTER is not valid for " + where + ": " + msg);
      }
    } catch (const SqlError& e) {
      refusals.push_back("could not copy " + where + " to a scratch table to validate the ALTER: " + e.what());
    }
    if (auto failed = scratch.drop()) plan.notes.push_back(*failed);
  }

  if (ghost_ok) {
    const auto changes = parse_column_changes(alter_check.clause);
    for (const auto& r : changes.refusals) refusals.push_back(r);
    plan.mapping = build_column_mapping(plan.original, plan.ghost, changes, refusals);
    plan.skip_check_constraints = changes.only_column_adds && plan.server.flavour == Flavour::kMariaDb;
    // TIMESTAMP <-> DATETIME/DATE in the server's zone, as native ALTER converts them.
    auto tz = conn_.query("SELECT /* ghostcut inspect */ @@global.time_zone, @@system_time_zone");
    const std::string zone = upper(tz.empty() ? "" : tz.rows[0][0].value_or(""));
    const std::string sys = upper(tz.empty() ? "" : tz.rows[0][1].value_or(""));
    auto utc = [](const std::string& z) { return z == "+00:00" || z == "UTC" || z == "ETC/UTC" || z == "GMT"; };
    if (!utc(zone) && !(zone == "SYSTEM" && utc(sys))) {
      for (auto& sc : plan.mapping.shared) {
        const auto from = lower(plan.original.columns[sc.source_index].data_type);
        const auto to = lower(plan.ghost.columns[sc.target_index].data_type);
        if (from == "timestamp" && to != "timestamp") sc.tz_shift = 1;
        if ((from == "datetime" || from == "date") && to == "timestamp") sc.tz_shift = -1;
        if (sc.tz_shift)
          plan.notes.push_back("column " + sc.source_name + " (" + from + " -> " + to +
                               ") is converted in the server's time zone (" + zone + "), as native ALTER does");
      }
    }
    if (plan.mapping.shared.empty())
      refusals.push_back("the original and altered tables share no columns: nothing to copy");

    // The chunk key: PRIMARY, else a UNIQUE key on NOT NULL columns; it must survive the ALTER.
    auto usable_in = [&](const TableSchema& s, const IndexInfo& k) {
      if (!k.unique) return false;
      for (const auto& c : k.columns) {
        auto i = s.column_index(c);
        if (!i || s.columns[*i].nullable) return false;
      }
      return true;
    };
    std::vector<std::string> rejected;
    bool found = false;
    for (const auto& k : plan.original.indexes) {
      if (!k.unique) continue;
      if (!usable_in(plan.original, k)) {
        rejected.push_back(key_text(k) + " has nullable columns");
        continue;
      }
      std::string no_bound;  // a column type the copier cannot bound exactly (key_bounds.h)
      for (const auto& c : k.columns)
        if (const auto i = plan.original.column_index(c))
          if (auto b = key_bound_for(plan.original.columns[*i]); !b && no_bound.empty()) no_bound = b.error().message();
      if (!no_bound.empty()) {
        rejected.push_back(key_text(k) + ": " + no_bound);
        continue;
      }
      bool shared = true;
      std::vector<std::string> renamed_columns;  // the key's columns by their names in the ghost
      for (const auto& c : k.columns) {
        const auto* sc = plan.mapping.find_source(c);
        shared = shared && sc != nullptr;
        renamed_columns.push_back(sc ? sc->target_name : c);
      }
      const auto in_ghost = std::find_if(plan.ghost.indexes.begin(), plan.ghost.indexes.end(), [&](const IndexInfo& g) {
        return g.unique && same_columns(g.columns, renamed_columns) && usable_in(plan.ghost, g);
      });
      if (!shared || in_ghost == plan.ghost.indexes.end()) {
        rejected.push_back(key_text(k) + " does not survive the ALTER unchanged");
        continue;
      }
      plan.chunk_key = k;
      found = true;
      break;
    }
    if (!found) {
      refusals.push_back(
          "no usable unique key: the table needs a PRIMARY KEY or a UNIQUE key on NOT NULL columns "
          "present, with the same columns, before and after the ALTER" +
          (rejected.empty() ? std::string(" (it has no unique key)") : " (" + join(rejected, "; ") + ")"));
    } else if (!plan.chunk_key.primary) {
      plan.notes.push_back("no usable PRIMARY KEY: chunking and applying by unique key " + key_text(plan.chunk_key));
    }

    // Unique keys the ALTER adds would make INSERT IGNORE drop rows silently.
    // Compared with prefix lengths: UNIQUE (c(10)) where UNIQUE (c) was is a new, stricter key.
    // Key parts by their names in the ghost, so a key on a renamed column is not "new".
    auto original_unique_parts = unique_key_parts(conn_, database, table);
    for (auto& [name, key_parts] : original_unique_parts)
      for (auto& part : key_parts) {
        const auto paren = part.find('(');
        const auto* sc = plan.mapping.find_source(part.substr(0, paren));
        if (sc) part = lower(sc->target_name) + (paren == std::string::npos ? "" : part.substr(paren));
      }
    // A key that holds every column of a unique key of the original, whole and unchanged (same
    // type and collation), cannot be violated by the original's rows: two rows equal on all its
    // columns are equal on the old key's. E.g. DROP PRIMARY KEY, ADD PRIMARY KEY (id, i) where
    // PRIMARY KEY (id) was. Returns that old key's name.
    auto implied_by = [&](const IndexInfo& g) -> std::optional<std::string> {
      const auto gp = ghost_unique_parts.find(g.name);
      if (gp == ghost_unique_parts.end()) return std::nullopt;
      for (const auto& [name, parts] : original_unique_parts) {
        bool covered = !parts.empty();
        for (const auto& part : parts) {
          // Parts carry the ghost's names (renames applied above): find the shared column.
          const SharedColumn* sc = nullptr;
          for (const auto& m : plan.mapping.shared)
            if (lower(m.target_name) == part) sc = &m;
          covered =
              covered && part.find('(') == std::string::npos && sc &&
              std::find(gp->second.begin(), gp->second.end(), part) != gp->second.end() &&
              plan.original.columns[sc->source_index].column_type == plan.ghost.columns[sc->target_index].column_type &&
              plan.original.columns[sc->source_index].collation == plan.ghost.columns[sc->target_index].collation;
          if (!covered) break;
        }
        if (covered) return name;
      }
      return std::nullopt;
    };
    for (const auto& g : plan.ghost.indexes) {
      if (!g.unique) continue;
      const auto gp = ghost_unique_parts.find(g.name);
      const bool existed = std::any_of(original_unique_parts.begin(), original_unique_parts.end(), [&](const auto& o) {
        return gp != ghost_unique_parts.end() ? o.second == gp->second : same_columns(o.second, g.columns);
      });
      const auto by = implied_by(g);
      if (by) plan.kept_unique_keys.push_back(g.name);
      if (existed) continue;
      if (by)
        plan.notes.push_back("unique key " + key_text(g) + " holds every column of the original's unique key " + *by +
                             ": the current rows cannot violate it");
      else plan.new_unique_keys.push_back(g);
    }
    for (const auto& c : plan.mapping.added)
      for (const auto& n : no_default_columns)
        if (iequals(c, n)) plan.implicit_default_columns.push_back(c);
    if (!plan.implicit_default_columns.empty())
      plan.notes.push_back("added NOT NULL column(s) without DEFAULT (" + join(plan.implicit_default_columns) +
                           ") get the type's implicit default in every row, as native ALTER TABLE gives them");
    find_changed_unique_keys(conn_, plan, ghost_unique_parts, refusals);
    probe_new_unique_keys(conn_, plan, ghost_unique_parts, config_.allow_add_unique_key, refusals);
  }

  if (!refusals.empty()) throw InspectionError(refusals);
  plan.instant = check_instant(conn_, plan, alter_check.clause, temp_counter_);  // read-only: a scratch copy
  return plan;
}

}  // namespace ghostcut::engine
