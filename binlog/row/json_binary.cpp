#include "binlog/row/json_binary.h"

#include <charconv>
#include <cmath>
#include <cstring>

#include "binlog/row/column_type.h"
#include "binlog/row/decimal.h"
#include "binlog/row/temporal.h"

namespace ghostcut::binlog {
namespace {

enum JsonType : std::uint8_t {
  kSmallObject = 0x00,
  kLargeObject = 0x01,
  kSmallArray = 0x02,
  kLargeArray = 0x03,
  kLiteral = 0x04,
  kInt16 = 0x05,
  kUint16 = 0x06,
  kInt32 = 0x07,
  kUint32 = 0x08,
  kInt64 = 0x09,
  kUint64 = 0x0a,
  kDouble = 0x0b,
  kString = 0x0c,
  kOpaque = 0x0f,
};

constexpr std::uint8_t kLiteralNull = 0x00, kLiteralTrue = 0x01, kLiteralFalse = 0x02;

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// MySQL's base64_encode: standard alphabet, '=' padding, a '\n' after every 76 output chars.
void append_base64(std::string& out, Bytes in) {
  std::size_t line = 0;
  for (std::size_t i = 0; i < in.size(); i += 3) {
    if (line == 76) {
      out.push_back('\n');
      line = 0;
    }
    std::uint32_t c = std::uint32_t(in[i]) << 16;
    const std::size_t n = in.size() - i;
    if (n > 1) c |= std::uint32_t(in[i + 1]) << 8;
    if (n > 2) c |= in[i + 2];
    out.push_back(kBase64[(c >> 18) & 63]);
    out.push_back(kBase64[(c >> 12) & 63]);
    out.push_back(n > 1 ? kBase64[(c >> 6) & 63] : '=');
    out.push_back(n > 2 ? kBase64[c & 63] : '=');
    line += 4;
  }
}

std::uint64_t load_le(const std::uint8_t* p, std::size_t n) noexcept {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v |= std::uint64_t(p[i]) << (8 * i);
  return v;
}

bool is_inlined(std::uint8_t type, bool large) noexcept {
  return type == kLiteral || type == kInt16 || type == kUint16 || (large && (type == kInt32 || type == kUint32));
}

class JsonPrinter {
 public:
  JsonPrinter(Bytes doc, std::string& out) : doc_(doc), out_(out) {}

  Result<void> document() {
    if (doc_.empty()) {
      out_ += "null";
      return {};
    }
    if (!value(doc_[0], 1, doc_.size(), 0)) return err_;
    return {};
  }

  // Prints the value of `type` whose bytes start at doc_[pos] and may extend to doc_[end).
  bool value(std::uint8_t type, std::size_t pos, std::size_t end, int depth) {
    switch (type) {
      case kSmallObject: return container(true, false, pos, end, depth);
      case kLargeObject: return container(true, true, pos, end, depth);
      case kSmallArray: return container(false, false, pos, end, depth);
      case kLargeArray: return container(false, true, pos, end, depth);
      case kLiteral:
        if (!need(pos, 1, end, "JSON literal")) return false;
        return literal(doc_[pos], pos);
      case kInt16:
        if (!need(pos, 2, end, "JSON int16")) return false;
        return append_int(static_cast<std::int16_t>(load_le(&doc_[pos], 2)));
      case kUint16:
        if (!need(pos, 2, end, "JSON uint16")) return false;
        return append_uint(load_le(&doc_[pos], 2));
      case kInt32:
        if (!need(pos, 4, end, "JSON int32")) return false;
        return append_int(static_cast<std::int32_t>(load_le(&doc_[pos], 4)));
      case kUint32:
        if (!need(pos, 4, end, "JSON uint32")) return false;
        return append_uint(load_le(&doc_[pos], 4));
      case kInt64:
        if (!need(pos, 8, end, "JSON int64")) return false;
        return append_int(static_cast<std::int64_t>(load_le(&doc_[pos], 8)));
      case kUint64:
        if (!need(pos, 8, end, "JSON uint64")) return false;
        return append_uint(load_le(&doc_[pos], 8));
      case kDouble: {
        if (!need(pos, 8, end, "JSON double")) return false;
        std::uint64_t bits = load_le(&doc_[pos], 8);
        double d;
        std::memcpy(&d, &bits, sizeof d);
        append_json_double(out_, d);
        return true;
      }
      case kString: {
        std::size_t len = 0;
        if (!varlen(pos, end, len, "JSON string length")) return false;
        if (!need(pos, len, end, "JSON string")) return false;
        append_json_quoted(out_, as_chars(doc_.subspan(pos, len)));
        return true;
      }
      case kOpaque: return opaque(pos, end);
      default: return fail(Errc::kBadValue, "JSON value type " + std::to_string(type), pos);
    }
  }

