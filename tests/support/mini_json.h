// A small, strict JSON parser for tests (no JSON library is installed besides PropertyTree, which
// loses types and member order). Numbers are kept as their source text so tests can compare them
// exactly; object members keep their order (and duplicates). Strings are decoded to UTF-8
// (\uXXXX escapes, including surrogate pairs). Anything not RFC 8259 JSON is an error.
#pragma once
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace ghostcut::test {

struct JsonNode {
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };
  Kind kind = Kind::kNull;
  bool boolean = false;
  std::string text;             // kNumber: the number as written; kString: the decoded UTF-8 bytes
  std::vector<JsonNode> items;  // kArray
  std::vector<std::pair<std::string, JsonNode>> members;  // kObject, in source order

  // First member named `key`, or nullptr (also when this is not an object).
  const JsonNode* find(std::string_view key) const {
    for (const auto& [k, v] : members)
      if (k == key) return &v;
    return nullptr;
  }
  bool is(Kind k) const { return kind == k; }
};

class MiniJsonParser {
 public:
  explicit MiniJsonParser(std::string_view s) : s_(s) {}

  // The whole input must be one JSON value (surrounding whitespace allowed).
  std::optional<JsonNode> parse_document() {
    JsonNode n;
    skip_ws();
    if (!value(n, 0)) return std::nullopt;
    skip_ws();
    if (p_ != s_.size()) return fail("trailing characters");
    return n;
  }
  // Parses one value at the current position and stops after it (for values embedded in text).
  std::optional<JsonNode> parse_prefix() {
    JsonNode n;
    skip_ws();
    if (!value(n, 0)) return std::nullopt;
    return n;
  }
  std::size_t position() const { return p_; }
  const std::string& error() const { return error_; }

 private:
  static constexpr int kMaxDepth = 256;

