#include "binlog/event/checksum.h"

#include <zlib.h>

#include <algorithm>
#include <cstdio>

#include "binlog/event/event_header.h"

namespace ghostcut::binlog {

namespace {
// zlib takes uInt lengths; feed large inputs in pieces.
uLong crc_update(uLong crc, Bytes data) noexcept {
  std::size_t done = 0;
  while (done < data.size()) {
    const std::size_t n = std::min<std::size_t>(data.size() - done, std::size_t{1} << 30);
    crc = crc32(crc, data.data() + done, static_cast<uInt>(n));
    done += n;
  }
  return crc;
}
}  // namespace

std::uint32_t crc32_of(Bytes data) noexcept {
  return static_cast<std::uint32_t>(crc_update(crc32(0L, Z_NULL, 0), data));
}

std::uint32_t event_crc32(Bytes event) noexcept {
  if (event.size() >= kEventHeaderLen &&
      static_cast<EventType>(event[kEventTypeOffset]) == EventType::kFormatDescription &&
      (event[kEventFlagsOffset] & kLogEventBinlogInUseF) != 0) {
    // The server computed the FDE's CRC before setting the in-use flag.
    std::uint8_t head[kEventHeaderLen];
    std::copy_n(event.begin(), kEventHeaderLen, head);
    head[kEventFlagsOffset] = static_cast<std::uint8_t>(head[kEventFlagsOffset] & ~kLogEventBinlogInUseF);
    uLong crc = crc_update(crc32(0L, Z_NULL, 0), Bytes(head, kEventHeaderLen));
    return static_cast<std::uint32_t>(crc_update(crc, event.subspan(kEventHeaderLen)));
  }
  return crc32_of(event);
}

Result<Bytes> verify_and_strip_crc32(Bytes event) {
  if (event.size() < kEventHeaderLen + kChecksumLen) {
    return Error(Errc::kTruncated, "event too short to hold a CRC32 (" + std::to_string(event.size()) + " bytes)",
                 event.size());
  }
  const Bytes data = event.first(event.size() - kChecksumLen);
  ByteReader r(event.subspan(event.size() - kChecksumLen));
  const std::uint32_t stored = r.u32();
  const std::uint32_t computed = event_crc32(data);
  if (stored != computed) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "%s: stored CRC32 0x%08x, computed 0x%08x",
                  std::string(event_type_name(static_cast<EventType>(event[kEventTypeOffset]))).c_str(), stored,
                  computed);
    return Error(Errc::kBadChecksum, buf, data.size());
  }
  return data;
}

Result<bool> event_has_crc32(Bytes event, const BinlogFormat& format) {
  if (event.size() > kEventTypeOffset &&
      static_cast<EventType>(event[kEventTypeOffset]) == EventType::kFormatDescription) {
    return fde_has_crc32(event);
  }
  return format.has_checksum();
}

Result<Bytes> verify_and_strip_checksum(Bytes event, const BinlogFormat& format) {
  auto has = event_has_crc32(event, format);
  if (!has) return has.error();
  if (*has) return verify_and_strip_crc32(event);
  return event;
}

}  // namespace ghostcut::binlog
