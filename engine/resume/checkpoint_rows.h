// The row codec both checkpoints share (resume/checkpoint.h: ids 16..31, revert/
// reverse_checkpoint.h: ids 40..48): (id, hint, value) rows of the changelog table, written in one
// upsert and read back by id range with the time of the newest write.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/sql/sql_connection.h"

namespace ghostcut::engine {

struct CheckpointRow {
  std::uint64_t id = 0;
  std::string hint;  // what the row holds, for a person reading the table
  std::string value;
};

// One INSERT … ON DUPLICATE KEY UPDATE of every row into db.table; `tag` is the statement's comment.
void write_checkpoint_rows(SqlConnection& conn, const std::string& database, const std::string& table,
                           const std::string& tag, const std::vector<CheckpointRow>& rows);

struct CheckpointRows {
  std::map<std::uint64_t, std::string> values;  // id → value
  std::int64_t written_micros = 0;              // wall-clock micros of the newest write
};

// The rows with ids first..last; nullopt when the table or every such row is missing.
std::optional<CheckpointRows> read_checkpoint_rows(SqlConnection& conn, const std::string& database,
                                                   const std::string& table, std::uint64_t first, std::uint64_t last);

}  // namespace ghostcut::engine
