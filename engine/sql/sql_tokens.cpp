#include "engine/sql/sql_tokens.h"

#include <cctype>

namespace ghostcut::engine {
namespace {

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }
bool is_word_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) || c == '_' || c == '$' || u >= 0x80;
}

}  // namespace

SqlTokenized tokenize_sql(std::string_view s, bool ansi_quotes) {
  SqlTokenized out;
  auto& toks = out.tokens;
  std::size_t i = 0;
  const std::size_t n = s.size();
  while (i < n) {
    const char c = s[i];
    if (is_space(c)) {
      ++i;
    } else if (c == '#' || (c == '-' && i + 1 < n && s[i + 1] == '-' &&
                            (i + 2 == n || is_space(s[i + 2]) || std::iscntrl(static_cast<unsigned char>(s[i + 2]))))) {
      while (i < n && s[i] != '\n') ++i;
    } else if (c == '/' && i + 1 < n && s[i + 1] == '*') {
      if (i + 2 < n && (s[i + 2] == '!' || (s[i + 2] == 'M' && i + 3 < n && s[i + 3] == '!'))) {
        i += s[i + 2] == '!' ? 3 : 4;
        while (i < n && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;  // version number
        continue;
      }
      const auto close = s.find("*/", i + 2);
      if (close == std::string_view::npos) {
        out.unterminated = true;
        return out;
      }
      i = close + 2;
    } else if (c == '*' && i + 1 < n && s[i + 1] == '/') {
      i += 2;  // end of an executable comment
    } else if (c == '\'' || c == '"' || c == '`') {
      const bool identifier = c == '`' || (c == '"' && ansi_quotes);
      const std::size_t begin = i++;
      std::string text;
      bool closed = false;
      while (i < n) {
        if (!identifier && s[i] == '\\' && i + 1 < n) {
          text += s[i + 1];
          i += 2;
        } else if (s[i] == c) {
          if (i + 1 < n && s[i + 1] == c) {
            text += c;
            i += 2;
          } else {
            ++i;
            closed = true;
            break;
          }
        } else {
          text += s[i++];
        }
      }
      if (!closed) {
        out.unterminated = true;
        return out;
      }
      toks.push_back({identifier ? SqlTokKind::kQuotedIdent : SqlTokKind::kString, std::move(text), begin, i});
    } else if (is_word_char(c)) {
      const std::size_t begin = i;
      while (i < n && is_word_char(s[i])) ++i;
      toks.push_back({SqlTokKind::kWord, std::string(s.substr(begin, i - begin)), begin, i});
    } else {
      toks.push_back({SqlTokKind::kPunct, std::string(1, c), i, i + 1});
      ++i;
    }
  }
  return out;
}

}  // namespace ghostcut::engine
