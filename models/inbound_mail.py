"""Reading incoming mail as the world writes it: out-of-office answers, delivery reports
and the subject of replies. Plain Python (no ORM), so that the corpus of real messages in
``tests/data/mail`` checks each reading on its own (``tests/test_inbound_mail.py``).

- Automatic answers: RFC 3834 ``Auto-Submitted``, the headers mail software really sets
  (``X-Autoreply``, ``X-Autorespond``, ``X-Auto-Response-Suppress`` of Exchange,
  ``Precedence``), and the subjects Outlook, Gmail, Zimbra... write in English, French,
  German, Spanish and Dutch, Exchange sometimes sending nothing else.
- Delivery reports (RFC 3464): only a permanent failure (``Action: failed``, status
  5.x.x) is a bounce; ``delayed`` (4.x.x) and ``delivered`` reports are not.
- Return dates ("back on 14 December", "bis einschließlich 11.12.2026") in those languages.
"""

import re
from datetime import date, timedelta

# Subject prefixes of automatic answers, as clients write them (at the start of the subject).
OUT_OF_OFFICE_SUBJECT = re.compile(
    r"""^\s*(?:
        automatic\s+reply | auto[\s-]?reply | auto[\s-]?response | autoreply
      | out\s+of\s+(?:the\s+)?office(?:\s+reply)? | away\s+from\s+(?:the\s+)?office | on\s+vacation
      | r[ée]ponse\s+automatique | message\s+d['’]absence | absence(?:\s+du\s+bureau)? | absent(?:e)?
      | automatische\s+antwort | abwesenheits?(?:notiz|meldung)? | abwesend | nicht\s+im\s+b[üu]ro
      | respuesta\s+autom[áa]tica | fuera\s+de\s+(?:la\s+)?oficina | ausente | ausencia
      | automatisch\s+antwoord | afwezig(?:heid)? | niet\s+aanwezig | buiten\s+kantoor
    )\s*(?::|-|$|\()""",
    re.I | re.X,
)
# Words of an absence in the body of an automatic answer (else it is an acknowledgment).
ABSENCE_WORDS = re.compile(
    r"""out\s+of\s+(?:the\s+)?office | on\s+(?:vacation|holiday|leave|annual\s+leave|parental\s+leave)
      | away | be\s+back | i\s+will\s+return | returning | limited\s+access
      | absent | en\s+cong[ée] | de\s+retour | hors\s+du\s+bureau | vacances
      | abwesend | urlaub | au[ßs]er\s+haus | nicht\s+im\s+b[üu]ro | wieder\s+im\s+b[üu]ro | zur[üu]ck
      | ausente | vacaciones | fuera\s+de\s+(?:la\s+)?oficina | de\s+vuelta | regres
      | afwezig | vakantie | niet\s+aanwezig | terug\s+op | weer\s+aanwezig | buiten\s+kantoor""",
    re.I | re.X,
)
# "Auto:" of sieve vacation answers: stripped to find the email answered, not by itself an
# out-of-office sign (a person may write "Auto: insurance"); their headers tell.
AUTO_PREFIX = re.compile(r"^\s*auto\s*:\s*", re.I)
# Reply and forward markers of clients in these languages ("Re:", "RE :", "AW:", "Antw:", "SV:"...).
REPLY_PREFIX = re.compile(r"^\s*(?:re|aw|antw|antwort|sv|vs|r|rif|wg|fw|fwd|tr|rv|doorst)\s*(?:\[\d+\])?\s*:\s*", re.I)

