"""pytest hooks for `make test` (pytest-odoo runs this addon's tests).

Anything but a clean pass fails the run:

* a skipped test is reported as failed: Odoo skips a browser tour (HttpCase.start_tour)
  when Chromium or websocket-client is missing, pytest-odoo skips every HttpCase without
  --odoo-http, and a tour that did not run must not look green;
* a test that passes but logs an ERROR/CRITICAL record meanwhile (in its setup, call or
  teardown, from any thread: a swallowed exception in the engine, the HTTP server, the
  browser console) is reported as failed. Errors a test expects are caught with
  odoo.tools.mute_logger or assertLogs and never reach the root logger.

pytest loads this file while it collects tests/ through .build/addons/crm_sequence, as
odoo.addons.crm_sequence.tests.conftest (tools/odoo_env.py explains why); Odoo never imports it.
"""

import logging
from types import SimpleNamespace

import pytest


class _ErrorRecords(logging.Handler):
    """ERROR and CRITICAL records since the last test report (any thread)."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.records = []

    def emit(self, record):
        self.records.append(record)


_errors = _ErrorRecords()


def pytest_configure(config):
    logging.getLogger().addHandler(_errors)


def pytest_unconfigure(config):
    logging.getLogger().removeHandler(_errors)


class _Failure(str):
    """Failure text of a report; its first line also shows in pytest's short test summary."""

    @property
    def reprcrash(self):
        return SimpleNamespace(message=self.splitlines()[0])


def _fail(report, text):
    report.outcome = "failed"
    report.longrepr = _Failure(text)


def _skip_reason(report):
    longrepr = report.longrepr  # (path, line, "Skipped: why") for a skip
    reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    return reason.removeprefix("Skipped: ")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    records, _errors.records = _errors.records, []
    if report.skipped and not hasattr(report, "wasxfail"):
        _fail(
            report,
            f"skipped: {_skip_reason(report)}\n"
            "make test counts a skipped test as a failure: a browser tour that did not run must not look green.",
        )
    elif report.passed and records:
        lines = "\n".join(f"{r.levelname} {r.name}: {r.getMessage()}".splitlines()[0][:300] for r in records[:10])
        _fail(
            report,
            f"logged {len(records)} ERROR/CRITICAL record(s) during its {report.when}, "
            f"first: {records[0].getMessage().splitlines()[0][:200]}\n"
            "make test counts that as a failure (mute_logger or assertLogs for errors a test expects):\n" + lines,
        )
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector):
    """A test module skipped as a whole (pytest.skip at import) fails as well."""
    report = yield
    if report.skipped:
        _fail(report, f"skipped at collection: {_skip_reason(report)}")
    return report


def pytest_terminal_summary(terminalreporter):
    """Point at Odoo's log of the run (just before pytest's summary line)."""
    from odoo.tools import config  # noqa: PLC0415 (pytest-odoo has configured Odoo by now)

    if config.get("logfile"):
        terminalreporter.write_line(f"Odoo's log of this run: {config['logfile']}")
