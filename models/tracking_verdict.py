"""People or machines: the verdict on one open or click of a sequence email.

Plain Python, no Odoo: ``tests/test_tracking_verdict.py`` checks it without a database
against a corpus of real request signatures (``tests/data/tracking/``). The rules are
data: a new scanner is one line in ``SCANNER_AGENTS`` or ``SCANNER_NETWORKS``.

Order matters, most specific first:

1. ``HEAD``: a link checker, never a person (browsers GET).
2. Known machines by agent or address: Apple's Mail Privacy Protection (the bare
   ``Mozilla/5.0`` agent), security gateways (Microsoft, Mimecast, Proofpoint,
   Barracuda, Cisco), headless browsers, HTTP libraries, link-preview bots.
3. Less than ``FAST_SECONDS`` after the email was handed to the SMTP server: no person
   reads that fast, gateways do.
4. Every link of the email clicked within ``BURST_SECONDS``.
5. Image proxies that fetch when a person opens (Gmail's ``GoogleImageProxy``,
   Yahoo's): people.
6. ``crawlerdetect``'s list of bots (maintained upstream, over a thousand patterns):
   machines; everything else is a person.
"""

import ipaddress
import re
from dataclasses import dataclass, field
from functools import lru_cache

from crawlerdetect import CrawlerDetect

HUMAN = "human"
MACHINE = "machine"

# reason codes stored on crm.sequence.touch.event (selection labels live in the model)
PRIVACY_PROXY = "privacy_proxy"
SECURITY_SCANNER = "security_scanner"
TOO_FAST = "too_fast"
HEAD_REQUEST = "head_request"
ALL_LINKS = "all_links"
BOT = "bot"

FAST_SECONDS = 5.0
BURST_SECONDS = 1.0
MAX_USER_AGENT = 512
MAX_IP = 45  # the longest textual IPv6 address (IPv4-mapped)
MAX_URL = 2048

# A person's mail client fetching images through its provider's proxy when they open the email.
HUMAN_AGENTS = [
    ("Gmail image proxy", r"GoogleImageProxy"),
    ("Yahoo Mail proxy", r"YahooMailProxy"),
    ("Outlook", r"Microsoft Outlook"),
]

# Apple's Mail Privacy Protection prefetches every image at delivery with this agent, nothing more.
PRIVACY_PROXY_AGENTS = [
    ("Apple Mail Privacy Protection", r"^Mozilla/5\.0$"),
]
APPLE_NETWORKS = ["17.0.0.0/8", "2620:149::/32", "2a01:b740::/32"]

SCANNER_AGENTS = [
    ("Microsoft Office link check", r"Microsoft Office Existence Discovery|^ms-office|MSOffice \d"),
    ("Microsoft Safe Links", r"Safe ?Links|BingPreview"),
    ("Mimecast", r"Mimecast"),
    ("Proofpoint", r"Proofpoint|ppops-"),
    ("Barracuda", r"Barracuda"),
    ("Cisco", r"IronPort|Cisco[ -]?(Secure|ESA|Umbrella)"),
    ("Trend Micro", r"TrendMicro|Trend Micro"),
    ("Symantec", r"Symantec|MessageLabs"),
    ("Sophos", r"Sophos"),
    ("Fortinet", r"FortiGuard|FortiMail"),
    ("Headless browser", r"HeadlessChrome|PhantomJS|Puppeteer|Playwright|Selenium|SlimerJS|Electron/"),
    (
        "HTTP library",
        r"^(python-requests|python-urllib3|Python-urllib|aiohttp|httpx|Go-http-client|curl|Wget|okhttp|"
        r"Java/|Apache-HttpClient|node-fetch|axios|undici|libwww-perl|PycURL|Ruby|Faraday|GuzzleHttp|"
        r"Dalvik/|PostmanRuntime|Scrapy|Jakarta Commons-HttpClient|WinHttp|lwp-request)",
    ),
]

# Mail security gateways' published sending and scanning ranges.
SCANNER_NETWORKS = [
    (
        "Microsoft Exchange Online Protection",
        ["40.92.0.0/15", "40.107.0.0/16", "52.100.0.0/14", "104.47.0.0/17", "2a01:111:f400::/48", "2a01:111:f403::/48"],
    ),
    (
        "Mimecast",
        [
            "205.139.110.0/24",
            "207.211.30.0/24",
            "207.211.31.0/25",
            "216.205.24.0/24",
            "170.10.128.0/22",
            "91.220.42.0/24",
            "146.101.78.0/24",
            "185.58.84.0/22",
            "195.130.217.0/24",
        ],
    ),
    ("Proofpoint", ["148.163.128.0/19", "67.231.144.0/20", "185.183.28.0/22", "185.132.180.0/22"]),
    ("Barracuda", ["64.235.144.0/20", "209.222.80.0/21", "35.157.190.224/27", "35.176.92.96/27"]),
    ("Cisco Secure Email", ["68.232.128.0/19", "216.71.128.0/19"]),
]