  const Error& error() const { return err_; }

 private:
  bool fail(Errc e, std::string what, std::size_t off) {
    err_ = Error(e, std::move(what), off);
    return false;
  }
  bool need(std::size_t pos, std::size_t n, std::size_t end, const char* what) {
    if (pos > end || n > end - pos) return fail(Errc::kTruncated, what, pos);
    return true;
  }
  // Variable-length length: 7 bits per byte, at most 5 bytes, result must fit in 32 bits.
  bool varlen(std::size_t& pos, std::size_t end, std::size_t& len, const char* what) {
    std::uint64_t v = 0;
    for (int i = 0; i < 5; ++i) {
      if (pos >= end) return fail(Errc::kTruncated, what, pos);
      std::uint8_t b = doc_[pos++];
      v |= std::uint64_t(b & 0x7f) << (7 * i);
      if ((b & 0x80) == 0) {
        if (v > 0xFFFFFFFFu) return fail(Errc::kBadLength, what, pos);
        len = static_cast<std::size_t>(v);
        return true;
      }
    }
    return fail(Errc::kBadLength, what, pos);
  }
  bool literal(std::uint8_t v, std::size_t pos) {
    switch (v) {
      case kLiteralNull: out_ += "null"; return true;
      case kLiteralTrue: out_ += "true"; return true;
      case kLiteralFalse: out_ += "false"; return true;
      default: return fail(Errc::kBadValue, "JSON literal " + std::to_string(v), pos);
    }
  }
  bool append_int(std::int64_t v) {
    char buf[24];
    auto res = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, res.ptr);
    return true;
  }
  bool append_uint(std::uint64_t v) {
    char buf[24];
    auto res = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, res.ptr);
    return true;
  }

  bool container(bool object, bool large, std::size_t start, std::size_t end, int depth) {
    const char* what = object ? "JSON object" : "JSON array";
    if (depth >= kMaxJsonDepth) return fail(Errc::kUnsupported, "JSON nesting deeper than 100", start);
    const std::size_t os = large ? 4 : 2;
    if (!need(start, 2 * os, end, what)) return false;
    const std::uint64_t count = load_le(&doc_[start], os);
    const std::uint64_t size = load_le(&doc_[start + os], os);
    if (size > end - start) return fail(Errc::kTruncated, std::string(what) + " size", start + os);
    const std::size_t cend = start + static_cast<std::size_t>(size);
    const std::uint64_t key_entry = object ? os + 2 : 0;
    const std::uint64_t value_entry = 1 + os;
    // count is at most 2^32, so this cannot overflow 64 bits.
    const std::uint64_t header = 2 * os + count * (key_entry + value_entry);
    if (header > size) return fail(Errc::kBadLength, std::string(what) + " element count", start);

    out_.push_back(object ? '{' : '[');
    for (std::uint64_t i = 0; i < count; ++i) {
      if (i > 0) out_ += ", ";
      if (object) {
        const std::size_t ke = start + 2 * os + static_cast<std::size_t>(i * key_entry);
        const std::uint64_t key_off = load_le(&doc_[ke], os);
        const std::uint64_t key_len = load_le(&doc_[ke + os], 2);
        if (key_off < header || key_off > size || key_len > size - key_off) {
          return fail(Errc::kBadLength, "JSON object key " + std::to_string(i), ke);
        }
        append_json_quoted(
            out_, as_chars(doc_.subspan(start + static_cast<std::size_t>(key_off), static_cast<std::size_t>(key_len))));
        out_ += ": ";
      }
      const std::size_t ve =
          start + 2 * os + static_cast<std::size_t>(count * key_entry) + static_cast<std::size_t>(i * value_entry);
      const std::uint8_t type = doc_[ve];
      if (is_inlined(type, large)) {
        if (!value(type, ve + 1, ve + 1 + os, depth)) return false;
        continue;
      }
      const std::uint64_t off = load_le(&doc_[ve + 1], os);
      if (off < header || off >= size) {
        return fail(Errc::kBadLength, std::string(what) + " value offset for element " + std::to_string(i), ve + 1);
      }
      if (!value(type, start + static_cast<std::size_t>(off), cend, depth + 1)) return false;
    }
    out_.push_back(object ? '}' : ']');
    return true;
  }

