#!/usr/bin/env python3
"""Install crm_sequence in a throwaway database, run its tests, drop the database.

Odoo's log goes to stdout and to a log file; it is parsed to print, as the very
last line, `N passed, N failed`. The exit code is 0 only when nothing failed.

What counts as failed (Odoo itself counts only the first kind):
  * each test reported `FAIL:` / `ERROR:` by odoo.tests.result,
  * each skipped test: a browser tour silently skips when Chromium or
    websocket-client is missing, and a skipped tour must not look green,
  * each test that passed but logged an ERROR/CRITICAL line meanwhile,
  * +1 for ERROR/CRITICAL lines outside any test (e.g. the module failed to
    install), for Odoo exiting non-zero without any of the above, or for a
    missing summary line (Odoo crashed), and +1 when no test ran at all.
"""

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import odoo_env as env  # noqa: E402

# 2025-01-01 12:00:00,123 4242 INFO dbname odoo.addons.x.tests.test_y: message
RECORD = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (?P<level>[A-Z]+) \S+ (?P<logger>\S+): (?P<msg>.*)")
# odoo/service/server.py, once per database after all tests: "<OdooTestResult> when loading database 'db'"
SUMMARY = re.compile(
    r"(?P<failures>\d+) failed, (?P<errors>\d+) error\(s\) of (?P<run>\d+) tests"
    r" when loading database"
)
STARTING = re.compile(r"^Starting (?P<test>\S+) \.\.\.")  # OdooTestResult.startTest
FAILED = re.compile(r"^(?P<flavour>FAIL|ERROR): (?P<test>.+?)$")  # OdooTestResult.logError (first line)
SKIPPED = re.compile(r"^skipped (?P<test>.+?) : (?P<reason>.*)")  # OdooTestResult.addSkip
# ERROR lines that only repeat failures already counted (odoo/modules/loading.py, the summary above).
REPORTS = re.compile(
    r"^Module \S+: \d+ failures, \d+ errors of \d+ tests|^At least one test failed when loading|" + SUMMARY.pattern
)
SUBTEST = re.compile(r"^Subtest (?P<test>\S+) .*")
# Records from these loggers mean we are between tests (module loading, post tests).
BETWEEN_TESTS = ("odoo.modules.", "odoo.service.server", "odoo.tests.result", "odoo.tests.stats")


class LogParser:
    def __init__(self):
        self.summary = None
        self.current = None  # test whose "Starting" line came last, until loading resumes
        self.run = []  # keys of the tests that started, in order
        self.failed = {}  # test key -> why (FAIL / ERROR / skipped / logged an error)
        self.outside_tests = []  # failed/skipped setUpClass and the like: one failure each
        self.tainted = {}  # test key -> first ERROR line it logged
        self.error_lines = []  # ERROR/CRITICAL lines outside any test: one failure in all

    @staticmethod
    def key(logger, test):
        sub = SUBTEST.match(test)
        return f"{logger}:{sub['test'] if sub else test}"

    def feed(self, line):
        rec = RECORD.match(line)
        if not rec:
            return  # traceback / continuation line
        level, logger, msg = rec["level"], rec["logger"], rec["msg"].rstrip()
        if logger == "odoo.tests.result" and (m := SUMMARY.search(msg)):
            self.summary = {k: int(v) for k, v in m.groupdict().items()}
        if logger.startswith(BETWEEN_TESTS):
            self.current = None
        if ".tests" in logger and (m := STARTING.match(msg)):
            self.current = self.key(logger, m["test"])
            self.run.append(self.current)
        elif m := SKIPPED.match(msg):
            self.mark(logger, m["test"], "SKIPPED", f" ({m['reason']})")
        elif level in ("ERROR", "CRITICAL"):
            if m := FAILED.match(msg.strip()):
                self.mark(logger, m["test"], m["flavour"])
            elif REPORTS.search(msg):
                pass
            elif self.current:
                self.tainted.setdefault(self.current, f"{level} logged by {self.current.split(':')[-1]}: {msg[:150]}")
            else:
                self.error_lines.append(f"{level} {logger}: {msg[:200]}")

    def mark(self, logger, test, why, detail=""):
        key = self.key(logger, test)
        if key in self.run:
            self.failed.setdefault(key, f"{why}: {test}{detail}")
        else:  # setUpClass / tearDownClass (reported by odoo.tests.suite): not a test method
            self.outside_tests.append(f"{why}: {test}{detail}")

    def result(self, returncode):
        """(passed, failed, reasons)."""
        for test, why in self.tainted.items():
            self.failed.setdefault(test, why)
        reasons = list(self.failed.values()) + self.outside_tests
        failed = len(reasons)
        if self.error_lines:
            reasons.append(f"{len(self.error_lines)} ERROR/CRITICAL line(s) outside tests, 1st: {self.error_lines[0]}")
            failed += 1
        if self.summary is None:
            reasons.append("Odoo printed no test summary (it crashed, or never got to run the tests).")
            failed += 1
        elif returncode != 0 and not failed:
            reasons.append(f"Odoo exited with code {returncode}.")
            failed += 1
        ran = self.summary["run"] if self.summary else len(self.run)
        if ran == 0:
            reasons.append("No test ran: does the module have tests/ imported from tests/__init__.py?")
            failed += 1
        passed = max(0, ran - len(self.failed))
        return passed, failed, reasons


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def drop_stale_databases(prefix):
    """Drop test databases left by runs that were killed (their pid is gone)."""
    ok, out = env.psql(f"SELECT datname FROM pg_database WHERE datname LIKE '{prefix}%'")
    for name in out.split() if ok else []:
        pid = name[len(prefix) :].split("_")[0]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            print(f"Dropping stale test database {name}", flush=True)
            env.drop_database(name)


