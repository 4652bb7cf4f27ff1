// The one SQL tokenizer (engine/sql/sql_tokens.h), against how the MySQL/MariaDB lexer reads text.
#include "engine/sql/sql_tokens.h"

#include <gtest/gtest.h>

using namespace ghostcut::engine;

namespace {

// "W:x S:y I:z P:;" — kind and text of each token.
std::string kinds(std::string_view sql, bool ansi_quotes = false) {
  const auto r = tokenize_sql(sql, ansi_quotes);
  std::string out;
  for (const auto& t : r.tokens) {
    const char* k = t.kind == SqlTokKind::kWord          ? "W"
                    : t.kind == SqlTokKind::kQuotedIdent ? "I"
                    : t.kind == SqlTokKind::kString      ? "S"
                                                         : "P";
    out += (out.empty() ? "" : " ") + std::string(k) + ":" + t.text;
  }
  if (r.unterminated) out += std::string(out.empty() ? "" : " ") + "<unterminated>";
  return out;
}

}  // namespace

TEST(SqlTokens, QuotesAndEscapes) {
  struct C {
    const char* sql;
    bool ansi;
    const char* want;
  } cases[] = {
      {"a 'b' `c` \"d\"", false, "W:a S:b I:c S:d"},
      {"\"d\"", true, "I:d"},                        // ANSI_QUOTES: an identifier
      {"'it''s' 'it\\'s'", false, "S:it's S:it's"},  // doubling and backslash in strings
      {"`a``b` `a\\`", false, "I:a`b I:a\\"},        // in identifiers only doubling escapes
      {"\"a\\\"b\"", false, "S:a\"b"},               // "…" as a string takes backslashes
      {"\"a\\\"", true, "I:a\\"},                    // … as an identifier it does not
      {"'unterminated", false, "<unterminated>"},
      {"x `open", false, "W:x <unterminated>"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.sql);
    EXPECT_EQ(kinds(c.sql, c.ansi), c.want);
  }
}

TEST(SqlTokens, Comments) {
  struct C {
    const char* sql;
    const char* want;
  } cases[] = {
      {"a # to the end\nb", "W:a W:b"},
      {"a -- comment\nb", "W:a W:b"},
      {"a --\tcomment\nb", "W:a W:b"},  // any white space after "--"
      {"a --\x01x\nb", "W:a W:b"},      // or a control character
      {"a --", "W:a"},                  // or the end of the text
      {"a --b", "W:a P:- P:- W:b"},     // otherwise two minus signs
      {"a - -b", "W:a P:- P:- W:b"},
      {"a /* x; y */ b", "W:a W:b"},
      {"a /* open", "W:a <unterminated>"},
      {"a /*! b */ c", "W:a W:b W:c"},         // executable: the server runs it
      {"a /*!50100 b */ c", "W:a W:b W:c"},    // with a version
      {"a /*M!100100 b */ c", "W:a W:b W:c"},  // MariaDB's
      {"'# not' \"-- a\" `/* c */`", "S:# not S:-- a I:/* c */"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.sql);
    EXPECT_EQ(kinds(c.sql), c.want);
  }
}

TEST(SqlTokens, WordsPunctuationAndOffsets) {
  EXPECT_EQ(kinds("ALTER TABLE db.t_1 ADD $c INT;"), "W:ALTER W:TABLE W:db P:. W:t_1 W:ADD W:$c W:INT P:;");
  EXPECT_EQ(kinds("sp\xC3\xA4lte"), "W:sp\xC3\xA4lte");  // UTF-8 letters are word characters
  const auto r = tokenize_sql("x  'y';");
  ASSERT_EQ(r.tokens.size(), 3u);
  EXPECT_EQ(r.tokens[1].begin, 3u);
  EXPECT_EQ(r.tokens[1].end, 6u);
  EXPECT_EQ(r.tokens[2].begin, 6u);
}
