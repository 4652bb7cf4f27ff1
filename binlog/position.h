// A position in the binlog: file name + byte offset. Compared file-first (names sort by
// sequence number: mysql-bin.000009 < mysql-bin.000010), then by offset.
#pragma once
#include <compare>
#include <cstdint>
#include <string>

namespace ghostcut::binlog {

struct BinlogPosition {
  std::string file;
  std::uint64_t offset = 4;  // 4 = just after the magic, the first event

  std::string to_string() const { return file + ":" + std::to_string(offset); }
  bool empty() const noexcept { return file.empty(); }
  auto operator<=>(const BinlogPosition&) const = default;
  bool operator==(const BinlogPosition&) const = default;
};

}  // namespace ghostcut::binlog
