// A position in the binlog: file name + byte offset. Ordered by the file's sequence number (the
// digits after the last '.': mysql-bin.999999 < mysql-bin.1000000, which a string compare gets
// wrong once the number grows a digit), then by offset. Files of different base names (a renamed
// log-bin) order by base name, which never happens within one server's stream.
#pragma once
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

namespace ghostcut::binlog {

struct BinlogPosition {
  std::string file;
  std::uint64_t offset = 4;  // 4 = just after the magic, the first event

  std::string to_string() const { return file + ":" + std::to_string(offset); }
  bool empty() const noexcept { return file.empty(); }
  std::strong_ordering operator<=>(const BinlogPosition& o) const noexcept {
    if (auto c = compare_files(file, o.file); c != 0) return c;
    return offset <=> o.offset;
  }
  bool operator==(const BinlogPosition&) const = default;

  // Base name first, then the numeric extension by value (leading zeros ignored), then the text.
  static std::strong_ordering compare_files(std::string_view a, std::string_view b) noexcept {
    auto split = [](std::string_view f) {
      const auto dot = f.rfind('.');
      if (dot == std::string_view::npos) return std::pair{f, std::string_view{}};
      auto digits = f.substr(dot + 1);
      for (char c : digits)
        if (c < '0' || c > '9') return std::pair{f, std::string_view{}};
      return std::pair{f.substr(0, dot), digits};
    };
    auto [base_a, num_a] = split(a);
    auto [base_b, num_b] = split(b);
    if (auto c = base_a.compare(base_b); c != 0)
      return c < 0 ? std::strong_ordering::less : std::strong_ordering::greater;
    auto strip = [](std::string_view d) {
      while (d.size() > 1 && d.front() == '0') d.remove_prefix(1);
      return d;
    };
    num_a = strip(num_a);
    num_b = strip(num_b);
    if (num_a.size() != num_b.size()) return num_a.size() <=> num_b.size();
    if (auto c = num_a.compare(num_b); c != 0)
      return c < 0 ? std::strong_ordering::less : std::strong_ordering::greater;
    if (auto c = a.compare(b); c != 0) return c < 0 ? std::strong_ordering::less : std::strong_ordering::greater;
    return std::strong_ordering::equal;
  }
};

// The statement that reports the server's current binlog position (file, offset in the first two
// columns), for a server version string as SELECT VERSION() or the handshake gives it:
// MySQL >= 8.2: SHOW BINARY LOG STATUS (SHOW MASTER STATUS was deprecated in 8.2, removed in 8.4);
// older MySQL and every MariaDB (which keeps SHOW MASTER STATUS; MariaDB's version may come as
// "5.5.5-10.11.6-MariaDB" over the wire): SHOW MASTER STATUS.
inline const char* binlog_status_statement(std::string_view server_version) noexcept {
  if (server_version.find("MariaDB") != std::string_view::npos ||
      server_version.find("mariadb") != std::string_view::npos)
    return "SHOW MASTER STATUS";
  int major = 0, minor = 0;
  std::size_t i = 0;
  for (; i < server_version.size() && server_version[i] >= '0' && server_version[i] <= '9' && major < 1000; ++i)
    major = major * 10 + (server_version[i] - '0');
  if (i < server_version.size() && server_version[i] == '.')
    for (++i; i < server_version.size() && server_version[i] >= '0' && server_version[i] <= '9' && minor < 1000; ++i)
      minor = minor * 10 + (server_version[i] - '0');
  return (major > 8 || (major == 8 && minor >= 2)) ? "SHOW BINARY LOG STATUS" : "SHOW MASTER STATUS";
}

}  // namespace ghostcut::binlog
