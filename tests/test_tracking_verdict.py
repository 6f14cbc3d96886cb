"""People or machines, and which links are tracked: plain pytest, no database
(``models/tracking_verdict.py``, ``models/tracked_links.py``).

``tests/data/tracking/corpus.json`` is the corpus the rules were written against;
``held_out.json`` was written apart from them (other clients, versions, bots and
ranges) and measures how the rules do on signatures they were not tuned on.
"""

import json
from pathlib import Path

import pytest

from odoo.addons.crm_sequence.models import tracked_links, tracking_verdict
from odoo.addons.crm_sequence.models.tracking_verdict import (
    MAX_IP,
    MAX_USER_AGENT,
    Hit,
    clean_ip,
    clean_user_agent,
    judge,
)

DATA = Path(__file__).parent / "data" / "tracking"


def load(name):
    return json.loads((DATA / name).read_text())


def hit(entry):
    return Hit(
        kind=entry["kind"],
        method=entry["method"],
        user_agent=entry["user_agent"],
        ip=entry["ip"],
        seconds=entry["seconds"],
        url=entry.get("url", ""),
        earlier_clicks=tuple(tuple(click) for click in entry.get("earlier_clicks", ())),
        link_count=entry.get("link_count", 0),
    )


def accuracy(entries, decide=judge):
    """(share of right verdicts, share of right verdicts and reasons, the wrong names)."""
    right = exact = 0
    wrong = []
    for entry in entries:
        verdict = decide(hit(entry))
        if verdict.verdict == entry["verdict"]:
            right += 1
            if verdict.reason == entry["reason"]:
                exact += 1
                continue
        wrong.append(entry["name"])
    return right / len(entries), exact / len(entries), wrong


CORPUS = load("corpus.json")
HELD_OUT = load("held_out.json")


@pytest.mark.parametrize("entry", CORPUS, ids=[entry["name"] for entry in CORPUS])
def test_corpus(entry):
    verdict = judge(hit(entry))
    assert (verdict.verdict, verdict.reason) == (entry["verdict"], entry["reason"]), verdict.detail


def test_corpus_covers_every_reason_and_both_kinds():
    reasons = {entry["reason"] for entry in CORPUS}
    assert reasons == {"", "privacy_proxy", "security_scanner", "too_fast", "head_request", "all_links", "bot"}
    assert {entry["kind"] for entry in CORPUS} == {"open", "click"}
    assert {entry["kind"] for entry in HELD_OUT} == {"open", "click"}


def test_held_out_accuracy():
    """Figures reported in README: every verdict right on the held-out part, and its reason."""
    verdicts, reasons, wrong = accuracy(HELD_OUT)
    assert verdicts == 1.0, wrong
    assert reasons >= 0.95, wrong


def test_crawlerdetect_earns_its_place(monkeypatch):
    """Without crawlerdetect the hand rules miss link-preview bots of the held-out part;
    crawlerdetect alone would count Outlook and Gmail's proxy as bots (people here)."""
    with_library = accuracy(HELD_OUT)[0]
    monkeypatch.setattr(tracking_verdict, "_is_listed_bot", lambda agent: False)
    hand_only, _reasons, missed = accuracy(HELD_OUT)
    assert hand_only < with_library
    assert "Facebook crawler" in missed and "LinkedIn link preview" in missed
    monkeypatch.undo()
    people_agents = {entry["user_agent"] for entry in CORPUS + HELD_OUT if entry["verdict"] == "human"}
    flagged = {agent for agent in people_agents if tracking_verdict._is_listed_bot(agent)}
    assert any("GoogleImageProxy" in agent for agent in flagged)
    assert any("Microsoft Outlook" in agent for agent in flagged)


def test_google_image_proxy_is_a_person():
    gmail = "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)"
    verdict = judge(Hit("open", user_agent=gmail, ip="66.249.84.12", seconds=600))
    assert (verdict.verdict, verdict.detail) == ("human", "Gmail image proxy")


def test_bare_agent_from_apple_or_elsewhere():
    assert judge(Hit("open", user_agent="Mozilla/5.0", ip="17.58.63.11", seconds=60)).detail == (
        "Apple Mail Privacy Protection"
    )
    assert judge(Hit("open", user_agent="Mozilla/5.0", ip="172.226.1.1", seconds=60)).reason == "privacy_proxy"
    safari = (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1"
    )
    assert judge(Hit("click", user_agent=safari, ip="17.5.7.9", seconds=60)).is_human, "a person on Apple's relay"


def test_five_seconds_boundary_and_unknown_send_time():
    chrome = "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"
    assert judge(Hit("open", user_agent=chrome, seconds=4.99)).reason == "too_fast"
    assert judge(Hit("open", user_agent=chrome, seconds=5.0)).is_human
    assert judge(Hit("open", user_agent=chrome, seconds=None)).is_human, "unknown sending time: no time rule"


