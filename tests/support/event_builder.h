// Builds binlog events and files from parts, for tests: a body writer, the 19-byte common header,
// an optional CRC32 trailer (zlib, with the FDE's in-use flag cleared, as servers compute it),
// FORMAT_DESCRIPTION bodies for any server version, and whole files (magic + events, log_pos
// filled in). Independent of the decoder under test: only zlib and the EventType enum are used.
#pragma once
#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "binlog/event/event_type.h"

namespace ghostcut::test {

using binlog::EventType;
using ByteVec = std::vector<std::uint8_t>;

// Appends protocol-encoded fields; every method returns *this for chaining.
class BodyWriter {
 public:
  BodyWriter& u8(std::uint64_t v) { return le(v, 1); }
  BodyWriter& u16(std::uint64_t v) { return le(v, 2); }
  BodyWriter& u24(std::uint64_t v) { return le(v, 3); }
  BodyWriter& u32(std::uint64_t v) { return le(v, 4); }
  BodyWriter& u48(std::uint64_t v) { return le(v, 6); }
  BodyWriter& u64(std::uint64_t v) { return le(v, 8); }
  BodyWriter& le(std::uint64_t v, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) buf_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    return *this;
  }
  BodyWriter& be(std::uint64_t v, std::size_t n) {
    for (std::size_t i = n; i-- > 0;) buf_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    return *this;
  }
  // int<lenenc>
  BodyWriter& lenenc(std::uint64_t v) {
    if (v < 251) return u8(v);
    if (v < (1u << 16)) return u8(0xfc).u16(v);
    if (v < (1u << 24)) return u8(0xfd).u24(v);
    return u8(0xfe).u64(v);
  }
  BodyWriter& lenenc_str(std::string_view s) { return lenenc(s.size()).str(s); }
  // MySQL serialization-library varlen unsigned: low bits of byte0 = (n-1) ones then a zero.
  BodyWriter& varlen(std::uint64_t v) {
    for (unsigned n = 1; n <= 8; ++n) {
      if (n == 8 ? v < (std::uint64_t{1} << 56) : v < (std::uint64_t{1} << (7 * n))) {
        const std::uint64_t marker = (std::uint64_t{1} << (n - 1)) - 1;
        return le((v << n) | marker, n);
      }
    }
    return u8(0xff).u64(v);
  }
  BodyWriter& varlen_signed(std::int64_t v) {
    return varlen(v >= 0 ? static_cast<std::uint64_t>(v) << 1 : (static_cast<std::uint64_t>(-(v + 1)) << 1) | 1);
  }
  BodyWriter& str(std::string_view s) {
    buf_.insert(buf_.end(), s.begin(), s.end());
    return *this;
  }
  BodyWriter& null_str(std::string_view s) { return str(s).u8(0); }
  BodyWriter& bytes(std::span<const std::uint8_t> b) {
    buf_.insert(buf_.end(), b.begin(), b.end());
    return *this;
  }
  BodyWriter& bytes(std::initializer_list<std::uint8_t> b) {
    buf_.insert(buf_.end(), b.begin(), b.end());
    return *this;
  }
  BodyWriter& zeros(std::size_t n) {
    buf_.insert(buf_.end(), n, 0);
    return *this;
  }

  const ByteVec& data() const noexcept { return buf_; }
  ByteVec take() { return std::move(buf_); }
  std::size_t size() const noexcept { return buf_.size(); }

 private:
  ByteVec buf_;
};

struct HeaderSpec {
  std::uint32_t timestamp = 1700000000;
  std::uint32_t server_id = 1;
  std::uint32_t log_pos = 0;
  std::uint16_t flags = 0;
};

inline std::uint32_t crc32_bytes(std::span<const std::uint8_t> b) {
  return static_cast<std::uint32_t>(crc32(crc32(0L, Z_NULL, 0), b.data(), static_cast<uInt>(b.size())));
}

// The CRC32 a server stores for `event` (without trailer): FDEs are summed with flag 0x1 cleared.
inline std::uint32_t server_crc32(ByteVec event) {
  if (event.size() >= 19 && event[4] == static_cast<std::uint8_t>(EventType::kFormatDescription)) event[17] &= 0xfe;
  return crc32_bytes(event);
}