def prune_logs(folder, pattern, keep):
    try:
        for old in sorted(folder.glob(pattern), key=lambda p: p.stat().st_mtime)[:-keep]:
            old.unlink(missing_ok=True)
    except OSError:  # a concurrent run pruned first
        pass


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--addon-dir", default=str(env.REPO), help="addon to test (default: this repository)")
    parser.add_argument("--test-tags", default=f"/{env.MODULE}", help="Odoo --test-tags (default: %(default)s)")
    parser.add_argument("--log", help="log file (default: .build/logs/<database>.log; the last 10 are kept)")
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database at the end")
    parser.add_argument("odoo_args", nargs="*", help="extra Odoo options, after --")
    args = parser.parse_args()

    version = env.odoo_version()
    if version != 19:
        env.die(
            "Odoo 19 cannot be imported; install Odoo 19.0 so that `import odoo` works and ~/.odoorc names "
            f"its addons path (found: {version or 'no Odoo'}). `make run` can install it."
        )
    env.check_postgres()
    env.ensure_db_role()
    addons_path = env.addons_path(args.addon_dir)
    prefix = f"{env.MODULE}_test_"
    drop_stale_databases(prefix)
    db = f"{prefix}{os.getpid()}_{uuid.uuid4().hex[:6]}"

    cmd = env.odoo_cmd(
        "-d",
        db,
        "-i",
        env.MODULE,
        f"--test-tags={args.test_tags}",
        "--stop-after-init",
        f"--addons-path={addons_path}",
        f"--http-port={free_port()}",
        "--http-interface=127.0.0.1",
        "--workers=0",
        "--max-cron-threads=0",
        "--log-level=info",
        *args.odoo_args,
    )
    print("$", " ".join(cmd), flush=True)

    # SIGTERM (CI timeout, make killed): stop Odoo and still drop the database.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    log_path = Path(args.log or env.BUILD / "logs" / f"{db}.log")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    prune_logs(log_path.parent, f"{prefix}*.log", keep=9)
    parser_ = LogParser()
    proc, returncode, interrupted = None, 1, None
    try:
        with open(log_path, "w", encoding="utf-8") as log:
            proc = subprocess.Popen(
                cmd,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                text=True,
                errors="replace",
                bufsize=1,
            )
            for line in proc.stdout:
                sys.stdout.write(line)
                log.write(line)
                parser_.feed(line.rstrip("\n"))
            returncode = proc.wait()
    except (KeyboardInterrupt, SystemExit) as exc:
        interrupted = f"interrupted ({type(exc).__name__})"
    finally:
        if proc and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if args.keep_db:
            print(f"Keeping database {db}", flush=True)
        elif env.drop_database(db):
            print(f"Dropped database {db}", flush=True)

    passed, failed, problems = parser_.result(returncode)
    if interrupted:
        problems.append(interrupted)
        failed += 1
    print(f"\nLog: {log_path}")
    if problems:
        print("Failed:")
        for problem in problems:
            print(f"  - {problem}")
    print(f"{passed} passed, {failed} failed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
