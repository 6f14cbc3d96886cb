"""Shared helpers for `make run` and `make test`: where Odoo and its addons are,
how to reach PostgreSQL, and how to call `python3 -m odoo`.

`python3 tools/odoo_env.py test [--addon-dir DIR] [--keep-db] [-- PYTEST_ARGS...]` is
`make test`: a throwaway database with the module installed, then pytest-odoo on tests/
(tests/conftest.py fails skipped tests and tests that log errors), then the database is
dropped. Odoo's log of the run goes to .build/logs/<database>.log; pytest's own summary is
the last line and its exit code is ours.

Standard library only, so it works before anything else is installed.
"""

import argparse
import configparser
import getpass
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
import uuid
from pathlib import Path

MODULE = "crm_sequence"
REPO = Path(__file__).resolve().parent.parent
BUILD = REPO / ".build"
PYTHON = sys.executable

# Official sources only; tried in this order when `import odoo` fails.
ODOO_NIGHTLY = "https://nightly.odoo.com/19.0/nightly/src/odoo_19.0.latest.tar.gz"
ODOO_GIT = "https://github.com/odoo/odoo"
ODOO_CHECKOUT = Path.home() / ".local" / "share" / "odoo19"
ODOO_MISSING = f"""\
Odoo 19 cannot be imported and could not be installed from its official source.
Install Odoo 19.0 so that `{Path(PYTHON).name} -c "import odoo"` works, then run this again. Either:
  {PYTHON} -m pip install {ODOO_NIGHTLY}
or:
  git clone --depth 1 --branch 19.0 {ODOO_GIT} {ODOO_CHECKOUT}
  {PYTHON} -m pip install -r {ODOO_CHECKOUT}/requirements.txt
  echo {ODOO_CHECKOUT} > {sysconfig.get_paths()["purelib"]}/odoo19.pth
and name its addons folders in ~/.odoorc:
  [options]
  addons_path = {ODOO_CHECKOUT}/odoo/addons,{ODOO_CHECKOUT}/addons
(psycopg2 builds from source: Debian needs `apt-get install build-essential libpq-dev python3-dev`)."""


def die(msg):
    print(f"\nERROR: {msg}", file=sys.stderr, flush=True)
    sys.exit(1)


# --- configuration --------------------------------------------------------


def odoorc():
    """Path of the Odoo config file (ODOO_RC overrides ~/.odoorc), or None."""
    path = Path(os.environ.get("ODOO_RC") or Path.home() / ".odoorc").expanduser()
    return path if path.is_file() else None


def rc_option(name):
    """Value of [options] name in the odoorc; Odoo writes unset values as 'False'."""
    rc = odoorc()
    if not rc:
        return None
    parser = configparser.RawConfigParser()
    parser.read(rc)
    value = parser.get("options", name, fallback=None)
    return None if value in (None, "", "False", "None") else value


def odoo_version():
    """Major version of the importable Odoo (in a child process, so a fresh
    install is seen), or None."""
    proc = subprocess.run(
        [PYTHON, "-c", "import odoo.release as r; print(r.version_info[0])"],
        capture_output=True,
        text=True,
        check=False,
    )
    return int(proc.stdout.strip()) if proc.returncode == 0 else None


