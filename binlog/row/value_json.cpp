#include "binlog/row/value_json.h"

#include <charconv>
#include <cstdio>
#include <ctime>

#include "binlog/row/json_binary.h"
#include "binlog/row/temporal.h"

namespace ghostcut::binlog {

bool is_valid_utf8(std::string_view s) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    const unsigned c = *p;
    std::size_t n;
    std::uint32_t cp;
    if (c < 0x80) {
      ++p;
      continue;
    }
    if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07;
    } else return false;
    if (static_cast<std::size_t>(end - p) <= n) return false;
    for (std::size_t i = 1; i <= n; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3F);
    }
    // Overlong forms, surrogates and out-of-range code points are not valid UTF-8.
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    p += n + 1;
  }
  return true;
}

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 15]);
        } else {
          out.push_back(ch);
        }
    }
  }
  out.push_back('"');
}

namespace {

void append_hex_object(std::string& out, std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += "{\"hex\":\"";
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  out += "\"}";
}

void append_bytes(std::string& out, std::string_view bytes) {
  if (is_valid_utf8(bytes)) append_json_string(out, bytes);
  else append_hex_object(out, bytes);
}

struct ValueJsonPrinter {
  std::string& out;
  void operator()(const NullValue&) const { out += "null"; }
  void operator()(std::int64_t v) const { out += std::to_string(v); }
  void operator()(std::uint64_t v) const { out += std::to_string(v); }
  void operator()(float v) const {
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
  }
  void operator()(double v) const { append_mysql_double(out, v); }
  void operator()(const DecimalValue& v) const { append_json_string(out, v.text); }
  void operator()(const YearValue& v) const { out += std::to_string(v.year); }
  void operator()(const DateValue& v) const {
    std::string s;
    append_date_text(s, v.year, v.month, v.day);
    append_json_string(out, s);
  }
  void operator()(const TimeValue& v) const {
    std::string s;
    append_time_text(s, v, v.decimals);
    append_json_string(out, s);
  }
  void operator()(const DateTimeValue& v) const {
    std::string s;
    append_datetime_text(s, v, v.decimals);
    append_json_string(out, s);
  }
  void operator()(const TimestampValue& v) const {
    std::time_t t = static_cast<std::time_t>(v.seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    DateTimeValue dt;
    dt.year = static_cast<std::uint16_t>(tm.tm_year + 1900);
    dt.month = static_cast<std::uint8_t>(tm.tm_mon + 1);
    dt.day = static_cast<std::uint8_t>(tm.tm_mday);
    dt.hour = static_cast<std::uint8_t>(tm.tm_hour);
    dt.minute = static_cast<std::uint8_t>(tm.tm_min);
    dt.second = static_cast<std::uint8_t>(tm.tm_sec);
    dt.micros = v.micros;
    std::string s;
    if (v.seconds == 0 && v.micros == 0) {
      s = "0000-00-00 00:00:00";  // the zero timestamp
    } else {
      append_datetime_text(s, dt, v.decimals);
      s.push_back('Z');
    }
    append_json_string(out, s);
  }
  void operator()(const BytesValue& v) const { append_bytes(out, v.bytes()); }
  void operator()(const JsonValue& v) const {
    if (v.text.rfind("JSON_DIFF", 0) == 0) append_json_string(out, v.text);  // partial update, not a document
    else out += v.text;
  }
  void operator()(const EnumValue& v) const { out += std::to_string(v.index); }
  void operator()(const SetValue& v) const { out += std::to_string(v.bits); }
  void operator()(const BitValue& v) const { out += std::to_string(v.bits); }
};

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Big- or little-endian code units of `width` bytes (UCS-2, UTF-16 with surrogates, UTF-32).
std::optional<std::string> decode_units(std::string_view b, std::size_t width, bool big_endian, bool surrogates) {
  if (b.size() % width != 0) return std::nullopt;
  std::string out;
  auto unit = [&](std::size_t i) {
    std::uint32_t v = 0;
    for (std::size_t k = 0; k < width; ++k) {
      const auto byte = static_cast<unsigned char>(b[i + (big_endian ? k : width - 1 - k)]);
      v = (v << 8) | byte;
    }
    return v;
  };
  for (std::size_t i = 0; i < b.size(); i += width) {
    std::uint32_t cp = unit(i);
    if (surrogates && cp >= 0xD800 && cp <= 0xDBFF) {
      if (i + width >= b.size()) return std::nullopt;
      const auto lo = unit(i + width);
      if (lo < 0xDC00 || lo > 0xDFFF) return std::nullopt;
      cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
      i += width;
    }
    if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) return std::nullopt;
    append_utf8(out, cp);
  }
  return out;
}

void append_text(std::string& out, std::string_view bytes, std::string_view charset) {
  if (auto utf8 = to_utf8(bytes, charset)) append_json_string(out, *utf8);
  else append_bytes(out, bytes);
}

void append_image(std::string& out, const RowImage& img, const std::vector<std::string>& names,
                  const std::vector<std::string>* charsets = nullptr) {
  out.push_back('{');
  bool first = true;
  for (std::size_t i = 0; i < img.values.size(); ++i) {
    if (i < img.present.size() && !img.present[i]) continue;  // absent from a partial image
    if (!first) out.push_back(',');
    first = false;
    append_json_string(out, i < names.size() ? names[i] : "@" + std::to_string(i + 1));
    out.push_back(':');
    const auto* bytes = std::get_if<BytesValue>(&img.values[i]);
    if (bytes && charsets && i < charsets->size() && !(*charsets)[i].empty() && (*charsets)[i] != "binary")
      append_text(out, bytes->bytes(), (*charsets)[i]);
    else append_json_value(out, img.values[i]);
  }
  out.push_back('}');
}

const char* rows_kind_name(RowsKind k) {
  switch (k) {
    case RowsKind::kWrite: return "insert";
    case RowsKind::kUpdate: return "update";
    case RowsKind::kDelete: return "delete";
    case RowsKind::kPartialUpdate: return "partial_update";
  }
  return "unknown";
}

}  // namespace

