// Connection flags shared by the subcommands, and where the password comes from:
// --password, else --ask-pass (a terminal prompt), else the GHOSTCUT_PASSWORD environment variable,
// else an option file's [client] section: --defaults-file (gh-ost: --conf) alone, or
// --defaults-extra-file then ~/.my.cnf; none with --no-defaults. The password is never logged.
#pragma once
#include <boost/program_options.hpp>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/connection_settings.h"

namespace ghostcut::cli {

struct TableRef {
  std::string schema;  // empty = any schema
  std::string table;
  static std::optional<TableRef> parse(const std::string& s);  // "db.tbl" or "tbl"
  bool matches(std::string_view s, std::string_view t) const { return (schema.empty() || schema == s) && table == t; }
};

void add_connection_options(boost::program_options::options_description& opts);

// [client]/[ghostcut] keys of the option files read (dashes for underscores; later files win).
struct OptionFileValues {
  std::map<std::string, std::string> values;
  std::map<std::string, std::string> sources;  // key -> the file it came from
};
// Throws std::runtime_error on an unreadable named file, a bad port, or conflicting flags.
OptionFileValues read_option_files(const boost::program_options::variables_map& vm);
// A warning (spdlog) when the file can be read by group or others: it may hold a password.
void warn_if_readable_by_others(const std::string& path);
// Throws std::runtime_error with a clear message on an unreadable option file or bad value.
ConnectionSettings connection_settings(const boost::program_options::variables_map& vm);

}  // namespace ghostcut::cli
