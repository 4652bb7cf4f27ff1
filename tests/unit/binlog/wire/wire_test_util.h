// Helpers for the wire tests: hex fixtures and feeding bytes in chunks.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "binlog/wire/byte_reader.h"
#include "binlog/wire/frame_assembler.h"

namespace ghostcut::binlog::test {

// "0a 35 2e" or "0a352e" → bytes; whitespace ignored.
inline std::vector<std::uint8_t> from_hex(std::string_view hex) {
  std::vector<std::uint8_t> out;
  int hi = -1;
  for (char c : hex) {
    int v;
    if (c >= '0' && c <= '9') v = c - '0';
    else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    else if (c == ' ' || c == '\n' || c == '\t') continue;
    else throw std::invalid_argument("bad hex digit");
    if (hi < 0) {
      hi = v;
    } else {
      out.push_back(static_cast<std::uint8_t>(hi << 4 | v));
      hi = -1;
    }
  }
  if (hi >= 0) throw std::invalid_argument("odd number of hex digits");
  return out;
}

inline std::string to_hex(Bytes b) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (auto x : b) {
    s += digits[x >> 4];
    s += digits[x & 0xF];
  }
  return s;
}

inline std::vector<std::uint8_t> bytes_of(std::string_view s) { return {s.begin(), s.end()}; }

inline std::vector<std::uint8_t> concat(std::initializer_list<std::vector<std::uint8_t>> parts) {
  std::vector<std::uint8_t> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// One frame: 3-byte length, sequence id, payload (payload must be < 16 MiB).
inline std::vector<std::uint8_t> frame(std::uint8_t seq, const std::vector<std::uint8_t>& payload) {
  std::vector<std::uint8_t> out{static_cast<std::uint8_t>(payload.size()),
                                static_cast<std::uint8_t>(payload.size() >> 8),
                                static_cast<std::uint8_t>(payload.size() >> 16), seq};
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

// Feeds `wire` to an assembler `chunk` bytes at a time and collects every payload.
struct Assembled {
  std::vector<std::vector<std::uint8_t>> payloads;
  std::optional<Error> error;
};
inline Assembled assemble_chunked(FrameAssembler& fa, Bytes wire, std::size_t chunk) {
  Assembled out;
  for (std::size_t off = 0; off < wire.size(); off += chunk) {
    fa.feed(wire.subspan(off, std::min(chunk, wire.size() - off)));
    for (;;) {
      auto p = fa.next();
      if (!p) {
        out.error = p.error();
        return out;
      }
      if (!*p) break;
      out.payloads.push_back(std::move(**p));
    }
  }
  return out;
}

}  // namespace ghostcut::binlog::test
