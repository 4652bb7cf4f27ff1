#include "binlog/error.h"

namespace ghostcut::binlog {
namespace {
class BinlogCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "binlog"; }
  std::string message(int ev) const override {
    switch (static_cast<Errc>(ev)) {
      case Errc::ok: return "ok";
      case Errc::truncated: return "truncated";
      case Errc::bad_checksum: return "bad checksum";
      case Errc::bad_magic: return "bad magic (not a binlog file)";
      case Errc::bad_length: return "bad length";
      case Errc::extra_bytes: return "unexpected extra bytes";
      case Errc::unknown_column_type: return "unknown column type";
      case Errc::unsupported: return "unsupported";
      case Errc::packet_too_large: return "packet too large";
      case Errc::sequence_mismatch: return "packet sequence mismatch";
      case Errc::server_error: return "server error";
      case Errc::protocol_error: return "protocol error";
      case Errc::auth_failed: return "authentication failed";
      case Errc::decompress_failed: return "decompression failed";
      case Errc::bad_value: return "bad value";
      case Errc::missing_table_map: return "rows event without a TABLE_MAP";
    }
    return "unknown binlog error";
  }
};
}  // namespace

const std::error_category& binlog_category() noexcept {
  static const BinlogCategory cat;
  return cat;
}

std::string Error::message() const {
  std::string out = code.message();
  if (!context.empty()) out += ": " + context;
  if (offset != 0) out += " (at byte " + std::to_string(offset) + ")";
  return out;
}

}  // namespace ghostcut::binlog
