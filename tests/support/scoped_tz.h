// Test helpers for wall-clock code: pin the process time zone for one test, find the zone files,
// and build UTC instants.
#pragma once
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <optional>
#include <string>

namespace ghostcut::test {

// Sets TZ for the scope (localtime_r/mktime follow it after tzset) and restores it afterwards.
class ScopedTz {
 public:
  explicit ScopedTz(const char* tz) {
    if (const char* old = std::getenv("TZ")) old_ = old;
    ::setenv("TZ", tz, 1);
    ::tzset();
  }
  ~ScopedTz() {
    if (old_) ::setenv("TZ", old_->c_str(), 1);
    else ::unsetenv("TZ");
    ::tzset();
  }
  ScopedTz(const ScopedTz&) = delete;
  ScopedTz& operator=(const ScopedTz&) = delete;

 private:
  std::optional<std::string> old_;
};

inline std::string zoneinfo_dir() {
  const char* dir = std::getenv("TZDIR");
  return dir && *dir ? dir : "/usr/share/zoneinfo";
}

inline std::chrono::system_clock::time_point utc(int y, unsigned mo, unsigned d, int h, int mi, int s = 0) {
  using namespace std::chrono;
  return system_clock::time_point(sys_days(year_month_day{year(y), month(mo), day(d)}) + hours(h) + minutes(mi) +
                                  seconds(s));
}

}  // namespace ghostcut::test
