#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/control/runtime_settings.h"
#include "engine/errc.h"

using namespace ghostcut::engine;

TEST(CutOverWindowSettings, SetReturnsOldAndValidates) {
  RuntimeSettings settings;
  EXPECT_TRUE(settings.cut_over_windows().empty());
  const auto v0 = settings.version();
  auto old = settings.set_cut_over_windows({"Mon-Fri 22:30-01:00 UTC"});
  ASSERT_TRUE(old.has_value()) << old.error().context;
  EXPECT_TRUE(old->empty());
  EXPECT_EQ(settings.version(), v0 + 1);
  old = settings.set_cut_over_windows({"02:00-04:00", "Sat,Sun 00:00-06:00"});
  ASSERT_TRUE(old.has_value());
  EXPECT_EQ(*old, std::vector<std::string>{"Mon-Fri 22:30-01:00 UTC"});
  EXPECT_EQ(settings.snapshot().cut_over_windows, (std::vector<std::string>{"02:00-04:00", "Sat,Sun 00:00-06:00"}));
  // Parsed once, when set: the cut-over gate reads them without parsing (or dropping) anything.
  const auto parsed = settings.parsed_cut_over_windows();
  ASSERT_EQ(parsed.size(), 2u);
  EXPECT_EQ(parsed[0], *parse_cut_over_window("02:00-04:00"));
  EXPECT_EQ(parsed[1], *parse_cut_over_window("Sat,Sun 00:00-06:00"));

  // A bad spec anywhere in the list changes nothing.
  const auto v1 = settings.version();
  auto bad = settings.set_cut_over_windows({"01:00-02:00", "Mon-Fri 25:00-01:00"});
  ASSERT_FALSE(bad.has_value());
  EXPECT_TRUE(bad.error().is(ghostcut::engine::EngineErrc::kBadSetting));
  EXPECT_EQ(bad.error().context, "bad cut-over window 'Mon-Fri 25:00-01:00': hour 25 out of range (00-23)");
  EXPECT_EQ(settings.version(), v1);
  EXPECT_EQ(settings.cut_over_windows().size(), 2u);
  EXPECT_EQ(settings.parsed_cut_over_windows().size(), 2u);

  // Clearing.
  old = settings.set_cut_over_windows({});
  ASSERT_TRUE(old.has_value());
  EXPECT_EQ(old->size(), 2u);
  EXPECT_TRUE(settings.cut_over_windows().empty());
  EXPECT_TRUE(settings.parsed_cut_over_windows().empty());
}

TEST(CutOverWindowSettings, Validator) {
  EXPECT_EQ(validate_cut_over_windows({}), std::nullopt);
  EXPECT_EQ(validate_cut_over_windows({"02:00-04:00", "Sun 00:00-24:00 Z"}), std::nullopt);
  const auto why = validate_cut_over_windows({"02:00-04:00", ""});
  ASSERT_TRUE(why.has_value());
  EXPECT_NE(why->find("bad cut-over window '': empty"), std::string::npos) << *why;
}