// header + body [+ CRC32]; event_size accounts for the trailer.
inline ByteVec build_event(EventType type, std::span<const std::uint8_t> body, bool with_crc32 = false,
                           HeaderSpec h = {}) {
  BodyWriter w;
  const std::size_t size = 19 + body.size() + (with_crc32 ? 4 : 0);
  w.u32(h.timestamp).u8(static_cast<std::uint8_t>(type)).u32(h.server_id).u32(size).u32(h.log_pos).u16(h.flags);
  w.bytes(body);
  ByteVec ev = w.take();
  if (with_crc32) {
    const std::uint32_t crc = server_crc32(ev);
    for (int i = 0; i < 4; ++i) ev.push_back(static_cast<std::uint8_t>(crc >> (8 * i)));
  }
  return ev;
}
inline ByteVec build_event(EventType type, const BodyWriter& body, bool with_crc32 = false, HeaderSpec h = {}) {
  return build_event(type, std::span<const std::uint8_t>(body.data()), with_crc32, h);
}

// MySQL 8.0's post-header lengths (types 1..41) followed by MariaDB 10.5's (up to 171) when asked.
inline ByteVec post_header_lens(bool mariadb = false) {
  ByteVec v = {0, 13, 0, 8, 0, 0, 0, 0, 4,  0,  4,  0,  0,  0, 98, 0,  4, 26, 8,  0, 0,
               0, 8,  8, 8, 2, 0, 0, 0, 10, 10, 10, 42, 42, 0, 18, 52, 0, 10, 40, 0};
  if (mariadb) {
    v.resize(171, 0);
    const std::uint8_t maria[] = {0, 4, 19, 4, 0, 13, 8, 8, 8, 10, 10, 10};
    for (std::size_t i = 0; i < 12; ++i) v[159 + i] = maria[i];
  }
  return v;
}

// FORMAT_DESCRIPTION body WITHOUT the CRC (build_event adds it). `alg` = the checksum alg byte of
// a checksum-aware server; nullopt for pre-5.6.1 servers (no alg byte, and then no CRC either).
inline BodyWriter fde_body(std::string_view server_version, std::optional<std::uint8_t> alg,
                           const ByteVec& post_header = post_header_lens(), std::uint32_t created = 0) {
  BodyWriter w;
  w.u16(4);
  std::string v(server_version);
  v.resize(50, '\0');
  w.str(v).u32(created).u8(19).bytes(post_header);
  if (alg) w.u8(*alg);
  return w;
}

// A whole FDE event: checksum-aware servers always append a CRC32, even with alg = 0.
inline ByteVec build_fde(std::string_view server_version, std::optional<std::uint8_t> alg, HeaderSpec h = {},
                         const ByteVec& post_header = post_header_lens()) {
  return build_event(EventType::kFormatDescription, fde_body(server_version, alg, post_header), alg.has_value(), h);
}

// Builds a binlog file: magic, then events whose log_pos is their end offset (as servers write
// them; the CRC is computed after log_pos is set).
class BinlogFileBuilder {
 public:
  BinlogFileBuilder& add(EventType type, const BodyWriter& body, bool with_crc32, HeaderSpec h = {}) {
    h.log_pos = static_cast<std::uint32_t>(file_.size() + 19 + body.size() + (with_crc32 ? 4 : 0));
    return raw(build_event(type, body, with_crc32, h));
  }
  BinlogFileBuilder& fde(std::string_view server_version, std::optional<std::uint8_t> alg, HeaderSpec h = {}) {
    return add(EventType::kFormatDescription, fde_body(server_version, alg), alg.has_value(), h);
  }
  // Appends bytes as they are (a prebuilt event, or garbage).
  BinlogFileBuilder& raw(const ByteVec& bytes) {
    file_.insert(file_.end(), bytes.begin(), bytes.end());
    return *this;
  }
  std::size_t size() const noexcept { return file_.size(); }
  const ByteVec& bytes() const noexcept { return file_; }

 private:
  ByteVec file_ = {0xfe, 'b', 'i', 'n'};
};

// A binlog event as the dump stream sends it: payload = 0x00 (OK marker) + event, framed as
// MySQL packets (3-byte length, sequence id); payloads of 2^24-1 bytes continue in the next
// frame, and an exact multiple ends with an empty frame. `seq` is the first sequence id.
inline ByteVec packetize(const ByteVec& event, std::uint8_t seq = 1) {
  ByteVec payload;
  payload.reserve(event.size() + 1);
  payload.push_back(0x00);
  payload.insert(payload.end(), event.begin(), event.end());
  constexpr std::size_t kMaxFrame = 0xffffff;
  ByteVec out;
  std::size_t off = 0;
  while (true) {
    const std::size_t n = std::min(kMaxFrame, payload.size() - off);
    BodyWriter h;
    h.u24(n).u8(seq++);
    out.insert(out.end(), h.data().begin(), h.data().end());
    out.insert(out.end(), payload.begin() + static_cast<std::ptrdiff_t>(off),
               payload.begin() + static_cast<std::ptrdiff_t>(off + n));
    off += n;
    if (n < kMaxFrame) break;
  }
  return out;
}

}  // namespace ghostcut::test
