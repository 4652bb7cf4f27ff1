// A fresh directory for a test's files (sockets, hooks, logs): mkdtemp under /tmp, named after
// `prefix` (kept short: a unix socket path has ~100 bytes). Empty when it cannot be made.
#pragma once
#include <cstdlib>
#include <string>

namespace ghostcut::test {

inline std::string make_temp_dir(const std::string& prefix) {
  std::string path = "/tmp/" + prefix + "-XXXXXX";
  return ::mkdtemp(path.data()) ? path : std::string();
}

}  // namespace ghostcut::test
