#include "binlog/event/raw_event.h"

#include "binlog/event/checksum.h"

namespace ghostcut::binlog {
namespace {

Error at(Error e, std::size_t offset) {
  e.offset += offset;
  return e;
}

}  // namespace

Result<RawEvent> make_raw_event_without_checksum(Bytes event, std::size_t header_len, std::size_t offset) {
  auto header = parse_event_header(event);
  if (!header) return at(header.error(), offset);
  if (header->event_size != event.size()) {
    return Error(Errc::kBadLength,
                 std::string(event_type_name(header->type)) + " event_size " + std::to_string(header->event_size) +
                     " but " + std::to_string(event.size()) + " bytes given",
                 offset + kEventSizeOffset);
  }
  // The FDE's own header is always the 19-byte minimal one.
  const std::size_t hl = header->type == EventType::kFormatDescription ? kEventHeaderLen : header_len;
  if (event.size() < hl) {
    return Error(Errc::kTruncated, std::string(event_type_name(header->type)) + " shorter than the common header",
                 offset + event.size());
  }
  RawEvent raw;
  raw.header = *header;
  raw.body = event.subspan(hl);
  raw.offset = offset;
  return raw;
}

Result<RawEvent> make_raw_event(Bytes event, const BinlogFormat& format, std::size_t offset) {
  auto header = parse_event_header(event);
  if (!header) return at(header.error(), offset);
  if (header->event_size != event.size()) {
    return Error(Errc::kBadLength,
                 std::string(event_type_name(header->type)) + " event_size " + std::to_string(header->event_size) +
                     " but " + std::to_string(event.size()) + " bytes given",
                 offset + kEventSizeOffset);
  }
  auto has_crc = event_has_crc32(event, format);
  if (!has_crc) return at(has_crc.error(), offset);
  Bytes data = event;
  bool verified = false;
  if (*has_crc) {
    auto stripped = verify_and_strip_crc32(event);
    if (!stripped) return at(stripped.error(), offset);
    data = *stripped;
    verified = true;
  }
  const std::size_t hl = header->type == EventType::kFormatDescription ? kEventHeaderLen : format.header_len;
  if (data.size() < hl) {
    return Error(Errc::kTruncated, std::string(event_type_name(header->type)) + " shorter than the common header",
                 offset + data.size());
  }
  RawEvent raw;
  raw.header = *header;
  raw.body = data.subspan(hl);
  raw.offset = offset;
  raw.checksum_verified = verified;
  return raw;
}

}  // namespace ghostcut::binlog
