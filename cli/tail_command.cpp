// `ghostcut tail`: a table's row changes as JSON lines, from a binlog file on disk (offline)
// or live from a server (as a replica would read them).
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <optional>

#include "binlog/event/binlog_file_reader.h"
#include "binlog/row/change_decoder.h"
#include "binlog/row/value_json.h"
#include "cli/app.h"
#include "cli/subcommands.h"
#include "cli/tail_live.h"

namespace po = boost::program_options;
using namespace ghostcut::binlog;

namespace ghostcut::cli {
namespace {

// Read-only view of a whole file (mmap: binlog files can be GiBs).
class MappedFile {
 public:
  explicit MappedFile(const std::string& path) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw std::runtime_error(path + ": " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd_, &st) != 0) throw std::runtime_error(path + ": " + std::strerror(errno));
    if (!S_ISREG(st.st_mode)) throw std::runtime_error(path + ": not a regular file");
    size_ = static_cast<std::size_t>(st.st_size);
    if (size_ > 0) {
      void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd_, 0);
      if (p == MAP_FAILED) throw std::runtime_error(path + ": mmap: " + std::strerror(errno));
      data_ = static_cast<const std::uint8_t*>(p);
    }
  }
  ~MappedFile() {
    if (data_) ::munmap(const_cast<std::uint8_t*>(data_), size_);
    if (fd_ >= 0) ::close(fd_);
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  Bytes bytes() const { return {data_, size_}; }

 private:
  int fd_ = -1;
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

std::string base_name(const std::string& path) {
  auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

int tail_file(const std::string& path, const std::optional<TableRef>& table) {
  MappedFile file(path);
  ChangeDecoder::TableFilter filter;
  if (table) filter = [&](std::string_view s, std::string_view t) { return table->matches(s, t); };
  ChangeDecoder decoder(filter);
  decoder.set_position(BinlogPosition{base_name(path), 4});
  BinlogFileReader reader(file.bytes());
  std::string line;
  for (;;) {
    auto raw = reader.next();
    if (!raw) {
      std::cout.flush();
      std::cerr << "ghostcut tail: " << path << ": " << raw.error().message() << "\n";
      return kExitFailure;
    }
    if (!*raw) break;
    auto ev = decoder.decode(**raw);
    if (!ev) {
      std::cout.flush();
      std::cerr << "ghostcut tail: " << path << ": " << ev.error().message() << "\n";
      return kExitFailure;
    }
    if (ev->rows.empty()) continue;
    const TableMap* map = nullptr;
    if (const auto* rows = std::get_if<RowsEvent>(&ev->event)) map = decoder.table_maps().find(rows->table_id);
    for (const auto& change : ev->rows) {
      std::vector<std::string> names;
      if (map && map->schema == change.schema && map->table == change.table) names = decoder.column_names(*map);
      std::cout << row_change_json(change, names) << '\n';
    }
  }
  std::cout.flush();
  return kExitOk;
}

}  // namespace

std::optional<TableRef> TableRef::parse(const std::string& s) {
  if (s.empty()) return std::nullopt;
  auto dot = s.find('.');
  if (dot == std::string::npos) return TableRef{"", s};
  if (dot == 0 || dot + 1 == s.size()) return std::nullopt;
  return TableRef{s.substr(0, dot), s.substr(dot + 1)};
}

int run_tail(const std::vector<std::string>& args) {
  po::options_description opts("ghostcut tail options");
  std::string binlog_file, table, file;
  std::uint64_t pos = 0;
  opts.add_options()("help,h", "show this help")("binlog-file", po::value(&binlog_file),
                                                 "decode this binlog file on disk (offline)")(
      "table", po::value(&table), "only this table: db.tbl (or tbl, any schema)")(
      "from-current", "live: start at the server's current binlog position")(
      "file", po::value(&file), "live: start in this binlog file")("pos", po::value(&pos),
                                                                   "live: start at this offset in --file (default 4)")(
      "max-events", po::value<std::uint64_t>(), "live: stop after this many row changes")(
      "idle-timeout", po::value<double>(), "live: stop after this many seconds without a row change")(
      "server-id", po::value<std::uint32_t>(), "live: our replica server id (default: a random high id)");
  add_connection_options(opts);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args)
                  .options(opts)
                  .style(po::command_line_style::default_style & ~po::command_line_style::allow_guessing)
                  .run(),
              vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "ghostcut tail: " << e.what() << "\n" << opts;
    return kExitUsage;
  }
  if (vm.count("help")) {
    std::cout << "Usage: ghostcut tail --binlog-file PATH [--table db.tbl]\n"
                 "       ghostcut tail --table db.tbl [--from-current | --file F --pos P] [connection options]\n\n"
                 "Prints each row change as one JSON line: kind, position, schema, table, before/after.\n\n"
              << opts;
    return kExitOk;
  }
  std::optional<TableRef> ref;
  if (!table.empty()) {
    ref = TableRef::parse(table);
    if (!ref) {
      std::cerr << "ghostcut tail: --table must be db.tbl or tbl, got '" << table << "'\n";
      return kExitUsage;
    }
  }
  if (!binlog_file.empty()) return tail_file(binlog_file, ref);
  return tail_live(vm, ref);
}

}  // namespace ghostcut::cli
