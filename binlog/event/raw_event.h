// RawEvent: one binlog event split into its common header and its body, checksum verified and
// stripped. Layout of the bytes it is made from:
//   [common header: format.header_len bytes (19 in v4)] [post-header + body] [CRC32 u32 if enabled]
// The body view points into the caller's buffer: keep that buffer alive while using the event.
// https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_replication_binlog_event.html
#pragma once
#include <cstddef>

#include "binlog/error.h"
#include "binlog/event/binlog_format.h"
#include "binlog/event/event_header.h"
#include "binlog/wire/byte_reader.h"

namespace ghostcut::binlog {

struct RawEvent {
  EventHeader header;
  Bytes body;              // after the common header, checksum stripped
  std::size_t offset = 0;  // where the event starts (file offset, or offset inside a payload)
  bool checksum_verified = false;

  EventType type() const noexcept { return header.type; }
  // Offset just past this event as written (header.event_size includes the checksum).
  std::size_t end_offset() const noexcept { return offset + header.event_size; }
};

// Splits one complete event (exactly header.event_size bytes) under `format`: parses the header,
// verifies and strips the CRC32 when the format (or, for an FDE, the FDE itself) says there is one.
// Errors carry `offset` + the byte position inside the event.
[[nodiscard]] Result<RawEvent> make_raw_event(Bytes event, const BinlogFormat& format, std::size_t offset = 0);

// Same, for events that never carry a checksum (the inner events of a TRANSACTION_PAYLOAD).
[[nodiscard]] Result<RawEvent> make_raw_event_without_checksum(Bytes event, std::size_t header_len,
                                                               std::size_t offset = 0);

}  // namespace ghostcut::binlog
