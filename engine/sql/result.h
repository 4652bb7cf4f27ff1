// A fully read result set: Connector/C++ result sets are drained before the next statement.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ghostcut::engine {

using Cell = std::optional<std::string>;  // nullopt = SQL NULL; strings are raw bytes

struct ResultTable {
  std::vector<std::string> columns;
  std::vector<std::vector<Cell>> rows;

  bool empty() const noexcept { return rows.empty(); }
  std::size_t size() const noexcept { return rows.size(); }
  // Index of a column by name (case-insensitive); throws std::out_of_range when absent.
  std::size_t column(std::string_view name) const;
  // Cell of row r, column by name.
  const Cell& at(std::size_t r, std::string_view name) const { return rows.at(r).at(column(name)); }
  // First column of the first row, or nullopt when there is no row or it is NULL.
  Cell scalar() const;
};

// Parses an unsigned/signed integer cell; throws std::invalid_argument on NULL or junk.
std::int64_t to_int64(const Cell& c);
std::uint64_t to_uint64(const Cell& c);

}  // namespace ghostcut::engine
