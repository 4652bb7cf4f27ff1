// Connection flags shared by the subcommands, and where the password comes from:
// --password, else the GHOSTCUT_PASSWORD environment variable, else an option file
// (--defaults-file, or ~/.my.cnf) [client] section. The password is never logged.
#pragma once
#include <boost/program_options.hpp>
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
// Throws std::runtime_error with a clear message on an unreadable option file or bad value.
ConnectionSettings connection_settings(const boost::program_options::variables_map& vm);

}  // namespace ghostcut::cli
