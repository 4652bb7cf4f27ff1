#include "engine/metrics/build_info.h"

#include <mutex>

namespace ghostcut::engine {
namespace {

std::mutex mu;
BuildInfo g_info;
bool g_set = false;

// A Prometheus label value: backslash, quote and newline escaped.
std::string label(const std::string& v) {
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
  std::lock_guard lk(mu);
  g_info = std::move(info);
  g_set = true;
}

BuildInfo build_info() {
  std::lock_guard lk(mu);
  return g_info;
}

std::string build_info_prometheus() {
  std::lock_guard lk(mu);
  if (!g_set) return {};
  return "# HELP ghostcut_build_info The ghostcut binary: version, git commit, build type.\n"
         "# TYPE ghostcut_build_info gauge\n"
         "ghostcut_build_info{version=\"" + label(g_info.version) + "\",commit=\"" + label(g_info.commit) +
         "\",build_type=\"" + label(g_info.build_type) + "\"} 1\n";
}

}  // namespace ghostcut::engine