void append_json_value(std::string& out, const Value& v) { std::visit(ValueJsonPrinter{out}, v); }

std::optional<std::string> to_utf8(std::string_view b, std::string_view cs) {
  if (cs == "utf8mb4" || cs == "utf8mb3" || cs == "utf8") {
    if (!is_valid_utf8(b)) return std::nullopt;
    return std::string(b);
  }
  if (cs == "ascii") {
    for (char c : b)
      if (static_cast<unsigned char>(c) >= 0x80) return std::nullopt;
    return std::string(b);
  }
  if (cs == "latin1") {
    // MySQL's latin1 is Windows-1252 with the five undefined bytes mapped to C1 controls.
    static constexpr std::uint16_t k80[32] = {0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
                                              0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
                                              0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
                                              0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};
    std::string out;
    for (char ch : b) {
      const auto c = static_cast<unsigned char>(ch);
      append_utf8(out, c >= 0x80 && c < 0xA0 ? k80[c - 0x80] : c);
    }
    return out;
  }
  if (cs == "ucs2") return decode_units(b, 2, true, false);
  if (cs == "utf16") return decode_units(b, 2, true, true);
  if (cs == "utf16le") return decode_units(b, 2, false, true);
  if (cs == "utf32") return decode_units(b, 4, true, false);
  return std::nullopt;
}

std::string row_change_json(const RowChange& c, const std::vector<std::string>& names) {
  return row_change_json(c, names, {});
}

std::string row_change_json(const RowChange& c, const std::vector<std::string>& names,
                            const std::vector<std::string>& charsets) {
  std::string out;
  out.reserve(128);
  out += "{\"kind\":\"";
  out += rows_kind_name(c.kind);
  out += "\",\"position\":";
  append_json_string(out, c.position.to_string());
  out += ",\"schema\":";
  append_bytes(out, c.schema);
  out += ",\"table\":";
  append_bytes(out, c.table);
  if (c.before) {
    out += ",\"before\":";
    append_image(out, *c.before, names, &charsets);
  }
  if (c.after) {
    out += ",\"after\":";
    append_image(out, *c.after, names, &charsets);
  }
  out.push_back('}');
  return out;
}

}  // namespace ghostcut::binlog
