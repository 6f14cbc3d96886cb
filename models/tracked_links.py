"""Which links of an email go through Odoo's link tracker, and their rewriting.

Plain Python on the rendered HTML, with a regular expression rather than a parse per
email (Odoo's ``_shorten_links`` parses once per template; a sequence renders each
email for its record): the step's distinct URLs are shortened once per batch, then
each email gets its touch's suffix (``/s/<touch id>/<token>``).

Not tracked: ``mailto:``, ``tel:``, ``sms:`` and other non-web schemes, anchors
(``#...``), links already tracked (``<base>/r/...``), the module's own routes
(unsubscribe, open pixel) and any unsubscribe page.
"""

import html
import re

HREF_RE = re.compile(r"""(<a\b[^>]*?\bhref\s*=\s*)(["'])(.*?)\2""", re.I | re.S)
WEB_RE = re.compile(r"^https?://", re.I)
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


def find_urls(body, base_url):
    """The distinct trackable URLs of ``body``, in order of appearance."""
    found = {}
    for match in HREF_RE.finditer(body or ""):
        url = trackable_url(match.group(3), base_url)
        if url:
            found.setdefault(url, None)
    return list(found)


def rewrite(body, base_url, short_urls, suffix):
    """``body`` with each trackable link replaced by its short URL + ``suffix``
    (``short_urls``: {absolute URL: short URL}); other links are left as they are."""

    def replace(match):
        url = trackable_url(match.group(3), base_url)
        if url not in short_urls:
            return match.group(0)
        return f"{match.group(1)}{match.group(2)}{html.escape(short_urls[url] + suffix)}{match.group(2)}"

    return HREF_RE.sub(replace, body or "")
