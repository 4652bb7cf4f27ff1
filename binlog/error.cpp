#include "binlog/error.h"

namespace ghostcut::binlog {
namespace {
class BinlogCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "binlog"; }
  std::string message(int ev) const override {
    switch (static_cast<Errc>(ev)) {
      case Errc::kOk: return "ok";
      case Errc::kTruncated: return "truncated";
      case Errc::kBadChecksum: return "bad checksum";
      case Errc::kBadMagic: return "bad magic (not a binlog file)";
      case Errc::kBadLength: return "bad length";
      case Errc::kExtraBytes: return "unexpected extra bytes";
      case Errc::kUnknownColumnType: return "unknown column type";
      case Errc::kUnsupported: return "unsupported";
      case Errc::kPacketTooLarge: return "packet too large";
      case Errc::kSequenceMismatch: return "packet sequence mismatch";
      case Errc::kServerError: return "server error";
      case Errc::kProtocolError: return "protocol error";
      case Errc::kAuthFailed: return "authentication failed";
      case Errc::kDecompressFailed: return "decompression failed";
      case Errc::kBadValue: return "bad value";
      case Errc::kMissingTableMap: return "rows event without a TABLE_MAP";
    }
    return "unknown binlog error";
  }
};
}  // namespace

const std::error_category& binlog_category() noexcept {
  static const BinlogCategory cat;
  return cat;
}

}  // namespace ghostcut::binlog
