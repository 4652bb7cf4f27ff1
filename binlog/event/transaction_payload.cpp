#include "binlog/event/transaction_payload.h"

#include "binlog/event/decompress.h"

namespace ghostcut::binlog {

Result<TransactionPayload> parse_transaction_payload(Bytes body) {
  ByteReader r(body);
  TransactionPayload p;
  bool have_size = false;
  bool have_uncompressed = false;
  while (true) {
    const std::size_t at = r.pos();
    const std::uint64_t type = r.lenenc();
    if (!r.ok()) return Error(Errc::kTruncated, "TRANSACTION_PAYLOAD header field type", at);
    if (type == 0) break;  // end mark
    const std::uint64_t len = r.lenenc();
    if (!r.ok() || len > r.remaining()) {
      return Error(Errc::kTruncated, "TRANSACTION_PAYLOAD header field " + std::to_string(type) + " length", at);
    }
    ByteReader v(r.bytes(static_cast<std::size_t>(len)));
    std::uint64_t value = 0;
    if (type == 1 || type == 2 || type == 3) {
      value = v.lenenc();
      if (!v.ok()) {
        return Error(Errc::kTruncated, "TRANSACTION_PAYLOAD header field " + std::to_string(type) + " value", at);
      }
    }
    switch (type) {
      case 1:
        p.payload_size = value;
        have_size = true;
        break;
      case 2: p.compression_type = value; break;
      case 3:
        p.uncompressed_size = value;
        have_uncompressed = true;
        break;
      default: break;  // unknown field: skipped by length
    }
  }
  const std::size_t data_at = r.pos();
  Bytes data = r.rest();
  if (have_size) {
    if (p.payload_size > data.size()) {
      return Error(Errc::kTruncated,
                   "TRANSACTION_PAYLOAD payload: header says " + std::to_string(p.payload_size) + " bytes, have " +
                       std::to_string(data.size()),
                   data_at);
    }
    data = data.first(static_cast<std::size_t>(p.payload_size));
  } else {
    p.payload_size = data.size();
  }
  switch (static_cast<PayloadCompression>(p.compression_type)) {
    case PayloadCompression::kZstd: {
      if (!have_uncompressed) {
        return Error(Errc::kBadLength, "TRANSACTION_PAYLOAD without uncompressed size", data_at);
      }
      auto out = detail::zstd_decompress(data, static_cast<std::size_t>(p.uncompressed_size));
      if (!out) {
        Error e = out.error();
        e.context = "TRANSACTION_PAYLOAD " + e.context;
        e.offset += data_at;
        return e;
      }
      p.uncompressed = std::move(*out);
      break;
    }
    case PayloadCompression::kNone:
      p.uncompressed.assign(data.begin(), data.end());
      if (!have_uncompressed) p.uncompressed_size = data.size();
      break;
    default:
      return Error(Errc::kUnsupported, "TRANSACTION_PAYLOAD compression type " + std::to_string(p.compression_type), 0);
  }
  return p;
}

Result<std::vector<RawEvent>> split_payload_events(const TransactionPayload& payload, std::size_t header_len) {
  std::vector<RawEvent> events;
  const Bytes all(payload.uncompressed.data(), payload.uncompressed.size());
  std::size_t off = 0;
  while (off < all.size()) {
    auto header = parse_event_header(all.subspan(off));
    if (!header) {
      return Error(Errc::kTruncated,
                   "TRANSACTION_PAYLOAD inner event header (" + std::to_string(all.size() - off) + " bytes left)", off);
    }
    if (header->event_size > all.size() - off) {
      return Error(Errc::kTruncated,
                   "TRANSACTION_PAYLOAD inner " + std::string(event_type_name(header->type)) + ": event_size " +
                       std::to_string(header->event_size) + ", " + std::to_string(all.size() - off) + " bytes left",
                   off);
    }
    auto raw = make_raw_event_without_checksum(all.subspan(off, header->event_size), header_len, off);
    if (!raw) return raw.error();
    events.push_back(*raw);
    off += header->event_size;
  }
  return events;
}

}  // namespace ghostcut::binlog
