// PURE parsing of one control-socket line into a Command (gh-ost's interactive commands, same
// names and aliases: doc/interactive-commands.md), plus apply_command, which carries a parsed
// Command into RuntimeSettings and words the reply. A line that does not parse changes nothing;
// parse_command range-checks values with the same validators RuntimeSettings uses, so a parsed
// set-command cannot be half applied.
//
//   help | sup | status | info | status json | coordinates
//   chunk-size=N (0 = adaptive) | threads=N | dml-batch-size=N | max-lag-millis=N | nice-ratio=F
//   max-load=Var=N[,Var=N...] | critical-load=Var=N[,...]   (empty value clears)
//   throttle-query=SELECT ...  (empty clears) | throttle-control-replicas=host[:port][,...] (empty clears)
//   window=SPEC[;SPEC...]  cut-over windows, e.g. "Mon-Fri 22:30-01:00 UTC" (empty clears; ghostcut's own)
//   <any setting>=?   shows the current value
//   throttle | pause | suspend,  no-throttle | unthrottle | resume | continue
//   postpone,  unpostpone | no-postpone | cut-over,  panic=<table>
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "binlog/error.h"
#include "engine/control/runtime_settings.h"

namespace ghostcut::engine {

enum class SettingName {
  kChunkSize,
  kThreads,
  kDmlBatchSize,
  kMaxLagMillis,
  kNiceRatio,
  kMaxLoad,
  kCriticalLoad,
  kThrottleQuery,
  kThrottleControlReplicas,
  kCutOverWindows,  // "window"
};
std::string_view to_string(SettingName s);  // the command name, e.g. "chunk-size"

struct HelpCommand {
  bool operator==(const HelpCommand&) const = default;
};
struct SupCommand {
  bool operator==(const SupCommand&) const = default;
};
struct StatusCommand {
  bool json = false;
  bool operator==(const StatusCommand&) const = default;
};
struct CoordinatesCommand {
  bool operator==(const CoordinatesCommand&) const = default;
};
struct ShowSettingCommand {  // "<setting>=?"
  SettingName setting;
  bool operator==(const ShowSettingCommand&) const = default;
};
struct SetChunkSizeCommand {
  std::uint64_t value;
  bool operator==(const SetChunkSizeCommand&) const = default;
};
struct SetThreadsCommand {
  std::uint64_t value;
  bool operator==(const SetThreadsCommand&) const = default;
};
struct SetDmlBatchSizeCommand {
  std::uint64_t value;
  bool operator==(const SetDmlBatchSizeCommand&) const = default;
};
struct SetMaxLagMillisCommand {
  std::uint64_t value;
  bool operator==(const SetMaxLagMillisCommand&) const = default;
};
struct SetNiceRatioCommand {
  double value;
  bool operator==(const SetNiceRatioCommand&) const = default;
};
struct SetMaxLoadCommand {
  LoadMap load;
  bool operator==(const SetMaxLoadCommand&) const = default;
};
struct SetCriticalLoadCommand {
  LoadMap load;
  bool operator==(const SetCriticalLoadCommand&) const = default;
};
struct SetThrottleQueryCommand {
  std::string sql;
  bool operator==(const SetThrottleQueryCommand&) const = default;
};
struct SetThrottleControlReplicasCommand {
  std::vector<ReplicaAddress> replicas;
  bool operator==(const SetThrottleControlReplicasCommand&) const = default;
};
struct SetCutOverWindowsCommand {
  std::vector<std::string> specs;  // each one parses as a CutOverWindow; empty clears
  bool operator==(const SetCutOverWindowsCommand&) const = default;
};
struct ThrottleCommand {
  bool operator==(const ThrottleCommand&) const = default;
};
struct NoThrottleCommand {
  bool operator==(const NoThrottleCommand&) const = default;
};
struct PostponeCommand {
  bool operator==(const PostponeCommand&) const = default;
};
struct UnpostponeCommand {
  bool operator==(const UnpostponeCommand&) const = default;
};
struct RevertCommand {
  std::string table;  // must name the migrated table (checked by apply_command)
  bool operator==(const RevertCommand&) const = default;
};
struct PanicCommand {
  std::string table;  // must name the migrated table (checked by apply_command)
  bool operator==(const PanicCommand&) const = default;
};

using Command = std::variant<HelpCommand, SupCommand, StatusCommand, CoordinatesCommand, ShowSettingCommand,
                             SetChunkSizeCommand, SetThreadsCommand, SetDmlBatchSizeCommand, SetMaxLagMillisCommand,
                             SetNiceRatioCommand, SetMaxLoadCommand, SetCriticalLoadCommand, SetThrottleQueryCommand,
                             SetThrottleControlReplicasCommand, ThrottleCommand, NoThrottleCommand, PostponeCommand,
                             UnpostponeCommand, PanicCommand, SetCutOverWindowsCommand, RevertCommand>;

// One line (a trailing \r\n is fine). Errors are bad_value (malformed or out of range) or
// unsupported (unknown command); error().context is the text to send back.
[[nodiscard]] Result<Command> parse_command(std::string_view line);

// The reports that need the migration's state. Unset ones answer "not available".
struct CommandCallbacks {
  std::function<std::string()> status_text;
  std::function<std::string()> status_json;
  std::function<std::string()> sup;
  std::function<std::string()> coordinates;
};

struct CommandReply {
  bool ok = true;
  std::string text;  // no trailing newline: the server adds the line ending
  bool operator==(const CommandReply&) const = default;
};

// Applies `command` to `settings` and words the reply: set-commands answer
// "<name>: <old> -> <new>"; panic checks the table name (exact match) before setting the flag;
// unpostpone clears postpone and requests the cut-over (it overrides a postpone flag file).
CommandReply apply_command(const Command& command, RuntimeSettings& settings, const std::string& table,
                           const CommandCallbacks& callbacks = {});

// parse then apply; a parse error becomes a reply with ok=false.
CommandReply handle_command_line(std::string_view line, RuntimeSettings& settings, const std::string& table,
                                 const CommandCallbacks& callbacks = {});

std::string help_text();

// Who may send a command (issue #16). Over TCP without the token only kReadOnly answers; kUnixOnly
// commands make ghostcut connect somewhere or run SQL, so they are refused over TCP even with it.
enum class CommandAccess { kReadOnly, kMutating, kUnixOnly };
CommandAccess command_access(const Command& command);

}  // namespace ghostcut::engine
