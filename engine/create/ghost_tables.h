// GhostTables: step 2 (create t_ghc and t_gho) and step 7 (clean up), and what each failure
// leaves: before the swap both stay for a resume (t_ghc holds the checkpoint) unless
// --cleanup-on-failure; once the tables are swapped only the changelog goes (t_gho's name is then
// nobody's, t is the new table). A resumed run keeps the interrupted run's tables.
#pragma once
#include <string>

#include "engine/run/context.h"

namespace ghostcut::engine {

class SqlConnection;

class GhostTables {
 public:
  explicit GhostTables(const MigrationContext& m) : m_(m) {}
  // Drops leftovers when asked (--drop-leftover-tables), creates t_ghc, then t_gho with the ALTER.
  void create(SqlConnection& c);
  void mark_swapped() { swapped_ = true; }
  // After a revert the new table is `t_rev`: --ok-to-drop-table drops it instead of `t_del`.
  void mark_reverted(std::string new_table) { reverted_table_ = std::move(new_table); }
  // An interrupted reverse sync: t_ghc (its checkpoint) and t_del stay for a restart.
  void keep_for_reverse_sync() { keep_for_reverse_sync_ = true; }
  bool swapped() const { return swapped_; }
  void clean_up_after_success();
  void clean_up_after_failure();

 private:
  // A fresh connection: the one that created the tables sat idle through the copy.
  void drop(bool changelog, bool ghost);

  const MigrationContext& m_;
  bool created_ = false;
  bool swapped_ = false;
  bool keep_for_reverse_sync_ = false;
  std::string reverted_table_;
};

}  // namespace ghostcut::engine
