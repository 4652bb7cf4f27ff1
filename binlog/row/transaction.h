// One committed transaction's row changes and statements, as the replication stream delivers it.
// A pure header so the applier (and its tests) need not include the stream's Asio.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "binlog/position.h"
#include "binlog/row/change_decoder.h"

namespace ghostcut::binlog {

// One committed transaction's changes to the tables asked for — or, when the stream delivers a
// big transaction in pieces (StreamSettings::piece_bytes), one piece of it: `more` is then true
// for every piece but the last, and such a piece's `end` lies inside the transaction (no resume
// point: a consumer that stops there must start again from the transaction's beginning).
struct Transaction {
  std::vector<RowChange> changes;
  std::vector<Query> queries;   // statements (DDL, …) other than BEGIN/COMMIT, any schema
  BinlogPosition end;           // resume point: just after the transaction's last event
  std::uint32_t timestamp = 0;  // header timestamp of the last event (source clock, seconds)
  std::size_t bytes = 0;        // size of the binlog events that carried its rows and statements
  bool more = false;            // a piece: the transaction goes on in the next one
  // MariaDB: an XA transaction binlogged at XA PREPARE (its GTID event says so; its xid comes
  // only in the XA END of its last piece). Set on every piece of it.
  bool prepared_xa = false;
};

}  // namespace ghostcut::binlog
