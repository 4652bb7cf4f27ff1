// What the checksum compares (PURE: the plan only): which shared columns, as which SQL on each
// side, and the row as one string for CRC32. See engine/verify/checksum.h for how it is used.
#pragma once
#include <string>
#include <vector>

#include "engine/inspect/plan.h"

namespace ghostcut::engine {

struct ChecksumColumn {
  std::string name;       // original-side name, for messages
  std::string original;   // SQL over the original's row: the value as the ghost must hold it
  std::string ghost;      // SQL over the ghost's row
  bool nullable = false;  // on either side: the value is preceded by ISNULL()
  bool variable = false;  // text or bytes that could hold the separator: preceded by LENGTH()
  bool text = false;      // a value with a character set (the ghost's): see ChecksumColumns
  bool operator==(const ChecksumColumn&) const = default;
};

struct ChecksumColumns {
  std::vector<ChecksumColumn> compared;
  std::vector<std::string> skipped;
  // Text of more than one collation cannot go into one CONCAT_WS as it is (MariaDB errs, or picks
  // one and converts binary strings into it, losing bytes). One character set: text values get
  // `COLLATE <it>_bin` (no copy) and are hashed in a CONCAT_WS of their own, whose CRC32 joins the
  // rest. Several: every variable value is compared as bytes (CAST … AS BINARY, a copy each,
  // ~25 % slower on the bench table).
  std::string text_collation;  // e.g. "utf8mb4_bin"; empty: text values as they are
  bool binary = false;
};

// Which shared columns are compared, and how (pure: the plan only).
ChecksumColumns checksum_columns(const MigrationPlan& plan);
// CONCAT_WS('#', …) over one side's expressions: the row as one string for CRC32.
std::string checksum_row_expression(const ChecksumColumns& columns, bool ghost_side);

}  // namespace ghostcut::engine
