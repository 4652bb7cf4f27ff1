#include "binlog/event/trx_boundary.h"

#include <cctype>

namespace ghostcut::binlog {
namespace {

bool is_xa_start(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  std::string head;
  for (; i < s.size() && head.size() < 8; ++i)
    head += static_cast<char>(std::toupper(static_cast<unsigned char>(s[i])));
  return head.rfind("XA START", 0) == 0 || head.rfind("XA BEGIN", 0) == 0;
}

}  // namespace

TrxStep TrxBoundary::on_event(const Event& ev, std::uint64_t end_pos) {
  if (std::holds_alternative<Gtid>(ev)) return enter(TrxState::kPending);
  if (const auto* g = std::get_if<MariaGtid>(&ev)) {
    // MariaDB's GTID is the BEGIN unless the group is a standalone statement (DDL).
    return enter(g->standalone() ? TrxState::kPending : TrxState::kInTrx);
  }
  if (const auto* q = std::get_if<Query>(&ev)) {
    if (q->is_begin() || is_xa_start(q->statement)) return enter(TrxState::kInTrx);
    if (q->is_commit() || q->is_rollback()) return end(end_pos);
    if (state_ == TrxState::kInTrx) return TrxStep::kInside;
    return end(end_pos);  // DDL or autocommit statement: a transaction of its own
  }
  if (std::holds_alternative<Xid>(ev) || std::holds_alternative<TransactionPayload>(ev)) return end(end_pos);
  if (const auto* u = std::get_if<Unknown>(&ev)) {
    switch (u->type) {
      case EventType::kXaPrepare: return end(end_pos);
      // LOAD DATA: blocks first, then the query that runs them (its own trx when autocommit).
      case EventType::kBeginLoadQuery:
      case EventType::kAppendBlock: return enter(TrxState::kPending);
      case EventType::kExecuteLoadQuery: return state_ == TrxState::kInTrx ? TrxStep::kInside : end(end_pos);
      default: break;
    }
  }
  if (std::holds_alternative<RowsEvent>(ev)) return enter(TrxState::kInTrx);
  if (std::holds_alternative<TableMap>(ev) || std::holds_alternative<Intvar>(ev) || std::holds_alternative<Rand>(ev) ||
      std::holds_alternative<UserVar>(ev) || std::holds_alternative<AnnotateRows>(ev) ||
      std::holds_alternative<RowsQuery>(ev)) {
    return enter(TrxState::kPending);
  }
  // FDE, ROTATE, PREVIOUS_GTIDS, GTID_LIST, checkpoints, heartbeats, STOP, unknown: no change.
  return state_ == TrxState::kNone ? TrxStep::kOutside : TrxStep::kInside;
}

}  // namespace ghostcut::binlog
