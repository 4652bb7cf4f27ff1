// TableMapCache: table_id -> TableMap for one stream. table_id is a per-stream mapping, not stable
// across DDL or restarts: an entry is replaced by every TABLE_MAP with that id and the whole cache
// is dropped on FORMAT_DESCRIPTION / ROTATE (a new file or a new dump). Never key by (db, table).
#pragma once
#include <cstdint>
#include <unordered_map>

#include "binlog/event/event_decoder.h"
#include "binlog/event/table_map.h"

namespace ghostcut::binlog {

class TableMapCache {
 public:
  void put(TableMap map) {
    const std::uint64_t id = map.table_id;
    maps_.insert_or_assign(id, std::move(map));
  }
  // put(), but an entry equal to `map` (the usual case: a TABLE_MAP before every transaction's
  // rows, unchanged while the table is) is kept instead of copied over again.
  void put_if_changed(const TableMap& map) {
    auto it = maps_.find(map.table_id);
    if (it == maps_.end()) maps_.emplace(map.table_id, map);
    else if (!(it->second == map)) it->second = map;
  }
  const TableMap* find(std::uint64_t table_id) const {
    auto it = maps_.find(table_id);
    return it == maps_.end() ? nullptr : &it->second;
  }
  void clear() noexcept { maps_.clear(); }
  std::size_t size() const noexcept { return maps_.size(); }

  // Applies the cache rules for one decoded event (TABLE_MAP -> put; FDE, ROTATE -> clear).
  // Feed the inner events of a TRANSACTION_PAYLOAD too: their TABLE_MAPs live there.
  void observe(const Event& ev) {
    if (const auto* m = std::get_if<TableMap>(&ev)) {
      put_if_changed(*m);
    } else if (std::holds_alternative<FormatDescription>(ev) || std::holds_alternative<Rotate>(ev)) {
      clear();
    }
  }

 private:
  std::unordered_map<std::uint64_t, TableMap> maps_;
};

}  // namespace ghostcut::binlog
