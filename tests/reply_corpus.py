"""The corpus of ``tests/data/replies`` as it is read by the reader's tests
(``tests/test_reply_intent.py``) and by ``tools/evaluate_reply_libraries.py``: each sample
filled in with the same values, and what reading it right means. Plain Python (the tool
loads it without Odoo)."""

import email
import email.policy
import json
from datetime import date
from pathlib import Path

REPLIES = Path(__file__).parent / "data" / "replies"
CORPUS = json.loads((REPLIES / "corpus.json").read_text())
RECEIVED = date(2026, 12, 7)
VALUES = {
    "contact_name": "Dana Smith",
    "contact_email": "dana@acme.example.org",
    "our_email": "catchall@mycompany.example.com",
    "subject": "Quick question about Acme",
    "date": "Mon, 07 Dec 2026 09:14:00 +0100",
    "message_id": "<sent.1@test.mycompany.example.com>",
}


def load(file, directory=REPLIES):
    """The sample ``file`` of ``directory``, its placeholders filled in, as a parsed email."""
    raw = (directory / file).read_text()
    for name, value in VALUES.items():
        raw = raw.replace("{{" + name + "}}", value)
    return email.message_from_bytes(raw.encode(), policy=email.policy.default)


def is_right(sample, reading):
    """The reading is the corpus's: its intent, and the return date or the referred person
    where the intent has one."""
    if reading.intent != sample["intent"]:
        return False
    if sample["intent"] == "not_now":
        return str(reading.resume_date) == str(sample["resume_date"])
    if sample["intent"] == "referral":
        return (reading.referral_email, reading.referral_name) == (sample["referral_email"], sample["referral_name"])
    return True
