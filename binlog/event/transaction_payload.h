// TRANSACTION_PAYLOAD_EVENT (40, MySQL 8.0.20+ binlog_transaction_compression). Layout of the body
// (the FDE announces a post-header length for it, but the fields start right after the common header):
//   header: TLV list, each field = type lenenc | length lenenc | value (length bytes),
//           ending with type 0 (no length):
//             1 = payload size (lenenc in value), 2 = compression type (0 = ZSTD, 255 = none),
//             3 = uncompressed size (lenenc in value); unknown types are skipped by length
//   payload: payload-size bytes, compressed
// The payload inflates to a sequence of whole events that have NO checksum and log_pos = 0.
// https://dev.mysql.com/doc/dev/mysql-server/latest/classmysql_1_1binlog_1_1event_1_1Transaction__payload__event.html
#pragma once
#include <cstdint>
#include <vector>

#include "binlog/error.h"
#include "binlog/event/raw_event.h"
#include "binlog/wire/byte_reader.h"

namespace ghostcut::binlog {

enum class PayloadCompression : std::uint8_t { kZstd = 0, kNone = 255 };

struct TransactionPayload {
  std::uint64_t compression_type = 0;
  std::uint64_t payload_size = 0;
  std::uint64_t uncompressed_size = 0;
  std::vector<std::uint8_t> uncompressed;  // the inner events, back to back

  bool operator==(const TransactionPayload&) const = default;
};

// Parses the header and inflates the payload.
[[nodiscard]] Result<TransactionPayload> parse_transaction_payload(Bytes body);

// Splits the inflated payload into its events (offsets are inside the payload). The RawEvents
// view `payload.uncompressed`: keep the payload alive (and unmodified) while using them.
[[nodiscard]] Result<std::vector<RawEvent>> split_payload_events(const TransactionPayload& payload,
                                                                 std::size_t header_len = kEventHeaderLen);

}  // namespace ghostcut::binlog
