// Which batches may be split over two connections, the split, and the key order within a batch
// (declared in apply_sql.h, with the argument for each).
#include <algorithm>
#include <charconv>

#include "engine/apply/apply_sql.h"
#include "engine/text.h"

namespace ghostcut::engine {

std::optional<std::string> partition_refusal(const MigrationPlan& plan) {
  auto same_columns = [](const std::vector<std::string>& a, const std::vector<std::string>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
      if (lower(a[i]) != lower(b[i])) return false;
    return true;
  };
  std::vector<std::string> ghost_key;  // the chunk key in the ghost's spelling
  for (const auto& k : plan.chunk_key.columns) {
    const auto* sc = plan.mapping.find_source(k);
    const auto src = plan.original.column_index(k);
    if (!sc || !src || sc->target_index >= plan.ghost.columns.size()) return "the chunk key is not shared";
    if (!is_integer_type(lower(plan.original.columns[*src].data_type)) ||
        !is_integer_type(lower(plan.ghost.columns[sc->target_index].data_type)))
      return "the chunk key is not all integers";
    ghost_key.push_back(sc->target_name);
  }
  for (const auto& ix : plan.ghost.indexes)
    if ((ix.unique || ix.primary) && !same_columns(ix.columns, ghost_key))
      return "the ghost has a unique key other than the chunk key (" + ix.name + ")";
  if (!plan.new_unique_keys.empty() || !plan.key_identity_terms.empty() || !plan.changed_unique_keys.empty())
    return "the ALTER adds or changes a unique key";
  // Unknown (the reverse sync's plan does not carry the old table's definition): no split.
  if (plan.ghost_create_statement.empty()) return "the target table's definition is not known";
  if (lower(plan.ghost_create_statement).find("foreign key") != std::string::npos) return "the ghost has a foreign key";
  if (!plan.mapping.backfills.empty()) return "--backfill";
  if (!plan.triggers.empty()) return "triggers";
  return std::nullopt;
}

std::pair<std::vector<RowOp>, std::vector<RowOp>> partition_ops(std::vector<RowOp> ops) {
  std::pair<std::vector<RowOp>, std::vector<RowOp>> out;
  out.first.reserve(ops.size() / 2 + 8);
  out.second.reserve(ops.size() / 2 + 8);
  // By blocks of 256 values of the first key column (an integer: partition_refusal), not by
  // single values: the two connections then mostly change different index pages instead of
  // queueing for the same page latches. A key's operations all share its first column.
  for (auto& op : ops) {
    std::uint64_t v = 0;
    if (op.first_int) {
      v = op.first_int->lo;
    } else {
      std::int64_t parsed = 0;
      const auto& k = op.key.front();
      std::from_chars(k.data(), k.data() + k.size(), parsed);
      v = static_cast<std::uint64_t>(parsed);
    }
    const auto block = v >> 8;
    const auto h = (block * 0x9E3779B97F4A7C15ULL) >> 63;
    (h ? out.second : out.first).push_back(std::move(op));
  }
  return out;
}

void order_by_key(std::vector<RowOp>& ops) {
  // Integer literals (partition_refusal): by sign, then by length, then by text.
  const auto less_int = [](const std::string& a, const std::string& b) {
    const bool na = !a.empty() && a[0] == '-', nb = !b.empty() && b[0] == '-';
    if (na != nb) return na;
    if (a.size() != b.size()) return na ? a.size() > b.size() : a.size() < b.size();
    return na ? b < a : a < b;
  };
  std::stable_sort(ops.begin(), ops.end(), [&](const RowOp& x, const RowOp& y) {
    if (x.kind != y.kind) return x.kind == RowOp::Kind::kDelete;
    std::size_t i = 0;
    if (x.first_int && y.first_int) {  // the values row_ops kept: no text to compare
      if (*x.first_int != *y.first_int) return *x.first_int < *y.first_int;
      i = 1;
    }
    for (; i < x.key.size() && i < y.key.size(); ++i) {
      if (less_int(x.key[i], y.key[i])) return true;
      if (less_int(y.key[i], x.key[i])) return false;
    }
    return false;
  });
}

}  // namespace ghostcut::engine
