#include "engine/control/command.h"
#include "engine/errc.h"

#include <gtest/gtest.h>

using namespace ghostcut::engine;
using ghostcut::binlog::Errc;

TEST(ParseCommand, Accepted) {
  struct Case {
    std::string line;
    Command want;
  };
  const std::vector<Case> cases = {
      {"help", HelpCommand{}},
      {"sup", SupCommand{}},
      {"status", StatusCommand{false}},
      {"info", StatusCommand{false}},
      {"status json", StatusCommand{true}},
      {"  STATUS   JSON \r\n", StatusCommand{true}},
      {"coordinates\n", CoordinatesCommand{}},
      {"chunk-size=250", SetChunkSizeCommand{250}},
      {" chunk-size = 250 ", SetChunkSizeCommand{250}},
      {"chunk-size=0", SetChunkSizeCommand{0}},
      {"chunk-size=?", ShowSettingCommand{SettingName::kChunkSize}},
      {"threads=8", SetThreadsCommand{8}},
      {"dml-batch-size=100", SetDmlBatchSizeCommand{100}},
      {"max-lag-millis=2000", SetMaxLagMillisCommand{2000}},
      {"max-lag-millis=?", ShowSettingCommand{SettingName::kMaxLagMillis}},
      {"nice-ratio=0.5", SetNiceRatioCommand{0.5}},
      {"nice-ratio=2", SetNiceRatioCommand{2.0}},
      {"max-load=Threads_running=50", SetMaxLoadCommand{{{"Threads_running", 50}}}},
      {"max-load=Threads_running=50,threads_connected=1000",
       SetMaxLoadCommand{{{"Threads_running", 50}, {"threads_connected", 1000}}}},
      {"max-load=", SetMaxLoadCommand{{}}},
      {"critical-load=Threads_running=1000", SetCriticalLoadCommand{{{"Threads_running", 1000}}}},
      {"critical-load=?", ShowSettingCommand{SettingName::kCriticalLoad}},
      {"throttle-query=select count(*) > 5 from t where a = 1",
       SetThrottleQueryCommand{"select count(*) > 5 from t where a = 1"}},
      {"throttle-query=", SetThrottleQueryCommand{""}},
      {"throttle-control-replicas=r1,r2:3307", SetThrottleControlReplicasCommand{{{"r1", 3306}, {"r2", 3307}}}},
      {"throttle-control-replicas='r1:3306, [::1]:3308'",
       SetThrottleControlReplicasCommand{{{"r1", 3306}, {"::1", 3308}}}},
      {"throttle-control-replicas=", SetThrottleControlReplicasCommand{{}}},
      {"throttle", ThrottleCommand{}},
      {"pause", ThrottleCommand{}},
      {"suspend", ThrottleCommand{}},
      {"no-throttle", NoThrottleCommand{}},
      {"unthrottle", NoThrottleCommand{}},
      {"resume", NoThrottleCommand{}},
      {"continue", NoThrottleCommand{}},
      {"postpone", PostponeCommand{}},
      {"unpostpone", UnpostponeCommand{}},
      {"no-postpone", UnpostponeCommand{}},
      {"cut-over", UnpostponeCommand{}},
      {"panic=orders", PanicCommand{"orders"}},
      {"window=Mon-Fri 22:30-01:00 UTC", SetCutOverWindowsCommand{{"Mon-Fri 22:30-01:00 UTC"}}},
      {"window = 02:00-04:00; Sat,Sun 00:00-06:00 ;", SetCutOverWindowsCommand{{"02:00-04:00", "Sat,Sun 00:00-06:00"}}},
      {"window='02:00-04:00 +02:00'", SetCutOverWindowsCommand{{"02:00-04:00 +02:00"}}},
      {"window=", SetCutOverWindowsCommand{{}}},
      {"window=?", ShowSettingCommand{SettingName::kCutOverWindows}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.line);
    auto r = parse_command(c.line);
    ASSERT_TRUE(r.has_value()) << r.error().context;
    EXPECT_TRUE(*r == c.want) << "variant index " << r->index() << " want " << c.want.index();
  }
}

