#include "engine/apply/apply_sql.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>
#include <stdexcept>
#include <unordered_set>

#include "engine/apply/value_sql.h"
#include "engine/sql/query_builder.h"
#include "engine/sql/quoting.h"
#include "engine/text.h"

namespace ghostcut::engine {
namespace {

std::string charset_of(const TableSchema& s, std::size_t i) {
  if (i >= s.columns.size() || !s.columns[i].charset) return {};
  return *s.columns[i].charset;
}

bool has_partial_json(const binlog::RowImage& img) {
  for (const auto& v : img.values)
    if (auto* j = std::get_if<binlog::JsonValue>(&v); j && j->partial) return true;
  return false;
}

std::string where(const binlog::RowChange& c) {
  return c.schema + "." + c.table + " at " + c.position.file + ":" + std::to_string(c.position.offset);
}

const char* kPartialJsonHelp =
    "a partial JSON update (binlog_row_value_options=PARTIAL_JSON) carries only a diff, not the new "
    "document, so it cannot be applied to the ghost table; run SET GLOBAL binlog_row_value_options='' "
    "(and in the server config) and restart the migration";

Result<void> check_image(const binlog::RowImage& img, const ApplyTarget& t, const binlog::RowChange& c) {
  // The usual case, every needed column there, without building a Result per column.
  const auto there = [&](std::size_t i) {
    return i < img.values.size() && (img.present.empty() || (i < img.present.size() && img.present[i]));
  };
  if (std::all_of(t.source_indexes.begin(), t.source_indexes.end(), there) &&
      std::all_of(t.key_source_indexes.begin(), t.key_source_indexes.end(), there))
    return {};
  auto need = [&](std::size_t i) -> Result<void> {
    if (i >= img.values.size())
      return Error(binlog::Errc::kBadValue, "row image of " + where(c) + " has " + std::to_string(img.values.size()) +
                                                " columns, need column " + std::to_string(i + 1));
    if (!img.present.empty() && (i >= img.present.size() || !img.present[i]))
      return Error(binlog::Errc::kBadValue, "column " + std::to_string(i + 1) + " is missing from the row image of " +
                                                where(c) + " (binlog_row_image must be FULL)");
    return {};
  };
  for (auto i : t.source_indexes)
    if (auto r = need(i); !r) return r;
  for (auto i : t.key_source_indexes)
    if (auto r = need(i); !r) return r;
  return {};
}

Result<std::vector<std::string>> key_of(const binlog::RowImage& img, const ApplyTarget& t, const binlog::RowChange& c) {
  std::vector<std::string> key;
  key.reserve(t.key_source_indexes.size());
  for (std::size_t k = 0; k < t.key_source_indexes.size(); ++k) {
    const auto& v = img.values[t.key_source_indexes[k]];
    if (binlog::is_null(v))
      return Error(binlog::Errc::kBadValue, "NULL in key column " + t.key_target_columns[k] + " at " + where(c));
    std::string lit = sql_literal(v, t.key_source_charsets[k]);
    const auto& src = t.key_source_charsets[k];
    const auto& dst = t.key_target_charsets[k];
    // Compare in the ghost column's charset, so the index is used (and the match is the ghost's).
    if (!src.empty() && src != "binary" && !dst.empty() && dst != "binary" && src != dst)
      lit = "CONVERT(" + lit + " USING " + dst + ")";
    key.push_back(std::move(lit));
  }
  return key;
}

std::optional<IntKey> int_key_of(const binlog::Value& v) {
  if (const auto* i = std::get_if<std::int64_t>(&v)) return IntKey{*i < 0 ? -1 : 0, static_cast<std::uint64_t>(*i)};
  if (const auto* u = std::get_if<std::uint64_t>(&v)) return IntKey{0, *u};
  return std::nullopt;
}

std::string key_identity(const std::vector<std::string>& key) {
  std::string id;
  for (const auto& k : key) {
    id += k;
    id.push_back('\0');
  }
  return id;
}

std::string comment(const ApplyTarget& t, std::string_view purpose) {
  std::string text = "ghostcut " + t.schema + "." + t.table + " " + std::string(purpose);
  for (std::size_t p = text.find("*/"); p != std::string::npos; p = text.find("*/", p + 2)) text.replace(p, 2, "* /");
  return "/* " + text + " */ ";
}

std::string column_list(const std::vector<std::string>& cols) {
  std::string out = "(";
  for (std::size_t i = 0; i < cols.size(); ++i) {
    if (i) out += ", ";
    out += quote_identifier(cols[i]);
  }
  return out + ")";
}

// Appends statements of the form head + item + sep + item …, split at the byte limit.
class StatementSplitter {
 public:
  StatementSplitter(std::vector<std::string>& out, std::string head, std::string sep, std::string tail,
                    std::size_t limit)
      : out_(out), head_(std::move(head)), sep_(std::move(sep)), tail_(std::move(tail)), limit_(limit) {}
  void add(const std::string& item) {
    if (items_ && cur_.size() + sep_.size() + item.size() + tail_.size() > limit_) flush();
    if (!items_) cur_ = head_;
    else cur_ += sep_;
    cur_ += item;
    ++items_;
  }
  void flush() {
    if (!items_) return;
    out_.push_back(std::move(cur_) + tail_);
    cur_.clear();
    items_ = 0;
  }

