// engine/text.h helpers.
#include "engine/text.h"

#include <gtest/gtest.h>

namespace ghostcut::engine {
namespace {

// The published FNV-1a 64-bit test vectors: checkpoint fingerprints and run-lock names rest on it.
TEST(Text, Fnv1a64HexMatchesTheReferenceVectors) {
  EXPECT_EQ(fnv1a64_hex(""), "cbf29ce484222325");
  EXPECT_EQ(fnv1a64_hex("a"), "af63dc4c8601ec8c");
  EXPECT_EQ(fnv1a64_hex("foobar"), "85944171f73967e8");
}

}  // namespace
}  // namespace ghostcut::engine
