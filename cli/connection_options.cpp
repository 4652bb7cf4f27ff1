#include "cli/connection_options.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

namespace po = boost::program_options;

namespace ghostcut::cli {

void add_connection_options(po::options_description& opts) {
  const ConnectionSettings defaults;
  po::options_description c("Connection");
  c.add_options()("host", po::value<std::string>()->default_value(defaults.host), "server host")(
      "port", po::value<std::uint16_t>()->default_value(defaults.port), "server port")("user", po::value<std::string>(),
                                                                                       "user name")(
      "password", po::value<std::string>(),
      "password (prefer --ask-pass, the GHOSTCUT_PASSWORD environment variable or an option file: "
      "a password on the command line is visible to other local users)")(
      "ask-pass", po::bool_switch(), "prompt for the password on the terminal (no echo)")(
      "socket", po::value<std::string>(), "unix socket path (instead of host:port)")(
      "database", po::value<std::string>(), "default database")(
      "defaults-file", po::value<std::string>(), "read only this option file's [client] section (default ~/.my.cnf)")(
      "conf", po::value<std::string>(), "gh-ost's name for --defaults-file")(
      "defaults-extra-file", po::value<std::string>(), "read this option file too, before ~/.my.cnf")(
      "no-defaults", po::bool_switch(), "read no option file")(
      "ssl-mode", po::value<std::string>()->default_value(to_string(defaults.tls_mode)),
      "TLS: disabled, preferred, required, verify-ca (certificate checked against --ssl-ca/--ssl-capath) or "
      "verify-identity (and it must name the host)")(
      "ssl", po::bool_switch(), "gh-ost's flag: --ssl-mode verify-identity (with --ssl-allow-insecure: required)")(
      "ssl-allow-insecure", po::bool_switch(), "gh-ost's flag, with --ssl: do not check the server certificate")(
      "ssl-ca", po::value<std::string>(), "PEM file of the CA that signed the server certificate")(
      "ssl-capath", po::value<std::string>(), "directory of hashed PEM CA files")(
      "ssl-cert", po::value<std::string>(), "client certificate (PEM)")("ssl-key", po::value<std::string>(),
                                                                        "client certificate's private key (PEM)")(
      "server-public-key-path", po::value<std::string>(),
      "PEM file with the server's RSA public key (caching_sha2_password without TLS)")(
      "get-server-public-key", po::bool_switch(),
      "let caching_sha2_password fetch the server's RSA key without TLS (unauthenticated: prefer TLS or "
      "--server-public-key-path)")(
      "connect-timeout",
      po::value<int>()->default_value(
          static_cast<int>(std::chrono::duration_cast<std::chrono::seconds>(defaults.connect_timeout).count())),
      "connect timeout in seconds");
  opts.add(c);
}

namespace {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  const auto e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

// Reads [client] (and [ghostcut]) from a MySQL-style option file into `out` (later values win),
// following !include FILE and !includedir DIR (its *.cnf files, in name order).
void read_option_file(const std::string& path, bool must_exist, OptionFileValues& out, int depth = 0) {
  if (depth > 10) throw std::runtime_error("option file " + path + ": !include nested more than 10 deep");
  std::ifstream in(path);
  if (!in) {
    if (must_exist) throw std::runtime_error("cannot read option file " + path);
    return;
  }
  warn_if_readable_by_others(path);
  std::string line, section;
  while (std::getline(in, line)) {
    line = trim(line);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.rfind("!includedir", 0) == 0 && (line.size() == 11 || line[11] == ' ' || line[11] == '\t')) {
      const std::string dir = trim(line.substr(11));
      std::error_code ec;
      std::vector<std::string> files;
      for (const auto& e : std::filesystem::directory_iterator(dir, ec))
        if (e.path().extension() == ".cnf") files.push_back(e.path().string());
      if (ec)
        throw std::runtime_error("option file " + path + ": cannot read !includedir " + dir + ": " + ec.message());
      std::sort(files.begin(), files.end());
      for (const auto& f : files) read_option_file(f, true, out, depth + 1);
      continue;
    }
    if (line.rfind("!include", 0) == 0 && (line.size() == 8 || line[8] == ' ' || line[8] == '\t')) {
      read_option_file(trim(line.substr(8)), true, out, depth + 1);
      continue;
    }
    if (line.front() == '[' && line.back() == ']') {
      section = trim(line.substr(1, line.size() - 2));
      continue;
    }
    if (section != "client" && section != "ghostcut") continue;
    const auto eq = line.find('=');
    std::string key = trim(line.substr(0, eq));
    std::string value = eq == std::string::npos ? std::string() : trim(line.substr(eq + 1));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front())
      value = value.substr(1, value.size() - 2);
    for (auto& ch : key)
      if (ch == '_') ch = '-';
    if (eq == std::string::npos && key != "get-server-public-key") continue;  // e.g. a bare "password": no value
    if (key == "port") {
      // Whole digits only, 1-65535: stoi would read "33o6" as 33 and wrap 99999 to 34463.
      const bool digits =
          !value.empty() && value.size() <= 5 && value.find_first_not_of("0123456789") == std::string::npos;
      const long v = digits ? std::stol(value) : 0;
      if (v < 1 || v > 65535)
        throw std::runtime_error("option file " + path + ": port must be a number from 1 to 65535, got '" + value +
                                 "'");
    }
    out.values[key] = value;
    out.sources[key] = path;
  }
}

