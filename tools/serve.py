#!/usr/bin/env python3
"""`make run`: install what is missing, create the demo database once, serve Odoo.

1. pip-install requirements.txt when one of its packages is missing;
2. when `import odoo` fails, install Odoo 19.0 from its official source
   (nightly tarball with pip, else a shallow git clone plus a .pth file),
   or stop saying exactly what to install;
3. check that PostgreSQL answers;
4. create the database with crm_sequence and its demo data if it does not exist
   (an existing one gets `-u crm_sequence` so that code changes are applied);
5. serve it on http://localhost:PORT (log in as admin / admin), printing that URL once Odoo
   answers (its /web/health route), not before.
"""

import argparse
import importlib.metadata
import os
import re
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import odoo_env as env  # noqa: E402


def run(cmd, **kw):
    print("$", " ".join(map(str, cmd)), flush=True)
    return subprocess.run(cmd, check=False, **kw).returncode == 0


def ensure_requirements():
    req = env.REPO / "requirements.txt"
    names = (
        [
            re.split(r"[\s<>=!~\[;]", line.strip())[0]
            for line in req.read_text().splitlines()
            if line.strip() and not line.lstrip().startswith(("#", "-"))
        ]
        if req.is_file()
        else []
    )
    missing = []
    for name in names:
        try:
            importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            missing.append(name)
    if missing and not run([env.PYTHON, "-m", "pip", "install", "-r", str(req)]):
        env.die(f"Could not install {', '.join(missing)}: run `{env.PYTHON} -m pip install -r {req}`.")


def install_odoo():
    """Install Odoo 19.0 from its official source; True when it imports afterwards."""
    print("Odoo 19 is not importable: installing Odoo 19.0 from its official source.", flush=True)
    pip = [env.PYTHON, "-m", "pip", "install", "--retries", "1", "--timeout", "30"]
    if run([*pip, env.ODOO_NIGHTLY]) and env.odoo_version() == 19:
        return True
    if shutil.which("git"):
        checkout = env.ODOO_CHECKOUT
        if not (checkout / "odoo" / "release.py").is_file():
            shutil.rmtree(checkout, ignore_errors=True)
            checkout.parent.mkdir(parents=True, exist_ok=True)
            if not run(["git", "clone", "--depth", "1", "--branch", "19.0", env.ODOO_GIT, str(checkout)]):
                return False
        if not run([*pip, "-r", str(checkout / "requirements.txt")]):
            return False
        Path(sysconfig.get_paths()["purelib"], "odoo19.pth").write_text(f"{checkout}\n")
    return env.odoo_version() == 19


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--addon-dir", default=str(env.REPO))
    parser.add_argument("--db", default="crm_sequence_demo")
    parser.add_argument("--port", default="8069")
    parser.add_argument("--drop", action="store_true", help="drop the database instead, then exit")
    args = parser.parse_args()

    ensure_requirements()
    version = env.odoo_version()
    if version is None and not install_odoo():
        env.die(env.ODOO_MISSING)
    if env.odoo_version() != 19:
        env.die(f"Odoo {version} is installed, this addon needs Odoo 19.0.\n" + env.ODOO_MISSING)
    env.check_postgres()
    env.ensure_db_role()

    if args.drop:
        sys.exit(0 if env.drop_database(args.db) else 1)

    quiet_docutils()
    addons_path = f"--addons-path={env.addons_path(args.addon_dir)}"
    common = ["-d", args.db, addons_path, "--workers=0"]
    if not env.database_exists(args.db):
        print(f"Creating database {args.db} with {env.MODULE} and demo data (a few minutes)...", flush=True)
        if not run(env.odoo_cmd(*common, "-i", env.MODULE, "--with-demo", "--stop-after-init")) or not module_installed(
            args.db
        ):
            env.drop_database(args.db)  # never leave a half-initialised database behind
            env.die(f"Installing {env.MODULE} failed (see the log above); database {args.db} was dropped.")
        update = []
    else:
        update = ["-u", env.MODULE]  # apply code changes made since the database was created

    url = f"http://localhost:{args.port}"
    cmd = env.odoo_cmd(*common, *update, f"--http-port={args.port}", f"--db-filter=^{args.db}$")
    print("$", " ".join(cmd), flush=True)
    print(f"Starting Odoo (updating {env.MODULE} first); the URL follows once it answers...", flush=True)
    server = subprocess.Popen(cmd)
    try:
        if wait_until_serving(server, f"{url}/web/health"):
            print(f"\nOdoo serves database {args.db} on {url}  (admin / admin; Ctrl-C stops it)\n", flush=True)
        sys.exit(server.wait())
    except KeyboardInterrupt:
        server.send_signal(signal.SIGINT)
        sys.exit(server.wait())


def quiet_docutils():
    """Installing Odoo's `mail` renders its own module description with docutils, which prints
    "<string>:38: (ERROR/3) Unexpected indentation." to the terminal (harmless: Odoo shows the
    text anyway). Our Odoo processes read a docutils configuration that reports nothing."""
    conf = env.BUILD / "docutils.conf"
    conf.parent.mkdir(parents=True, exist_ok=True)
    conf.write_text("[general]\nreport_level: 5\n")
    os.environ["DOCUTILSCONFIG"] = str(conf)


def wait_until_serving(server, health_url, timeout=600):
    """True once Odoo answers ``health_url``; False when the server stopped first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with urllib.request.urlopen(health_url, timeout=2) as response:
                if response.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(1)
    return False


def module_installed(db):
    ok, out = env.psql(f"SELECT state FROM ir_module_module WHERE name = '{env.MODULE}'", database=db)
    return ok and out == "installed"


if __name__ == "__main__":
    main()
