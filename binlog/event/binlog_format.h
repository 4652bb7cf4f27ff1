// BinlogFormat: what a FORMAT_DESCRIPTION_EVENT (type 15) says about the events that follow.
// FDE body layout:
//   binlog_version u16 | server_version char[50] (NUL padded) | created u32 |
//   common_header_len u8 | post_header_len[N] (one per event type, type-1 indexed) |
//   [checksum_alg u8 | crc32 u32]   <- only from checksum-aware servers (MySQL >= 5.6.1,
//                                      MariaDB >= 5.3), present even when alg = 0 (NONE)
// N is NOT fixed: 38 on 5.7, 40-42 on 8.0/9.x, 171 on MariaDB 10.5; it is whatever is left.
// https://dev.mysql.com/doc/dev/mysql-server/latest/classmysql_1_1binlog_1_1event_1_1Format__description__event.html
// https://mariadb.com/kb/en/format_description_event/
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "binlog/error.h"
#include "binlog/event/event_header.h"
#include "binlog/event/event_type.h"
#include "binlog/wire/byte_reader.h"
#include "common/flavour.h"

namespace ghostcut::binlog {

// kUndefined (255): what a server announces to a replica that did not say it understands
// checksums; later events then carry none.
enum class ChecksumAlg : std::uint8_t { kOff = 0, kCrc32 = 1, kUndefined = 255 };

struct BinlogFormat {
  std::uint16_t binlog_version = 4;
  std::string server_version;
  std::uint32_t created = 0;
  std::uint8_t header_len = kEventHeaderLen;
  std::vector<std::uint8_t> post_header_lens;  // index = type - 1
  ChecksumAlg checksum = ChecksumAlg::kOff;
  bool checksum_aware = false;  // the FDE itself carried the alg byte + CRC
  Flavour flavour = Flavour::kMySql;

  // Post-header length of `type` as announced; 0 for types the FDE does not list.
  std::uint8_t post_header_len(EventType type) const noexcept;
  bool has_checksum() const noexcept { return checksum == ChecksumAlg::kCrc32; }
  bool is_mariadb() const noexcept { return flavour == Flavour::kMariaDb; }

  bool operator==(const BinlogFormat&) const = default;
};

// A v4 format for a stream before its FDE arrives (e.g. the artificial ROTATE that opens a dump).
// Post-header lengths are MySQL 8.0's plus MariaDB's 160-171 entries; `checksum` is what the
// session negotiated (a dump from a CRC32 server sends the artificial ROTATE with a CRC).
BinlogFormat default_binlog_format(ChecksumAlg checksum = ChecksumAlg::kOff);

// {major, minor, patch} from the leading digits of a server version string ("10.5.15-MariaDB-log").
std::array<unsigned, 3> split_server_version(std::string_view version) noexcept;
// Whether a server of this version ends its FDE with the checksum alg byte + CRC32.
bool is_checksum_aware_version(std::string_view version) noexcept;

// Parses an FDE body: the event after the common header with its CRC32 already stripped, so a
// checksum-aware FDE's body ends with the alg byte. (A checksum-aware FDE always carries a valid
// CRC32, even with alg = 0; see fde_has_crc32.)
[[nodiscard]] Result<BinlogFormat> parse_format_description(Bytes body);

// Whether this whole FDE event (header + body + trailer) ends with a CRC32: true exactly when its
// own server version is checksum-aware, whatever the algorithm it announces for later events.
[[nodiscard]] Result<bool> fde_has_crc32(Bytes event);

}  // namespace ghostcut::binlog