TEST(ParseCommand, Rejected) {
  struct Case {
    std::string line;
    std::error_code code;
    std::string says;  // a fragment of the message
  };
  const std::vector<Case> cases = {
      {"", EngineErrc::kBadSetting, "empty"},
      {"   \r\n", EngineErrc::kBadSetting, "empty"},
      {"frobnicate", Errc::kUnsupported, "unknown command 'frobnicate'"},
      {"frob=1", Errc::kUnsupported, "unknown command"},
      {"chunk size=1", Errc::kUnsupported, "unknown command"},
      {"status xml", EngineErrc::kBadSetting, "takes no argument"},
      {"help=1", EngineErrc::kBadSetting, "takes no value"},
      {"throttle=1", EngineErrc::kBadSetting, "takes no value"},
      {"panic", EngineErrc::kBadSetting, "panic requires the table name"},
      {"panic=", EngineErrc::kBadSetting, "panic requires the table name"},
      {"chunk-size", EngineErrc::kBadSetting, "requires a value"},
      {"chunk-size=", EngineErrc::kBadSetting, "requires a value"},
      {"chunk-size=abc", EngineErrc::kBadSetting, "non-negative integer"},
      {"chunk-size=-5", EngineErrc::kBadSetting, "non-negative integer"},
      {"chunk-size=+5", EngineErrc::kBadSetting, "non-negative integer"},
      {"chunk-size=12x", EngineErrc::kBadSetting, "non-negative integer"},
      {"chunk-size=99999999999999999999999", EngineErrc::kBadSetting, "non-negative integer"},
      {"chunk-size=5", EngineErrc::kBadSetting, "between 10 and 100000"},
      {"chunk-size=100001", EngineErrc::kBadSetting, "between 10 and 100000"},
      {"threads=0", EngineErrc::kBadSetting, "threads must be between"},
      {"threads=1000", EngineErrc::kBadSetting, "threads must be between"},
      {"dml-batch-size=0", EngineErrc::kBadSetting, "dml-batch-size must be between"},
      {"max-lag-millis=50", EngineErrc::kBadSetting, "max-lag-millis must be between"},
      {"nice-ratio=-1", EngineErrc::kBadSetting, "nice-ratio must be between"},
      {"nice-ratio=101", EngineErrc::kBadSetting, "nice-ratio must be between"},
      {"nice-ratio=fast", EngineErrc::kBadSetting, "expects a number"},
      {"nice-ratio=inf", EngineErrc::kBadSetting, "expects a number"},
      {"nice-ratio=1e999", EngineErrc::kBadSetting, "expects a number"},
      {"nice-ratio=0.5x", EngineErrc::kBadSetting, "expects a number"},
      {"max-load=Threads_running", EngineErrc::kBadSetting, "expected Var=N"},
      {"max-load=Threads_running=50,", EngineErrc::kBadSetting, "expected Var=N"},
      {"max-load=Threads_running=-1", EngineErrc::kBadSetting, "non-negative integer"},
      {"max-load=Threads_running=lots", EngineErrc::kBadSetting, "non-negative integer"},
      {"max-load==5", EngineErrc::kBadSetting, "name is empty"},
      {"max-load=Threads running=5", EngineErrc::kBadSetting, "only letters"},
      {"max-load=a=1,A=2", EngineErrc::kBadSetting, "given twice"},
      {"critical-load=x", EngineErrc::kBadSetting, "critical-load: expected"},
      {"throttle-query=delete from t", EngineErrc::kBadSetting, "must be a SELECT"},
      {"throttle-control-replicas=r1,,r2", EngineErrc::kBadSetting, "empty entry"},
      {"throttle-control-replicas=r1:0", EngineErrc::kBadSetting, "port must be 1-65535"},
      {"throttle-control-replicas=r1:70000", EngineErrc::kBadSetting, "port must be 1-65535"},
      {"throttle-control-replicas=r1:", EngineErrc::kBadSetting, "empty port"},
      {"throttle-control-replicas=:3306", EngineErrc::kBadSetting, "host is empty"},
      {"throttle-control-replicas=::1", EngineErrc::kBadSetting, "[addr]:port"},
      {"throttle-control-replicas=[::1", EngineErrc::kBadSetting, "no closing ]"},
      {"window", EngineErrc::kBadSetting, "window requires a value"},
      {"window=Mon-Fri 25:00-01:00", EngineErrc::kBadSetting,
       "bad cut-over window 'Mon-Fri 25:00-01:00': hour 25 out of range (00-23)"},
      {"window=02:00-04:00;Xyz 01:00-02:00", EngineErrc::kBadSetting,
       "bad cut-over window 'Xyz 01:00-02:00': unknown day 'Xyz'"},
      {"window=02:00-04:00 Mars/Olympus", EngineErrc::kBadSetting, "time zone 'Mars/Olympus' is not known"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.line);
    auto r = parse_command(c.line);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, c.code);
    EXPECT_NE(r.error().context.find(c.says), std::string::npos) << r.error().context;
  }
}