  bool opaque(std::size_t pos, std::size_t end) {
    if (!need(pos, 1, end, "JSON opaque type")) return false;
    const std::uint8_t field_type = doc_[pos++];
    std::size_t len = 0;
    if (!varlen(pos, end, len, "JSON opaque length")) return false;
    if (!need(pos, len, end, "JSON opaque data")) return false;
    Bytes data = doc_.subspan(pos, len);
    switch (static_cast<ColumnType>(field_type)) {
      case ColumnType::kNewDecimal: {
        if (data.size() < 2) return fail(Errc::kTruncated, "JSON opaque DECIMAL", pos);
        ByteReader r(data.subspan(2));
        std::string text;
        Errc e = read_decimal_text(r, data[0], data[1], text);
        if (e != Errc::kOk) return fail(e, "JSON opaque DECIMAL", pos);
        out_ += text;
        return true;
      }
      case ColumnType::kDate:
      case ColumnType::kTime:
      case ColumnType::kDateTime:
      case ColumnType::kTimestamp: {
        if (data.size() < 8) return fail(Errc::kTruncated, "JSON opaque temporal", pos);
        const auto packed = static_cast<std::int64_t>(load_le(data.data(), 8));
        out_.push_back('"');
        const auto t = static_cast<ColumnType>(field_type);
        if (t == ColumnType::kTime) {
          append_time_text(out_, time_from_packed(packed), 6);
        } else {
          DateTimeValue d = datetime_from_packed(packed);
          if (t == ColumnType::kDate) {
            append_date_text(out_, d.year, d.month, d.day);
          } else {
            append_datetime_text(out_, d, 6);
          }
        }
        out_.push_back('"');
        return true;
      }
      case ColumnType::kVarString:  // MySQL prints strings kept as opaque as plain strings
        append_json_quoted(out_, as_chars(data));
        return true;
      default: {
        std::string b64 = "base64:type" + std::to_string(field_type) + ":";
        append_base64(b64, data);
        append_json_quoted(out_, b64);
        return true;
      }
    }
  }

  Bytes doc_;
  std::string& out_;
  Error err_;
};

}  // namespace

void append_json_quoted(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  std::size_t run = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c > 0x1f && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    out.push_back('\\');
    switch (c) {
      case '\b': out.push_back('b'); break;
      case '\t': out.push_back('t'); break;
      case '\n': out.push_back('n'); break;
      case '\f': out.push_back('f'); break;
      case '\r': out.push_back('r'); break;
      case '"': out.push_back('"'); break;
      case '\\': out.push_back('\\'); break;
      default:
        out += "u00";
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 15]);
    }
  }
  out.append(s.data() + run, s.size() - run);
  out.push_back('"');
}

