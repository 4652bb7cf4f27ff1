// The common event header (v4 binlogs: 19 bytes; a FORMAT_DESCRIPTION may announce a longer one,
// whose extra bytes we skip). Layout (all little-endian):
//   timestamp u32 | type u8 | server_id u32 | event_size u32 | log_pos u32 | flags u16
// event_size covers header + body + checksum; log_pos is the offset of the NEXT event (0 for
// artificial events and events inside a TRANSACTION_PAYLOAD).
// https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_replication_binlog_event.html#sect_protocol_replication_binlog_event_header
#pragma once
#include <cstdint>

#include "binlog/error.h"
#include "binlog/event/event_type.h"
#include "binlog/wire/byte_reader.h"

namespace ghostcut::binlog {

inline constexpr std::size_t kEventHeaderLen = 19;
inline constexpr std::uint16_t kLogEventBinlogInUseF = 0x0001;  // FDE: file not closed cleanly
inline constexpr std::uint16_t kLogEventArtificialF = 0x0020;   // fake ROTATE at dump start
inline constexpr std::size_t kEventTypeOffset = 4;
inline constexpr std::size_t kEventSizeOffset = 9;
inline constexpr std::size_t kEventFlagsOffset = 17;

struct EventHeader {
  std::uint32_t timestamp = 0;
  EventType type = EventType::kUnknown;
  std::uint32_t server_id = 0;
  std::uint32_t event_size = 0;
  std::uint32_t log_pos = 0;
  std::uint16_t flags = 0;

  bool is_artificial() const noexcept { return (flags & kLogEventArtificialF) != 0; }
  bool operator==(const EventHeader&) const = default;
};

// Reads the first 19 bytes of `event`. Fails (truncated) when fewer are present and
// (bad_length) when event_size is smaller than the header itself.
[[nodiscard]] inline Result<EventHeader> parse_event_header(Bytes event) {
  ByteReader r(event);
  EventHeader h;
  h.timestamp = r.u32();
  h.type = static_cast<EventType>(r.u8());
  h.server_id = r.u32();
  h.event_size = r.u32();
  h.log_pos = r.u32();
  h.flags = r.u16();
  if (!r.ok()) {
    return Error(Errc::kTruncated, "event header needs 19 bytes, have " + std::to_string(event.size()), event.size());
  }
  if (h.event_size < kEventHeaderLen) {
    return Error(Errc::kBadLength, "event_size " + std::to_string(h.event_size) + " is smaller than the header",
                 kEventSizeOffset);
  }
  return h;
}

}  // namespace ghostcut::binlog