  std::nullopt_t fail(const char* what) {
    if (error_.empty()) error_ = std::string(what) + " at " + std::to_string(p_);
    return std::nullopt;
  }
  bool failb(const char* what) {
    fail(what);
    return false;
  }
  void skip_ws() {
    while (p_ < s_.size() && (s_[p_] == ' ' || s_[p_] == '\t' || s_[p_] == '\n' || s_[p_] == '\r')) ++p_;
  }
  bool literal(std::string_view word) {
    if (s_.substr(p_, word.size()) != word) return failb("bad literal");
    p_ += word.size();
    return true;
  }
  bool value(JsonNode& n, int depth) {
    if (depth > kMaxDepth) return failb("nesting too deep");
    if (p_ >= s_.size()) return failb("unexpected end");
    const char c = s_[p_];
    switch (c) {
      case 'n': n.kind = JsonNode::Kind::kNull; return literal("null");
      case 't':
        n.kind = JsonNode::Kind::kBool;
        n.boolean = true;
        return literal("true");
      case 'f':
        n.kind = JsonNode::Kind::kBool;
        n.boolean = false;
        return literal("false");
      case '"': n.kind = JsonNode::Kind::kString; return string(n.text);
      case '[': return array(n, depth);
      case '{': return object(n, depth);
      default:
        if (c == '-' || (c >= '0' && c <= '9')) return number(n);
        return failb("unexpected character");
    }
  }
  bool digits() {
    const std::size_t start = p_;
    while (p_ < s_.size() && s_[p_] >= '0' && s_[p_] <= '9') ++p_;
    return p_ > start;
  }
  bool number(JsonNode& n) {
    const std::size_t start = p_;
    if (s_[p_] == '-') ++p_;
    if (p_ < s_.size() && s_[p_] == '0') {
      ++p_;
    } else if (!digits()) {
      return failb("bad number");
    }
    if (p_ < s_.size() && s_[p_] == '.') {
      ++p_;
      if (!digits()) return failb("bad fraction");
    }
    if (p_ < s_.size() && (s_[p_] == 'e' || s_[p_] == 'E')) {
      ++p_;
      if (p_ < s_.size() && (s_[p_] == '+' || s_[p_] == '-')) ++p_;
      if (!digits()) return failb("bad exponent");
    }
    n.kind = JsonNode::Kind::kNumber;
    n.text = std::string(s_.substr(start, p_ - start));
    return true;
  }
  bool hex4(std::uint32_t& out) {
    if (s_.size() - p_ < 4) return failb("short \\u escape");
    out = 0;
    for (int i = 0; i < 4; ++i) {
      const char h = s_[p_++];
      out <<= 4;
      if (h >= '0' && h <= '9') out |= static_cast<std::uint32_t>(h - '0');
      else if (h >= 'a' && h <= 'f') out |= static_cast<std::uint32_t>(h - 'a' + 10);
      else if (h >= 'A' && h <= 'F') out |= static_cast<std::uint32_t>(h - 'A' + 10);
      else return failb("bad hex digit");
    }
    return true;
  }
  static void put_utf8(std::string& out, std::uint32_t cp) {
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
  bool string(std::string& out) {
    ++p_;  // opening quote
    for (;;) {
      if (p_ >= s_.size()) return failb("unterminated string");
      const auto c = static_cast<unsigned char>(s_[p_++]);
      if (c == '"') return true;
      if (c < 0x20) return failb("control character in string");
      if (c != '\\') {
        out.push_back(static_cast<char>(c));
        continue;
      }
      if (p_ >= s_.size()) return failb("unterminated escape");
      const char e = s_[p_++];
      switch (e) {
        case '"': out.push_back('"'); break;
        case '\\': out.push_back('\\'); break;
        case '/': out.push_back('/'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'u': {
          std::uint32_t cp = 0;
          if (!hex4(cp)) return false;
          if (cp >= 0xD800 && cp <= 0xDBFF) {  // high surrogate: a low one must follow
            std::uint32_t lo = 0;
            if (s_.substr(p_, 2) != "\\u") return failb("lone high surrogate");
            p_ += 2;
            if (!hex4(lo)) return false;
            if (lo < 0xDC00 || lo > 0xDFFF) return failb("bad low surrogate");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return failb("lone low surrogate");
          }
          put_utf8(out, cp);
          break;
        }
        default: return failb("bad escape");
      }
    }
  }
  bool array(JsonNode& n, int depth) {
    n.kind = JsonNode::Kind::kArray;
    ++p_;
    skip_ws();
    if (p_ < s_.size() && s_[p_] == ']') {
      ++p_;
      return true;
    }
    for (;;) {
      JsonNode item;
      skip_ws();
      if (!value(item, depth + 1)) return false;
      n.items.push_back(std::move(item));
      skip_ws();
      if (p_ >= s_.size()) return failb("unterminated array");
      if (s_[p_] == ']') {
        ++p_;
        return true;
      }
      if (s_[p_] != ',') return failb("expected , or ]");
      ++p_;
    }
  }
  bool object(JsonNode& n, int depth) {
    n.kind = JsonNode::Kind::kObject;
    ++p_;
    skip_ws();
    if (p_ < s_.size() && s_[p_] == '}') {
      ++p_;
      return true;
    }
    for (;;) {
      skip_ws();
      if (p_ >= s_.size() || s_[p_] != '"') return failb("expected member name");
      std::string key;
      if (!string(key)) return false;
      skip_ws();
      if (p_ >= s_.size() || s_[p_] != ':') return failb("expected :");
      ++p_;
      skip_ws();
      JsonNode v;
      if (!value(v, depth + 1)) return false;
      n.members.emplace_back(std::move(key), std::move(v));
      skip_ws();
      if (p_ >= s_.size()) return failb("unterminated object");
      if (s_[p_] == '}') {
        ++p_;
        return true;
      }
      if (s_[p_] != ',') return failb("expected , or }");
      ++p_;
    }
  }

  std::string_view s_;
  std::size_t p_ = 0;
  std::string error_;
};

// Parses a whole document; on failure returns nullopt and sets *error (if given).
inline std::optional<JsonNode> parse_json(std::string_view s, std::string* error = nullptr) {
  MiniJsonParser p(s);
  auto n = p.parse_document();
  if (!n && error) *error = p.error();
  return n;
}

// A whole document, or std::runtime_error naming the parse error.
inline JsonNode parse_json_or_throw(std::string_view s) {
  std::string error;
  auto n = parse_json(s, &error);
  if (!n) throw std::runtime_error("invalid JSON: " + error);
  return std::move(*n);
}

// Property-tree style look-ups for tests that read a few fields: a '.'-separated path of member
// names; missing members and unconvertible values throw std::runtime_error.
inline const JsonNode& json_child(const JsonNode& root, std::string_view path) {
  const JsonNode* n = &root;
  while (!path.empty()) {
    const auto dot = path.find('.');
    const auto key = path.substr(0, dot);
    n = n->find(key);
    if (!n) throw std::runtime_error("no JSON member " + std::string(key));
    path = dot == std::string_view::npos ? std::string_view{} : path.substr(dot + 1);
  }
  return *n;
}

template <class T>
T json_value(const JsonNode& n) {
  if constexpr (std::is_same_v<T, std::string>) {
    if (n.is(JsonNode::Kind::kNull)) return "null";
    if (n.is(JsonNode::Kind::kBool)) return n.boolean ? "true" : "false";
    if (n.is(JsonNode::Kind::kString) || n.is(JsonNode::Kind::kNumber)) return n.text;
    throw std::runtime_error("JSON value is not a scalar");
  } else if constexpr (std::is_same_v<T, bool>) {
    if (!n.is(JsonNode::Kind::kBool)) throw std::runtime_error("JSON value is not a boolean");
    return n.boolean;
  } else if constexpr (std::is_floating_point_v<T>) {
    if (!n.is(JsonNode::Kind::kNumber)) throw std::runtime_error("JSON value is not a number");
    return static_cast<T>(std::strtod(n.text.c_str(), nullptr));
  } else {
    static_assert(std::is_integral_v<T>);
    T v{};
    const char* end = n.text.data() + n.text.size();
    if (!n.is(JsonNode::Kind::kNumber) || std::from_chars(n.text.data(), end, v).ptr != end)
      throw std::runtime_error("JSON value is not an integer: " + n.text);
    return v;
  }
}

template <class T>
T json_get(const JsonNode& root, std::string_view path) {
  return json_value<T>(json_child(root, path));
}

// As above, but `fallback` when the path does not exist.
template <class T>
T json_get(const JsonNode& root, std::string_view path, T fallback) {
  try {
    return json_get<T>(root, path);
  } catch (const std::runtime_error&) {
    return fallback;
  }
}

}  // namespace ghostcut::test
