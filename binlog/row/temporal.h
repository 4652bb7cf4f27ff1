// Temporal column values in row images, and the packed forms MySQL uses for them.
// Layouts (LE = little-endian, BE = big-endian):
//   YEAR       1 byte: 0 = zero year, else year - 1900
//   DATE       3 bytes LE: day (5 bits) | month (4 bits) << 5 | year << 9
//   TIME       3 bytes LE signed integer HHMMSS (old, pre-5.6 format; may be negative)
//   DATETIME   8 bytes LE integer YYYYMMDDhhmmss (old format)
//   TIMESTAMP  4 bytes LE seconds since the epoch
//   TIME2      3 bytes BE, value - 0x800000 = sign | hour (10 bits) << 12 | minute << 6 | second,
//              then fractional part (see below); negative values borrow from the integer part
//   DATETIME2  5 bytes BE, value - 0x8000000000 = sign | (year*13+month) (17 bits) << 22
//              | day << 17 | hour << 12 | minute << 6 | second, then fractional part
//   TIMESTAMP2 4 bytes BE seconds, then fractional part
//   fractional part for precision fsp (metadata): (fsp + 1) / 2 bytes BE; micros =
//   value * 10000 (1 byte), * 100 (2 bytes), * 1 (3 bytes)
// https://dev.mysql.com/doc/dev/mysql-server/latest/my__time_8h.html (my_time_packed_from_binary,
// my_datetime_packed_from_binary, my_timestamp_from_binary) and
// https://dev.mysql.com/doc/refman/8.0/en/storage-requirements.html#data-types-storage-reqs-date-time
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "binlog/error.h"
#include "binlog/row/value.h"
#include "binlog/wire/byte_reader.h"

namespace ghostcut::binlog {

// Bytes of the fractional part for fractional precision `fsp` (0..6).
constexpr std::size_t fractional_bytes(int fsp) noexcept { return static_cast<std::size_t>((fsp + 1) / 2); }

// Each reader consumes the value's bytes from `r` and returns Errc::kOk, Errc::kTruncated or
// Errc::kBadValue (fsp out of 0..6, impossible field values). Zero dates stay zeros.
Errc read_year(ByteReader& r, YearValue& out) noexcept;
Errc read_date(ByteReader& r, DateValue& out) noexcept;
Errc read_time(ByteReader& r, TimeValue& out) noexcept;
Errc read_time2(ByteReader& r, int fsp, TimeValue& out) noexcept;
Errc read_datetime(ByteReader& r, DateTimeValue& out) noexcept;
Errc read_datetime2(ByteReader& r, int fsp, DateTimeValue& out) noexcept;
Errc read_timestamp(ByteReader& r, TimestampValue& out) noexcept;
Errc read_timestamp2(ByteReader& r, int fsp, TimestampValue& out) noexcept;

// MySQL's in-memory "packed" int64 forms (integer part << 24 | microseconds), as stored by
// binary JSON opaque DATE/TIME/DATETIME/TIMESTAMP values.
TimeValue time_from_packed(std::int64_t packed) noexcept;
DateTimeValue datetime_from_packed(std::int64_t packed) noexcept;

// Text forms: "YYYY-MM-DD", "[-]HH:MM:SS[.f]", "YYYY-MM-DD HH:MM:SS[.f]" with `decimals`
// fraction digits (0 = none). Hours take as many digits as needed (at least 2).
void append_date_text(std::string& out, std::uint16_t year, std::uint8_t month, std::uint8_t day);
void append_time_text(std::string& out, const TimeValue& v, int decimals);
void append_datetime_text(std::string& out, const DateTimeValue& v, int decimals);

}  // namespace ghostcut::binlog
