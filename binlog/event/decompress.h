// Decompression used by the event layer.
//  - zstd: MySQL TRANSACTION_PAYLOAD (compression type 0).
//  - MariaDB compressed record (QUERY_COMPRESSED and *_ROWS_COMPRESSED events):
//      header u8: bit 7 = 1 (compressed), bits 4-6 = algorithm (0 = zlib), bits 0-2 = n (1..4)
//      original length: n bytes, big-endian
//      zlib stream (rest)
//    https://github.com/MariaDB/server/blob/10.6/sql/log_event.cc (binlog_buf_uncompress)
#pragma once
#include <cstdint>
#include <vector>

#include "binlog/error.h"
#include "binlog/wire/byte_reader.h"

namespace ghostcut::binlog::detail {

// Largest decompressed size we accept (max_allowed_packet's ceiling is 1 GiB).
inline constexpr std::size_t kMaxDecompressedSize = std::size_t{1} << 30;

[[nodiscard]] Result<std::vector<std::uint8_t>> zstd_decompress(Bytes in, std::size_t expected_size);
[[nodiscard]] Result<std::vector<std::uint8_t>> mariadb_uncompress(Bytes record);

}  // namespace ghostcut::binlog::detail
