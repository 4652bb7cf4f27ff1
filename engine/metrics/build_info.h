// What this binary is (set once by the CLI at start): for `ghostcut --version` and the Prometheus
// metric ghostcut_build_info{version,commit,build_type} 1.
#pragma once
#include <string>

namespace ghostcut::engine {

struct BuildInfo {
  std::string version, commit, build_type;
};
void set_build_info(BuildInfo info);
BuildInfo build_info();
// "# HELP ...\n# TYPE ghostcut_build_info gauge\nghostcut_build_info{...} 1\n"; empty before set_build_info.
std::string build_info_prometheus();

}  // namespace ghostcut::engine
