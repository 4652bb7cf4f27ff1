// BinlogFileReader: walks a binlog FILE held in memory. Layout:
//   magic: 0xfe 'b' 'i' 'n' (4 bytes)
//   events back to back, each header.event_size bytes; the first is normally a FORMAT_DESCRIPTION
// Each FDE replaces the current BinlogFormat (relay logs and rotated files can hold several);
// events are checksum-verified/stripped under the format in force. A file may end without STOP
// or ROTATE (server still running); a file that ends INSIDE an event is an error naming the offset,
// returned after every complete event before it.
// https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_replication_binlog_event.html
#pragma once
#include <cstddef>
#include <optional>

#include "binlog/error.h"
#include "binlog/event/binlog_format.h"
#include "binlog/event/raw_event.h"
#include "binlog/wire/byte_reader.h"

namespace ghostcut::binlog {

inline constexpr std::uint8_t kBinlogMagic[4] = {0xfe, 'b', 'i', 'n'};

class BinlogFileReader {
 public:
  // `file` must outlive the reader and every RawEvent it returns.
  explicit BinlogFileReader(Bytes file) : file_(file) {}

  // The next event with its file offset; nullopt at a clean end of file. Errors (bad_magic,
  // truncated, bad_checksum, bad_length) are sticky: later calls return the same error.
  [[nodiscard]] Result<std::optional<RawEvent>> next();

  // The format in force (the last FDE read, or default_binlog_format() before one).
  const BinlogFormat& format() const noexcept { return format_; }
  // Offset of the next event to read.
  std::size_t offset() const noexcept { return offset_; }
  std::size_t fde_count() const noexcept { return fde_count_; }

 private:
  Result<std::optional<RawEvent>> fail(Error e) {
    error_ = e;
    return e;
  }

  Bytes file_;
  std::size_t offset_ = 0;
  bool magic_checked_ = false;
  std::optional<Error> error_;
  BinlogFormat format_ = default_binlog_format();
  std::size_t fde_count_ = 0;
};

}  // namespace ghostcut::binlog
