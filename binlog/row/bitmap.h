// Bitmaps of rows events: columns-present and NULL bitmaps, partial-JSON bitmaps.
// Layout: (bits + 7) / 8 bytes; bit i is byte i / 8, mask 1 << (i % 8) (LSB first).
// https://dev.mysql.com/doc/dev/mysql-server/latest/classmysql_1_1binlog_1_1event_1_1Rows__event.html
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "binlog/wire/byte_reader.h"

namespace ghostcut::binlog {

constexpr std::size_t bitmap_bytes(std::size_t bits) noexcept { return (bits + 7) / 8; }

// A read-only view of a bitmap held in event bytes. Bits past the end read as `past_end`.
class BitmapView {
 public:
  BitmapView() = default;
  explicit BitmapView(Bytes bytes) : bytes_(bytes) {}

  bool test(std::size_t i, bool past_end = false) const noexcept {
    const std::size_t byte = i >> 3;
    if (byte >= bytes_.size()) return past_end;
    return (bytes_[byte] >> (i & 7)) & 1;
  }
  std::size_t size_bytes() const noexcept { return bytes_.size(); }

 private:
  Bytes bytes_{};
};

// Reads a bitmap of `bits` bits from `r` (sticky error on truncation).
inline BitmapView read_bitmap(ByteReader& r, std::size_t bits) noexcept {
  return BitmapView(r.bytes(bitmap_bytes(bits)));
}

// Unpacks a bitmap into a vector<bool> of `bits` entries.
inline std::vector<bool> to_bool_vector(BitmapView v, std::size_t bits) {
  std::vector<bool> out(bits);
  for (std::size_t i = 0; i < bits; ++i) out[i] = v.test(i);
  return out;
}

// Number of set entries among the first `bits` of a vector<bool> (shorter vector: the rest unset).
inline std::size_t count_set(const std::vector<bool>& v, std::size_t bits) noexcept {
  std::size_t n = 0;
  for (std::size_t i = 0; i < bits && i < v.size(); ++i) n += v[i] ? 1 : 0;
  return n;
}

}  // namespace ghostcut::binlog