def odoo_addons_paths():
    """Odoo's own addons folders: from the odoorc, else next to `import odoo`."""
    configured = [p.strip() for p in (rc_option("addons_path") or "").split(",") if p.strip()]
    paths = [p for p in configured if Path(p).expanduser().is_dir() and not p.startswith(str(BUILD))]
    if paths:
        return paths
    # odoo is a namespace package in 19.0 (no __file__): ask release.py where it is.
    proc = subprocess.run(
        [PYTHON, "-c", "import odoo.release, os; print(os.path.dirname(odoo.release.__file__))"],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        die(ODOO_MISSING)
    odoo_dir = Path(proc.stdout.strip())
    # git checkout: <root>/odoo/addons + <root>/addons; pip sdist: everything in odoo/addons.
    return [str(p) for p in (odoo_dir / "addons", odoo_dir.parent / "addons") if p.is_dir()]


def addons_path(addon_dir=REPO):
    """--addons-path value with our module first.

    The module must sit in a folder named crm_sequence, but the clone may be
    named anything (CI clones elsewhere), so .build/addons/crm_sequence is a
    symlink to it and .build/addons goes first in the path. Another addon
    folder (ADDON_DIR=...) gets its own .build/addons-<hash>, so that runs on
    different folders at the same time do not re-point each other's link.
    """
    addon_dir = Path(addon_dir).resolve()
    if not (addon_dir / "__manifest__.py").is_file():
        die(f"{addon_dir} has no __manifest__.py: it is not an Odoo addon.")
    suffix = "" if addon_dir == REPO else "-" + hashlib.sha1(str(addon_dir).encode()).hexdigest()[:8]
    links = BUILD / f"addons{suffix}"
    links.mkdir(parents=True, exist_ok=True)
    link, tmp = links / MODULE, links / f".{MODULE}.{os.getpid()}"
    if not (link.is_symlink() and link.resolve() == addon_dir):
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(addon_dir, target_is_directory=True)
        os.replace(tmp, link)  # atomic: a concurrent run never sees it missing
    return ",".join([str(links), *odoo_addons_paths()])


# --- PostgreSQL -----------------------------------------------------------


def db_user():
    """Role Odoo connects as. Odoo refuses to run as 'postgres' (the odoorc
    here says db_user = postgres), so use the login name instead."""
    user = rc_option("db_user") or os.environ.get("PGUSER") or getpass.getuser()
    if user == "postgres":
        user = os.environ.get("ODOO_DB_USER") or getpass.getuser()
        if user == "postgres":
            user = "odoo"
    return user


def db_options():
    """Options for `python3 -m odoo` on top of `-c odoorc`: only --db_user when
    the configured one would be refused (host, port, password come from odoorc)."""
    configured = rc_option("db_user") or os.environ.get("PGUSER") or getpass.getuser()
    return [] if configured == db_user() else [f"--db_user={db_user()}"]


def _pg_env_args(user):
    env = dict(os.environ)
    if rc_option("db_password"):
        env["PGPASSWORD"] = rc_option("db_password")
    args = ["-U", user]
    if rc_option("db_host"):
        args += ["-h", rc_option("db_host")]
    if rc_option("db_port"):
        args += ["-p", rc_option("db_port")]
    return env, args


def psql(sql, user=None, database="postgres"):
    """Run one SQL statement; returns (ok, output)."""
    if not shutil.which("psql"):
        die("psql not found: install the PostgreSQL client (Debian: apt-get install postgresql).")
    env, args = _pg_env_args(user or db_user())
    proc = subprocess.run(
        ["psql", "-X", "-q", "-At", *args, "-d", database, "-c", sql],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    return proc.returncode == 0, (proc.stdout + proc.stderr).strip()


def check_postgres():
    """Stop with a clear message unless PostgreSQL answers."""
    env, args = _pg_env_args(db_user())
    where = f"{rc_option('db_host') or 'the local socket'}, port {rc_option('db_port') or 5432}"
    if shutil.which("pg_isready"):
        proc = subprocess.run(["pg_isready", *args[2:]], capture_output=True, text=True, env=env, check=False)
        ok = proc.returncode == 0
    else:
        ok, out = psql("SELECT 1", user=db_user())
        ok = ok or "does not exist" in out  # server answers, the role is created later
    if not ok:
        die(
            f"PostgreSQL does not answer on {where}.\n"
            "Start it (Debian: `pg_ctlcluster --skip-systemctl-redirect 15 main start`; see `pg_lsclusters`)\n"
            "or install it (`apt-get install postgresql`), or set db_host/db_port in ~/.odoorc."
        )


def ensure_db_role():
    """Create the role Odoo connects as (with CREATEDB) when it does not exist."""
    user = db_user()
    ok, out = psql("SELECT 1", user=user)
    if ok:
        return
    if "does not exist" not in out:
        die(f"Cannot connect to PostgreSQL as {user!r}:\n{out}")
    sql = f'CREATE ROLE "{user}" LOGIN CREATEDB'
    print(f"Creating PostgreSQL role {user!r} (Odoo refuses to connect as 'postgres').", flush=True)
    ok, out2 = psql(sql, user="postgres")
    if not ok and os.geteuid() == 0 and shutil.which("runuser"):  # peer auth: act as the postgres OS user
        proc = subprocess.run(
            ["runuser", "-u", "postgres", "--", "psql", "-X", "-q", "-c", sql],
            capture_output=True,
            text=True,
            check=False,
        )
        ok, out2 = proc.returncode == 0, proc.stdout + proc.stderr
    if not ok:
        die(f"Could not create the PostgreSQL role {user!r}: {out2.strip()}\nRun as a PostgreSQL superuser: {sql};")


def database_exists(name):
    ok, out = psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'")
    return ok and out == "1"


# --- Odoo -----------------------------------------------------------------


def odoo_cmd(*args):
    """`python3 -m odoo [subcommand] -c odoorc <db options> args...`."""
    rc = odoorc()
    sub, rest = (list(args[:1]), list(args[1:])) if args and not args[0].startswith("-") else ([], list(args))
    return [PYTHON, "-m", "odoo", *sub, *(["-c", str(rc)] if rc else []), *db_options(), *rest]


def drop_database(name):
    """Drop a database and its filestore; True when it is gone."""
    if not database_exists(name):
        return True
    proc = subprocess.run(odoo_cmd("db", "drop", name), capture_output=True, text=True, check=False)
    if database_exists(name):  # e.g. a connection still open: force it
        psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    if database_exists(name):
        print(f"WARNING: could not drop database {name}:\n{proc.stdout}{proc.stderr}", file=sys.stderr)
        return False
    return True


def module_installed(db, module=MODULE):
    ok, out = psql(f"SELECT state FROM ir_module_module WHERE name = '{module}'", database=db)
    return ok and out == "installed"


# --- make test --------------------------------------------------------------

TEST_DB_PREFIX = f"{MODULE}_test_"
LOGS = BUILD / "logs"
# Python packages `make test` runs on (requirements.txt): import name -> what pip installs.
TEST_REQUIREMENTS = {
    "pytest": "pytest",
    "pytest_odoo": "pytest-odoo",
    "websocket": "websocket-client",
    "aiosmtpd": "aiosmtpd",
    "crawlerdetect": "crawlerdetect",
}
# An ERROR/CRITICAL record in Odoo's log while the module installs, e.g.
# "2025-01-01 12:00:00,123 4242 ERROR db odoo.modules.loading: ..."
LOGGED_ERROR = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (ERROR|CRITICAL) ")


def ensure_test_requirements():
    """pip-install requirements.txt when one of TEST_REQUIREMENTS is missing."""
    check = "; ".join(f"import {name}" for name in TEST_REQUIREMENTS)
    if subprocess.run([PYTHON, "-c", check], capture_output=True, check=False).returncode == 0:
        return
    print(f"Installing {REPO / 'requirements.txt'} (needs {', '.join(TEST_REQUIREMENTS.values())})", flush=True)
    cmd = [PYTHON, "-m", "pip", "install", "--quiet", "-r", str(REPO / "requirements.txt")]
    if subprocess.run(cmd, check=False).returncode != 0:
        die(f"Could not install the test requirements: run `{' '.join(cmd)}`.")


def drop_stale_test_databases():
    """Drop test databases left by runs that were killed (their pid is gone)."""
    ok, out = psql(f"SELECT datname FROM pg_database WHERE datname LIKE '{TEST_DB_PREFIX}%'")
    for name in out.split() if ok else []:
        pid = name[len(TEST_DB_PREFIX) :].split("_")[0]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            print(f"Dropping stale test database {name}", flush=True)
            drop_database(name)


def prune_logs(keep=10):
    """Keep the logs of the last `keep` runs (this one included)."""
    try:
        for old in sorted(LOGS.glob(f"{TEST_DB_PREFIX}*.log"), key=lambda p: p.stat().st_mtime)[: -(keep - 1)]:
            old.unlink(missing_ok=True)
    except OSError:  # a concurrent run pruned first
        pass


def install_module(db, addons, log_path):
    """Create `db` with the module (no demo data, no tests); Odoo's output goes to the log.
    Returns None, or why the install failed."""
    cmd = odoo_cmd(
        "-d",
        db,
        "-i",
        MODULE,
        "--stop-after-init",
        f"--addons-path={addons}",
        "--workers=0",
        "--max-cron-threads=0",
        "--log-level=info",
        f"--logfile={log_path}",
    )
    with open(log_path, "a", encoding="utf-8") as log:  # stderr (tracebacks before logging starts) too
        log.write(f"$ {' '.join(cmd)}\n")
        log.flush()
        returncode = subprocess.run(cmd, stdout=log, stderr=log, stdin=subprocess.DEVNULL, check=False).returncode
    text = log_path.read_text(encoding="utf-8", errors="replace")
    errors = [line for line in text.splitlines() if LOGGED_ERROR.match(line)]
    if returncode != 0 or errors or not module_installed(db):
        tail = "\n".join(errors[:20] or text.splitlines()[-40:])
        return f"Installing {MODULE} failed (exit code {returncode}); {len(errors)} ERROR/CRITICAL record(s):\n{tail}"
    return None


def pytest_cmd(db, addons, log_path, pytest_args):
    """pytest-odoo on the module's tests, reached through .build/addons*/crm_sequence.

    The tests are collected from the link folder (never from the repository folder, whose
    name may differ): pytest-odoo then imports them as odoo.addons.crm_sequence.tests.*,
    and --confcutdir keeps pytest from importing the repository folder as a package.
    """
    links = addons.split(",")[0]
    rc = odoorc()
    odoo_extra = [
        f"logfile={log_path}",
        "max-cron-threads=0",  # no cron thread may run the module's cron in the middle of a test
        "http-interface=127.0.0.1",
        *(option.lstrip("-") for option in db_options()),
    ]
    return [
        PYTHON,
        "-m",
        "pytest",
        links,
        f"--rootdir={links}",
        f"--confcutdir={links}",
        "-c",
        str(REPO / "pyproject.toml"),
        "-o",
        f"cache_dir={BUILD / 'pytest_cache'}",
        *([f"--odoo-config={rc}"] if rc else []),
        f"--odoo-database={db}",
        f"--odoo-addons-path={addons}",
        "--odoo-log-level=info",
        "--odoo-http",  # HttpCase tests (browser tours) need Odoo's HTTP server
        *(f"--odoo-extra={option}" for option in odoo_extra),
        *pytest_args,
    ]


def run_tests(addon_dir, pytest_args, keep_db=False):
    """`make test`; returns the exit code (pytest's, or 1 when it could not run)."""
    version = odoo_version()
    if version != 19:
        die(
            "Odoo 19 cannot be imported; install Odoo 19.0 so that `import odoo` works and ~/.odoorc names "
            f"its addons path (found: {version or 'no Odoo'}). `make run` can install it."
        )
    ensure_test_requirements()
    check_postgres()
    ensure_db_role()
    addons = addons_path(addon_dir)
    drop_stale_test_databases()
    db = f"{TEST_DB_PREFIX}{os.getpid()}_{uuid.uuid4().hex[:6]}"
    LOGS.mkdir(parents=True, exist_ok=True)
    prune_logs()
    log_path = LOGS / f"{db}.log"
    print(f"Database {db} (dropped at the end); Odoo's log: {log_path}", flush=True)

    # SIGTERM (CI timeout, make killed): stop pytest and still drop the database.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    proc, returncode = None, 1
    try:
        start = time.monotonic()
        print(f"Installing {MODULE}...", flush=True)
        failure = install_module(db, addons, log_path)
        if failure:
            print(failure, file=sys.stderr, flush=True)
            return 1
        print(f"Installed in {time.monotonic() - start:.0f}s; running pytest.", flush=True)
        cmd = pytest_cmd(db, addons, log_path, pytest_args)
        with open(log_path, "a", encoding="utf-8") as log:
            log.write(f"$ {' '.join(cmd)}\n")
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL)
        while True:
            try:
                returncode = proc.wait()
                break
            except KeyboardInterrupt:  # Ctrl-C reached pytest too: let it print its summary
                continue
        return returncode
    finally:
        if proc and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if keep_db:
            print(f"Kept database {db}", file=sys.stderr, flush=True)
        else:
            drop_database(db)  # quietly (warns on stderr when it cannot): pytest's summary stays last


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    test = sub.add_parser("test", help="make test: run the module's tests with pytest-odoo in a throwaway database")
    test.add_argument("--addon-dir", default=str(REPO), help="addon to test (default: this repository)")
    test.add_argument("--keep-db", action="store_true", help="do not drop the database at the end")
    test.add_argument("pytest_args", nargs=argparse.REMAINDER, help="pytest options, after --")
    args = parser.parse_args()
    pytest_args = args.pytest_args[1:] if args.pytest_args[:1] == ["--"] else args.pytest_args
    return run_tests(args.addon_dir, pytest_args, keep_db=args.keep_db)


if __name__ == "__main__":
    sys.exit(main())
