// Schema read with SHOW (the scratch copy of the altered table is read this way; SHOW INDEX gives
// key prefixes that information_schema-based IndexInfo cannot).
#pragma once
#include <map>
#include <string>
#include <vector>

#include "engine/inspect/inspector.h"

namespace ghostcut::engine {

// Unique keys as name -> key parts "col" or "col(prefix)" (lower case), from SHOW INDEX: a
// UNIQUE (c(10)) is stricter than UNIQUE (c), which information_schema-based IndexInfo can't tell.
std::map<std::string, std::vector<std::string>> unique_key_parts(SqlConnection& conn, const std::string& db,
                                                                 const std::string& table);

}  // namespace ghostcut::engine
