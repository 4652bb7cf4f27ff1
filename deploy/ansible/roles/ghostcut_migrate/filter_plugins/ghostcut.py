"""Filters of the ghostcut_migrate role: read one ghostcut run's output, build the fleet report.

ghostcut runs with --log-format json: every log line on stderr is one JSON object
({"ts", "level", "logger", "msg"}); refusals before logging starts are plain text lines.
"""
import json
import re

_DONE = re.compile(
    r"migration of (?P<table>\S+) done: (?P<rows>\d+) rows copied, (?P<events>\d+) binlog row events applied, "
    r"cut-over in (?P<attempts>\d+) attempt\(s\) with a (?P<stall>\d+) ms write stall, "
    r"peak applier lag (?P<lag>\d+) ms, (?P<secs>[\d.]+) s in all")
_RESUMED = re.compile(r"resumed an interrupted run: (\d+) rows")


def _lines(stderr):
    for line in (stderr or "").splitlines():
        line = line.rstrip()
        if not line:
            continue
        obj = None
        if line.startswith("{"):
            try:
                obj = json.loads(line)
            except ValueError:
                obj = None
        yield line, obj


def ghostcut_outcome(result, phase="execute"):
    """One ghostcut run (a registered command result) as a flat dict for the report."""
    rc = result.get("rc")
    out = {
        "phase": phase,
        "exit_code": rc,
        "ok": rc == 0,
        "started": result.get("start"),
        "ended": result.get("end"),
        "duration_seconds": _seconds(result.get("delta")),
    }
    errors, plain, last_progress = [], [], None
    for line, obj in _lines(result.get("stderr")):
        if obj is None:
            plain.append(line.strip())
            continue
        msg = str(obj.get("msg", ""))
        level = obj.get("level", "")
        if level in ("error", "critical"):
            errors.append(msg)
        if msg.startswith("Copy: "):
            last_progress = msg
        m = _DONE.search(msg)
        if m:
            out.update(rows_copied=int(m["rows"]), events_applied=int(m["events"]),
                       cut_over_attempts=int(m["attempts"]), write_stall_ms=int(m["stall"]),
                       peak_applier_lag_ms=int(m["lag"]), ghostcut_seconds=float(m["secs"]))
        m = _RESUMED.search(msg)
        if m:
            out.update(resumed=True, rows_not_copied_again=int(m.group(1)))
    if last_progress:
        out["last_progress"] = last_progress
    if rc != 0:
        # The reason: plain refusals (inspection) and error-level log lines, in order.
        why = " ".join(plain + errors).strip()
        if not why and result.get("msg"):
            why = str(result["msg"])  # ghostcut never ran (not found, async timeout, ...)
        out["error"] = why[:2000] if why else "exit code %s" % rc
    if phase == "dry_run" and rc == 0:
        out["plan"] = result.get("stdout", "")
    return out


def _seconds(delta):
    """'0:00:01.234567' (the command module's delta) -> 1.235."""
    if not delta:
        return None
    try:
        h, m, s = str(delta).split(":")
        return round(int(h) * 3600 + int(m) * 60 + float(s), 3)
    except ValueError:
        return None


def ghostcut_report(records, alter, updated):
    """The fleet report: every shard's record, a summary and the rollout's outcome."""
    counts = {}
    for r in records:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    failed = [r for r in records if r["status"] in ("failed", "dry run failed")]
    if failed:
        first = failed[0]
        what = (first.get("execute") or first.get("dry_run") or {}).get("error", "")
        if first["status"] == "dry run failed":
            outcome = "stopped before any change: the dry run failed on %s" % ", ".join(
                r["shard"] for r in failed)
        else:
            outcome = "stopped: %s failed (%s); later shards untouched" % (
                ", ".join(r["shard"] for r in failed), " ".join(l.strip() for l in what.splitlines())[:300] if what else "")
    elif all(r["status"] in ("migrated", "already migrated") for r in records):
        outcome = "complete: every shard migrated"
    else:
        outcome = "in progress"
    return {"alter": alter, "updated": updated, "outcome": outcome, "summary": counts,
            "shards": records}


def ghostcut_report_text(report):
    """A short human-readable table of the report."""
    rows = [("shard", "status", "exit", "seconds", "rows", "stall ms", "note")]
    for r in report["shards"]:
        ex = r.get("execute") or {}
        dr = r.get("dry_run") or {}
        last = ex or dr
        note = last.get("error") or r.get("skipped_because") or ("resumed" if ex.get("resumed") else "")
        rows.append((r["shard"], r["status"], _s(last.get("exit_code")), _s(last.get("duration_seconds")),
                     _s(ex.get("rows_copied")), _s(ex.get("write_stall_ms")), (note or "")[:160]))
    widths = [max(len(row[i]) for row in rows) for i in range(6)]
    lines = ["alter:   %s" % report["alter"], "outcome: %s" % report["outcome"],
             "updated: %s" % report["updated"], ""]
    for row in rows:
        lines.append("  ".join(row[i].ljust(widths[i]) for i in range(6)) + "  " + row[6])
    return "\n".join(lines) + "\n"


def _s(v):
    return "-" if v is None else str(v)


def ghostcut_flags(valued, switches=None):
    """argv for ghostcut from {"--flag": value} (empty values left out, lists repeat the flag)
    and {"--switch": bool}."""
    argv = []
    for flag, value in (valued or {}).items():
        values = value if isinstance(value, (list, tuple)) else [value]
        for v in values:
            if v is None or str(v) == "":
                continue
            argv.append("%s=%s" % (flag, v))
    for flag, on in (switches or {}).items():
        if on is True or str(on).lower() in ("true", "yes", "1"):
            argv.append(flag)
    return argv


def ghostcut_records(hosts, hostvars):
    """Every shard's record; a shard that never got one (unreachable, …) as 'not run'."""
    out = []
    for h in hosts:
        rec = None
        try:
            rec = hostvars[h]["ghostcut_migrate_record"]
        except Exception:  # undefined for this host
            rec = None
        out.append(dict(rec) if rec else {"shard": h, "status": "not run"})
    return out


def ghostcut_not_ready(hosts, hostvars):
    """Shards that may not go on to --execute: their dry run did not pass."""
    return [r["shard"] for r in ghostcut_records(hosts, hostvars)
            if r["status"] not in ("dry run passed", "already migrated")]


class FilterModule(object):
    def filters(self):
        return {
            "ghostcut_outcome": ghostcut_outcome,
            "ghostcut_report": ghostcut_report,
            "ghostcut_report_text": ghostcut_report_text,
            "ghostcut_flags": ghostcut_flags,
            "ghostcut_records": ghostcut_records,
            "ghostcut_not_ready": ghostcut_not_ready,
        }
