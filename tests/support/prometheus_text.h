// A strict checker for the Prometheus text exposition format 0.0.4, for tests: metric and label
// name syntax, label value escapes (\\ \" \n only), HELP/TYPE before a family's samples, one
// TYPE per family, a family's samples together, every value a number (NaN/+Inf/-Inf included).
// Returns the samples, or an error naming the line.
#pragma once
#include <cmath>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace ghostcut::test {

struct PromSample {
  std::string name;
  std::map<std::string, std::string> labels;  // unescaped values
  double value = 0;
};

struct PromParse {
  std::vector<PromSample> samples;
  std::map<std::string, std::string> types;  // family → counter|gauge|summary|histogram|untyped
  std::map<std::string, std::string> help;   // family → help text

  // First sample named `name` whose labels include every pair in `match`.
  const PromSample* find(const std::string& name, const std::map<std::string, std::string>& match = {}) const {
    for (const auto& s : samples) {
      if (s.name != name) continue;
      bool ok = true;
      for (const auto& [k, v] : match) {
        auto it = s.labels.find(k);
        ok = ok && it != s.labels.end() && it->second == v;
      }
      if (ok) return &s;
    }
    return nullptr;
  }
};

namespace detail {
// Hand-written matchers: <regex> costs seconds of compile time in every test that includes this.
inline bool prom_is_alpha_(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
inline bool prom_is_digit(char c) { return c >= '0' && c <= '9'; }
// [a-zA-Z_:][a-zA-Z0-9_:]*
inline bool prom_valid_metric_name(std::string_view n) {
  if (n.empty() || prom_is_digit(n[0])) return false;
  for (char c : n)
    if (!prom_is_alpha_(c) && !prom_is_digit(c) && c != ':') return false;
  return true;
}
// [a-zA-Z_][a-zA-Z0-9_]*
inline bool prom_valid_label_name(std::string_view n) {
  if (n.empty() || prom_is_digit(n[0])) return false;
  for (char c : n)
    if (!prom_is_alpha_(c) && !prom_is_digit(c)) return false;
  return true;
}
// Skips [0-9]* from i; returns how many.
inline std::size_t prom_skip_digits(std::string_view s, std::size_t& i) {
  const std::size_t from = i;
  while (i < s.size() && prom_is_digit(s[i])) ++i;
  return i - from;
}
// [-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?
inline bool prom_decimal(std::string_view s) {
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  const std::size_t int_digits = prom_skip_digits(s, i);
  std::size_t frac_digits = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    frac_digits = prom_skip_digits(s, i);
  }
  if (int_digits == 0 && frac_digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    if (prom_skip_digits(s, i) == 0) return false;
  }
  return i == s.size();
}
// -?[0-9]+
inline bool prom_integer(std::string_view s) {
  std::size_t i = !s.empty() && s[0] == '-' ? 1 : 0;
  return prom_skip_digits(s, i) > 0 && i == s.size();
}
// The family a sample belongs to: summaries and histograms add suffixes to their samples.
inline std::string prom_family(const std::string& name, const std::map<std::string, std::string>& types) {
  for (std::string_view suffix : {"_sum", "_count", "_bucket"}) {
    if (name.size() > suffix.size() && name.ends_with(suffix)) {
      std::string base = name.substr(0, name.size() - suffix.size());
      auto it = types.find(base);
      if (it != types.end() && (it->second == "summary" || it->second == "histogram")) return base;
    }
  }
  return name;
}
inline std::optional<double> prom_number(const std::string& s) {
  if (s == "NaN") return std::nan("");
  if (s == "+Inf" || s == "Inf") return HUGE_VAL;
  if (s == "-Inf") return -HUGE_VAL;
  if (!prom_decimal(s)) return std::nullopt;
  return std::strtod(s.c_str(), nullptr);
}
}  // namespace detail