def test_all_links_needs_every_link_within_one_second():
    chrome = "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"
    earlier = ((100.0, "a"), (100.5, "b"))
    assert judge(
        Hit("click", user_agent=chrome, seconds=100.9, url="c", earlier_clicks=earlier, link_count=3)
    ).reason == ("all_links")
    assert judge(Hit("click", user_agent=chrome, seconds=101.2, url="c", earlier_clicks=earlier, link_count=3)).is_human
    assert judge(Hit("click", user_agent=chrome, seconds=100.9, url="c", earlier_clicks=earlier, link_count=4)).is_human
    assert judge(Hit("click", user_agent=chrome, seconds=100.2, url="a", link_count=1)).is_human, "one link: no burst"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("192.0.2.1", "192.0.2.1"),
        (" 2001:DB8::1 ", "2001:db8::1"),
        ("", ""),
        (None, ""),
        ("10.0.0.1, 10.0.0.2", "10.0.0.1, 10.0.0.2"),
        ("x" * 500, "x" * MAX_IP),
        ("bad\x00ip\n", "badip"),
    ],
)
def test_clean_ip(value, expected):
    assert clean_ip(value) == expected


def test_clean_user_agent():
    assert clean_user_agent("Mozilla/5.0\x00\x1b (X11)") == "Mozilla/5.0 (X11)"
    assert len(clean_user_agent("A" * 100_000)) == MAX_USER_AGENT
    assert clean_user_agent(None) == ""
    verdict = judge(Hit("open", method="\x00" * 10, user_agent="\xff" * 100_000, ip="\x00" * 1000, seconds=1e12))
    assert verdict.verdict in ("human", "machine"), "malformed input never raises"


BASE = "https://crm.example.com"


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        ("https://shop.example.com/a?x=1&amp;y=2", "https://shop.example.com/a?x=1&y=2"),
        ("/contactus", f"{BASE}/contactus"),
        ("HTTP://Shop.example.com/", "HTTP://Shop.example.com/"),
        ("mailto:sales@example.com", None),
        ("tel:+3225550101", None),
        ("sms:+3225550101", None),
        ("#details", None),
        ("javascript:alert(1)", None),
        (f"{BASE}/r/aBc1", None),
        (f"{BASE}/crm_sequence/unsubscribe?email=a%40b.c&token=x", None),
        ("https://news.example.com/unsubscribe?id=4", None),
        ("", None),
    ],
)
def test_trackable_url(href, expected):
    assert tracked_links.trackable_url(href, BASE) == expected


def test_rewrite_keeps_other_links_and_counts_distinct_urls():
    body = (
        '<p><a href="https://shop.example.com/a">A</a> <a class="btn" href=\'/b\'>B</a> '
        '<a href="mailto:x@example.com">M</a> <a href="https://shop.example.com/a">A again</a></p>'
    )
    urls = tracked_links.find_urls(body, BASE)
    assert urls == ["https://shop.example.com/a", f"{BASE}/b"]
    short = {urls[0]: f"{BASE}/r/A1", urls[1]: f"{BASE}/r/B2"}
    rewritten = tracked_links.rewrite(body, BASE, short)
    assert rewritten.count(f'href="{BASE}/r/A1"') == 2
    assert f"href='{BASE}/r/B2'" in rewritten
    assert tracked_links.short_links(rewritten, BASE) == [f"{BASE}/r/A1", f"{BASE}/r/B2"]
    # as the email leaves: each short link with the touch's suffix, once
    suffixed = tracked_links.add_suffix(rewritten, BASE, "/s/7/tok")
    assert suffixed.count(f'href="{BASE}/r/A1/s/7/tok"') == 2
    assert f"href='{BASE}/r/B2/s/7/tok'" in suffixed
    assert tracked_links.add_suffix(suffixed, BASE, "/s/7/tok") == suffixed
    assert 'href="mailto:x@example.com"' in rewritten


def test_suffix_only_on_short_links_of_this_server():
    body = (
        '<a href="https://www.reddit.com/r/odoo">forum</a> '
        f'<a href="{BASE}/r/A1?x=1">query</a> <a href="{BASE}/r/A1/m/4">mailing</a> '
        f'<a href="{BASE}/r/C3">ours</a>'
    )
    assert tracked_links.short_links(body, BASE) == [f"{BASE}/r/C3"]
    suffixed = tracked_links.add_suffix(body, BASE, "/s/7/tok")
    assert suffixed == body.replace(f'"{BASE}/r/C3"', f'"{BASE}/r/C3/s/7/tok"')
