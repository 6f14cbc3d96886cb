"""Which links of an email go through Odoo's link tracker, and their rewriting.

Plain Python on the rendered HTML, with a regular expression rather than a parse per
email (Odoo's ``_shorten_links`` parses once per template; a sequence renders each
email for its record). As in Email Marketing, in two times: when the email is queued,
the step's distinct URLs are shortened once per batch (``rewrite``: ``<base>/r/<code>``);
when it leaves, ``mail.mail._prepare_outgoing_body`` gives each short link its touch's
suffix (``add_suffix``: ``/s/<touch id>/<token>``), with the open pixel.

Not tracked: ``mailto:``, ``tel:``, ``sms:`` and other non-web schemes, anchors
(``#...``), links already tracked (``<base>/r/...``), the module's own routes
(unsubscribe, open pixel) and any unsubscribe page.
"""

import html
import re

HREF_RE = re.compile(r"""(<a\b[^>]*?\bhref\s*=\s*)(["'])(.*?)\2""", re.I | re.S)
WEB_RE = re.compile(r"^https?://", re.I)
# a link tracker code: one path segment (the ``/r/<code>`` route), nothing after it
SHORT_CODE_RE = re.compile(r"[^/?#\s]+")
SKIPPED_PATHS = ("/crm_sequence/", "/unsubscribe", "/mailing/")


def trackable_url(href, base_url):
    """The absolute URL that ``href`` (as written in the HTML) leads to when it is to be
    tracked, else ``None``."""
    url = html.unescape(href or "").strip()
    if not url or url.startswith("#"):
        return None
    if url.startswith("/"):
        url = base_url + url
    if not WEB_RE.match(url):
        return None
    if url.startswith(f"{base_url}/r/"):
        return None
    if url.startswith(base_url) and any(part in url[len(base_url) :] for part in SKIPPED_PATHS):
        return None
    if "unsubscribe" in url.lower():
        return None
    return url


def _distinct(body, read):
    """The distinct non-empty ``read(href)`` of the links of ``body``, in order of appearance."""
    found = {}
    for match in HREF_RE.finditer(body or ""):
        url = read(match.group(3))
        if url:
            found.setdefault(url, None)
    return list(found)


def _replace_links(body, new_href):
    """``body`` with each link whose ``new_href(href)`` is not ``None`` pointing there."""

    def replace(match):
        url = new_href(match.group(3))
        if url is None:
            return match.group(0)
        return f"{match.group(1)}{match.group(2)}{html.escape(url)}{match.group(2)}"

    return HREF_RE.sub(replace, body or "")


def find_urls(body, base_url):
    """The distinct trackable URLs of ``body``, in order of appearance."""
    return _distinct(body, lambda href: trackable_url(href, base_url))


def rewrite(body, base_url, short_urls):
    """``body`` with each trackable link replaced by its short URL (``short_urls``:
    {absolute URL: short URL}); other links are left as they are."""
    return _replace_links(body, lambda href: short_urls.get(trackable_url(href, base_url)))


def _short_link(href, base_url):
    """The short URL ``href`` is (``<base_url>/r/<code>``, nothing after), else ``None``."""
    url = html.unescape(href or "").strip()
    prefix = f"{base_url}/r/"
    if url.startswith(prefix) and SHORT_CODE_RE.fullmatch(url[len(prefix) :]):
        return url
    return None


def short_links(body, base_url):
    """The distinct short links (``<base_url>/r/<code>``) of ``body``: what its
    recipient may click, each with the email's suffix once it leaves."""
    return _distinct(body, lambda href: _short_link(href, base_url))


def add_suffix(body, base_url, suffix):
    """``body`` with ``suffix`` after each short link (``<base_url>/r/<code>``);
    anything else, links already suffixed included, is left as it is."""

    def suffixed(href):
        url = _short_link(href, base_url)
        return url + suffix if url else None

    return _replace_links(body, suffixed)
