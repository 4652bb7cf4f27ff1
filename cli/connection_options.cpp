#include "cli/connection_options.h"

#include <cstdlib>
#include <fstream>

namespace po = boost::program_options;

namespace ghostcut::cli {

void add_connection_options(po::options_description& opts) {
  const ConnectionSettings defaults;
  po::options_description c("Connection");
  c.add_options()
      ("host", po::value<std::string>()->default_value(defaults.host), "server host")
      ("port", po::value<std::uint16_t>()->default_value(defaults.port), "server port")
      ("user", po::value<std::string>(), "user name")
      ("password", po::value<std::string>(),
       "password (prefer the GHOSTCUT_PASSWORD environment variable or an option file: "
       "a password on the command line is visible to other local users)")
      ("socket", po::value<std::string>(), "unix socket path (instead of host:port)")
      ("database", po::value<std::string>(), "default database")
      ("defaults-file", po::value<std::string>(), "option file with a [client] section (default ~/.my.cnf)")
      ("ssl-mode", po::value<std::string>()->default_value("preferred"), "TLS: disabled, preferred or required")
      ("connect-timeout", po::value<int>()->default_value(static_cast<int>(std::chrono::duration_cast<std::chrono::seconds>(defaults.connect_timeout).count())),
       "connect timeout in seconds");
  opts.add(c);
}

namespace {
struct ClientSection {
  std::optional<std::string> user, password, host, socket;
  std::optional<std::uint16_t> port;
};

// Reads [client] (and [ghostcut]) from a MySQL-style option file.
ClientSection read_option_file(const std::string& path, bool must_exist) {
  ClientSection out;
  std::ifstream in(path);
  if (!in) {
    if (must_exist) throw std::runtime_error("cannot read option file " + path);
    return out;
  }
  std::string line, section;
  while (std::getline(in, line)) {
    auto trim = [](std::string s) {
      const auto b = s.find_first_not_of(" \t\r");
      const auto e = s.find_last_not_of(" \t\r");
      return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
    };
    line = trim(line);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      section = trim(line.substr(1, line.size() - 2));
      continue;
    }
    if (section != "client" && section != "ghostcut") continue;
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string key = trim(line.substr(0, eq)), value = trim(line.substr(eq + 1));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front())
      value = value.substr(1, value.size() - 2);
    for (auto& ch : key)
      if (ch == '_') ch = '-';
    if (key == "user") out.user = value;
    else if (key == "password") out.password = value;
    else if (key == "host") out.host = value;
    else if (key == "socket") out.socket = value;
    else if (key == "port") {
      // Whole digits only, 1-65535: stoi would read "33o6" as 33 and wrap 99999 to 34463.
      const bool digits = !value.empty() && value.size() <= 5 &&
                          value.find_first_not_of("0123456789") == std::string::npos;
      const long v = digits ? std::stol(value) : 0;
      if (v < 1 || v > 65535)
        throw std::runtime_error("option file " + path + ": port must be a number from 1 to 65535, got '" + value + "'");
      out.port = static_cast<std::uint16_t>(v);
    }
  }
  return out;
}
}  // namespace

ConnectionSettings connection_settings(const po::variables_map& vm) {
  ClientSection file;
  if (vm.count("defaults-file")) {
    file = read_option_file(vm["defaults-file"].as<std::string>(), true);
  } else if (const char* home = std::getenv("HOME")) {
    file = read_option_file(std::string(home) + "/.my.cnf", false);
  }
  ConnectionSettings s;
  // Command line beats the option file, which beats the defaults.
  auto explicit_flag = [&](const char* name) { return vm.count(name) && !vm[name].defaulted(); };
  s.host = explicit_flag("host") || !file.host ? vm["host"].as<std::string>() : *file.host;
  s.port = explicit_flag("port") || !file.port ? vm["port"].as<std::uint16_t>() : *file.port;
  if (vm.count("user")) s.user = vm["user"].as<std::string>();
  else if (file.user) s.user = *file.user;
  if (vm.count("socket")) s.socket = vm["socket"].as<std::string>();
  else if (file.socket && !explicit_flag("host") && !explicit_flag("port")) s.socket = *file.socket;
  if (vm.count("database")) s.database = vm["database"].as<std::string>();
  if (vm.count("password")) s.password = vm["password"].as<std::string>();
  else if (const char* env = std::getenv("GHOSTCUT_PASSWORD")) s.password = env;
  else if (file.password) s.password = *file.password;
  const std::string mode = vm["ssl-mode"].as<std::string>();
  if (mode == "disabled") s.tls_mode = TlsMode::kDisabled;
  else if (mode == "preferred") s.tls_mode = TlsMode::kPreferred;
  else if (mode == "required") s.tls_mode = TlsMode::kRequired;
  else throw std::runtime_error("--ssl-mode must be disabled, preferred or required, got '" + mode + "'");
  s.connect_timeout = std::chrono::seconds(vm["connect-timeout"].as<int>());
  if (s.user.empty()) throw std::runtime_error("no user given (--user, or user= in the option file's [client] section)");
  return s;
}

}  // namespace ghostcut::cli