// Reads the password from the terminal on stdin without echo.
std::string prompt_password() {
  if (!::isatty(STDIN_FILENO))
    throw std::runtime_error(
        "--ask-pass needs a terminal on stdin to prompt for the password, and stdin is not one "
        "(use the GHOSTCUT_PASSWORD environment variable or an option file instead)");
  std::cerr << "Password: " << std::flush;
  termios old{};
  const bool have_termios = ::tcgetattr(STDIN_FILENO, &old) == 0;
  if (have_termios) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  std::string password;
  const bool got = static_cast<bool>(std::getline(std::cin, password));
  if (have_termios) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
  std::cerr << "\n";
  if (!got) throw std::runtime_error("--ask-pass: no password read from the terminal");
  return password;
}

}  // namespace

void warn_if_readable_by_others(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return;
  if (st.st_mode & (S_IRGRP | S_IROTH)) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    spdlog::warn("{} is readable by other users (mode {}); it may hold a password: chmod 600 it", path, mode);
  }
}

OptionFileValues read_option_files(const po::variables_map& vm) {
  auto given = [&](const char* name) { return vm.count(name) != 0; };
  auto flag = [&](const char* name) { return vm.count(name) && vm[name].as<bool>(); };
  OptionFileValues file;
  if (given("conf") && given("defaults-file"))
    throw std::runtime_error("--conf and --defaults-file name the same thing; give one");
  if (flag("no-defaults")) {
    if (given("conf") || given("defaults-file") || given("defaults-extra-file"))
      throw std::runtime_error(
          "--no-defaults reads no option file: drop it or the --defaults-file/--conf/"
          "--defaults-extra-file");
    return file;
  }
  const char* main_name = given("conf") ? "conf" : "defaults-file";
  if (given(main_name)) {
    // Only this file (and an extra file), as the mysql client does.
    read_option_file(vm[main_name].as<std::string>(), true, file);
    if (given("defaults-extra-file")) read_option_file(vm["defaults-extra-file"].as<std::string>(), true, file);
    return file;
  }
  if (given("defaults-extra-file")) read_option_file(vm["defaults-extra-file"].as<std::string>(), true, file);
  if (const char* home = std::getenv("HOME")) read_option_file(std::string(home) + "/.my.cnf", false, file);
  return file;
}

