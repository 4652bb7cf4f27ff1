#include "engine/control/command.h"

#include "engine/text.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <optional>
#include "engine/errc.h"

namespace ghostcut::engine {
namespace {

using binlog::Errc;

std::optional<std::uint64_t> parse_uint(std::string_view s) {
  if (s.empty() || !std::isdigit(static_cast<unsigned char>(s.front()))) return std::nullopt;
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<double> parse_double(std::string_view s) {
  if (s.empty() || !(std::isdigit(static_cast<unsigned char>(s.front())) || s.front() == '.' || s.front() == '-'))
    return std::nullopt;
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  for (;;) {
    const auto p = s.find(sep);
    out.push_back(trim(s.substr(0, p)));
    if (p == std::string_view::npos) return out;
    s.remove_prefix(p + 1);
  }
}

std::string_view unquote(std::string_view s) {
  if (s.size() >= 2 && (s.front() == '\'' || s.front() == '"') && s.back() == s.front())
    return trim(s.substr(1, s.size() - 2));
  return s;
}

Result<LoadMap> parse_load(std::string_view name, std::string_view arg) {
  LoadMap load;
  if (arg.empty()) return load;
  for (auto entry : split(arg, ',')) {
    const auto eq = entry.find('=');
    if (entry.empty() || eq == std::string_view::npos)
      return Error(EngineErrc::kBadSetting,
                   std::string(name) + ": expected Var=N[,Var=N...], got '" + std::string(entry) + "'");
    const auto var = trim(entry.substr(0, eq));
    const auto value = trim(entry.substr(eq + 1));
    const auto n = parse_uint(value);
    if (!n || *n > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      return Error(EngineErrc::kBadSetting, std::string(name) + ": threshold for " + std::string(var) +
                                                " must be a non-negative integer, got '" + std::string(value) + "'");
    for (const auto& [existing, _] : load)
      if (iequals(existing, var))
        return Error(EngineErrc::kBadSetting, std::string(name) + ": " + std::string(var) + " given twice");
    load.emplace(std::string(var), static_cast<std::int64_t>(*n));
  }
  if (auto why = validate_load(load)) return Error(EngineErrc::kBadSetting, std::string(name) + ": " + *why);
  return load;
}

Result<std::vector<ReplicaAddress>> parse_replicas(std::string_view arg) {
  std::vector<ReplicaAddress> out;
  arg = unquote(arg);
  if (arg.empty()) return out;
  for (auto entry : split(arg, ',')) {
    const std::string what = "throttle-control-replicas: '" + std::string(entry) + "'";
    if (entry.empty()) return Error(EngineErrc::kBadSetting, "throttle-control-replicas: empty entry");
    ReplicaAddress r;
    std::string_view host = entry, port;
    if (entry.front() == '[') {  // [IPv6]:port
      const auto close = entry.find(']');
      if (close == std::string_view::npos) return Error(EngineErrc::kBadSetting, what + " has no closing ]");
      host = entry.substr(1, close - 1);
      const auto rest = entry.substr(close + 1);
      if (!rest.empty()) {
        if (rest.front() != ':') return Error(EngineErrc::kBadSetting, what + " is not [host]:port");
        port = rest.substr(1);
        if (port.empty()) return Error(EngineErrc::kBadSetting, what + " has an empty port");
      }
    } else if (const auto colon = entry.rfind(':'); colon != std::string_view::npos) {
      if (entry.find(':') != colon)
        return Error(EngineErrc::kBadSetting, what + ": write IPv6 addresses as [addr]:port");
      host = entry.substr(0, colon);
      port = entry.substr(colon + 1);
      if (port.empty()) return Error(EngineErrc::kBadSetting, what + " has an empty port");
    }
    r.host = std::string(host);
    if (!port.empty()) {
      const auto p = parse_uint(port);
      if (!p || *p == 0 || *p > 65535) return Error(EngineErrc::kBadSetting, what + ": port must be 1-65535");
      r.port = static_cast<std::uint16_t>(*p);
    }
    out.push_back(std::move(r));
  }
  if (auto why = validate_replicas(out)) return Error(EngineErrc::kBadSetting, "throttle-control-replicas: " + *why);
  return out;
}

struct SettingSpec {
  std::string_view name;
  SettingName setting;
};
constexpr SettingSpec kSettings[] = {
    {"chunk-size", SettingName::kChunkSize},
    {"threads", SettingName::kThreads},
    {"dml-batch-size", SettingName::kDmlBatchSize},
    {"max-lag-millis", SettingName::kMaxLagMillis},
    {"nice-ratio", SettingName::kNiceRatio},
    {"max-load", SettingName::kMaxLoad},
    {"critical-load", SettingName::kCriticalLoad},
    {"throttle-query", SettingName::kThrottleQuery},
    {"throttle-control-replicas", SettingName::kThrottleControlReplicas},
    {"window", SettingName::kCutOverWindows},
};

Result<Command> parse_uint_setting(SettingName s, std::string_view arg,
                                   std::optional<std::string> (*validate)(std::uint64_t)) {
  const auto name = std::string(to_string(s));
  const auto n = parse_uint(arg);
  if (!n)
    return Error(EngineErrc::kBadSetting, name + " expects a non-negative integer, got '" + std::string(arg) + "'");
  if (auto why = validate(*n)) return Error(EngineErrc::kBadSetting, *why);
  switch (s) {
    case SettingName::kChunkSize: return Command{SetChunkSizeCommand{*n}};
    case SettingName::kThreads: return Command{SetThreadsCommand{*n}};
    case SettingName::kDmlBatchSize: return Command{SetDmlBatchSizeCommand{*n}};
    default: return Command{SetMaxLagMillisCommand{*n}};
  }
}

Result<Command> parse_setting(SettingName s, std::string_view arg) {
  if (arg == "?") return Command{ShowSettingCommand{s}};
  switch (s) {
    case SettingName::kChunkSize: return parse_uint_setting(s, arg, validate_chunk_size);
    case SettingName::kThreads: return parse_uint_setting(s, arg, validate_threads);
    case SettingName::kDmlBatchSize: return parse_uint_setting(s, arg, validate_dml_batch_size);
    case SettingName::kMaxLagMillis: return parse_uint_setting(s, arg, validate_max_lag_millis);
    case SettingName::kNiceRatio: {
      const auto r = parse_double(arg);
      if (!r) return Error(EngineErrc::kBadSetting, "nice-ratio expects a number, got '" + std::string(arg) + "'");
      if (auto why = validate_nice_ratio(*r)) return Error(EngineErrc::kBadSetting, *why);
      return Command{SetNiceRatioCommand{*r}};
    }
    case SettingName::kMaxLoad: {
      auto load = parse_load("max-load", arg);
      if (!load) return load.error();
      return Command{SetMaxLoadCommand{std::move(*load)}};
    }
    case SettingName::kCriticalLoad: {
      auto load = parse_load("critical-load", arg);
      if (!load) return load.error();
      return Command{SetCriticalLoadCommand{std::move(*load)}};
    }
    case SettingName::kThrottleQuery:
      if (auto why = validate_throttle_query(arg)) return Error(EngineErrc::kBadSetting, *why);
      return Command{SetThrottleQueryCommand{std::string(arg)}};
    case SettingName::kThrottleControlReplicas: {
      auto replicas = parse_replicas(arg);
      if (!replicas) return replicas.error();
      return Command{SetThrottleControlReplicasCommand{std::move(*replicas)}};
    }
    case SettingName::kCutOverWindows: {
      SetCutOverWindowsCommand c;
      for (auto spec : split(unquote(arg), ';'))
        if (!spec.empty()) c.specs.emplace_back(spec);
      if (auto why = validate_cut_over_windows(c.specs)) return Error(EngineErrc::kBadSetting, *why);
      return Command{std::move(c)};
    }
  }
  return Error(Errc::kUnsupported, "unknown setting");
}

std::optional<Command> plain_command(std::string_view name) {
  if (name == "help") return HelpCommand{};
  if (name == "sup") return SupCommand{};
  if (name == "status" || name == "info") return StatusCommand{};
  if (name == "coordinates") return CoordinatesCommand{};
  if (name == "throttle" || name == "pause" || name == "suspend") return ThrottleCommand{};
  if (name == "no-throttle" || name == "unthrottle" || name == "resume" || name == "continue")
    return NoThrottleCommand{};
  if (name == "postpone") return PostponeCommand{};
  if (name == "unpostpone" || name == "no-postpone" || name == "cut-over") return UnpostponeCommand{};
  return std::nullopt;
}

std::string on_off(bool b) { return b ? "on" : "off"; }

std::string chunk_size_text(std::uint64_t n) { return n ? std::to_string(n) : "adaptive"; }

std::string ratio_text(double r) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", r);
  return buf;
}

std::string replicas_text(const std::vector<ReplicaAddress>& rs) {
  std::string out;
  for (const auto& r : rs) out += (out.empty() ? "" : ",") + r.to_string();
  return out.empty() ? "(none)" : out;
}

std::string windows_text(const std::vector<std::string>& ws) {
  std::string out;
  for (const auto& w : ws) out += (out.empty() ? "" : "; ") + w;
  return out.empty() ? "(none)" : out;
}

std::string load_text(const LoadMap& l) { return l.empty() ? "(none)" : to_string(l); }
std::string query_text(const std::string& q) { return q.empty() ? "(none)" : q; }

std::string changed(std::string_view name, const std::string& old_value, const std::string& new_value) {
  return std::string(name) + ": " + old_value + " -> " + new_value;
}

std::string show(SettingName s, const RuntimeSettings& settings) {
  const std::string name(to_string(s));
  switch (s) {
    case SettingName::kChunkSize: return name + ": " + chunk_size_text(settings.chunk_size());
    case SettingName::kThreads: return name + ": " + std::to_string(settings.threads());
    case SettingName::kDmlBatchSize: return name + ": " + std::to_string(settings.dml_batch_size());
    case SettingName::kMaxLagMillis: return name + ": " + std::to_string(settings.max_lag_millis());
    case SettingName::kNiceRatio: return name + ": " + ratio_text(settings.nice_ratio());
    case SettingName::kMaxLoad: return name + ": " + load_text(settings.max_load());
    case SettingName::kCriticalLoad: return name + ": " + load_text(settings.critical_load());
    case SettingName::kThrottleQuery: return name + ": " + query_text(settings.throttle_query());
    case SettingName::kThrottleControlReplicas:
      return name + ": " + replicas_text(settings.throttle_control_replicas());
    case SettingName::kCutOverWindows: return name + ": " + windows_text(settings.cut_over_windows());
  }
  return name;
}

CommandReply report(const std::function<std::string()>& fn, std::string_view what) {
  if (!fn) return {false, std::string(what) + ": not available"};
  return {true, fn()};
}

template <class T, class Fmt>
CommandReply set_reply(std::string_view name, Result<T> old, const T& now, Fmt fmt) {
  if (!old) return {false, old.error().context};
  return {true, changed(name, fmt(*old), fmt(now))};
}

}  // namespace

std::string_view to_string(SettingName s) {
  for (const auto& spec : kSettings)
    if (spec.setting == s) return spec.name;
  return "?";
}

Result<Command> parse_command(std::string_view line) {
  line = trim(line);
  if (line.empty()) return Error(EngineErrc::kBadSetting, "empty command; try 'help'");
  const auto eq = line.find('=');
  const auto head = trim(line.substr(0, eq));
  const bool has_arg = eq != std::string_view::npos;
  const auto arg = has_arg ? trim(line.substr(eq + 1)) : std::string_view{};

  // "status json": the one command with a word argument.
  const auto words = [&] {
    std::vector<std::string> out;
    for (auto w : split(head, ' '))
      if (!w.empty()) out.push_back(lower(w));
    return out;
  }();
  const std::string name = words.empty() ? std::string() : words.front();

  if (auto plain = plain_command(name)) {
    if (has_arg) return Error(EngineErrc::kBadSetting, name + " takes no value");
    if (words.size() == 2 && name == "status" && words[1] == "json") return Command{StatusCommand{true}};
    if (words.size() > 1) return Error(EngineErrc::kBadSetting, name + " takes no argument '" + words[1] + "'");
    return *plain;
  }
  if (words.size() != 1) return Error(Errc::kUnsupported, "unknown command '" + std::string(head) + "'; try 'help'");
  if (name == "revert") {
    if (!has_arg || arg.empty())
      return Error(EngineErrc::kBadSetting, "revert requires the table name: revert=<table>");
    return Command{RevertCommand{std::string(arg)}};
  }
  if (name == "panic") {
    if (!has_arg || arg.empty()) return Error(EngineErrc::kBadSetting, "panic requires the table name: panic=<table>");
    return Command{PanicCommand{std::string(arg)}};
  }
  for (const auto& spec : kSettings) {
    if (name != spec.name) continue;
    if (!has_arg)
      return Error(EngineErrc::kBadSetting,
                   name + " requires a value: " + name + "=<value> (or " + name + "=? to show it)");
    if (arg.empty() && spec.setting != SettingName::kMaxLoad && spec.setting != SettingName::kCriticalLoad &&
        spec.setting != SettingName::kThrottleQuery && spec.setting != SettingName::kThrottleControlReplicas &&
        spec.setting != SettingName::kCutOverWindows)
      return Error(EngineErrc::kBadSetting, name + " requires a value");
    return parse_setting(spec.setting, arg);
  }
  return Error(Errc::kUnsupported, "unknown command '" + name + "'; try 'help'");
}

CommandReply apply_command(const Command& command, RuntimeSettings& settings, const std::string& table,
                           const CommandCallbacks& callbacks) {
  struct Visitor {
    RuntimeSettings& s;
    const std::string& table;
    const CommandCallbacks& cb;

    CommandReply operator()(const HelpCommand&) const { return {true, help_text()}; }
    CommandReply operator()(const SupCommand&) const { return report(cb.sup, "sup"); }
    CommandReply operator()(const StatusCommand& c) const {
      return c.json ? report(cb.status_json, "status json") : report(cb.status_text, "status");
    }
    CommandReply operator()(const CoordinatesCommand&) const { return report(cb.coordinates, "coordinates"); }
    CommandReply operator()(const ShowSettingCommand& c) const { return {true, show(c.setting, s)}; }
    CommandReply operator()(const SetChunkSizeCommand& c) const {
      return set_reply("chunk-size", s.set_chunk_size(c.value), c.value, chunk_size_text);
    }
    CommandReply operator()(const SetThreadsCommand& c) const {
      return set_reply("threads", s.set_threads(c.value), c.value, [](std::uint64_t n) { return std::to_string(n); });
    }
    CommandReply operator()(const SetDmlBatchSizeCommand& c) const {
      return set_reply("dml-batch-size", s.set_dml_batch_size(c.value), c.value,
                       [](std::uint64_t n) { return std::to_string(n); });
    }
    CommandReply operator()(const SetMaxLagMillisCommand& c) const {
      return set_reply("max-lag-millis", s.set_max_lag_millis(c.value), c.value,
                       [](std::uint64_t n) { return std::to_string(n); });
    }
    CommandReply operator()(const SetNiceRatioCommand& c) const {
      return set_reply("nice-ratio", s.set_nice_ratio(c.value), c.value, ratio_text);
    }
    CommandReply operator()(const SetMaxLoadCommand& c) const {
      return set_reply("max-load", s.set_max_load(c.load), c.load, load_text);
    }
    CommandReply operator()(const SetCriticalLoadCommand& c) const {
      return set_reply("critical-load", s.set_critical_load(c.load), c.load, load_text);
    }
    CommandReply operator()(const SetThrottleQueryCommand& c) const {
      return set_reply("throttle-query", s.set_throttle_query(c.sql), c.sql, query_text);
    }
    CommandReply operator()(const SetThrottleControlReplicasCommand& c) const {
      return set_reply("throttle-control-replicas", s.set_throttle_control_replicas(c.replicas), c.replicas,
                       replicas_text);
    }
    CommandReply operator()(const SetCutOverWindowsCommand& c) const {
      return set_reply("window", s.set_cut_over_windows(c.specs), c.specs, windows_text);
    }
    CommandReply operator()(const ThrottleCommand&) const {
      return {true, changed("manual-throttle", on_off(s.set_manual_throttle(true)), "on")};
    }
    CommandReply operator()(const NoThrottleCommand&) const {
      return {true, changed("manual-throttle", on_off(s.set_manual_throttle(false)), "off") +
                        " (other throttle reasons may still apply)"};
    }
    CommandReply operator()(const PostponeCommand&) const {
      s.set_cut_over_requested(false);
      return {true, changed("postpone-cut-over", on_off(s.set_postpone_cut_over(true)), "on")};
    }
    CommandReply operator()(const UnpostponeCommand&) const {
      const bool was = s.set_postpone_cut_over(false);
      s.set_cut_over_requested(true);
      return {true, changed("postpone-cut-over", on_off(was), "off") + "; cut-over will proceed when ready"};
    }
    CommandReply operator()(const RevertCommand& c) const {
      if (c.table != table)
        return {false, "revert: table name '" + c.table + "' does not match the migrated table '" + table + "'"};
      s.set_revert_requested(true);
      return {true, "revert: swapping the old " + table + " back in (the reverse sync drains first)"};
    }
    CommandReply operator()(const PanicCommand& c) const {
      if (c.table != table)
        return {false, "panic: table name '" + c.table + "' does not match the migrated table '" + table + "'"};
      s.set_panic(true);
      return {true, "panic: aborting the migration of " + table};
    }
  };
  return std::visit(Visitor{settings, table, callbacks}, command);
}

CommandReply handle_command_line(std::string_view line, RuntimeSettings& settings, const std::string& table,
                                 const CommandCallbacks& callbacks) {
  auto parsed = parse_command(line);
  if (!parsed) return {false, parsed.error().context};
  return apply_command(*parsed, settings, table, callbacks);
}

CommandAccess command_access(const Command& command) {
  if (std::holds_alternative<HelpCommand>(command) || std::holds_alternative<SupCommand>(command) ||
      std::holds_alternative<StatusCommand>(command) || std::holds_alternative<CoordinatesCommand>(command) ||
      std::holds_alternative<ShowSettingCommand>(command))
    return CommandAccess::kReadOnly;
  if (std::holds_alternative<SetThrottleQueryCommand>(command) ||
      std::holds_alternative<SetThrottleControlReplicasCommand>(command))
    return CommandAccess::kUnixOnly;
  return CommandAccess::kMutating;  // a new command is guarded until classified otherwise
}

std::string help_text() {
  return "available commands:\n"
         "status, info         # migration status (status json: as JSON)\n"
         "sup                  # one-line progress\n"
         "coordinates          # binlog position read and applied\n"
         "chunk-size=<n>       # rows per copy chunk, 10-100000; 0 = adaptive\n"
         "threads=<n>          # copy threads, 1-64\n"
         "dml-batch-size=<n>   # row events per applier batch, 1-100000\n"
         "max-lag-millis=<n>   # throttle above this replica lag, >= 100\n"
         "nice-ratio=<f>       # sleep f x copy time after each chunk, 0-100\n"
         "max-load=<Var=N,...> # throttle when a status variable passes its threshold\n"
         "critical-load=<Var=N,...> # abort when a status variable passes its threshold\n"
         "throttle-query=<SELECT ...> # throttle while it returns > 0; empty clears\n"
         "throttle-control-replicas=<host[:port],...> # replicas whose lag throttles\n"
         "window=<spec>[;<spec>...] # cut-over windows, e.g. Mon-Fri 22:30-01:00 UTC; empty clears\n"
         "<setting>=?          # show a setting\n"
         "throttle, pause, suspend   # force throttling\n"
         "no-throttle, unthrottle, resume, continue # end forced throttling\n"
         "postpone             # hold the cut-over\n"
         "unpostpone, no-postpone, cut-over # proceed to cut-over when ready\n"
         "panic=<table>        # abort now, leaving the ghost table\n"
         "revert=<table>       # after the cut-over, with --keep-old-table-in-sync: swap the old table back\n"
         "help                 # this text";
}

}  // namespace ghostcut::engine
