// Little-endian writer for the MySQL client/server protocol's basic types:
//   int<N> (fixed width, little endian), int<lenenc>, string<lenenc>, string<NUL>, string<EOF>.
// https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_basic_data_types.html
#pragma once
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "binlog/wire/byte_reader.h"

namespace ghostcut::binlog {

class ByteWriter {
 public:
  ByteWriter() = default;
  explicit ByteWriter(std::size_t reserve) { buf_.reserve(reserve); }

  void uint_le(std::uint64_t v, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) buf_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  void u8(std::uint8_t v) { buf_.push_back(v); }
  void u16(std::uint16_t v) { uint_le(v, 2); }
  void u24(std::uint32_t v) { uint_le(v, 3); }
  void u32(std::uint32_t v) { uint_le(v, 4); }
  void u64(std::uint64_t v) { uint_le(v, 8); }

  // int<lenenc>: < 251 in one byte, then 0xFC + 2, 0xFD + 3, 0xFE + 8 bytes.
  void lenenc(std::uint64_t v) {
    if (v < 0xFB) {
      u8(static_cast<std::uint8_t>(v));
    } else if (v <= 0xFFFF) {
      u8(0xFC);
      uint_le(v, 2);
    } else if (v <= 0xFFFFFF) {
      u8(0xFD);
      uint_le(v, 3);
    } else {
      u8(0xFE);
      uint_le(v, 8);
    }
  }
  void bytes(Bytes b) { buf_.insert(buf_.end(), b.begin(), b.end()); }
  void str(std::string_view s) { bytes(as_bytes(s)); }
  void lenenc_str(std::string_view s) {
    lenenc(s.size());
    str(s);
  }
  void lenenc_bytes(Bytes b) {
    lenenc(b.size());
    bytes(b);
  }
  // string<NUL>: the caller guarantees s has no NUL inside.
  void null_str(std::string_view s) {
    str(s);
    u8(0);
  }
  void zeros(std::size_t n) { buf_.insert(buf_.end(), n, 0); }

  std::size_t size() const noexcept { return buf_.size(); }
  const std::vector<std::uint8_t>& data() const noexcept { return buf_; }
  std::vector<std::uint8_t> take() { return std::exchange(buf_, {}); }

 private:
  std::vector<std::uint8_t> buf_;
};

}  // namespace ghostcut::binlog
