// gh-ost drop-in (issue #16): every gh-ost flag a runbook may carry is accepted — as an alias where
// ghostcut has the feature, as a documented no-op with a one-line notice where it does not apply —
// or refused with the reason where ignoring it would do something other than the runbook expects.
// (--ssl*, --ask-pass and --conf are in connection_options.cpp; --include-triggers, --trigger-suffix and
// --remove-trigger-suffix-if-exists are native flags of the same names, in migrate_options.cpp.)
#pragma once
#include <boost/program_options.hpp>
#include <string>
#include <vector>

namespace ghostcut::cli {

struct MigrateConfig;

// The parser style every ghostcut command uses: Boost's default without allow_guessing, so
// "--conf" is never taken for "--config" nor "--cut-over" declared ambiguous.
inline constexpr int kCommandLineStyle = boost::program_options::command_line_style::default_style &
                                         ~boost::program_options::command_line_style::allow_guessing;

// The "gh-ost compatibility" option group (shown by --help).
boost::program_options::options_description ghost_compat_options();

// Applies the aliases to `c`, appends one notice per no-op flag given to c.ghost_notices, and
// throws MigrateUsageError for a value or flag ghostcut refuses. Runs after the native flags.
void apply_ghost_compat(const boost::program_options::variables_map& vm, MigrateConfig& c);

// The no-op flags with what each notice says (for the README table and the tests).
struct GhostNoOp {
  const char* flag;
  const char* why;
  bool takes_value;
};
const std::vector<GhostNoOp>& ghost_no_op_flags();

}  // namespace ghostcut::cli
