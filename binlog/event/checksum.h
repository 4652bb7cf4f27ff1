// Event checksums: with binlog_checksum=CRC32 every event ends with a CRC32 (zlib polynomial,
// little-endian u32) over header + body. The FDE is special twice over:
//   - it carries a CRC only if its own server version is checksum-aware (see binlog_format.h),
//     whatever the previous format said;
//   - its CRC was computed before the server set LOG_EVENT_BINLOG_IN_USE_F (header flag 0x1),
//     so the check must clear that flag first (mysql-server: Log_event_footer::event_checksum_test).
// https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_replication_binlog_event.html
#pragma once
#include <cstdint>

#include "binlog/error.h"
#include "binlog/event/binlog_format.h"
#include "binlog/wire/byte_reader.h"

namespace ghostcut::binlog {

inline constexpr std::size_t kChecksumLen = 4;

// zlib CRC32 of `data`.
std::uint32_t crc32_of(Bytes data) noexcept;

// CRC32 the server would store for this whole event (header + body, without its last 4 bytes),
// with the FDE's in-use flag cleared.
std::uint32_t event_crc32(Bytes event_without_checksum) noexcept;

// Checks the trailing CRC32 of `event` (header + body + CRC) and returns the event without it.
// Fails with bad_checksum (naming stored and computed values) or truncated.
[[nodiscard]] Result<Bytes> verify_and_strip_crc32(Bytes event);

// Does `event` end with a CRC32 under `format`? FDEs decide for themselves (fde_has_crc32).
[[nodiscard]] Result<bool> event_has_crc32(Bytes event, const BinlogFormat& format);

// Verifies and strips the checksum when `format` (or, for an FDE, the FDE itself) says there is one.
[[nodiscard]] Result<Bytes> verify_and_strip_checksum(Bytes event, const BinlogFormat& format);

}  // namespace ghostcut::binlog