 private:
  std::vector<std::string>& out_;
  std::string head_, sep_, tail_;
  std::size_t limit_;
  std::string cur_;
  std::size_t items_ = 0;
};

// `head` + the rows of `ops` by key: DELETE FROM …, or the backfill's UPDATE … SET ….
void emit_by_key(std::vector<std::string>& out, const std::vector<const RowOp*>& ops, const ApplyTarget& t,
                 const std::string& head) {
  const bool single = t.key_target_columns.size() == 1 && t.identity_terms.empty();
  if (single) {
    StatementSplitter s(out, head + " WHERE " + quote_identifier(t.key_target_columns[0]) + " IN (", ", ", ")",
                        t.max_statement_bytes);
    for (const auto* op : ops) s.add(op->key[0]);
    s.flush();
    return;
  }
  StatementSplitter s(out, head + " WHERE ", " OR ", "", t.max_statement_bytes);
  for (const auto* op : ops) {
    std::string term = "(";
    for (std::size_t k = 0; k < op->key.size(); ++k) {
      if (k) term += " AND ";
      term += quote_identifier(t.key_target_columns[k]) + " = " + op->key[k];
      // The index finds the row under the new rules; only the same original key may go.
      if (k < t.identity_terms.size())
        term += " AND " + identity_term(t.identity_terms[k], quote_identifier(t.key_target_columns[k]), op->key[k]);
    }
    s.add(term + ")");
  }
  s.flush();
}

void emit_deletes(std::vector<std::string>& out, const std::vector<const RowOp*>& ops, const ApplyTarget& t) {
  emit_by_key(out, ops, t, comment(t, "apply-delete") + "DELETE FROM " + quote_qualified(t.schema, t.ghost_table));
}

void emit_backfills(std::vector<std::string>& out, const std::vector<const RowOp*>& ops, const ApplyTarget& t) {
  if (t.backfills.empty()) return;
  std::string set;
  for (const auto& [column, expression] : t.backfills)
    set += (set.empty() ? "" : ", ") + quote_identifier(column) + " = (" + expression + ")";
  emit_by_key(out, ops, t,
              comment(t, "apply-backfill") + "UPDATE " + quote_qualified(t.schema, t.ghost_table) + " SET " + set);
}

// ENUM index / SET bits → the members' text (COLUMN_TYPE text is utf8).
void append_member_text(std::string& out, const binlog::Value& v, const std::vector<std::string>& members) {
  std::string text;
  if (const auto* e = std::get_if<binlog::EnumValue>(&v)) {
    if (e->index == 0 || e->index > members.size()) return append_sql_literal(out, v);  // the '' error value
    text = members[e->index - 1];
  } else if (const auto* st = std::get_if<binlog::SetValue>(&v)) {
    for (std::size_t b = 0; b < members.size() && b < 64; ++b)
      if (st->bits >> b & 1) {
        if (!text.empty()) text.push_back(',');
        text += members[b];
      }
  } else {
    return append_sql_literal(out, v);  // NULL
  }
  out += "_utf8mb4 " + hex_literal(text);
}

void emit_writes(std::vector<std::string>& out, const std::vector<const RowOp*>& ops, const ApplyTarget& t) {
  if (t.insert_mode) emit_deletes(out, ops, t);
  const bool guarded = !t.insert_mode && !t.identity_terms.empty();
  const std::string verb = t.insert_mode || guarded ? "INSERT INTO " : "REPLACE INTO ";
  std::string tail;
  if (guarded) {
    std::string same;
    for (std::size_t k = 0; k < t.identity_terms.size() && k < t.key_target_columns.size(); ++k) {
      const auto col = quote_identifier(t.key_target_columns[k]);
      same += (k ? " AND " : "") + identity_term(t.identity_terms[k], col, "VALUES(" + col + ")");
    }
    const auto first = quote_identifier(t.key_target_columns.front());
    tail = " ON DUPLICATE KEY UPDATE " + first + " = IF(" + same + ", VALUES(" + first + "), NULL)";
    for (const auto& c : t.target_columns)
      if (quote_identifier(c) != first) tail += ", " + quote_identifier(c) + " = VALUES(" + quote_identifier(c) + ")";
  }
  StatementSplitter s(out,
                      comment(t, t.insert_mode ? "apply-insert"
                                 : guarded     ? "apply-upsert"
                                               : "apply-replace") +
                          verb + quote_qualified(t.schema, t.ghost_table) + " " + column_list(t.target_columns) +
                          " VALUES ",
                      ", ", tail, t.max_statement_bytes);
  std::string row;
  for (const auto* op : ops) {
    row.assign("(");
    for (std::size_t i = 0; i < t.source_indexes.size(); ++i) {
      if (i) row += ", ";
      const auto& v = op->row->values[t.source_indexes[i]];
      if (i < t.source_members.size() && !t.source_members[i].empty()) {
        append_member_text(row, v, t.source_members[i]);
      } else if (i < t.tz_shift.size() && t.tz_shift[i] != 0 && !binlog::is_null(v)) {
        row += tz_shifted(sql_literal(v, t.source_charsets[i]), t.tz_shift[i]);  // as the copy does
      } else {
        append_sql_literal(row, v, t.source_charsets[i]);
      }
    }
    row += ")";
    s.add(row);
  }
  s.flush();
  emit_backfills(out, ops, t);
}

}  // namespace

std::string identity_term(std::string term, const std::string& stored, const std::string& incoming) {
  for (auto p = term.find("{T}"); p != std::string::npos; p = term.find("{T}", p + stored.size()))
    term.replace(p, 3, stored);
  for (auto p = term.find("{V}"); p != std::string::npos; p = term.find("{V}", p + incoming.size()))
    term.replace(p, 3, incoming);
  return term;
}

std::optional<std::vector<std::string>> enum_members(std::string_view type) {
  std::size_t i = 0;
  auto starts = [&](std::string_view w) {
    if (type.size() < w.size()) return false;
    for (std::size_t k = 0; k < w.size(); ++k)
      if (std::tolower(static_cast<unsigned char>(type[k])) != w[k]) return false;
    return true;
  };
  if (starts("enum(")) i = 5;
  else if (starts("set(")) i = 4;
  else return std::nullopt;
  std::vector<std::string> out;
  while (i < type.size() && type[i] == '\'') {
    std::string m;
    ++i;
    for (;;) {
      if (i >= type.size()) return std::nullopt;
      if (type[i] == '\'') {
        if (i + 1 < type.size() && type[i + 1] == '\'') {
          m.push_back('\'');
          i += 2;
          continue;
        }
        ++i;
        break;
      }
      m.push_back(type[i++]);
    }
    out.push_back(std::move(m));
    if (i < type.size() && type[i] == ',') ++i;
    else break;
  }
  if (i >= type.size() || type[i] != ')' || out.empty()) return std::nullopt;
  return out;
}

Result<ApplyTarget> make_apply_target(const MigrationPlan& plan, std::size_t max_statement_bytes) {
  ApplyTarget t;
  t.schema = plan.database;
  t.table = plan.table;
  t.ghost_table = plan.ghost_table;
  t.insert_mode = !plan.new_unique_keys.empty();
  t.identity_terms = plan.key_identity_terms;
  t.max_statement_bytes = max_statement_bytes;
  t.backfills = plan.mapping.backfills;
  for (const auto& sc : plan.mapping.shared) {
    t.target_columns.push_back(sc.target_name);
    t.source_indexes.push_back(sc.source_index);
    t.source_charsets.push_back(charset_of(plan.original, sc.source_index));
    t.tz_shift.push_back(sc.tz_shift);
    std::vector<std::string> members;
    if (sc.type_changed && sc.source_index < plan.original.columns.size())
      if (auto m = enum_members(plan.original.columns[sc.source_index].column_type)) members = std::move(*m);
    t.source_members.push_back(std::move(members));
  }
  if (plan.chunk_key.columns.empty()) return Error(binlog::Errc::kBadValue, "the chunk key has no columns");
  for (const auto& k : plan.chunk_key.columns) {
    const auto* sc = plan.mapping.find_source(k);
    if (!sc)
      return Error(binlog::Errc::kBadValue,
                   "key column " + k + " of " + plan.chunk_key.name + " is not shared with the ghost table");
    t.key_source_indexes.push_back(sc->source_index);
    t.key_target_columns.push_back(sc->target_name);
    t.key_source_charsets.push_back(charset_of(plan.original, sc->source_index));
    t.key_target_charsets.push_back(charset_of(plan.ghost, sc->target_index));
  }
  return t;
}

Result<std::vector<RowOp>> row_ops(std::span<const binlog::RowChange* const> changes, const ApplyTarget& t,
                                   bool dedupe) {
  std::vector<RowOp> ops;
  ops.reserve(changes.size());
  for (const auto* cp : changes) {
    const auto& c = *cp;
    if (c.kind == binlog::RowsKind::kPartialUpdate || (c.after && has_partial_json(*c.after)))
      return Error(binlog::Errc::kBadValue, std::string(kPartialJsonHelp) + " (" + where(c) + ")");
    const bool needs_before = c.kind != binlog::RowsKind::kWrite;
    const bool needs_after = c.kind != binlog::RowsKind::kDelete;
    if ((needs_before && !c.before) || (needs_after && !c.after))
      return Error(binlog::Errc::kBadValue, "row change without its image at " + where(c));
    std::optional<std::vector<std::string>> before_key, after_key;
    if (needs_before) {
      if (auto r = check_image(*c.before, t, c); !r) return r.error();
      auto k = key_of(*c.before, t, c);
      if (!k) return k.error();
      before_key = std::move(*k);
    }
    if (needs_after) {
      if (auto r = check_image(*c.after, t, c); !r) return r.error();
      auto k = key_of(*c.after, t, c);
      if (!k) return k.error();
      after_key = std::move(*k);
    }
    const std::size_t k0 = t.key_source_indexes.front();
    if (before_key && (!after_key || *before_key != *after_key))
      ops.push_back({RowOp::Kind::kDelete, std::move(*before_key), nullptr, int_key_of(c.before->values[k0])});
    if (after_key)
      ops.push_back({RowOp::Kind::kWrite, std::move(*after_key), &*c.after, int_key_of(c.after->values[k0])});
  }
  if (!dedupe) return ops;
  // Keep the last operation of each key; survivors stay in binlog order.
  std::vector<bool> keep(ops.size(), false);
  std::size_t kept = 0;
  const bool int_keys = t.key_source_indexes.size() == 1 &&
                        std::all_of(ops.begin(), ops.end(), [](const RowOp& op) { return op.first_int.has_value(); });
  if (int_keys) {
    // One integer column: its value is the key (one literal per value), so sort positions by
    // (value, position) and keep each value's last, without a string per operation.
    std::vector<std::uint32_t> order(ops.size());
    for (std::size_t i = 0; i < ops.size(); ++i) order[i] = static_cast<std::uint32_t>(i);
    std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
      const auto c = *ops[a].first_int <=> *ops[b].first_int;
      return c != 0 ? c < 0 : a < b;
    });
    for (std::size_t j = 0; j < order.size(); ++j)
      if (j + 1 == order.size() || *ops[order[j]].first_int != *ops[order[j + 1]].first_int) {
        keep[order[j]] = true;
        ++kept;
      }
  } else {
    std::unordered_set<std::string> seen;
    for (std::size_t i = ops.size(); i-- > 0;)
      if (seen.insert(key_identity(ops[i].key)).second) keep[i] = true;
    kept = seen.size();
  }
  std::vector<RowOp> out;
  out.reserve(kept);
  for (std::size_t i = 0; i < ops.size(); ++i)
    if (keep[i]) out.push_back(std::move(ops[i]));
  return out;
}

std::vector<std::string> apply_statements(const std::vector<RowOp>& ops, const ApplyTarget& t) {
  std::vector<std::string> out;
  std::vector<const RowOp*> run;
  std::set<std::string> run_keys;  // insert mode: a key twice in one run would collide with itself
  auto flush = [&] {
    if (run.empty()) return;
    if (run.front()->kind == RowOp::Kind::kDelete) emit_deletes(out, run, t);
    else emit_writes(out, run, t);
    run.clear();
    run_keys.clear();
  };
  for (const auto& op : ops) {
    if (!run.empty() && run.front()->kind != op.kind) flush();
    if (op.kind == RowOp::Kind::kWrite && t.insert_mode && !run_keys.insert(key_identity(op.key)).second) {
      flush();
      run_keys.insert(key_identity(op.key));
    }
    run.push_back(&op);
  }
  flush();
  return out;
}

}  // namespace ghostcut::engine
