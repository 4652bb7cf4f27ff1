// Bounds-checked cursor over bytes. Every read is checked; the first failure sticks
// (ok() turns false) and later reads return zero/empty, so a decoder can read a whole
// structure and check once at the end.
#pragma once
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace ghostcut::binlog {

using Bytes = std::span<const std::uint8_t>;

inline Bytes as_bytes(std::string_view s) { return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}; }
inline std::string_view as_chars(Bytes b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

class ByteReader {
 public:
  ByteReader() = default;
  explicit ByteReader(Bytes data) : data_(data) {}

  bool ok() const noexcept { return ok_; }
  std::size_t pos() const noexcept { return pos_; }
  std::size_t size() const noexcept { return data_.size(); }
  std::size_t remaining() const noexcept { return ok_ ? data_.size() - pos_ : 0; }
  bool at_end() const noexcept { return remaining() == 0; }
  Bytes data() const noexcept { return data_; }
  Bytes rest() const noexcept { return ok_ ? data_.subspan(pos_) : Bytes{}; }
  void fail() noexcept { ok_ = false; }

  // Little-endian fixed-width integers (the protocol's int<N>).
  std::uint64_t uint_le(std::size_t n) noexcept {
    if (!need(n)) return 0;
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v |= std::uint64_t(data_[pos_ + i]) << (8 * i);
    pos_ += n;
    return v;
  }
  // Big-endian (used by DECIMAL and the *2 temporal types).
  std::uint64_t uint_be(std::size_t n) noexcept {
    if (!need(n)) return 0;
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v = (v << 8) | data_[pos_ + i];
    pos_ += n;
    return v;
  }
  std::uint8_t u8() noexcept { return static_cast<std::uint8_t>(uint_le(1)); }
  std::uint16_t u16() noexcept { return static_cast<std::uint16_t>(uint_le(2)); }
  std::uint32_t u24() noexcept { return static_cast<std::uint32_t>(uint_le(3)); }
  std::uint32_t u32() noexcept { return static_cast<std::uint32_t>(uint_le(4)); }
  std::uint64_t u48() noexcept { return uint_le(6); }
  std::uint64_t u64() noexcept { return uint_le(8); }

  float f32() noexcept {
    std::uint32_t bits = u32();
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
  }
  double f64() noexcept {
    std::uint64_t bits = u64();
    double d;
    std::memcpy(&d, &bits, sizeof d);
    return d;
  }

  // Length-encoded integer. nullopt for the NULL marker 0xFB (text result sets); 0xFF fails.
  std::optional<std::uint64_t> lenenc_nullable() noexcept {
    std::uint8_t first = u8();
    if (!ok_) return 0;
    if (first < 0xFB) return first;
    switch (first) {
      case 0xFB: return std::nullopt;
      case 0xFC: return uint_le(2);
      case 0xFD: return uint_le(3);
      case 0xFE: return uint_le(8);
      default: ok_ = false; return 0;
    }
  }
  std::uint64_t lenenc() noexcept {
    auto v = lenenc_nullable();
    if (!v) {
      ok_ = false;
      return 0;
    }
    return *v;
  }

  Bytes bytes(std::size_t n) noexcept {
    if (!need(n)) return {};
    Bytes b = data_.subspan(pos_, n);
    pos_ += n;
    return b;
  }
  std::string_view str(std::size_t n) noexcept { return as_chars(bytes(n)); }
  std::string_view lenenc_str() noexcept {
    std::uint64_t n = lenenc();
    if (n > remaining()) {
      ok_ = false;
      return {};
    }
    return str(static_cast<std::size_t>(n));
  }
  // NUL-terminated string (the NUL is consumed, not returned).
  std::string_view null_str() noexcept {
    if (!ok_) return {};
    for (std::size_t i = pos_; i < data_.size(); ++i) {
      if (data_[i] == 0) {
        std::string_view s = as_chars(data_.subspan(pos_, i - pos_));
        pos_ = i + 1;
        return s;
      }
    }
    ok_ = false;
    return {};
  }
  std::string_view rest_str() noexcept {
    std::string_view s = as_chars(rest());
    if (ok_) pos_ = data_.size();
    return s;
  }
  void skip(std::size_t n) noexcept {
    if (need(n)) pos_ += n;
  }

 private:
  bool need(std::size_t n) noexcept {
    if (!ok_ || n > data_.size() - pos_) {
      ok_ = false;
      return false;
    }
    return true;
  }

  Bytes data_{};
  std::size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace ghostcut::binlog
