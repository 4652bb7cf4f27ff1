#include "engine/inspect/trigger_check.h"

#include <algorithm>

#include "engine/sql/query_builder.h"
#include "engine/sql/sql_connection.h"
#include "engine/text.h"

namespace ghostcut::engine {
namespace {

// Identifier length as the server counts it: characters, not bytes (UTF-8 continuation bytes skipped).
std::size_t characters(const std::string& s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

bool ascii_only(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

bool is_utf8(const std::string& charset) {
  const std::string c = upper(charset);
  return c == "UTF8" || c == "UTF8MB3" || c == "UTF8MB4";
}

}  // namespace

std::vector<std::string> check_trigger_options(const TriggerOptions& o) {
  std::vector<std::string> out;
  if (o.include && o.suffix.empty())
    out.push_back("--include-triggers needs --trigger-suffix (the new table's triggers are named <name><suffix>)");
  if (!o.include && !o.suffix.empty()) out.push_back("--trigger-suffix needs --include-triggers");
  if (!o.include && o.remove_suffix) out.push_back("--remove-trigger-suffix-if-exists needs --include-triggers");
  if (!o.suffix.empty() && !std::all_of(o.suffix.begin(), o.suffix.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
      }))
    out.push_back("--trigger-suffix may hold only letters, digits and '_', got '" + o.suffix + "'");
  return out;
}

void check_triggers(SqlConnection& conn, const TriggerOptions& options, const std::vector<std::string>& grants,
                    MigrationPlan& plan, std::vector<std::string>& refusals) {
  const std::string where = "`" + plan.database + "`.`" + plan.table + "`";
  // Same order as they fire: recreated in this order, each timing/event keeps its ACTION_ORDER
  // (both servers append a new trigger last), so MariaDB's FOLLOWS/PRECEDES order is kept too.
  auto trg = conn.query(
      "SELECT /* ghostcut inspect */ TRIGGER_NAME, ACTION_TIMING, EVENT_MANIPULATION, ACTION_ORDER, DEFINER, "
      "SQL_MODE, CHARACTER_SET_CLIENT, COLLATION_CONNECTION, ACTION_STATEMENT FROM information_schema.TRIGGERS "
      "WHERE EVENT_OBJECT_SCHEMA = ? AND EVENT_OBJECT_TABLE = ? ORDER BY ACTION_TIMING, EVENT_MANIPULATION, "
      "ACTION_ORDER",
      {plan.database, plan.table});
  if (trg.empty()) return;
  std::vector<TriggerDef> defs;
  std::vector<std::string> names;
  for (const auto& row : trg.rows) {
    TriggerDef d;
    d.name = row[0].value_or("");
    d.timing = row[1].value_or("");
    d.event = row[2].value_or("");
    d.action_order = row[3] ? std::stoll(*row[3]) : 0;
    d.definer = row[4].value_or("");
    d.sql_mode = row[5].value_or("");
    d.character_set_client = row[6].value_or("");
    d.collation_connection = row[7].value_or("");
    d.body = row[8].value_or("");
    d.ghost_name = ghost_trigger_name(d.name, options.suffix, options.remove_suffix);
    names.push_back(d.name);
    defs.push_back(std::move(d));
  }
  if (!options.include) {
    refusals.push_back(where + " has triggers (" + join(names) +
                       "): pass --include-triggers --trigger-suffix=SUFFIX to recreate them on the new table");
    return;
  }
  for (const auto& r : check_trigger_options(options)) refusals.push_back(r);
  if (options.reverse_sync)
    // The reverse sync writes the new table's changes into the old table, whose triggers would
    // fire again: every side effect twice. Not offered rather than half-safe.
    refusals.push_back(
        "--include-triggers cannot be combined with --keep-old-table-in-sync: the reverse sync's "
        "writes into the old table would fire its triggers a second time");

  // Names: trigger names are unique per schema; triggers on our own ghost are an interrupted run's
  // and are dropped before anything is applied (engine/cutover/ghost_triggers.h), so they do not count.
  auto existing = conn.query(
      "SELECT /* ghostcut inspect */ TRIGGER_NAME, EVENT_OBJECT_TABLE FROM information_schema.TRIGGERS "
      "WHERE TRIGGER_SCHEMA = ?",
      {plan.database});
  const auto cur = conn.query("SELECT /* ghostcut inspect */ CURRENT_USER()");
  const std::string current_user = cur.empty() ? std::string() : cur.rows[0][0].value_or("");
  bool other_definer = false;
  std::vector<std::string> seen;
  for (const auto& d : defs) {
    if (d.ghost_name.empty() || characters(d.ghost_name) > kMaxIdentifierLength)
      refusals.push_back("trigger `" + d.name + "`: the new table's name for it, `" + d.ghost_name + "`, is " +
                         (d.ghost_name.empty() ? "empty" : "longer than 64 characters") +
                         "; choose another --trigger-suffix");
    for (const auto& row : existing.rows)
      if (row[0].value_or("") == d.ghost_name && row[1].value_or("") != plan.ghost_table)
        refusals.push_back("trigger `" + d.ghost_name + "` (for `" + d.name + "`) already exists on `" +
                           row[1].value_or("") + "`; choose another --trigger-suffix");
    if (std::find(seen.begin(), seen.end(), d.ghost_name) != seen.end())
      refusals.push_back("two triggers would both be named `" + d.ghost_name + "` on the new table");
    seen.push_back(d.ghost_name);
    // The body goes back to the server as the UTF-8 text information_schema gives; under another
    // client character set only plain ASCII reads back the same.
    if (!is_utf8(d.character_set_client) && !ascii_only(d.body + d.ghost_name + plan.ghost_table + plan.database))
      refusals.push_back("trigger `" + d.name + "` was created with character_set_client " + d.character_set_client +
                         " and its body or names have non-ASCII characters: it cannot be recreated byte for byte");
    if (d.definer != current_user) other_definer = true;
  }
  if (grants.empty())
    plan.notes.push_back("the grants were not read: TRIGGER (and SUPER/SET USER for another DEFINER) not checked");
  else
    for (const auto& p : missing_trigger_privileges(grants, plan.database, plan.server.flavour, other_definer))
      refusals.push_back("user " + conn.settings().user + " lacks privileges for --include-triggers: " + p);
  plan.notes.push_back(
      "triggers (" + join(names) +
      ") are recreated on the new table in the cut-over, while the table is locked and after the ghost caught up; "
      "the old table keeps the original ones");
  plan.triggers = std::move(defs);
}

}  // namespace ghostcut::engine
