#include "engine/revert/reverse_checkpoint.h"

#include <charconv>
#include <map>
#include <stdexcept>
#include <vector>

#include "engine/sql/quoting.h"
#include "engine/sql/sql_connection.h"

namespace ghostcut::engine {
namespace {

// Row ids in t_ghc: below its AUTO_INCREMENT start of 256, clear of the heartbeat (1) and the
// forward checkpoint (16..31).
constexpr std::uint64_t kFirst = 40, kLast = 48;
const char* const kHints[] = {"revert.alter",     "revert.old-schema", "revert.new-schema",
                              "revert.chunk-key", "revert.version",    "revert.tables",
                              "revert.binlog",    "revert.until",      "revert.state"};

std::optional<std::int64_t> number(std::string_view s) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

ReverseCheckpointStore::ReverseCheckpointStore(std::string database, std::string changelog_table)
    : database_(std::move(database)), table_(std::move(changelog_table)) {}

void ReverseCheckpointStore::write(SqlConnection& conn, const ReverseCheckpoint& c) const {
  const std::vector<std::string> values = {
      c.plan.alter,
      c.plan.old_schema,
      c.plan.new_schema,
      c.plan.chunk_key,
      c.plan.version,
      c.table + "\n" + c.old_table,
      c.applied.empty() ? std::string() : c.applied.to_string() + (c.past_rename ? " past-rename" : " before-rename"),
      std::to_string(c.until_epoch),
      c.state.substr(0, 4000)};
  std::string sql = "/* ghostcut reverse checkpoint */ INSERT INTO " + quote_qualified(database_, table_) +
                    " (`id`, `hint`, `value`) VALUES ";
  std::vector<SqlParam> params;
  for (std::size_t i = 0; i < values.size(); ++i) {
    sql += i ? ", (?, ?, ?)" : "(?, ?, ?)";
    params.emplace_back(static_cast<std::uint64_t>(kFirst + i));
    params.emplace_back(std::string(kHints[i]));
    params.emplace_back(values[i]);
  }
  sql += " ON DUPLICATE KEY UPDATE `value` = VALUES(`value`), `last_update` = NOW(6)";
  conn.update(sql, params);
}

std::optional<ReverseCheckpoint> ReverseCheckpointStore::read(SqlConnection& conn) const {
  if (conn.query("SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
                 {database_, table_})
          .empty())
    return std::nullopt;
  const auto t =
      conn.query("SELECT `id`, `value`, CAST(UNIX_TIMESTAMP(`last_update`) * 1000000 AS SIGNED) AS `at` FROM " +
                 quote_qualified(database_, table_) + " WHERE `id` BETWEEN " + std::to_string(kFirst) + " AND " +
                 std::to_string(kLast) + " ORDER BY `id`");
  if (t.empty()) return std::nullopt;
  std::map<std::uint64_t, std::string> v;
  ReverseCheckpoint c;
  for (std::size_t r = 0; r < t.size(); ++r) {
    v[to_uint64(t.at(r, "id"))] = t.at(r, "value").value_or("");
    c.written_micros = std::max(c.written_micros, to_int64(t.at(r, "at")));
  }
  auto get = [&](std::uint64_t id) -> std::string {
    auto it = v.find(id);
    if (it == v.end())
      throw std::runtime_error("the reverse sync checkpoint in " + table_ + " lacks its " + kHints[id - kFirst] +
                               " row");
    return it->second;
  };
  c.plan = {get(40), get(41), get(42), get(43), get(44)};
  const auto tables = get(45);
  const auto nl = tables.find('\n');
  if (nl == std::string::npos) throw std::runtime_error("reverse sync checkpoint in " + table_ + ": bad tables row");
  c.table = tables.substr(0, nl);
  c.old_table = tables.substr(nl + 1);
  if (const auto pos = get(46); !pos.empty()) {
    const auto space = pos.rfind(' ');
    const auto colon = pos.rfind(':', space);
    const auto offset = colon == std::string::npos || space == std::string::npos
                            ? std::nullopt
                            : number(std::string_view(pos).substr(colon + 1, space - colon - 1));
    if (!offset || *offset < 0)
      throw std::runtime_error("reverse sync checkpoint in " + table_ + ": bad binlog position '" + pos + "'");
    c.applied = {pos.substr(0, colon), static_cast<std::uint64_t>(*offset)};
    c.past_rename = pos.substr(space + 1) == "past-rename";
  }
  const auto until = number(get(47));
  if (!until) throw std::runtime_error("reverse sync checkpoint in " + table_ + ": bad deadline '" + get(47) + "'");
  c.until_epoch = *until;
  c.state = get(48);
  return c;
}

}  // namespace ghostcut::engine
