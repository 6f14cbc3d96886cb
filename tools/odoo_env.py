"""Shared helpers for `make run` and `make test`: where Odoo and its addons are,
how to reach PostgreSQL, and how to call `python3 -m odoo`.

Standard library only, so it works before anything else is installed.
"""

import configparser
import getpass
import hashlib
import os
import shutil
import subprocess
import sys
import sysconfig
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