MONTHS = {
    # English, French, German, Spanish, Dutch (full names and the usual abbreviations)
    **dict.fromkeys(("january", "jan", "janvier", "janv", "januar", "jänner", "enero", "ene", "januari"), 1),
    **dict.fromkeys(("february", "feb", "février", "fevrier", "févr", "fevr", "februar", "febrero", "februari"), 2),
    **dict.fromkeys(("march", "mar", "mars", "märz", "maerz", "marzo", "maart", "mrt"), 3),
    **dict.fromkeys(("april", "apr", "avril", "avr", "abril", "abr"), 4),
    **dict.fromkeys(("may", "mai", "mayo", "mei"), 5),
    **dict.fromkeys(("june", "jun", "juin", "juni", "junio"), 6),
    **dict.fromkeys(("july", "jul", "juillet", "juil", "juli", "julio"), 7),
    **dict.fromkeys(("august", "aug", "août", "aout", "agosto", "augustus", "ago"), 8),
    **dict.fromkeys(("september", "sep", "sept", "septembre", "septiembre", "setiembre"), 9),
    **dict.fromkeys(("october", "oct", "octobre", "oktober", "okt", "octubre"), 10),
    **dict.fromkeys(("november", "nov", "novembre", "noviembre"), 11),
    **dict.fromkeys(("december", "dec", "décembre", "decembre", "déc", "dezember", "dez", "diciembre", "dic"), 12),
}
_MONTH = r"(?P<month>" + "|".join(sorted((re.escape(m) for m in MONTHS), key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>\d{1,2})(?!\d)(?:st|nd|rd|th|er|e|\.|º)?"
_YEAR = r"(?P<year>\d{4})"
DATE_PATTERNS = (
    re.compile(r"\b(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})\b"),
    re.compile(r"\b(?P<a>\d{1,2})[./-](?P<b>\d{1,2})(?:[./-](?P<year>\d{4}|\d{2}))?\b(?![./-]?\d)"),
    re.compile(rf"\b{_DAY}\s+(?:de\s+)?{_MONTH}(?:,?\s+(?:de\s+)?{_YEAR})?", re.I),
    re.compile(rf"\b{_MONTH}\s+{_DAY}(?:,?\s+{_YEAR})?", re.I),
)
# Words before a date saying it is the last day away: the contact is back the day after.
UNTIL_WORDS = re.compile(
    r"\b(?:until|till|through|thru|up\s+to|bis|einschlie[ßs]lich|jusqu['’]\s*(?:au|à|a)|au|inclus"
    r"|hasta|tot\s+en\s+met|t/m|tot)\b",
    re.I,
)
# Words before a date saying it is the day of return.
BACK_WORDS = re.compile(
    r"\b(?:back|return|returning|from|retour|reprendrai|partir\s+du|compter\s+du|ab|wieder|zur[üu]ck"
    r"|vuelta|regreso|regresar[ée]|volver[ée]|partir\s+del|terug|vanaf|weer)\b",
    re.I,
)


def header_text(message, name):
    value = message.get(name)
    return str(value).strip() if value is not None else ""


def has_auto_reply_headers(message):
    """The headers of ``message`` (an ``email.message``) say it was sent by a machine.

    Exchange's ``X-Auto-Response-Suppress`` is not enough alone: it only asks others not
    to answer automatically, and some servers set it on what people write.
    """
    auto_submitted = header_text(message, "Auto-Submitted").lower()
    if auto_submitted and auto_submitted != "no":
        return True
    if header_text(message, "X-Autoreply") or header_text(message, "X-Autorespond"):
        return True
    return header_text(message, "Precedence").lower() in ("auto_reply", "bulk", "junk")


def is_out_of_office_subject(subject):
    return bool(OUT_OF_OFFICE_SUBJECT.match(strip_reply_prefixes(subject or "", keep_auto=True)))


def auto_reply_kind(message, subject, body_text):
    """``"out_of_office"``, ``"auto_reply"`` (an automatic acknowledgment: nothing to do)
    or ``None`` (a person wrote it)."""
    if is_out_of_office_subject(subject):
        return "out_of_office"
    absent = bool(ABSENCE_WORDS.search(subject or "") or ABSENCE_WORDS.search(body_text or ""))
    if has_auto_reply_headers(message):
        return "out_of_office" if absent else "auto_reply"
    if header_text(message, "X-Auto-Response-Suppress") and absent:
        return "out_of_office"  # Exchange out-of-office without Auto-Submitted
    return None


def strip_reply_prefixes(subject, keep_auto=False):
    """The subject without "Re:"-like prefixes (and, unless ``keep_auto``, automatic
    answer ones: "Automatic reply:", "Réponse automatique :"...), to compare it with the
    subject of the email it answers."""
    subject = " ".join((subject or "").split())
    while True:
        match = REPLY_PREFIX.match(subject)
        if not match and not keep_auto:
            match = OUT_OF_OFFICE_SUBJECT.match(subject)
            if match and not match.group(0).rstrip().endswith(":"):
                match = None
            match = match or AUTO_PREFIX.match(subject)
        if not match:
            return subject.strip()
        subject = subject[match.end() :]


def delivery_outcome(message, subject=""):
    """What a delivery report says: ``"failed"`` (a bounce), ``"delayed"``, ``"delivered"``,
    or ``None`` when ``message`` carries no RFC 3464 report and its subject no delay."""
    actions, statuses = set(), set()
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        payload = part.get_payload()
        blocks = payload if isinstance(payload, list) else []
        for block in blocks:
            action = header_text(block, "Action").lower()
            status = header_text(block, "Status")
            if action:
                actions.add(action.split()[0])
            if status:
                statuses.add(status[:1])
    if actions or statuses:
        if "failed" in actions or "5" in statuses:
            return "failed"
        if "delayed" in actions or "4" in statuses:
            return "delayed"
        return "delivered"
    if re.search(r"delay|still being retried|warning: message|retard|verz[öo]ger|retras|vertraag", subject or "", re.I):
        return "delayed"
    return None


def _year_for(day_month, year, received):
    if year:
        year = int(year)
        return year + 2000 if year < 100 else year
    # no year: the year putting the day nearest to the message ("from 1 December" may be past)
    years = [y for y in (received.year - 1, received.year, received.year + 1) if _valid(y, *day_month)]
    return min(years, key=lambda y: abs((date(y, *day_month) - received).days)) if years else None


def _valid(year, month, day):
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _dates_in(text, received):
    """(position, date) of every date written in ``text``."""
    found = []
    for pattern in DATE_PATTERNS:
        for match in pattern.finditer(text):
            groups = match.groupdict()
            if "a" in groups:  # numeric day/month: day first (Europe), month first when it cannot be
                first, second = int(groups["a"]), int(groups["b"])
                day, month = (first, second) if second <= 12 else (second, first)
                if not groups.get("year") and "." not in match.group(0) and "/" not in match.group(0):
                    continue  # "12-14" alone is no date
            else:
                month = groups["month"]
                month = MONTHS.get(month.lower().rstrip(".")) if not month.isdigit() else int(month)
                day = int(groups["day"])
            if not month or not 1 <= month <= 12:
                continue
            year = _year_for((month, day), groups.get("year"), received) if _valid(2000, month, day) else None
            if year and _valid(year, month, day):
                found.append((match.start(), date(year, month, day)))
    return found


def return_date(text, received):
    """The day the author of an out-of-office is back, read in ``text`` (plain text),
    ``received`` being the day of the message; ``None`` when it gives none. "until X"
    means back the day after X; the latest date within a year wins."""
    if not text:
        return None
    text = " ".join(text.split())
    candidates = []
    for position, day in _dates_in(text, received):
        before = text[max(0, position - 40) : position]
        until = max((match.end() for match in UNTIL_WORDS.finditer(before)), default=-1)
        back = max((match.end() for match in BACK_WORDS.finditer(before)), default=-1)
        if until > back:  # the nearest word before the date decides
            day += timedelta(days=1)
        if received < day <= received + timedelta(days=365):
            candidates.append(day)
    return max(candidates) if candidates else None
