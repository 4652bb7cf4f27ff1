#include "binlog/row/decimal.h"

#include <array>

namespace ghostcut::binlog {
namespace {

constexpr std::array<int, 10> kDigToBytes = {0, 1, 1, 2, 2, 3, 3, 4, 4, 4};
constexpr std::array<std::uint32_t, 10> kPow10 = {1,      10,      100,      1000,      10000,
                                                  100000, 1000000, 10000000, 100000000, 1000000000};
constexpr int kDigitsPerWord = 9;

bool valid_meta(int precision, int scale) noexcept {
  return precision >= 1 && precision <= kMaxDecimalPrecision && scale >= 0 && scale <= kMaxDecimalScale &&
         scale <= precision;
}

std::uint32_t read_be(const std::uint8_t* p, int n) noexcept {
  std::uint32_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | p[i];
  return v;
}

// Appends `v` as exactly `width` digits (zero padded).
void append_padded(std::string& out, std::uint32_t v, int width) {
  char buf[kDigitsPerWord];
  for (int i = width - 1; i >= 0; --i) {
    buf[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  out.append(buf, static_cast<std::size_t>(width));
}

}  // namespace

std::size_t decimal_binary_size(int precision, int scale) noexcept {
  if (!valid_meta(precision, scale)) return 0;
  const int intg = precision - scale;
  return static_cast<std::size_t>((intg / kDigitsPerWord) * 4 + kDigToBytes[intg % kDigitsPerWord] +
                                  (scale / kDigitsPerWord) * 4 + kDigToBytes[scale % kDigitsPerWord]);
}

Errc read_decimal_text(ByteReader& r, int precision, int scale, std::string& out) {
  const std::size_t size = decimal_binary_size(precision, scale);
  if (size == 0) return Errc::kBadValue;
  Bytes raw = r.bytes(size);
  if (!r.ok()) return Errc::kTruncated;

  // Max size is 65 digits → 7 words + 1 byte ≈ 30 bytes.
  std::array<std::uint8_t, 40> buf{};
  for (std::size_t i = 0; i < size; ++i) buf[i] = raw[i];
  const bool negative = (buf[0] & 0x80) == 0;
  buf[0] ^= 0x80;
  if (negative) {
    for (std::size_t i = 0; i < size; ++i) buf[i] = static_cast<std::uint8_t>(~buf[i]);
  }

  const int intg = precision - scale;
  const int intg0 = intg / kDigitsPerWord, intg0x = intg % kDigitsPerWord;
  const int frac0 = scale / kDigitsPerWord, frac0x = scale % kDigitsPerWord;
  const std::uint8_t* p = buf.data();

  // Integer digits into a scratch buffer first, to strip leading zeros.
  char int_digits[kMaxDecimalPrecision + 1];
  int n_int = 0;
  auto put = [&](std::uint32_t v, int width) {
    for (int i = width - 1; i >= 0; --i) {
      int_digits[n_int + i] = static_cast<char>('0' + v % 10);
      v /= 10;
    }
    n_int += width;
  };
  if (intg0x > 0) {
    const int nb = kDigToBytes[intg0x];
    std::uint32_t v = read_be(p, nb);
    p += nb;
    if (v >= kPow10[intg0x]) return Errc::kBadValue;
    put(v, intg0x);
  }
  for (int i = 0; i < intg0; ++i, p += 4) {
    std::uint32_t v = read_be(p, 4);
    if (v >= kPow10[kDigitsPerWord]) return Errc::kBadValue;
    put(v, kDigitsPerWord);
  }
  int first = 0;
  while (first < n_int && int_digits[first] == '0') ++first;

  const std::size_t start = out.size();
  if (negative) out.push_back('-');
  if (first == n_int) {
    out.push_back('0');
  } else {
    out.append(int_digits + first, static_cast<std::size_t>(n_int - first));
  }
  bool all_zero = first == n_int;
  if (scale > 0) {
    out.push_back('.');
    for (int i = 0; i < frac0; ++i, p += 4) {
      std::uint32_t v = read_be(p, 4);
      if (v >= kPow10[kDigitsPerWord]) return Errc::kBadValue;
      all_zero = all_zero && v == 0;
      append_padded(out, v, kDigitsPerWord);
    }
    if (frac0x > 0) {
      const int nb = kDigToBytes[frac0x];
      std::uint32_t v = read_be(p, nb);
      if (v >= kPow10[frac0x]) return Errc::kBadValue;
      all_zero = all_zero && v == 0;
      append_padded(out, v, frac0x);
    }
  }
  // "-0.00" is not a value MySQL writes on purpose; print plain zero.
  if (negative && all_zero) out.erase(start, 1);
  return Errc::kOk;
}

Result<DecimalValue> decode_decimal(Bytes bytes, int precision, int scale) {
  if (!valid_meta(precision, scale)) {
    return Error(Errc::kBadValue, "DECIMAL(" + std::to_string(precision) + "," + std::to_string(scale) + ") metadata");
  }
  ByteReader r(bytes);
  DecimalValue v;
  Errc e = read_decimal_text(r, precision, scale, v.text);
  if (e != Errc::kOk)
    return Error(e, "DECIMAL(" + std::to_string(precision) + "," + std::to_string(scale) + ")", r.pos());
  if (!r.at_end()) return Error(Errc::kExtraBytes, "DECIMAL value", r.pos());
  return v;
}

}  // namespace ghostcut::binlog
