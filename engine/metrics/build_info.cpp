#include "engine/metrics/build_info.h"

#include <mutex>

namespace ghostcut::engine {
namespace {

std::mutex build_info_mu;
BuildInfo g_build_info;
bool g_build_info_set = false;

// A Prometheus label value: backslash, quote and newline escaped.
std::string build_info_label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

void set_build_info(BuildInfo info) {
  std::lock_guard lk(build_info_mu);
  g_build_info = std::move(info);
  g_build_info_set = true;
}

BuildInfo build_info() {
  std::lock_guard lk(build_info_mu);
  return g_build_info;
}

std::string build_info_prometheus() {
  std::lock_guard lk(build_info_mu);
  if (!g_build_info_set) return {};
  return "# HELP ghostcut_build_info The ghostcut binary: version, git commit, build type.\n"
         "# TYPE ghostcut_build_info gauge\n"
         "ghostcut_build_info{version=\"" +
         build_info_label(g_build_info.version) + "\",commit=\"" + build_info_label(g_build_info.commit) +
         "\",build_type=\"" + build_info_label(g_build_info.build_type) + "\"} 1\n";
}

}  // namespace ghostcut::engine
