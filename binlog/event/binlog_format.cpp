#include "binlog/event/binlog_format.h"

#include <algorithm>

namespace ghostcut::binlog {
namespace {

constexpr std::size_t kServerVersionLen = 50;
constexpr std::size_t kFdeFixedLen = 2 + kServerVersionLen + 4 + 1;
constexpr std::size_t kChecksumTrailerLen = 1 + 4;  // alg byte + CRC32

}  // namespace

std::uint8_t BinlogFormat::post_header_len(EventType type) const noexcept {
  const auto code = static_cast<std::size_t>(type);
  if (code == 0 || code > post_header_lens.size()) return 0;
  return post_header_lens[code - 1];
}

BinlogFormat default_binlog_format(ChecksumAlg checksum) {
  BinlogFormat f;
  f.binlog_version = 4;
  f.header_len = kEventHeaderLen;
  f.checksum = checksum;
  // MySQL 8.0.32's table (types 1..41), as its FDE announces it.
  f.post_header_lens = {0, 13, 0, 8, 0, 0, 0, 0, 4,  0,  4,  0,  0,  0, 98, 0,  4, 26, 8,  0, 0,
                        0, 8,  8, 8, 2, 0, 0, 0, 10, 10, 10, 42, 42, 0, 18, 52, 0, 10, 40, 0};
  f.post_header_lens.resize(171, 0);
  // MariaDB 10.5's entries for 160..171.
  const std::uint8_t maria[] = {0, 4, 19, 4, 0, 13, 8, 8, 8, 10, 10, 10};
  std::copy(std::begin(maria), std::end(maria), f.post_header_lens.begin() + 159);
  return f;
}

std::array<unsigned, 3> split_server_version(std::string_view version) noexcept {
  std::array<unsigned, 3> out{0, 0, 0};
  std::size_t i = 0;
  for (std::size_t part = 0; part < 3; ++part) {
    unsigned v = 0;
    bool any = false;
    while (i < version.size() && version[i] >= '0' && version[i] <= '9') {
      v = v * 10 + static_cast<unsigned>(version[i] - '0');
      any = true;
      ++i;
    }
    if (!any) break;
    out[part] = v;
    if (i < version.size() && version[i] == '.') {
      ++i;
    } else {
      break;
    }
  }
  return out;
}

bool is_checksum_aware_version(std::string_view version) noexcept {
  const auto v = split_server_version(version);
  // MariaDB added checksums in 5.3, MySQL in 5.6.1 (libbinlogevents checksum_version_split).
  const std::array<unsigned, 3> since = version.find("MariaDB") != std::string_view::npos
                                            ? std::array<unsigned, 3>{5, 3, 0}
                                            : std::array<unsigned, 3>{5, 6, 1};
  return v >= since;
}

Result<BinlogFormat> parse_format_description(Bytes body) {
  ByteReader r(body);
  BinlogFormat f;
  f.binlog_version = r.u16();
  if (!r.ok()) return Error(Errc::kTruncated, "FORMAT_DESCRIPTION binlog_version", r.pos());
  const std::string_view raw_version = r.str(kServerVersionLen);
  if (!r.ok()) return Error(Errc::kTruncated, "FORMAT_DESCRIPTION server_version", 2);
  f.server_version = std::string(raw_version.substr(0, raw_version.find('\0')));
  f.created = r.u32();
  f.header_len = r.u8();
  if (!r.ok()) return Error(Errc::kTruncated, "FORMAT_DESCRIPTION created/header_len", 2 + kServerVersionLen);
  if (f.header_len < kEventHeaderLen) {
    return Error(Errc::kBadLength, "FORMAT_DESCRIPTION common header length " + std::to_string(f.header_len),
                 kFdeFixedLen - 1);
  }
  f.flavour = f.server_version.find("MariaDB") != std::string::npos ? Flavour::kMariaDb : Flavour::kMySql;
  f.checksum_aware = is_checksum_aware_version(f.server_version);
  std::size_t n = r.remaining();
  if (f.checksum_aware) {
    if (n < 1) return Error(Errc::kTruncated, "FORMAT_DESCRIPTION checksum algorithm", body.size());
    n -= 1;
  }
  const Bytes lens = r.bytes(n);
  f.post_header_lens.assign(lens.begin(), lens.end());
  if (f.checksum_aware) {
    const std::uint8_t alg = r.u8();
    switch (alg) {
      case 0: f.checksum = ChecksumAlg::kOff; break;
      case 1: f.checksum = ChecksumAlg::kCrc32; break;
      case 255: f.checksum = ChecksumAlg::kUndefined; break;  // no checksums on later events
      default:
        return Error(Errc::kUnsupported, "FORMAT_DESCRIPTION checksum algorithm " + std::to_string(alg),
                     kFdeFixedLen + n);
    }
  }
  return f;
}

Result<bool> fde_has_crc32(Bytes event) {
  if (event.size() < kEventHeaderLen + kFdeFixedLen) {
    return Error(Errc::kTruncated, "FORMAT_DESCRIPTION shorter than its fixed part", event.size());
  }
  std::string_view sv = as_chars(event.subspan(kEventHeaderLen + 2, kServerVersionLen));
  sv = sv.substr(0, sv.find('\0'));
  if (!is_checksum_aware_version(sv)) return false;
  if (event.size() < kEventHeaderLen + kFdeFixedLen + kChecksumTrailerLen) {
    return Error(Errc::kTruncated, "FORMAT_DESCRIPTION checksum algorithm + CRC32", event.size());
  }
  return true;
}

}  // namespace ghostcut::binlog