TEST(ApplyCommand, SettingsAnswerOldAndNew) {
  struct Case {
    std::string line;
    std::string reply;
  };
  const std::vector<Case> cases = {
      {"chunk-size=250", "chunk-size: adaptive -> 250"},
      {"chunk-size=0", "chunk-size: 250 -> adaptive"},
      {"threads=4", "threads: 1 -> 4"},
      {"dml-batch-size=50", "dml-batch-size: 1000 -> 50"},
      {"max-lag-millis=3000", "max-lag-millis: 1500 -> 3000"},
      {"nice-ratio=0.5", "nice-ratio: 0 -> 0.5"},
      {"max-load=Threads_running=50,Threads_connected=900",
       "max-load: (none) -> Threads_connected=900,Threads_running=50"},
      {"max-load=", "max-load: Threads_connected=900,Threads_running=50 -> (none)"},
      {"critical-load=Threads_running=1000", "critical-load: (none) -> Threads_running=1000"},
      {"throttle-query=select 1", "throttle-query: (none) -> select 1"},
      {"throttle-control-replicas=r1,r2:3307", "throttle-control-replicas: (none) -> r1:3306,r2:3307"},
      {"chunk-size=?", "chunk-size: adaptive"},
      {"threads=?", "threads: 4"},
      {"nice-ratio=?", "nice-ratio: 0.5"},
      {"max-load=?", "max-load: (none)"},
      {"critical-load=?", "critical-load: Threads_running=1000"},
      {"throttle-query=?", "throttle-query: select 1"},
      {"throttle-control-replicas=?", "throttle-control-replicas: r1:3306,r2:3307"},
      {"throttle", "manual-throttle: off -> on"},
      {"no-throttle", "manual-throttle: on -> off (other throttle reasons may still apply)"},
      {"postpone", "postpone-cut-over: off -> on"},
      {"unpostpone", "postpone-cut-over: on -> off; cut-over will proceed when ready"},
      {"window=?", "window: (none)"},
      {"window=Mon-Fri 22:30-01:00 UTC", "window: (none) -> Mon-Fri 22:30-01:00 UTC"},
      {"window=02:00-04:00;Sat,Sun 00:00-06:00", "window: Mon-Fri 22:30-01:00 UTC -> 02:00-04:00; Sat,Sun 00:00-06:00"},
      {"window=?", "window: 02:00-04:00; Sat,Sun 00:00-06:00"},
  };
  RuntimeSettings settings;  // one shared instance: each case sees the previous one's change
  for (const auto& c : cases) {
    SCOPED_TRACE(c.line);
    const auto reply = handle_command_line(c.line, settings, "orders");
    EXPECT_TRUE(reply.ok) << reply.text;
    EXPECT_EQ(reply.text, c.reply);
  }
  EXPECT_EQ(settings.chunk_size(), 0u);
  EXPECT_EQ(settings.threads(), 4u);
  EXPECT_TRUE(settings.cut_over_requested());
  EXPECT_FALSE(settings.postpone_cut_over());
  EXPECT_FALSE(settings.manual_throttle());
  EXPECT_EQ(settings.throttle_control_replicas().size(), 2u);
  EXPECT_EQ(settings.cut_over_windows(), (std::vector<std::string>{"02:00-04:00", "Sat,Sun 00:00-06:00"}));
  EXPECT_EQ(handle_command_line("window=", settings, "orders").text,
            "window: 02:00-04:00; Sat,Sun 00:00-06:00 -> (none)");
  EXPECT_TRUE(settings.cut_over_windows().empty());
}

