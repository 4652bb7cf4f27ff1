#include "binlog/row/temporal.h"

namespace ghostcut::binlog {
namespace {

constexpr std::int64_t kTimeIntOffset = 0x800000;          // TIMEF_INT_OFS
constexpr std::int64_t kTimeOffset = 0x800000000000;       // TIMEF_OFS (fsp 5..6)
constexpr std::int64_t kDateTimeIntOffset = 0x8000000000;  // DATETIMEF_INT_OFS
constexpr std::int64_t kMicrosPerSecond = 1000000;

bool valid_fsp(int fsp) noexcept { return fsp >= 0 && fsp <= 6; }

// Reads the fractional part of a DATETIME2/TIMESTAMP2 (never negative there) as micros.
Errc read_fraction(ByteReader& r, int fsp, std::uint32_t& micros) noexcept {
  switch (fractional_bytes(fsp)) {
    case 0: micros = 0; break;
    case 1: micros = static_cast<std::uint32_t>(r.uint_be(1) * 10000); break;
    case 2: micros = static_cast<std::uint32_t>(r.uint_be(2) * 100); break;
    default: micros = static_cast<std::uint32_t>(r.uint_be(3)); break;
  }
  if (!r.ok()) return Errc::kTruncated;
  if (micros >= kMicrosPerSecond) return Errc::kBadValue;
  return Errc::kOk;
}

void append_2(std::string& out, unsigned v) {
  out.push_back(static_cast<char>('0' + (v / 10) % 10));
  out.push_back(static_cast<char>('0' + v % 10));
}

void append_fraction(std::string& out, std::uint32_t micros, int decimals) {
  if (decimals <= 0) return;
  if (decimals > 6) decimals = 6;
  char buf[6];
  for (int i = 5; i >= 0; --i) {
    buf[i] = static_cast<char>('0' + micros % 10);
    micros /= 10;
  }
  out.push_back('.');
  out.append(buf, static_cast<std::size_t>(decimals));
}

}  // namespace

Errc read_year(ByteReader& r, YearValue& out) noexcept {
  std::uint8_t y = r.u8();
  if (!r.ok()) return Errc::kTruncated;
  out.year = y == 0 ? 0 : static_cast<std::uint16_t>(1900 + y);
  return Errc::kOk;
}

Errc read_date(ByteReader& r, DateValue& out) noexcept {
  std::uint32_t v = r.u24();
  if (!r.ok()) return Errc::kTruncated;
  out.day = static_cast<std::uint8_t>(v & 31);
  out.month = static_cast<std::uint8_t>((v >> 5) & 15);
  out.year = static_cast<std::uint16_t>(v >> 9);
  return Errc::kOk;
}

Errc read_time(ByteReader& r, TimeValue& out) noexcept {
  std::uint32_t raw = r.u24();
  if (!r.ok()) return Errc::kTruncated;
  std::int32_t v = (raw & 0x800000) ? static_cast<std::int32_t>(raw | 0xFF000000u) : static_cast<std::int32_t>(raw);
  out = TimeValue{};
  out.negative = v < 0;
  std::uint32_t a = static_cast<std::uint32_t>(v < 0 ? -v : v);
  out.hours = a / 10000;
  out.minutes = static_cast<std::uint8_t>(a / 100 % 100);
  out.seconds = static_cast<std::uint8_t>(a % 100);
  if (out.minutes > 59 || out.seconds > 59) return Errc::kBadValue;
  return Errc::kOk;
}

TimeValue time_from_packed(std::int64_t packed) noexcept {
  TimeValue t;
  t.negative = packed < 0;
  std::uint64_t a = t.negative ? static_cast<std::uint64_t>(-packed) : static_cast<std::uint64_t>(packed);
  std::uint64_t hms = a >> 24;
  t.micros = static_cast<std::uint32_t>(a % (1u << 24));
  t.hours = static_cast<std::uint32_t>((hms >> 12) % (1u << 10));
  t.minutes = static_cast<std::uint8_t>((hms >> 6) % (1u << 6));
  t.seconds = static_cast<std::uint8_t>(hms % (1u << 6));
  return t;
}

DateTimeValue datetime_from_packed(std::int64_t packed) noexcept {
  DateTimeValue d;
  std::uint64_t a = packed < 0 ? static_cast<std::uint64_t>(-packed) : static_cast<std::uint64_t>(packed);
  d.micros = static_cast<std::uint32_t>(a % (1u << 24));
  std::uint64_t ymdhms = a >> 24;
  std::uint64_t ymd = ymdhms >> 17;
  std::uint64_t ym = ymd >> 5;
  std::uint64_t hms = ymdhms % (1u << 17);
  d.day = static_cast<std::uint8_t>(ymd % (1u << 5));
  d.month = static_cast<std::uint8_t>(ym % 13);
  d.year = static_cast<std::uint16_t>(ym / 13);
  d.second = static_cast<std::uint8_t>(hms % (1u << 6));
  d.minute = static_cast<std::uint8_t>((hms >> 6) % (1u << 6));
  d.hour = static_cast<std::uint8_t>(hms >> 12);
  return d;
}

Errc read_time2(ByteReader& r, int fsp, TimeValue& out) noexcept {
  if (!valid_fsp(fsp)) return Errc::kBadValue;
  std::int64_t packed = 0;
  switch (fsp) {
    case 0: {
      std::int64_t intpart = static_cast<std::int64_t>(r.uint_be(3)) - kTimeIntOffset;
      packed = intpart * (std::int64_t{1} << 24);
      break;
    }
    case 1:
    case 2: {
      std::int64_t intpart = static_cast<std::int64_t>(r.uint_be(3)) - kTimeIntOffset;
      std::int64_t frac = static_cast<std::int64_t>(r.uint_be(1));
      if (intpart < 0 && frac != 0) {  // negative: the fraction borrows one second
        ++intpart;
        frac -= 0x100;
      }
      packed = intpart * (std::int64_t{1} << 24) + frac * 10000;
      break;
    }
    case 3:
    case 4: {
      std::int64_t intpart = static_cast<std::int64_t>(r.uint_be(3)) - kTimeIntOffset;
      std::int64_t frac = static_cast<std::int64_t>(r.uint_be(2));
      if (intpart < 0 && frac != 0) {
        ++intpart;
        frac -= 0x10000;
      }
      packed = intpart * (std::int64_t{1} << 24) + frac * 100;
      break;
    }
    default: packed = static_cast<std::int64_t>(r.uint_be(6)) - kTimeOffset; break;
  }
  if (!r.ok()) return Errc::kTruncated;
  out = time_from_packed(packed);
  out.decimals = static_cast<std::uint8_t>(fsp);
  if (out.minutes > 59 || out.seconds > 59 || out.micros >= kMicrosPerSecond) return Errc::kBadValue;
  return Errc::kOk;
}

Errc read_datetime(ByteReader& r, DateTimeValue& out) noexcept {
  std::uint64_t v = r.u64();
  if (!r.ok()) return Errc::kTruncated;
  std::uint64_t d = v / 1000000, t = v % 1000000;
  out = DateTimeValue{};
  if (d / 10000 > 9999) return Errc::kBadValue;
  out.year = static_cast<std::uint16_t>(d / 10000);
  out.month = static_cast<std::uint8_t>(d / 100 % 100);
  out.day = static_cast<std::uint8_t>(d % 100);
  out.hour = static_cast<std::uint8_t>(t / 10000);
  out.minute = static_cast<std::uint8_t>(t / 100 % 100);
  out.second = static_cast<std::uint8_t>(t % 100);
  return Errc::kOk;
}

Errc read_datetime2(ByteReader& r, int fsp, DateTimeValue& out) noexcept {
  if (!valid_fsp(fsp)) return Errc::kBadValue;
  std::int64_t intpart = static_cast<std::int64_t>(r.uint_be(5)) - kDateTimeIntOffset;
  std::uint32_t micros = 0;
  Errc e = read_fraction(r, fsp, micros);
  if (e != Errc::kOk) return e;
  if (intpart < 0) return Errc::kBadValue;  // DATETIME columns cannot hold negative values
  out = datetime_from_packed(intpart * (std::int64_t{1} << 24));
  out.micros = micros;
  out.decimals = static_cast<std::uint8_t>(fsp);
  if (out.month > 12 || out.hour > 23 || out.minute > 59 || out.second > 59) return Errc::kBadValue;
  return Errc::kOk;
}

Errc read_timestamp(ByteReader& r, TimestampValue& out) noexcept {
  std::uint32_t s = r.u32();
  if (!r.ok()) return Errc::kTruncated;
  out = TimestampValue{};
  out.seconds = s;
  return Errc::kOk;
}

Errc read_timestamp2(ByteReader& r, int fsp, TimestampValue& out) noexcept {
  if (!valid_fsp(fsp)) return Errc::kBadValue;
  std::uint64_t s = r.uint_be(4);
  std::uint32_t micros = 0;
  Errc e = read_fraction(r, fsp, micros);
  if (e != Errc::kOk) return e;
  out.seconds = static_cast<std::int64_t>(s);
  out.micros = micros;
  out.decimals = static_cast<std::uint8_t>(fsp);
  return Errc::kOk;
}

void append_date_text(std::string& out, std::uint16_t year, std::uint8_t month, std::uint8_t day) {
  append_2(out, year / 100u);
  append_2(out, year % 100u);
  out.push_back('-');
  append_2(out, month);
  out.push_back('-');
  append_2(out, day);
}

void append_time_text(std::string& out, const TimeValue& v, int decimals) {
  if (v.negative) out.push_back('-');
  if (v.hours >= 100) {
    out += std::to_string(v.hours);
  } else {
    append_2(out, v.hours);
  }
  out.push_back(':');
  append_2(out, v.minutes);
  out.push_back(':');
  append_2(out, v.seconds);
  append_fraction(out, v.micros, decimals);
}

void append_datetime_text(std::string& out, const DateTimeValue& v, int decimals) {
  append_date_text(out, v.year, v.month, v.day);
  out.push_back(' ');
  append_2(out, v.hour);
  out.push_back(':');
  append_2(out, v.minute);
  out.push_back(':');
  append_2(out, v.second);
  append_fraction(out, v.micros, decimals);
}

}  // namespace ghostcut::binlog
