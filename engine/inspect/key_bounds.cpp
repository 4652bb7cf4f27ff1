#include "engine/inspect/key_bounds.h"

#include <cerrno>
#include <charconv>
#include <cstdlib>

#include "engine/sql/quoting.h"
#include "engine/text.h"

namespace ghostcut::engine {
namespace {

bool is_plain_name(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

// "decimal(10,2) unsigned" → "DECIMAL(10,2)"; the server's default precision is (10,0).
std::optional<std::string> decimal_cast_type(std::string_view column_type) {
  const auto open = column_type.find('(');
  if (open == std::string_view::npos) return std::string("DECIMAL(10,0)");
  const auto close = column_type.find(')', open);
  if (close == std::string_view::npos) return std::nullopt;
  std::string inner(column_type.substr(open + 1, close - open - 1));
  std::string m = inner, d = "0";
  if (const auto comma = inner.find(','); comma != std::string::npos) {
    m = std::string(trim(inner.substr(0, comma)));
    d = std::string(trim(inner.substr(comma + 1)));
  }
  auto digits = [](const std::string& s) {
    return !s.empty() && s.size() <= 2 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (!digits(m) || !digits(d)) return std::nullopt;
  return "DECIMAL(" + m + "," + d + ")";
}

std::string ordinal_list(std::uint64_t from, std::uint64_t to) {  // inclusive, from <= to
  std::string out;
  for (std::uint64_t v = from;; ++v) {
    if (!out.empty()) out += ", ";
    out += std::to_string(v);
    if (v == to) break;
  }
  return out;
}

}  // namespace

std::optional<std::size_t> count_members(std::string_view t) {
  const auto open = t.find('(');
  if (open == std::string_view::npos || t.empty() || t.back() != ')') return std::nullopt;
  std::size_t members = 0;
  std::size_t i = open + 1;
  const std::size_t end = t.size() - 1;  // the closing ')'
  while (i < end) {
    if (t[i] != '\'') return std::nullopt;
    ++i;
    bool closed = false;
    while (i < end) {
      if (t[i] == '\\' && i + 1 < end) {
        i += 2;
      } else if (t[i] == '\'' && i + 1 < end && t[i + 1] == '\'') {
        i += 2;
      } else if (t[i] == '\'') {
        ++i;
        closed = true;
        break;
      } else {
        ++i;
      }
    }
    if (!closed) return std::nullopt;
    ++members;
    if (i == end) break;
    if (t[i] != ',') return std::nullopt;
    if (++i == end) return std::nullopt;  // a trailing comma
  }
  if (members == 0) return std::nullopt;
  return members;
}

Result<KeyBound> key_bound_for(const ColumnInfo& c) {
  KeyBound b;
  b.column = c.name;
  b.data_type = lower(c.data_type);
  const std::string q = quote_identifier(c.name);
  const std::string& t = b.data_type;
  auto refuse = [&](const std::string& why) {
    return Error(binlog::Errc::kBadValue, "chunk key column " + c.name + " (" + c.column_type + "): " + why);
  };
  if (t == "tinyint" || t == "smallint" || t == "mediumint" || t == "int" || t == "integer" || t == "bigint") {
    b.param = c.is_unsigned ? KeyBound::Param::kUInt64 : KeyBound::Param::kInt64;
    b.read_expr = q;
    b.value_expr = "?";
  } else if (t == "bit" || t == "year") {
    b.param = KeyBound::Param::kUInt64;
    b.read_expr = q + " + 0";
    b.value_expr = "?";
  } else if (t == "enum" || t == "set") {
    const auto members = count_members(c.column_type);
    if (!members) return refuse("cannot read the members of the type");
    b.param = KeyBound::Param::kUInt64;
    b.read_expr = q + " + 0";
    b.value_expr = "?";
    if (t == "enum" && *members + 1 <= kMaxOrdinalList) b.ordinal_domain = *members + 1;
    if (t == "set" && *members < 64 && (std::uint64_t{1} << *members) <= kMaxOrdinalList)
      b.ordinal_domain = std::uint64_t{1} << *members;
  } else if (t == "decimal" || t == "numeric" || t == "fixed" || t == "dec") {
    const auto cast = decimal_cast_type(c.column_type);
    if (!cast) return refuse("cannot read the precision of the type");
    b.read_expr = q;
    b.value_expr = "CAST(? AS " + *cast + ")";
  } else if (t == "float" || t == "double" || t == "real" || t == "double precision") {
    b.param = KeyBound::Param::kDouble;
    b.read_expr = "CAST(" + q + " + 0e0 AS CHAR)";
    b.value_expr = "?";
  } else if (t == "date") {
    b.read_expr = "CAST(" + q + " AS CHAR)";
    b.value_expr = "CAST(? AS DATE)";
  } else if (t == "datetime" || t == "timestamp") {
    b.read_expr = "CAST(" + q + " AS CHAR)";
    b.value_expr = "CAST(? AS DATETIME(6))";
  } else if (t == "time") {
    b.read_expr = "CAST(" + q + " AS CHAR)";
    b.value_expr = "CAST(? AS TIME(6))";
  } else if (t == "uuid" || t == "inet6" || t == "inet4") {
    b.read_expr = "CAST(" + q + " AS CHAR)";
    b.value_expr = "CAST(? AS " + upper(t) + ")";
  } else if (t == "binary" || t == "varbinary" || t == "tinyblob" || t == "blob" || t == "mediumblob" ||
             t == "longblob") {
    b.read_expr = "HEX(" + q + ")";
    b.value_expr = "UNHEX(?)";
  } else if (t == "char" || t == "varchar" || t == "tinytext" || t == "text" || t == "mediumtext" || t == "longtext") {
    const std::string charset = lower(c.charset.value_or(""));
    const std::string collation = lower(c.collation.value_or(""));
    b.read_expr = "HEX(" + q + ")";
    if (charset == "binary" || collation == "binary") {
      b.value_expr = "UNHEX(?)";
    } else {
      if (!is_plain_name(charset) || !is_plain_name(collation))
        return refuse("its character set and collation are unknown or unusual ('" + charset + "', '" + collation +
                      "')");
      b.value_expr = "CONVERT(UNHEX(?) USING " + charset + ") COLLATE " + collation;
    }
  } else {
    return refuse("no exact, index-ordered way to compare chunk bounds of type " + t);
  }
  return b;
}

Result<SqlParam> parse_key_value(const KeyBound& b, const std::string& text) {
  auto junk = [&] {
    return Error(binlog::Errc::kBadValue, "chunk key column " + b.column + ": unexpected bound '" + text + "'");
  };
  const char* first = text.data();
  const char* last = text.data() + text.size();
  switch (b.param) {
    case KeyBound::Param::kInt64: {
      std::int64_t v = 0;
      auto [p, ec] = std::from_chars(first, last, v);
      if (ec != std::errc() || p != last) return junk();
      return SqlParam{v};
    }
    case KeyBound::Param::kUInt64: {
      std::uint64_t v = 0;
      auto [p, ec] = std::from_chars(first, last, v);
      if (ec != std::errc() || p != last) return junk();
      return SqlParam{v};
    }
    case KeyBound::Param::kDouble: {
      if (text.empty()) return junk();
      errno = 0;
      char* end = nullptr;
      const double v = std::strtod(text.c_str(), &end);  // correctly rounded: the shortest text round-trips
      if (end != text.c_str() + text.size() || errno == ERANGE) return junk();
      return SqlParam{v};
    }
    case KeyBound::Param::kString: return SqlParam{text};
  }
  return junk();
}

std::string key_comparison(const KeyBound& b, std::string_view op, const SqlParam& value,
                           std::vector<SqlParam>& params) {
  const std::string q = quote_identifier(b.column);
  const auto* ordinal = std::get_if<std::uint64_t>(&value);
  if (b.ordinal_domain > 0 && ordinal && op != "=") {
    const std::uint64_t top = b.ordinal_domain - 1, v = *ordinal;
    std::uint64_t from = 0, to = top;
    bool empty = false;
    if (op == ">") {
      empty = v >= top;
      from = v + 1;
    } else if (op == ">=") {
      empty = v > top;
      from = v;
    } else if (op == "<") {
      empty = v == 0;
      to = std::min(top, v - (v ? 1 : 0));
    } else {  // "<="
      to = std::min(top, v);
    }
    if (empty) return "FALSE";
    return from == to ? q + " = " + std::to_string(from) : q + " IN (" + ordinal_list(from, to) + ")";
  }
  params.push_back(value);
  std::string out = q;
  out += ' ';
  out += op;
  out += ' ';
  out += b.value_expr;
  return out;
}

}  // namespace ghostcut::engine
