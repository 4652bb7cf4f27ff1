// Error codes of the pure binlog layers (bytes and protocol), carried by ghostcut::Error.
// Pure layers never throw and never log; they return Result<T>.
#pragma once
#include <cstddef>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>

#include "common/result.h"

namespace ghostcut::binlog {

enum class Errc {
  kOk = 0,
  kTruncated,          // fewer bytes than a length or field says
  kBadChecksum,        // CRC32 mismatch
  kBadMagic,           // not a binlog file
  kBadLength,          // a length field that cannot be right
  kExtraBytes,         // bytes left where none should be
  kUnknownColumnType,  // a column type we cannot decode
  kUnsupported,        // a valid feature we do not handle (says which)
  kPacketTooLarge,     // frame assembler size limit hit
  kSequenceMismatch,   // packet sequence id out of order
  kServerError,        // an ERR packet from the server
  kProtocolError,      // anything else the server sent that breaks the protocol
  kAuthFailed,         // authentication refused or impossible
  kDecompressFailed,   // zstd/zlib payload did not decompress
  kBadValue,           // a value that cannot exist (e.g. invalid decimal digits)
  kMissingTableMap,    // a rows event for an unknown table_id
};

}  // namespace ghostcut::binlog

template <>
struct std::is_error_code_enum<ghostcut::binlog::Errc> : std::true_type {};

namespace ghostcut::binlog {

const std::error_category& binlog_category() noexcept;
inline std::error_code make_error_code(Errc e) noexcept { return {static_cast<int>(e), binlog_category()}; }

// Error and Result live in common/result.h (one home for every layer); binlog code names them
// unqualified from the enclosing namespace.
}  // namespace ghostcut::binlog
