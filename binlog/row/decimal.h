// Binary NEWDECIMAL (MySQL 5.0+ "decimal2bin" format) → exact decimal text.
// Layout for DECIMAL(precision, scale), intg = precision - scale:
//   digits are grouped in words of 9 decimal digits, each stored big-endian in 4 bytes;
//   a leftover group of k < 9 digits takes dig2bytes[k] = {0,1,1,2,2,3,3,4,4,4}[k] bytes.
//   [leading partial int group (intg % 9 digits)][intg / 9 full int words]
//   [scale / 9 full frac words][trailing partial frac group (scale % 9 digits)]
//   Sign: the top bit of the first byte is 1 for non-negative values (flip it to read);
//   for negative values every byte is additionally inverted.
// https://dev.mysql.com/doc/dev/mysql-server/latest/decimal_8h.html (decimal2bin / bin2decimal)
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "binlog/error.h"
#include "binlog/row/value.h"
#include "binlog/wire/byte_reader.h"

namespace ghostcut::binlog {

inline constexpr int kMaxDecimalPrecision = 65;
inline constexpr int kMaxDecimalScale = 30;

// Bytes taken by a binary DECIMAL(precision, scale); 0 when precision/scale are invalid.
std::size_t decimal_binary_size(int precision, int scale) noexcept;

// Decodes exactly decimal_binary_size(precision, scale) bytes. The text has `scale` fraction
// digits, no leading zeros in the integer part ("0.50", "-12.000", "7"). Negative zero prints
// without the sign ("0.00"). Fails with bad_value for out-of-range digit groups or bad meta.
Result<DecimalValue> decode_decimal(Bytes bytes, int precision, int scale);

// Reads the value from `r` (meta as in TABLE_MAP: precision << 8 | scale) and appends its text
// to `out`. Hot-path form: no Result, returns the error code (Errc::kOk on success).
Errc read_decimal_text(ByteReader& r, int precision, int scale, std::string& out);

}  // namespace ghostcut::binlog
