// Robustness: every event body from the real fixtures, cut at every length and with bytes flipped,
// must decode or fail cleanly (run under ASan/UBSan: -DGHOSTCUT_SANITIZE=ON).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include "binlog/event/binlog_file_reader.h"
#include "binlog/event/event_decoder.h"
#include "support/fixtures.h"

namespace ghostcut::binlog {
namespace {

namespace fs = std::filesystem;

using Robustness = ::ghostcut::test::RequiresFixtures;

TEST_F(Robustness, CutAndFlippedFixtureBodiesNeverCrash) {
  const fs::path dir = GHOSTCUT_FIXTURES_DIR;
  std::mt19937 rng(12345);
  std::size_t decoded = 0;
  std::size_t failed = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file() || entry.path().extension() == ".md" || entry.path().extension() == ".txt" ||
        entry.path().extension() == ".json") {
      continue;
    }
    std::ifstream in(entry.path(), std::ios::binary);
    const std::vector<std::uint8_t> file{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    BinlogFileReader reader(Bytes(file.data(), file.size()));
    while (true) {
      auto next = reader.next();
      if (!next || !*next) break;
      const RawEvent& raw = **next;
      if (raw.body.size() > 600) continue;
      std::vector<std::uint8_t> body(raw.body.begin(), raw.body.end());
      for (std::size_t n = 0; n <= body.size(); ++n) {
        RawEvent cut = raw;
        cut.body = Bytes(body.data(), n);
        auto r = decode_event(cut, reader.format());
        ++(r ? decoded : failed);
      }
      for (int k = 0; k < 8 && !body.empty(); ++k) {
        auto flipped = body;
        flipped[rng() % flipped.size()] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
        RawEvent f = raw;
        f.body = Bytes(flipped.data(), flipped.size());
        auto r = decode_event(f, reader.format());
        ++(r ? decoded : failed);
      }
    }
  }
  EXPECT_GT(decoded, 0u);
  EXPECT_GT(failed, 0u);  // cut bodies must be rejected somewhere
}

}  // namespace
}  // namespace ghostcut::binlog
