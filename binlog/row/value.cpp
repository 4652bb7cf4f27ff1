#include "binlog/row/value.h"

#include <charconv>
#include <cstdio>
#include <cstring>

#include "binlog/row/json_binary.h"
#include "binlog/row/temporal.h"

namespace ghostcut::binlog {
namespace {

void append_quoted_bytes(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('\'');
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\'' || c == '\\') {
      out.push_back('\\');
      out.push_back(ch);
    } else if (c < 0x20 || c == 0x7f) {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    } else {
      out.push_back(ch);  // UTF-8 and other high bytes pass through unchanged
    }
  }
  out.push_back('\'');
}

void append_bits(std::string& out, std::uint64_t bits, unsigned width) {
  out += "b'";
  for (unsigned i = width; i-- > 0;) out.push_back(((bits >> i) & 1) ? '1' : '0');
  out.push_back('\'');
}

struct Printer {
  std::string& out;
  void operator()(const NullValue&) const { out += "NULL"; }
  void operator()(std::int64_t v) const { out += std::to_string(v); }
  void operator()(std::uint64_t v) const { out += std::to_string(v); }
  void operator()(float v) const {
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
  }
  void operator()(double v) const { append_mysql_double(out, v); }
  void operator()(const DecimalValue& v) const { out += v.text; }
  void operator()(const YearValue& v) const { out += std::to_string(v.year); }
  void operator()(const DateValue& v) const {
    out.push_back('\'');
    append_date_text(out, v.year, v.month, v.day);
    out.push_back('\'');
  }
  void operator()(const TimeValue& v) const {
    out.push_back('\'');
    append_time_text(out, v, v.decimals);
    out.push_back('\'');
  }
  void operator()(const DateTimeValue& v) const {
    out.push_back('\'');
    append_datetime_text(out, v, v.decimals);
    out.push_back('\'');
  }
  void operator()(const TimestampValue& v) const {
    out += std::to_string(v.seconds);
    if (v.decimals > 0) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "%06u", static_cast<unsigned>(v.micros % 1000000));
      out.push_back('.');
      out.append(buf, v.decimals > 6 ? 6 : v.decimals);
    }
  }
  void operator()(const BytesValue& v) const { append_quoted_bytes(out, v.bytes()); }
  void operator()(const JsonValue& v) const { append_quoted_bytes(out, v.text); }
  void operator()(const EnumValue& v) const { out += std::to_string(v.index); }
  void operator()(const SetValue& v) const {
    unsigned width = 8;
    while (width < 64 && (v.bits >> width) != 0) width += 8;
    append_bits(out, v.bits, width);
  }
  void operator()(const BitValue& v) const { append_bits(out, v.bits, v.width > 64 ? 64 : v.width); }
};

}  // namespace

BytesValue::BytesValue(std::string_view bytes) {
  if (bytes.empty()) return;
  auto buf = std::make_shared_for_overwrite<char[]>(bytes.size());
  std::memcpy(buf.get(), bytes.data(), bytes.size());
  bytes_ = std::string_view(buf.get(), bytes.size());
  owner_ = std::move(buf);
}

std::string to_string(const Value& v) {
  std::string out;
  std::visit(Printer{out}, v);
  return out;
}

}  // namespace ghostcut::binlog
