"""Measure what PyPI's reply parsers and date reader would add to ``models/reply_intent.py``
on the corpus of ``tests/data/replies`` (and the out-of-office dates of ``tests/data/mail``).

Not a test: run ``python3 tools/evaluate_reply_libraries.py`` with ``mail-parser-reply``,
``quotequail`` and ``dateparser`` installed (none is a dependency of the addon: see README
"Reading replies" for the figures and why).

For each variant, the new text (or the date) comes from the library and the rest from our
reader; accuracy is counted as in ``tests/test_reply_intent.py`` (tuned part, held-out part).
"""

import importlib.util
import json
import statistics
import sys
import time
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("reply_intent", ROOT / "models" / "reply_intent.py")
ri = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ri)
spec = importlib.util.spec_from_file_location("inbound_mail", ROOT / "models" / "inbound_mail.py")
im = importlib.util.module_from_spec(spec)
spec.loader.exec_module(im)

spec = importlib.util.spec_from_file_location("reply_corpus", ROOT / "tests" / "reply_corpus.py")
corpus = importlib.util.module_from_spec(spec)
spec.loader.exec_module(corpus)
CORPUS, RECEIVED, REPLIES, VALUES, load, right = (
    corpus.CORPUS,
    corpus.RECEIVED,
    corpus.REPLIES,
    corpus.VALUES,
    corpus.load,
    corpus.is_right,
)
LANGUAGES = ["en", "fr", "de", "es", "nl", "it"]


def evaluate(name, text_of, date_of=None):
    """Accuracy (tuned, held-out) and median time per reply of one way to read the new text."""
    scores = {False: [0, 0], True: [0, 0]}
    times = []
    for sample in CORPUS:
        body, is_html = ri.message_body(load(sample["file"]))
        start = time.perf_counter()
        text = text_of(body, is_html)[: ri.INTENT_CHARS]
        reading = ri.ReplyReading(intent=ri.intent_of(text) if text else "other", text=text)
        if reading.intent == "not_now":
            reading.resume_date = (date_of or ri.resume_date)(text, RECEIVED)
        elif reading.intent in ("referral", "left_company"):
            reading.referral_email, reading.referral_name = ri.referral(text, VALUES.values())
        times.append(time.perf_counter() - start)
        scores[sample["held_out"]][0] += right(sample, reading)
        scores[sample["held_out"]][1] += 1
    tuned, held = scores[False], scores[True]
    print(
        f"{name:<42} tuned {tuned[0]}/{tuned[1]} ({tuned[0] / tuned[1]:.0%})  held-out {held[0]}/{held[1]} "
        f"({held[0] / held[1]:.0%})  median {statistics.median(times) * 1000:.2f} ms"
    )


def main():
    evaluate("ours (Odoo tag_quote + patterns)", ri.new_text)
    try:
        from mailparser_reply import EmailReplyParser
    except ImportError:
        print("mail-parser-reply not installed")
    else:
        parser = EmailReplyParser(languages=LANGUAGES)

        def mpr(body, is_html):
            text = ri.html_new_text(body) if is_html else body
            return parser.parse_reply(text) or ""

        evaluate("mail-parser-reply for quotes and signatures", mpr)
    try:
        import quotequail
    except ImportError:
        print("quotequail not installed")
    else:

        def qq(body, is_html):
            parts = quotequail.quote_html(body) if is_html else quotequail.quote(body)
            kept = [text for shown, text in parts if shown]  # (True, new text), (False, quoted part)
            text = "\n".join(kept)
            return ri.plain_new_text(ri.html_new_text(text) if is_html else text) if text else ""

        evaluate("quotequail for quotes (+ our signatures)", qq)
    try:
        from dateparser.search import search_dates
    except ImportError:
        print("dateparser not installed")
        return

    def dp(text, received):
        settings = {"PREFER_DATES_FROM": "future", "RELATIVE_BASE": datetime.combine(received, datetime.min.time())}
        found = search_dates(text, languages=LANGUAGES, settings=settings) or []
        days = [day.date() for _words, day in found if day.date() > received]
        return days[0] if days else None

    evaluate("dateparser for 'not now' dates", ri.new_text, dp)
    texts = [ri.new_text(*ri.message_body(load(s["file"]))) for s in CORPUS if s["intent"] == "not_now"]
    start = time.perf_counter()
    for text in texts:
        dp(text, RECEIVED)
    print(f"dateparser: {(time.perf_counter() - start) / len(texts) * 1000:.1f} ms per 'not now' reply")
    # out-of-office return dates (tests/data/mail): today's month tables against dateparser
    mail_dir = ROOT / "tests" / "data" / "mail"
    samples = [s for s in json.loads((mail_dir / "corpus.json").read_text()) if s["kind"] == "out_of_office"]
    ours = theirs = 0
    for sample in samples:
        body, _is_html = ri.message_body(load(sample["file"], mail_dir))
        expected = sample["return_date"] and date.fromisoformat(sample["return_date"])
        ours += im.return_date(body, RECEIVED) == (expected or None)
        theirs += dp(body, RECEIVED) == (expected or None)
    print(
        f"out-of-office return dates: ours {ours}/{len(samples)}, dateparser (first future date) {theirs}/{len(samples)}"  # noqa: E501
    )


if __name__ == "__main__":
    sys.exit(main())