TEST(ApplyCommand, RejectedLinesChangeNothing) {
  RuntimeSettings settings;
  ASSERT_TRUE(settings.set_max_load({{"Threads_running", 10}}).has_value());
  const auto before = settings.snapshot();
  for (const std::string line : {"max-load=Threads_running=20,bad", "chunk-size=5", "threads=x", "panic", "nope",
                                 "throttle-control-replicas=r1,r2:0", "nice-ratio=-2", "window=02:00-02:00"}) {
    SCOPED_TRACE(line);
    const auto reply = handle_command_line(line, settings, "orders");
    EXPECT_FALSE(reply.ok);
    EXPECT_FALSE(reply.text.empty());
  }
  const auto after = settings.snapshot();
  EXPECT_EQ(after.version, before.version);
  EXPECT_EQ(after.max_load, before.max_load);
  EXPECT_EQ(after.chunk_size, before.chunk_size);
  EXPECT_EQ(after.panic, false);
  EXPECT_TRUE(after.cut_over_windows.empty());
}

TEST(ApplyCommand, Panic) {
  struct Case {
    std::string line;
    bool ok;
    bool panic;
  };
  for (const auto& c : std::vector<Case>{{"panic=orders", true, true},
                                         {"panic=Orders", false, false},
                                         {"panic=other", false, false},
                                         {"panic=orders2", false, false}}) {
    SCOPED_TRACE(c.line);
    RuntimeSettings settings;
    const auto reply = handle_command_line(c.line, settings, "orders");
    EXPECT_EQ(reply.ok, c.ok) << reply.text;
    EXPECT_EQ(settings.panic(), c.panic);
    if (!c.ok) {
      EXPECT_NE(reply.text.find("does not match"), std::string::npos);
    }
  }
}

TEST(ApplyCommand, ReportsUseCallbacks) {
  RuntimeSettings settings;
  const CommandCallbacks callbacks{[] { return std::string("STATUS"); },
                                   [] { return std::string("{\"state\":\"x\"}"); }, [] { return std::string("SUP"); },
                                   [] { return std::string("mysql-bin.000001:4"); }};
  struct Case {
    std::string line;
    std::string with, without;
  };
  for (const auto& c : std::vector<Case>{{"status", "STATUS", "status: not available"},
                                         {"info", "STATUS", "status: not available"},
                                         {"status json", "{\"state\":\"x\"}", "status json: not available"},
                                         {"sup", "SUP", "sup: not available"},
                                         {"coordinates", "mysql-bin.000001:4", "coordinates: not available"}}) {
    SCOPED_TRACE(c.line);
    auto with = handle_command_line(c.line, settings, "t", callbacks);
    EXPECT_EQ(with, (CommandReply{true, c.with}));
    auto without = handle_command_line(c.line, settings, "t");
    EXPECT_EQ(without, (CommandReply{false, c.without}));
  }
  const auto help = handle_command_line("help", settings, "t");
  EXPECT_TRUE(help.ok);
  for (const char* word : {"chunk-size", "window=", "max-load", "throttle-control-replicas", "unpostpone",
                           "panic=<table>", "status json"}) {
    SCOPED_TRACE(word);
    EXPECT_NE(help.text.find(word), std::string::npos);
  }
  EXPECT_EQ(settings.version(), 0u);  // reports change nothing
}

TEST(SettingName, Names) {
  EXPECT_EQ(to_string(SettingName::kChunkSize), "chunk-size");
  EXPECT_EQ(to_string(SettingName::kThrottleControlReplicas), "throttle-control-replicas");
  EXPECT_EQ(to_string(SettingName::kCutOverWindows), "window");
}