inline std::optional<PromParse> parse_prometheus_text(const std::string& text, std::string* error) {
  auto fail = [&](std::size_t line_no, const std::string& why) -> std::optional<PromParse> {
    if (error) *error = "line " + std::to_string(line_no) + ": " + why;
    return std::nullopt;
  };
  if (!text.empty() && text.back() != '\n') return fail(0, "the text must end with a newline");
  PromParse out;
  std::set<std::string> finished;  // families whose samples are behind us
  std::string current;             // family of the previous sample
  std::set<std::string> sampled;
  std::istringstream in(text);
  std::string line;
  std::size_t no = 0;
  while (std::getline(in, line)) {
    ++no;
    if (line.empty()) continue;
    if (line[0] == '#') {
      std::istringstream ls(line.substr(1));
      std::string kind, name;
      ls >> kind >> name;
      if (kind != "HELP" && kind != "TYPE") continue;  // a plain comment
      if (!detail::prom_valid_metric_name(name)) return fail(no, "bad metric name '" + name + "'");
      if (sampled.count(name)) return fail(no, kind + " for '" + name + "' after its samples");
      std::string rest;
      std::getline(ls, rest);
      if (!rest.empty() && rest[0] == ' ') rest.erase(0, 1);
      if (kind == "TYPE") {
        static const std::set<std::string> kinds{"counter", "gauge", "summary", "histogram", "untyped"};
        if (!kinds.count(rest)) return fail(no, "bad type '" + rest + "'");
        if (out.types.count(name)) return fail(no, "second TYPE for '" + name + "'");
        out.types[name] = rest;
      } else {
        if (out.help.count(name)) return fail(no, "second HELP for '" + name + "'");
        out.help[name] = rest;
      }
      continue;
    }
    PromSample s;
    std::size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
    s.name = line.substr(0, i);
    if (!detail::prom_valid_metric_name(s.name)) return fail(no, "bad metric name '" + s.name + "'");
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (true) {
        if (i < line.size() && line[i] == '}') {
          ++i;
          break;
        }
        std::size_t eq = line.find('=', i);
        if (eq == std::string::npos) return fail(no, "label without '='");
        std::string lname = line.substr(i, eq - i);
        if (!detail::prom_valid_label_name(lname)) return fail(no, "bad label name '" + lname + "'");
        i = eq + 1;
        if (i >= line.size() || line[i] != '"') return fail(no, "label value must be quoted");
        ++i;
        std::string value;
        bool closed = false;
        while (i < line.size()) {
          char c = line[i++];
          if (c == '"') {
            closed = true;
            break;
          }
          if (c == '\\') {
            if (i >= line.size()) return fail(no, "dangling backslash");
            char e = line[i++];
            if (e == '\\') value += '\\';
            else if (e == '"') value += '"';
            else if (e == 'n') value += '\n';
            else return fail(no, std::string("bad escape \\") + e);
          } else {
            value += c;
          }
        }
        if (!closed) return fail(no, "unterminated label value");
        if (s.labels.count(lname)) return fail(no, "duplicate label '" + lname + "'");
        s.labels[lname] = value;
        if (i < line.size() && line[i] == ',') ++i;
        else if (i >= line.size() || line[i] != '}') return fail(no, "expected ',' or '}' after a label");
      }
    }
    if (i >= line.size() || line[i] != ' ') return fail(no, "expected a space before the value");
    std::istringstream vs(line.substr(i + 1));
    std::string value_text, timestamp, extra;
    vs >> value_text >> timestamp >> extra;
    if (!extra.empty()) return fail(no, "trailing text");
    auto v = detail::prom_number(value_text);
    if (!v) return fail(no, "value '" + value_text + "' is not a number");
    if (!timestamp.empty() && !detail::prom_integer(timestamp)) return fail(no, "bad timestamp '" + timestamp + "'");
    s.value = *v;
    const std::string family = detail::prom_family(s.name, out.types);
    if (family != current) {
      if (finished.count(family)) return fail(no, "samples of '" + family + "' are not together");
      if (!current.empty()) finished.insert(current);
      current = family;
    }
    sampled.insert(family);
    out.samples.push_back(std::move(s));
  }
  return out;
}

}  // namespace ghostcut::test