_HUMAN_AGENTS = [(name, re.compile(pattern, re.I)) for name, pattern in HUMAN_AGENTS]
_PRIVACY_AGENTS = [(name, re.compile(pattern)) for name, pattern in PRIVACY_PROXY_AGENTS]
_SCANNER_AGENTS = [(name, re.compile(pattern, re.I)) for name, pattern in SCANNER_AGENTS]
_APPLE = [ipaddress.ip_network(net) for net in APPLE_NETWORKS]
_SCANNER_NETWORKS = [(name, [ipaddress.ip_network(net) for net in nets]) for name, nets in SCANNER_NETWORKS]
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Hit:
    """One request on a tracked URL of an email. ``seconds`` is the time since the
    email was handed to the SMTP server (``None``: unknown). For a click,
    ``earlier_clicks`` are the email's previous clicks as ``(seconds, url)`` and
    ``link_count`` the number of tracked links it has."""

    kind: str  # "open" or "click"
    method: str = "GET"
    user_agent: str = ""
    ip: str = ""
    seconds: float | None = None
    url: str = ""
    earlier_clicks: tuple = field(default_factory=tuple)
    link_count: int = 0


@dataclass(frozen=True)
class Verdict:
    verdict: str  # HUMAN or MACHINE
    reason: str = ""  # one of the reason codes for a machine
    detail: str = ""  # the rule that matched, e.g. "Mimecast"

    @property
    def is_human(self):
        return self.verdict == HUMAN


def clean_user_agent(value):
    """The agent as stored: control characters dropped, at most ``MAX_USER_AGENT`` long."""
    return _CONTROL.sub("", value or "").strip()[:MAX_USER_AGENT]


def clean_ip(value):
    """The address as stored: normalized when valid, else its printable start
    (``MAX_IP`` characters), never an error."""
    value = _CONTROL.sub("", value or "").strip()
    parsed = _parse_ip(value)
    return str(parsed) if parsed else value[:MAX_IP]


def clean_url(value):
    return _CONTROL.sub("", value or "")[:MAX_URL]


def _parse_ip(value):
    try:
        return ipaddress.ip_address(value[:MAX_IP])
    except ValueError:
        return None


def _in(address, networks):
    return address is not None and any(address.version == net.version and address in net for net in networks)


@lru_cache(maxsize=1)
def _crawler_detect():
    return CrawlerDetect()


def _is_listed_bot(user_agent):
    return _crawler_detect().isCrawler(user_agent)


def judge(hit):
    """The ``Verdict`` on ``hit`` (see the module's docstring for the rules' order)."""
    agent = clean_user_agent(hit.user_agent)
    address = _parse_ip(clean_ip(hit.ip))
    if (hit.method or "GET").upper() == "HEAD":
        return Verdict(MACHINE, HEAD_REQUEST, "HEAD request")
    for name, pattern in _PRIVACY_AGENTS:
        if pattern.search(agent):
            return Verdict(MACHINE, PRIVACY_PROXY, name if _in(address, _APPLE) else f"{name} (relay)")
    for name, networks in _SCANNER_NETWORKS:
        if _in(address, networks):
            return Verdict(MACHINE, SECURITY_SCANNER, name)
    for name, pattern in _SCANNER_AGENTS:
        if pattern.search(agent):
            return Verdict(MACHINE, SECURITY_SCANNER, name)
    if not agent:
        return Verdict(MACHINE, BOT, "No user agent")
    if hit.seconds is not None and hit.seconds < FAST_SECONDS:
        return Verdict(MACHINE, TOO_FAST, f"{hit.seconds:.1f} s after sending")
    if hit.kind == "click" and _all_links_at_once(hit):
        return Verdict(MACHINE, ALL_LINKS, f"{hit.link_count} links within {BURST_SECONDS:g} s")
    for name, pattern in _HUMAN_AGENTS:
        if pattern.search(agent):
            return Verdict(HUMAN, "", name)
    if _is_listed_bot(agent):
        return Verdict(MACHINE, BOT, "Known bot (crawlerdetect)")
    return Verdict(HUMAN)


def _all_links_at_once(hit):
    """This click completes a burst in which every link of a multi-link email was clicked."""
    if hit.link_count < 2 or hit.seconds is None:
        return False
    urls = {hit.url}
    for seconds, url in hit.earlier_clicks:
        if seconds is not None and hit.seconds - BURST_SECONDS <= seconds <= hit.seconds:
            urls.add(url)
    return len(urls) >= hit.link_count
