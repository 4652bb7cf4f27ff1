// TrxBoundary: follows the top-level event stream and says where transactions end, i.e. which
// positions are safe to resume (or checkpoint) from. States:
//   kNone     between transactions: the position after the last event is a safe resume point
//   kPending  a GTID (MySQL) or statement context (INTVAR/RAND/USER_VAR/ANNOTATE/TABLE_MAP)
//             was seen; the transaction body has not started
//   kInTrx    inside BEGIN ... (or after a MariaDB GTID without FL_STANDALONE, which is the BEGIN)
// Transitions:
//   GTID / ANONYMOUS_GTID / GTID_TAGGED, MariaDB GTID with FL_STANDALONE -> kPending
//   MariaDB GTID without FL_STANDALONE, QUERY "BEGIN" / "XA START", rows events -> kInTrx
//   XID, QUERY "COMMIT"/"ROLLBACK", XA_PREPARE -> end (kNone)
//   any other QUERY (or EXECUTE_LOAD_QUERY) outside kInTrx (DDL, autocommit statement) -> its own
//   transaction -> end
//   TRANSACTION_PAYLOAD: holds a whole transaction -> end. Feed only top-level events: a
//   payload's inner events have log_pos 0 and are not resume points.
// https://dev.mysql.com/doc/refman/8.0/en/binary-log-transaction-compression.html
// https://mariadb.com/kb/en/gtid_event/
#pragma once
#include <cstdint>
#include <optional>

#include "binlog/event/event_decoder.h"

namespace ghostcut::binlog {

enum class TrxState : std::uint8_t { kNone, kPending, kInTrx };

// What one event did to the transaction.
enum class TrxStep : std::uint8_t {
  kOutside,  // between transactions, nothing started
  kStarted,  // moved from kNone/kPending into a transaction (or its prelude)
  kInside,   // part of the current transaction
  kEnded,    // this event ended a transaction: end_pos is a safe resume point
};

class TrxBoundary {
 public:
  // `end_pos` is the position just after the event (its header log_pos, or file offset + size).
  TrxStep on_event(const Event& ev, std::uint64_t end_pos);

  TrxState state() const noexcept { return state_; }
  bool in_transaction() const noexcept { return state_ != TrxState::kNone; }
  // End of the last complete transaction seen; nullopt before the first one.
  std::optional<std::uint64_t> last_safe_position() const noexcept { return last_safe_; }
  // Forget everything (new stream, reconnect).
  void reset() noexcept {
    state_ = TrxState::kNone;
    last_safe_.reset();
  }

 private:
  TrxStep end(std::uint64_t end_pos) {
    state_ = TrxState::kNone;
    last_safe_ = end_pos;
    return TrxStep::kEnded;
  }
  TrxStep enter(TrxState s) {
    const bool was_none = state_ == TrxState::kNone;
    if (state_ != TrxState::kInTrx) state_ = s;
    return was_none ? TrxStep::kStarted : TrxStep::kInside;
  }

  TrxState state_ = TrxState::kNone;
  std::optional<std::uint64_t> last_safe_;
};

}  // namespace ghostcut::binlog