void append_mysql_double(std::string& out, double d) {
  if (!std::isfinite(d)) {  // cannot be stored in JSON; print something readable
    out += std::isnan(d) ? "nan" : (d < 0 ? "-inf" : "inf");
    return;
  }
  // Shortest round-trip digits and decimal exponent, like dtoa mode 0.
  char sci[40];
  auto res = std::to_chars(sci, sci + sizeof sci, d, std::chars_format::scientific);
  std::string_view s(sci, static_cast<std::size_t>(res.ptr - sci));
  bool negative = false;
  if (!s.empty() && s[0] == '-') {
    negative = true;
    s.remove_prefix(1);
  }
  const std::size_t epos = s.find('e');
  std::string digits;
  for (char c : s.substr(0, epos)) {
    if (c != '.') digits.push_back(c);
  }
  int exp10 = 0;
  std::from_chars(s.data() + epos + 1 + (s[epos + 1] == '+' ? 1 : 0), s.data() + s.size(), exp10);
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  const int len = static_cast<int>(digits.size());
  int decpt = exp10 + 1;
  if (digits == "0") decpt = 1;

  // my_gcvt's choice between 'f' and 'e' for width MY_GCVT_MAX_FIELD_WIDTH (34), with
  // MAX_DECPT_FOR_F_FORMAT = 15.
  constexpr int kMaxDecptForF = 15;
  const int width = 34 - (negative ? 1 : 0);
  const int f_len = decpt <= 0 ? len - decpt + 2 : (decpt < len ? len + 1 : decpt);
  const bool use_f = f_len <= width && decpt >= -kMaxDecptForF + 1 && (decpt <= kMaxDecptForF || len > decpt);

  if (negative) out.push_back('-');
  if (use_f) {
    if (decpt <= 0) {
      out += "0.";
      out.append(static_cast<std::size_t>(-decpt), '0');
      out += digits;
    } else if (decpt < len) {
      out.append(digits, 0, static_cast<std::size_t>(decpt));
      out.push_back('.');
      out.append(digits, static_cast<std::size_t>(decpt));
    } else {
      out += digits;
      out.append(static_cast<std::size_t>(decpt - len), '0');
    }
    return;
  }
  out.push_back(digits[0]);
  if (len > 1) {
    out.push_back('.');
    out.append(digits, 1);
  }
  out.push_back('e');
  int e = decpt - 1;
  if (e < 0) {
    out.push_back('-');
    e = -e;
  }
  out += std::to_string(e);
}

void append_json_double(std::string& out, double d) {
  const std::size_t start = out.size();
  append_mysql_double(out, d);
  // MySQL keeps integral doubles distinguishable from integers.
  if (out.find_first_of(".e", start) == std::string::npos && std::isfinite(d)) out += ".0";
}

Result<void> append_json_text(Bytes doc, std::string& out) {
  JsonPrinter p(doc, out);
  return p.document();
}

Result<std::string> json_binary_to_text(Bytes doc) {
  std::string out;
  Result<void> r = append_json_text(doc, out);
  if (!r) return r.error();
  return out;
}

Result<std::string> json_diffs_to_text(Bytes diffs) {
  std::string out = "JSON_DIFF[";
  ByteReader r(diffs);
  bool first = true;
  while (!r.at_end()) {
    const std::size_t at = r.pos();
    const std::uint8_t op = r.u8();
    std::string_view path = r.lenenc_str();
    if (!r.ok()) return Error(Errc::kTruncated, "JSON diff path", at);
    if (op > 2) return Error(Errc::kBadValue, "JSON diff operation " + std::to_string(op), at);
    if (!first) out += ", ";
    first = false;
    static constexpr const char* kOps[] = {"REPLACE", "INSERT", "REMOVE"};
    out += kOps[op];
    out.push_back(' ');
    out += path;
    if (op == 2) continue;
    const std::uint64_t len = r.lenenc();
    if (!r.ok() || len > r.remaining()) return Error(Errc::kTruncated, "JSON diff value", r.ok() ? r.pos() : at);
    const std::size_t value_at = r.pos();
    Bytes value = r.bytes(static_cast<std::size_t>(len));
    out.push_back(' ');
    Result<void> v = append_json_text(value, out);
    if (!v) {
      Error e = v.error();
      e.context = "JSON diff value: " + e.context;
      e.offset += value_at;
      return e;
    }
  }
  out.push_back(']');
  return out;
}

}  // namespace ghostcut::binlog