ConnectionSettings connection_settings(const po::variables_map& vm) {
  const OptionFileValues file = read_option_files(vm);
  auto from_file = [&](const char* key) -> std::optional<std::string> {
    auto it = file.values.find(key);
    if (it == file.values.end()) return std::nullopt;
    return it->second;
  };
  ConnectionSettings s;
  // Command line beats the option file, which beats the defaults.
  auto explicit_flag = [&](const char* name) { return vm.count(name) && !vm[name].defaulted(); };
  auto pick = [&](const char* name, std::string& field) {
    if (explicit_flag(name)) field = vm[name].as<std::string>();
    else if (auto v = from_file(name)) field = *v;
    else if (vm.count(name)) field = vm[name].as<std::string>();
  };
  pick("host", s.host);
  if (explicit_flag("port")) s.port = vm["port"].as<std::uint16_t>();
  else if (auto v = from_file("port")) s.port = static_cast<std::uint16_t>(std::stol(*v));  // checked when read
  else s.port = vm["port"].as<std::uint16_t>();
  pick("user", s.user);
  if (vm.count("socket")) s.socket = vm["socket"].as<std::string>();
  else if (auto v = from_file("socket"); v && !explicit_flag("host") && !explicit_flag("port")) s.socket = *v;
  if (vm.count("database")) s.database = vm["database"].as<std::string>();

  const bool ask = vm.count("ask-pass") && vm["ask-pass"].as<bool>();
  if (ask && vm.count("password")) throw std::runtime_error("--ask-pass and --password exclude each other");
  if (vm.count("password")) s.password = vm["password"].as<std::string>();
  else if (ask) s.password = prompt_password();
  // Set but empty counts as unset (a deploy template's `GHOSTCUT_PASSWORD=`): it must not hide the
  // option file's password. An empty password is still given by `password=` in a file.
  else if (const char* env = std::getenv("GHOSTCUT_PASSWORD"); env && *env) s.password = env;
  else if (auto v = from_file("password")) s.password = *v;

  std::string mode;
  pick("ssl-mode", mode);
  const auto tls = parse_tls_mode(mode);
  if (!tls)
    throw std::runtime_error("--ssl-mode must be disabled, preferred, required, verify-ca or verify-identity, got '" +
                             mode + "'");
  s.tls_mode = *tls;
  // gh-ost's --ssl verifies the chain and the host name unless --ssl-allow-insecure.
  const bool gh_ssl = vm.count("ssl") && vm["ssl"].as<bool>();
  const bool gh_insecure = vm.count("ssl-allow-insecure") && vm["ssl-allow-insecure"].as<bool>();
  if (gh_insecure && !gh_ssl) throw std::runtime_error("--ssl-allow-insecure needs --ssl");
  if (gh_ssl) {
    if (explicit_flag("ssl-mode")) throw std::runtime_error("--ssl (gh-ost's) and --ssl-mode: give one");
    s.tls_mode = gh_insecure ? TlsMode::kRequired : TlsMode::kVerifyIdentity;
  }
  pick("ssl-ca", s.ssl_ca);
  pick("ssl-capath", s.ssl_capath);
  pick("ssl-cert", s.ssl_cert);
  pick("ssl-key", s.ssl_key);
  pick("server-public-key-path", s.server_public_key_path);
  s.get_server_public_key = (vm.count("get-server-public-key") && vm["get-server-public-key"].as<bool>());
  if (!s.get_server_public_key) {
    if (auto v = from_file("get-server-public-key"))
      s.get_server_public_key = *v != "0" && *v != "false" && *v != "OFF";
  }
  if (s.ssl_cert.empty() != s.ssl_key.empty())
    throw std::runtime_error("--ssl-cert and --ssl-key go together (the client certificate and its key)");
  if (!verifies_server(s.tls_mode) && (!s.ssl_ca.empty() || !s.ssl_capath.empty()))
    spdlog::warn(
        "--ssl-ca/--ssl-capath check the server only with --ssl-mode verify-ca or verify-identity "
        "(now: {})",
        to_string(s.tls_mode));
  for (const std::string* f : {&s.ssl_ca, &s.ssl_cert, &s.ssl_key, &s.server_public_key_path}) {
    if (!f->empty() && ::access(f->c_str(), R_OK) != 0) throw std::runtime_error("cannot read " + *f);
  }
  s.connect_timeout = std::chrono::seconds(vm["connect-timeout"].as<int>());
  if (s.user.empty())
    throw std::runtime_error("no user given (--user, or user= in the option file's [client] section)");
  return s;
}

}  // namespace ghostcut::cli
