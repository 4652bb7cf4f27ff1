#include "engine/revert/reverse_checkpoint.h"

#include <charconv>
#include <map>
#include <stdexcept>
#include <vector>

#include "engine/resume/checkpoint_rows.h"
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
  std::vector<CheckpointRow> rows;
  for (std::size_t i = 0; i < values.size(); ++i) rows.push_back({kFirst + i, kHints[i], values[i]});
  write_checkpoint_rows(conn, database_, table_, "ghostcut reverse checkpoint", rows);
}

std::optional<ReverseCheckpoint> ReverseCheckpointStore::read(SqlConnection& conn) const {
  const auto read = read_checkpoint_rows(conn, database_, table_, kFirst, kLast);
  if (!read) return std::nullopt;
  const auto& v = read->values;
  ReverseCheckpoint c;
  c.written_micros = read->written_micros;
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
