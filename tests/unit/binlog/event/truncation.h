// Shared check for the event tests: every prefix of a valid body shorter than `required` must fail
// with a clear `truncated` error (never crash, never succeed); longer prefixes must not crash.
#pragma once
#include <gtest/gtest.h>

#include <vector>

#include "binlog/error.h"
#include "binlog/wire/byte_reader.h"

namespace ghostcut::binlog::testing {

template <class Parse>
void expect_truncations_fail(const std::vector<std::uint8_t>& body, std::size_t required, Parse parse,
                             Errc want = Errc::kTruncated) {
  ASSERT_LE(required, body.size());
  for (std::size_t n = 0; n < required; ++n) {
    SCOPED_TRACE("prefix of " + std::to_string(n) + " bytes");
    std::vector<std::uint8_t> cut(body.begin(), body.begin() + static_cast<std::ptrdiff_t>(n));
    auto r = parse(Bytes(cut.data(), cut.size()));
    ASSERT_FALSE(r.has_value());
    EXPECT_TRUE(r.error().is(want)) << r.error().message();
    EXPECT_FALSE(r.error().context.empty());
  }
  for (std::size_t n = required; n <= body.size(); ++n) {
    std::vector<std::uint8_t> cut(body.begin(), body.begin() + static_cast<std::ptrdiff_t>(n));
    (void)parse(Bytes(cut.data(), cut.size()));  // may succeed or fail; must not crash
  }
}

inline Bytes span_of(const std::vector<std::uint8_t>& v) { return {v.data(), v.size()}; }

}  // namespace ghostcut::binlog::testing
