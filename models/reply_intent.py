# ruff: noqa: E501 - patterns as data: one alternative per language on a line reads best
"""Reading what a person wrote back to a sequence email: the intent of its new text and what
it names (a date to try again, the person to ask instead). Plain Python (no ORM), checked
on its own against the corpus of ``tests/data/replies`` (``tests/test_reply_intent.py``).

1. **New text only.** HTML replies first lose what Odoo's own quote marking finds
   (``odoo.tools.mail.tag_quote``: Gmail and Outlook quote wrappers, ``<blockquote>``, Gmail and
   Outlook signatures); then, in plain text, quoted lines (``>``), the quote headers of clients
   in six languages ("On … wrote:", "Le … a écrit :", "Am … schrieb …:", Outlook's
   "From:/Sent:" block…), forwarded originals, signatures ("-- ", "Sent from my iPhone", closing
   words), external-mail banners and legal disclaimers. Inline answers between quoted lines stay.
2. **Intent**, from patterns kept as data (``INTENT_PATTERNS``), in a fixed order: a request to
   stop emailing always wins (a legal opt-out must never be missed), then "left the company",
   referral, "not now", "not interested", positive; else ``other``.
3. **What it names**: the date to try again (``resume_date``), the referred address and name.

Only the first ``MAX_CHARS`` characters are read: the new text of a reply comes first, what
follows in a large body is history (and reading stays within a few milliseconds).
"""

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from lxml import etree
from lxml import html as lxml_html

from odoo.tools.mail import tag_quote

INTENTS = ("positive", "not_now", "referral", "left_company", "unsubscribe", "not_interested", "other")
# which intent wins when several are written: first in this order
PRIORITY = ("unsubscribe", "left_company", "referral", "not_now", "not_interested", "positive")
MAX_CHARS = 20000
# the intent and the date are read in the first characters of the new text (a long text is no
# short answer to a sales email; reading more would cost more than the 5 ms budget)
INTENT_CHARS = 2000
# HTML read (styles and the head left out): about 80 Outlook paragraphs
HTML_CHARS = 10000

# ----------------------------------------------------------------------------------------------
# Patterns as data: intent -> language -> regular expressions (case-insensitive, on new text)
# ----------------------------------------------------------------------------------------------

INTENT_PATTERNS = {
    "unsubscribe": {
        "en": [
            r"\bunsubscribe\b",
            r"\b(?:remove|take|delete)\s+(?:me|my\s+(?:e-?mail|address|details|data))\b.{0,40}?\b(?:from|off)\b",
            r"\btake\s+me\s+off\b",
            r"\bstop\s+(?:e-?mailing|contacting|writing\s+to|sending\s+(?:me|us))\b",
            r"\b(?:do\s+not|don'?t|never)\s+(?:e-?mail|contact|write\s+to|call)\s+(?:me|us)\b",
            r"\bopt(?:ing)?[\s-]?out\b",
            r"\bno\s+more\s+(?:e-?mails|messages)\b",
        ],
        "fr": [
            r"d[ée]sabonn|d[ée]sinscri",
            r"\b(?:retirez|supprimez|enlevez|effacez)[\s-]+(?:moi|mon\s+adresse|mes\s+coordonn[ée]es)",
            r"\bne\s+(?:plus\s+)?(?:m['’]|nous\s+)(?:[ée]crire|contacter|envoyer)\s+(?:plus|de)",
            r"\bne\s+(?:souhaite|veux)\s+plus\s+recevoir",
            r"\barr[êe]tez\s+(?:de\s+)?(?:m['’]|nous\s+)?(?:[ée]crire|envoyer|contacter)",
            r"\bne\s+plus\s+(?:me|nous)\s+(?:contacter|[ée]crire|solliciter)",
        ],
        "de": [
            r"\b(?:abmelden|abbestellen|austragen)\b",
            r"\bentfernen\s+sie\s+(?:mich|meine)",
            r"\bl[öo]schen\s+sie\s+(?:mich|meine)",
            r"\bkeine\s+(?:weiteren\s+)?(?:e-?mails|nachrichten|werbung)\b",
            r"\b(?:kontaktieren|schreiben)\s+sie\s+mich\s+nicht\s+mehr",
            r"\bnicht\s+mehr\s+(?:anschreiben|kontaktieren)",
        ],
        "es": [
            r"\bdar(?:me|se)?\s+de\s+baja\b|\bden\s+de\s+baja\b|\bd[ée](?:me|nme)\s+de\s+baja\b|\bbaja\s+de\s+(?:su|la)s?\s+lista",
            r"\b(?:elimine|eliminen|borre|borren|quite|quiten)(?:me|n)?\s+(?:de|mi|mis)\b",
            r"\bno\s+(?:me|nos)\s+(?:env[íi]e|env[íi]en|escriba|escriban|contacte|contacten)\s+m[áa]s",
            r"\bdejen?\s+de\s+(?:escribir|enviar|contactar)",
        ],
        "nl": [
            r"\b(?:afmelden|uitschrijven)\b",
            r"\bverwijder\s+(?:mij|me|mijn)",
            r"\bgeen\s+(?:e-?mails|berichten|mails)\s+meer\b",
            r"\bniet\s+meer\s+(?:mailen|benaderen|contacteren)",
            r"\bstop\s+met\s+(?:mailen|e-?mailen)",
        ],
        "it": [
            r"\bdisiscriv|\bcancellatemi\b|\brimuovetemi\b|\bcancellarmi\b|\brimuovermi\b",
            r"\b(?:rimuovete|cancellate|togliete)\s+(?:il\s+mio|la\s+mia|i\s+miei)",
            r"\bnon\s+(?:mi|ci)\s+(?:contattate|scrivete|inviate)\s+pi[ùu]",
            r"\bnon\s+(?:voglio|desidero)\s+(?:pi[ùu]\s+)?ricevere",
        ],
    },
    "left_company": {
        "en": [
            r"\bno\s+longer\s+(?:with|at|works?\s+(?:at|for|here|with)|employed|part\s+of|working)\b",
            r"\b(?:has|have)\s+left\s+(?:the\s+company|the\s+organi[sz]ation|the\s+firm|us|\w+\s+(?:in|last|since|on)\b)",
            r"\bleft\s+the\s+company\b",
            r"\bmailbox\s+is\s+no\s+longer\s+(?:monitored|active|in\s+use)",
            r"\baddress\s+is\s+no\s+longer\s+(?:monitored|active|in\s+use|valid)",
        ],
        "fr": [
            r"\bne\s+fait\s+plus\s+partie\b",
            r"\ba\s+quitt[ée]\s+(?:l['’]entreprise|la\s+soci[ée]t[ée]|notre|la\s+structure|le\s+groupe)",
            r"\bne\s+travaille\s+plus\b",
            r"\bn['’]est\s+plus\s+(?:en\s+poste|chez|dans\s+(?:l['’]entreprise|la\s+soci[ée]t[ée])|salari[ée])",
            r"\bbo[îi]te\s+(?:mail|aux\s+lettres)\s+n['’]est\s+plus\s+(?:consult[ée]e|active)",
        ],
        "de": [
            r"\bnicht\s+mehr\s+(?:bei|im\s+unternehmen|f[üu]r\s+(?:uns|die)|in\s+unserem\s+unternehmen)\b",
            r"\bhat\s+(?:das\s+unternehmen|die\s+firma|uns|unser\s+unternehmen)\s+verlassen",
            r"\bist\s+nicht\s+mehr\s+(?:f[üu]r|bei|t[äa]tig|besch[äa]ftigt)",
            r"\bpostfach\s+wird\s+nicht\s+mehr\s+(?:gelesen|abgerufen|betreut)",
            r"\bausgeschieden\b",
        ],
        "es": [
            r"\bya\s+no\s+(?:trabaja|forma\s+parte|est[áa]\s+(?:en|con))\b",
            r"\b(?:ha\s+dejado|dej[óo])\s+(?:la\s+empresa|la\s+compa[ñn][íi]a|nuestra)",
            r"\bbuz[óo]n\s+ya\s+no\s+(?:se\s+consulta|est[áa]\s+activo)",
        ],
        "nl": [
            r"\bniet\s+(?:meer\s+)?(?:werkzaam|in\s+dienst)\b",
            r"\bheeft\s+(?:het\s+bedrijf|ons|de\s+organisatie)\s+verlaten",
            r"\bwerkt\s+(?:hier\s+)?niet\s+meer\b",
            r"\bmailbox\s+wordt\s+niet\s+meer\s+gelezen",
        ],
        "it": [
            r"\bnon\s+(?:lavora|fa\s+parte|[èe]\s+pi[ùu]\s+(?:in|con))\s+pi[ùu]\b",
            r"\bnon\s+lavora\s+pi[ùu]\b|\bnon\s+fa\s+pi[ùu]\s+parte\b|\bnon\s+[èe]\s+pi[ùu]\s+in\s+forza\b",
            r"\bha\s+lasciato\s+(?:l['’]azienda|la\s+societ[àa]|la\s+nostra)",
        ],
    },
    "referral": {
        "en": [
            r"\bnot\s+the\s+(?:right|best|correct)\s+(?:person|contact)",
            r"\b(?:you\s+should|you'?d\s+better|better\s+to|please|best\s+to)\s+(?:talk|speak|reach\s+out|get\s+in\s+touch|write)\s+(?:to|with)\b",
            r"\b(?:you\s+should|please|best\s+to)\s+contact\b",
            r"\b(?:the\s+(?:right|best)\s+person|who\s+(?:handles|is\s+in\s+charge\s+of|looks\s+after|owns))\b",
            r"\b(?:handles|is\s+responsible\s+for|is\s+in\s+charge\s+of|looks\s+after)\s+(?:this|that|these|our|procurement|purchasing)",
            r"\b(?:i'?ve|i\s+have|i'?m)\s+(?:cc'?d|copied|looped\s+in|forwarding|forwarded)\b",
            r"\bmy\s+colleague\b|\b(?:she|he|they)\s+(?:handles|is\s+in\s+charge|looks\s+after|owns|runs)\b",
            r"\b(?:resend|forward|send)\s+(?:this|it)\s+to\b",
        ],
        "fr": [
            r"\bpas\s+la\s+bonne\s+personne",
            r"\b(?:contactez|adressez-vous\s+[àa]|voyez\s+avec|[ée]crivez\s+[àa])\b",
            r"\b(?:s['’]occupe|est\s+en\s+charge|est\s+responsable|g[èe]re)\s+(?:de\s+)?(?:ce|ces|cela|nos|des|du|la|les)\b",
            r"\bje\s+(?:transmets|transf[èe]re|mets\s+en\s+copie)",
            r"\binterlocut(?:eur|rice)\b",
        ],
        "de": [
            r"\bnicht\s+(?:der|die)\s+richtige\s+(?:ansprechpartner|ansprechpartnerin|person)",
            r"\bwenden\s+sie\s+sich\s+(?:bitte\s+)?an\b",
            r"\b(?:zust[äa]ndig|verantwortlich)\s+(?:ist|sind|daf[üu]r)\b|\bist\s+(?:daf[üu]r\s+)?zust[äa]ndig",
            r"\bich\s+(?:leite|habe)\s+.{0,40}(?:weiter|in\s+kopie|in\s+cc)",
            r"\bansprechpartner(?:in)?\s+(?:ist|f[üu]r)\b",
        ],
        "es": [
            r"\bno\s+soy\s+la\s+persona\s+(?:adecuada|indicada|correcta)",
            r"\b(?:contacte|hable|escriba|diríjase)\s+(?:con|a)\b",
            r"\b(?:se\s+encarga|es\s+(?:el|la)\s+responsable|lleva\s+(?:este|esto|estos))\b",
            r"\b(?:le\s+)?(?:pongo|he\s+puesto)\s+en\s+copia\b|\breenv[íi]o\s+a\b",
        ],
        "nl": [
            r"\bniet\s+de\s+(?:juiste|aangewezen)\s+persoon",
            r"\bneem\s+(?:contact\s+op\s+met|even\s+contact\s+op\s+met)\b|\bcontact\s+opnemen\s+met\b",
            r"\b(?:is\s+verantwoordelijk|gaat\s+hierover|gaat\s+daarover|behandelt\s+dit)\b",
            r"\bik\s+(?:zet|heb)\s+.{0,30}\bin\s+(?:de\s+)?(?:cc|kopie)\b|\bstuur\s+(?:dit|het)\s+door\b",
        ],
        "it": [
            r"\bnon\s+sono\s+la\s+persona\s+(?:giusta|corretta|indicata)",
            r"\b(?:contatti|contattate|scriva\s+a|rivolgetevi\s+a|si\s+rivolga\s+a)\b",
            r"\b(?:si\s+occupa|[èe]\s+(?:il|la)\s+responsabile|segue\s+(?:questo|questi))\b",
            r"\b(?:metto|ho\s+messo)\s+in\s+copia\b|\binoltro\s+a\b",
        ],
    },
    "not_now": {
        "en": [
            r"\bnot\s+(?:right\s+)?now\b",
            r"\bnot\s+(?:at\s+the\s+moment|at\s+this\s+(?:time|point|stage)|this\s+(?:quarter|year|month))\b",
            r"\b(?:try|reach\s+out|contact\s+me|ping\s+me|get\s+back\s+to\s+me|check\s+back|follow\s+up|circle\s+back|come\s+back\s+to\s+me|revisit)\b.{0,30}?\b(?:again|later|in|after|next|around|from)\b",
            r"\b(?:no|not\s+(?:a|the))\s+(?:budget|priority|time)\b.{0,40}?\b(?:until|before|this|right\s+now|now)\b",
            r"\bnot\s+before\b|\bmaybe\s+(?:later|next)\b|\btoo\s+early\b|\bbad\s+timing\b",
        ],
        "fr": [
            r"\bpas\s+(?:pour\s+)?(?:le\s+moment|l['’]instant|maintenant|tout\s+de\s+suite|cette\s+ann[ée]e)\b",
            r"\b(?:recontactez|relancez|rappelez|revenez\s+vers)[\s-]+(?:moi|nous)\b",
            r"\bpas\s+avant\b|\bplus\s+tard\b|\b[àa]\s+la\s+rentr[ée]e\b|\btrop\s+t[ôo]t\b",
            r"\bpas\s+(?:de\s+)?budget\b",
        ],
        "de": [
            r"\b(?:derzeit|momentan|aktuell|im\s+moment|zurzeit|gerade)\s+(?:kein|nicht|leider\s+(?:kein|nicht))",
            r"\bnicht\s+(?:vor|jetzt)\b",
            r"\b(?:melden|kontaktieren)\s+sie\s+sich\s+(?:gerne\s+)?(?:wieder|nochmal|erneut|noch\s+einmal)",
            r"\b(?:kommen|melden)\s+sie\s+.{0,20}(?:wieder|nochmal|erneut)\b",
            r"\bsp[äa]ter\s+(?:wieder|nochmal|erneut|im\s+jahr)\b|\bzu\s+fr[üu]h\b",
        ],
        "es": [
            r"\b(?:ahora|de\s+momento|por\s+ahora|en\s+este\s+momento)\s+no\b|\bno\s+(?:es\s+(?:el\s+)?momento|por\s+ahora|de\s+momento)\b",
            r"\b(?:vuelva|vuelvan)\s+a\s+(?:contactar|escribir|llamar)|\bcont[áa]cteme\s+(?:de\s+nuevo|otra\s+vez|m[áa]s\s+adelante|en|despu[ée]s)\b",
            r"\bm[áa]s\s+adelante\b|\bno\s+antes\s+de\b",
        ],
        "nl": [
            r"\b(?:nu|momenteel|op\s+dit\s+moment|voorlopig)\s+(?:even\s+)?(?:niet|geen)\b",
            r"\b(?:neem|neemt)\s+.{0,25}(?:opnieuw|later|weer)\s+contact\b|\bbenader\s+(?:mij|ons)\s+(?:later|opnieuw)\b",
            r"\bniet\s+voor\b|\blater\s+(?:dit\s+jaar|opnieuw|nog\s+eens)\b|\bte\s+vroeg\b",
        ],
        "it": [
            r"\b(?:al\s+momento|per\s+ora|adesso|in\s+questo\s+momento)\s+(?:non|no)\b",
            r"\b(?:ricontatt|risentiamoci|risentirci|rifatevi\s+viv|torni\s+a\s+(?:scriver|contattar))",
            r"\bnon\s+prima\s+di\b|\bpi[ùu]\s+avanti\b|\btroppo\s+presto\b",
        ],
    },
    "not_interested": {
        "en": [
            r"\bnot\s+(?:really\s+|very\s+)?interested\b",
            r"\bno\s+(?:thanks|thank\s+you)\b",
            r"\b(?:we'?re|we\s+are|i'?m|i\s+am)\s+(?:all\s+set|happy\s+with|good\s+with|not\s+looking)\b",
            r"\b(?:we|i)\s+(?:already\s+(?:use|have|work\s+with)|have\s+no\s+(?:need|interest))\b",
            r"\bnot\s+(?:a\s+(?:good\s+)?fit|relevant|for\s+us)\b|\bno\s+(?:need|interest)\b|\bpass\s+on\s+this\b",
        ],
        "fr": [
            r"\bpas\s+int[ée]ress[ée]e?s?\b|\bne\s+(?:m['’]|nous\s+)int[ée]resse\s+pas\b|\bn['’]int[ée]resse\s+pas\b",
            r"\bnon\s+merci\b|\bsans\s+(?:fa[çc]on|suite)\b",
            r"\b(?:nous\s+avons|j['’]ai)\s+d[ée]j[àa]\b|\bpas\s+(?:de\s+)?besoin\b|\baucun\s+besoin\b",
        ],
        "de": [
            r"\bkein(?:e|en)?\s+(?:interesse|bedarf)\b|\bnicht\s+interessiert\b",
            r"\bnein\s+danke\b",
            r"\b(?:wir\s+haben|ich\s+habe)\s+(?:bereits|schon)\b|\bbereits\s+(?:versorgt|einen\s+anbieter)\b",
        ],
        "es": [
            r"\bno\s+(?:me|nos)\s+interesa\b|\bno\s+(?:estoy|estamos)\s+interesad[oa]s?\b",
            r"\bno,?\s+gracias\b",
            r"\b(?:ya\s+tenemos|ya\s+trabajamos\s+con|ya\s+contamos\s+con)\b|\bno\s+(?:lo\s+)?necesitamos\b",
        ],
        "nl": [
            r"\bgeen\s+(?:interesse|behoefte)\b|\bniet\s+ge[ïi]nteresseerd\b",
            r"\bnee,?\s+dank\s*(?:je|u)\b",
            r"\b(?:we\s+hebben|wij\s+hebben|ik\s+heb)\s+al\b|\bwerken\s+al\s+met\b",
        ],
        "it": [
            r"\bnon\s+(?:sono|siamo)\s+interessat[ioae]\b|\bnon\s+(?:mi|ci)\s+interessa\b",
            r"\bno,?\s+grazie\b",
            r"\babbiamo\s+gi[àa]\b|\bnon\s+ne\s+abbiamo\s+bisogno\b",
        ],
    },
    "positive": {
        "en": [
            r"\b(?:i'?m|we'?re|i\s+am|we\s+are|sounds)\s+(?:very\s+|definitely\s+|quite\s+)?(?:interested|interesting|good|great)\b",
            r"\blet'?s\s+(?:talk|chat|meet|do\s+it|set\s+up|schedule|book|connect|speak)\b",
            r"\b(?:happy|glad|keen|open)\s+to\s+(?:talk|chat|meet|learn|hear|discuss|have\s+a)\b",
            r"\b(?:book|schedule|set\s+up|arrange)\s+(?:a|the)\s+(?:call|meeting|demo|time)\b",
            r"\b(?:send|share)\s+(?:me|us|over)\s+(?:more|the|a|some|your)\b",
            r"\b(?:works?\s+for\s+(?:me|us)|count\s+me\s+in|tell\s+me\s+more|i'?d\s+love\s+to|when\s+are\s+you\s+(?:free|available))\b",
            r"\b(?:how\s+much|what\s+(?:does|would)\s+it\s+cost|pricing)\b",
            r"\b(?:call|ring|phone)\s+me\b|\b(?:could|can)\s+you\s+(?:do|call|ring|make\s+it)\b|\ba\s+(?:short\s+)?demo\s+would\b",
        ],
        "fr": [
            r"\b(?:int[ée]ress[ée]e?s?|[çc]a\s+m['’]int[ée]resse|volontiers|avec\s+plaisir|bonne\s+id[ée]e)\b",
            r"\b(?:on\s+peut|nous\s+pouvons|pouvons-nous|pourrions-nous)\s+(?:en\s+)?(?:parler|discuter|[ée]changer|caler|fixer|pr[ée]voir)",
            r"\b(?:envoyez|transmettez)[\s-]+(?:moi|nous)\b|\bquand\s+[êe]tes[\s-]+vous\s+disponible|\bme\s+convient\b",
        ],
        "de": [
            r"\b(?:gerne|gern|klingt\s+(?:gut|interessant|spannend)|interessiert|interessant)\b",
            r"\b(?:lassen\s+sie\s+uns|k[öo]nnen\s+wir)\s+.{0,30}(?:sprechen|telefonieren|termin|treffen|austauschen)",
            r"\b(?:schicken|senden)\s+sie\s+(?:mir|uns)\b|\bpasst\s+(?:mir|uns|gut)\b",
        ],
        "es": [
            r"\b(?:me|nos)\s+interesa\b|\binteresad[oa]s?\b|\bme\s+parece\s+(?:bien|interesante)\b|\bcon\s+gusto\b",
            r"\b(?:hablemos|podemos\s+(?:hablar|quedar|agendar)|agendemos|concertemos)\b",
            r"\b(?:env[íi]e(?:me|nos)|m[áa]nde(?:me|nos))\b|\bme\s+viene\s+bien\b",
        ],
        "nl": [
            r"\b(?:ge[ïi]nteresseerd|interessant|klinkt\s+(?:goed|interessant)|graag)\b",
            r"\b(?:laten\s+we|kunnen\s+we)\s+.{0,30}(?:bellen|praten|afspreken|plannen|inplannen)",
            r"\bstuur\s+(?:mij|me|ons)\b|\bkomt\s+(?:mij|me|ons)\s+goed\s+uit\b",
            r"\bkunt\s+u\s+(?:mij|me|ons)\b.{0,40}?\bbellen\b|\bbel\s+(?:mij|me)\b",
        ],
        "it": [
            r"\b(?:interessat[oia]|mi\s+interessa|ci\s+interessa|volentieri|con\s+piacere)\b",
            r"\b(?:sentiamoci|parliamone|possiamo\s+(?:sentirci|parlarne|fissare|organizzare))\b",
            r"\b(?:mi|ci)\s+mand(?:i|ate)\b|\bva\s+bene\s+per\s+me\b",
        ],
    },
}


def _alternatives(pattern):
    """The top-level alternatives of ``pattern`` (``a|b(c|d)`` gives ``a`` and ``b(c|d)``)."""
    parts, current, depth, in_class, escaped = [], [], 0, False, False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char in "()":
            depth += 1 if char == "(" else -1
        elif char == "|" and not depth:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


def _compile(languages):
    """One expression for an intent's patterns in every language. The alternatives that start
    at a word boundary (nearly all) share one ``\\b``: Python's engine then tests the boundary
    once per position instead of once per alternative, and skips an alternative at once when
    its first character differs (about 5 times faster on a long text without any match)."""
    at_word, anywhere = [], []
    for patterns in languages.values():
        for pattern in patterns:
            for alternative in _alternatives(pattern):
                if alternative.startswith(r"\b"):
                    at_word.append(alternative[2:])
                else:
                    anywhere.append(alternative)
    return re.compile("|".join([rf"\b(?:{'|'.join(at_word)})", *anywhere]))


# searched in lower-cased text: twice as fast as re.IGNORECASE (patterns are lower case)
COMPILED = {intent: _compile(languages) for intent, languages in INTENT_PATTERNS.items()}

# ----------------------------------------------------------------------------------------------
# Where the new text ends: quote headers, forwarded originals, signatures, disclaimers
# ----------------------------------------------------------------------------------------------

# a line starting what follows as quoted history (the line itself and everything after go)
CUT_LINES = re.compile(
    r"""^\s*(?:
        -{2,}\s*(?:original\s+message|message\s+d'origine|urspr[üu]ngliche\s+nachricht|mensaje\s+original
                 |oorspronkelijk\s+bericht|messaggio\s+originale)\s*-{2,}
      | -{2,}\s*(?:forwarded\s+message|message\s+transf[ée]r[ée]|weitergeleitete\s+nachricht
                 |mensaje\s+reenviado|doorgestuurd\s+bericht|messaggio\s+inoltrato)\s*-{2,}
      | begin\s+forwarded\s+message: | d[ée]but\s+du\s+message\s+(?:r[ée]exp[ée]di[ée]|transf[ée]r[ée]) :?
      | anfang\s+der\s+weitergeleiteten\s+nachricht: | inicio\s+del\s+mensaje\s+reenviado:
      | _{10,}
      | (?:from|de|von|van|da)\s*:\s.*\s(?:sent|envoy[ée]|gesendet|enviado|verzonden|inviato)\s*:
    )""",
    re.I | re.X,
)
# a header block of Outlook in plain text: "From:" then "Sent:" on the next lines
HEADER_FROM = re.compile(r"^\s*\*?(?:from|de|von|van|da)\s*:?\*?\s*:?\s+\S", re.I)
HEADER_SENT = re.compile(
    r"^\s*\*?(?:sent|date|envoy[ée]|gesendet|datum|enviado|fecha|verzonden|inviato|data)\s*:?\*?\s*:", re.I
)
# "On … wrote:", "Le … a écrit :", "Am … schrieb …:", "El … escribió:", "Op … schreef …:", "Il … ha scritto:"
QUOTE_HEADER = re.compile(
    r"""^\s*>?\s*(?:
        on\s.{4,200}?\bwrote\s*:
      | le\s.{4,200}?\ba\s+[ée]crit\s*:
      | am\s.{4,200}?\bschrieb\b.{0,80}:
      | .{4,200}?\bschrieb\s*:
      | el\s.{4,200}?\bescribi[óo]\s*:
      | op\s.{4,200}?\bschreef\b.{0,80}:
      | il\s.{4,200}?\bha\s+scritto\s*:
      | .{4,120}?<[^>\s]+@[^>\s]+>\s*(?:wrote|a\s+[ée]crit|schrieb|escribi[óo]|schreef|ha\s+scritto)\s*:
    )\s*$""",
    re.I | re.X,
)
WROTE_END = re.compile(r"(?:wrote|[ée]crit|schrieb|escribi[óo]|schreef|scritto)\s*:\s*$", re.I)
# signatures: the line itself and everything after go
SIGNATURE_LINES = re.compile(
    r"""^\s*(?:
        --\s*
      | (?:sent|envoy[ée]|gesendet|enviado|verzonden|inviato|von\s+meinem).{0,40}(?:iphone|ipad|android|mobile|samsung|galaxy|outlook|smartphone|handy|blackberry)\b.*
      | get\s+outlook\s+for\s+(?:ios|android)
      | t[ée]l[ée]charger\s+outlook\s+pour.* | outlook\s+f[üu]r\s+(?:ios|android)\s+herunterladen
      | (?:best|kind|warm|many|warmest)?\s*regards,? | best(?:\s+wishes)?,? | cheers,? | thanks(?:\s+again)?,? | thank\s+you,? | many\s+thanks,?
      | cordialement,? | bien\s+(?:[àa]\s+vous|cordialement),? | bonne\s+(?:journ[ée]e|soir[ée]e),? | merci(?:\s+d'avance|\s+beaucoup)?,? | salutations,?
      | (?:mit\s+)?(?:freundlichen|besten|herzlichen|viele|beste|liebe)\s+gr[üu](?:ß|ss)en?,? | gru[ßs],? | mfg,? | danke,?
      | (?:un\s+)?saludos?(?:\s+cordiales)?,? | atentamente,? | gracias,? | muchas\s+gracias,? | un\s+abrazo,?
      | met\s+vriendelijke\s+groet(?:en)?,? | (?:hartelijke\s+)?groet(?:en|jes)?,? | mvg,? | bedankt,? | alvast\s+bedankt,?
      | (?:cordiali|distinti)\s+saluti,? | saluti,? | grazie(?:\s+mille)?,? | un\s+saluto,? | buona\s+giornata,?
    )\s*[!.]?\s*$""",
    re.I | re.X,
)
# legal disclaimers and external-mail banners, as first words of a line (the line and all after go)
DISCLAIMER_LINES = re.compile(
    r"""^\s*(?:
        (?:confidentiality\s+notice|disclaimer|important\s+notice|legal\s+notice|avis\s+de\s+confidentialit[ée]
          |vertraulichkeitshinweis|haftungsausschluss|aviso\s+(?:legal|de\s+confidencialidad)|disclaimer|avvertenza|riservatezza)\b
      | this\s+(?:e-?mail|message|communication)(?:\s+and\s+any\s+(?:attachments?|files?))?\s+(?:is|are|may|contains?|and)\b.{0,80}(?:confidential|intended|privileged)
      | the\s+information\s+(?:contained\s+)?in\s+this\s+(?:e-?mail|message)
      | ce\s+(?:message|courriel|e-?mail)(?:\s+et\s+(?:toutes\s+)?(?:les|ses)\s+pi[èe]ces\s+jointes)?\s+(?:est|sont|peut|contient)
      | diese\s+(?:e-?mail|nachricht)\s+(?:enth[äa]lt|ist|kann)
      | este\s+(?:mensaje|correo)(?:\s+electr[óo]nico)?(?:\s+y\s+sus\s+anexos)?\s+(?:es|contiene|va\s+dirigido|puede)
      | (?:dit|deze)\s+(?:e-?mail(?:bericht)?|bericht)\s+(?:is|kan|bevat)
      | (?:questo|il\s+presente)\s+messaggio\s+(?:[èe]|e-?mail|contiene|pu[òo])
      | le\s+informazioni\s+contenute
      | please\s+consider\s+the\s+environment | pensez\s+[àa]\s+l['’]environnement
    )""",
    re.I | re.X,
)
# banners some servers put at the top of a message from outside: only that line goes
BANNER_LINES = re.compile(
    r"^\s*\[?(?:caution|external|warning|attention|achtung|externe?|extern|precauci[óo]n|let\s+op|attenzione)\b[^\n]{0,30}"
    r"(?:outside|external|en\s+dehors|ext[ée]rieur|au[ßs]erhalb|externa?|van\s+buiten|esterno|\])",
    re.I,
)

# ----------------------------------------------------------------------------------------------
# Dates: month names, relative periods, quarters (six languages)
# ----------------------------------------------------------------------------------------------

MONTHS = {
    **dict.fromkeys(
        ("january", "jan", "janvier", "janv", "januar", "jänner", "enero", "ene", "januari", "gennaio", "genn"), 1
    ),
    **dict.fromkeys(
        ("february", "feb", "février", "fevrier", "févr", "fevr", "februar", "febrero", "februari", "febbraio"), 2
    ),
    **dict.fromkeys(("march", "mar", "mars", "märz", "maerz", "marzo", "maart", "mrt"), 3),
    **dict.fromkeys(("april", "apr", "avril", "avr", "abril", "abr", "aprile"), 4),
    **dict.fromkeys(("may", "mai", "mayo", "mei", "maggio"), 5),
    **dict.fromkeys(("june", "jun", "juin", "juni", "junio", "giugno"), 6),
    **dict.fromkeys(("july", "jul", "juillet", "juil", "juli", "julio", "luglio"), 7),
    **dict.fromkeys(("august", "aug", "août", "aout", "agosto", "augustus", "ago"), 8),
    **dict.fromkeys(("september", "sep", "sept", "septembre", "septiembre", "setiembre", "settembre"), 9),
    **dict.fromkeys(("october", "oct", "octobre", "oktober", "okt", "octubre", "ottobre", "ott"), 10),
    **dict.fromkeys(("november", "nov", "novembre", "noviembre"), 11),
    **dict.fromkeys(
        ("december", "dec", "décembre", "decembre", "déc", "dezember", "dez", "diciembre", "dic", "dicembre"), 12
    ),
}
NUMBERS = {
    **dict.fromkeys(
        ("a", "an", "one", "un", "une", "ein", "eine", "einem", "einer", "einen", "uno", "una", "een", "één"), 1
    ),
    **dict.fromkeys(("two", "a couple of", "couple of", "deux", "zwei", "dos", "twee", "due"), 2),
    **dict.fromkeys(
        (
            "three",
            "a few",
            "few",
            "trois",
            "quelques",
            "drei",
            "ein paar",
            "tres",
            "unos",
            "unas",
            "drie",
            "paar",
            "tre",
            "qualche",
        ),
        3,
    ),
    **dict.fromkeys(("four", "quatre", "vier", "cuatro", "quattro"), 4),
    **dict.fromkeys(("five", "cinq", "fünf", "funf", "cinco", "vijf", "cinque"), 5),
    **dict.fromkeys(("six", "sechs", "seis", "zes", "sei"), 6),
    **dict.fromkeys(("eight", "huit", "acht", "ocho", "otto"), 8),
    **dict.fromkeys(("twelve", "douze", "zwölf", "doce", "twaalf", "dodici"), 12),
}
UNITS = {
    **dict.fromkeys(
        (
            "day",
            "days",
            "jour",
            "jours",
            "tag",
            "tagen",
            "tage",
            "día",
            "días",
            "dia",
            "dias",
            "dag",
            "dagen",
            "giorno",
            "giorni",
        ),
        "days",
    ),
    **dict.fromkeys(
        (
            "week",
            "weeks",
            "semaine",
            "semaines",
            "woche",
            "wochen",
            "semana",
            "semanas",
            "weken",
            "settimana",
            "settimane",
        ),
        "weeks",
    ),
    **dict.fromkeys(
        ("month", "months", "mois", "monat", "monaten", "monate", "mes", "meses", "maand", "maanden", "mese", "mesi"),
        "months",
    ),
}
_MONTH = r"(?P<month>" + "|".join(sorted((re.escape(m) for m in MONTHS), key=len, reverse=True)) + r")\b\.?"
_NUMBER = r"(?P<number>\d{1,2}|" + "|".join(sorted((re.escape(n) for n in NUMBERS), key=len, reverse=True)) + r")"
_UNIT = r"(?P<unit>" + "|".join(sorted((re.escape(u) for u in UNITS), key=len, reverse=True)) + r")\b"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th|er|e|\.|º)?"
# words before a date saying the contact wants us back only after it (the day after)
AFTER_WORDS = re.compile(
    r"(?:\bafter|\baprès|\bnach|\bdespués\s+de(?:l)?|\bna|\bdopo)\s+(?:the\s+|le\s+|el\s+|il\s+|dem\s+|den\s+)?$", re.I
)

DATE_PATTERNS = (
    # "15 January 2027", "15. Januar", "le 15 janvier", "15 de enero", "January 15th"
    ("day_month", re.compile(rf"\b{_DAY}\s+(?:de\s+)?{_MONTH}(?:,?\s+(?:de\s+)?(?P<year>\d{{4}}))?", re.I)),
    ("day_month", re.compile(rf"\b{_MONTH}\s+{_DAY}\b(?:,?\s+(?P<year>\d{{4}}))?", re.I)),
    ("numeric", re.compile(r"\b(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})\b")),
    ("numeric", re.compile(r"\b(?P<day>\d{1,2})[./](?P<month>\d{1,2})(?:[./](?P<year>\d{4}|\d{2}))?\b(?![./]?\d)")),
    # "in 2 weeks", "dans deux semaines", "in zwei Wochen", "dentro de dos meses", "over twee weken", "tra tre mesi"
    (
        "relative",
        re.compile(
            rf"\b(?:in|within|dans|d['’]ici|sous|en|dentro\s+de|de\s+aqu[íi]\s+a|over|binnen|tra|fra|entro)\s+"
            rf"(?:(?:about|around|environ|etwa|unos?|ongeveer|circa)\s+)?{_NUMBER}\s+{_UNIT}",
            re.I,
        ),
    ),
    (
        "relative",
        re.compile(
            rf"\b{_NUMBER}\s+{_UNIT}\s+(?:from\s+now|later|plus\s+tard|sp[äa]ter|m[áa]s\s+tarde|later|dopo)", re.I
        ),
    ),
    (
        "next",
        re.compile(
            r"\bnext\s+(?P<unit>week|month|quarter|year)\b"
            r"|\b(?:la\s+semaine|le\s+mois|le\s+trimestre|l['’]ann[ée]e)\s+(?P<unit_fr>prochaine?)\b"
            r"|\bn[äa]chste[nms]?\s+(?P<unit_de>woche|monat|quartal|jahr)\b"
            r"|\b(?:la\s+)?(?:pr[óo]xima\s+(?P<unit_es1>semana)|(?:el\s+)?pr[óo]ximo\s+(?P<unit_es2>mes|trimestre|a[ñn]o))\b"
            r"|\b(?:semana|mes|trimestre|a[ñn]o)\s+(?:que\s+viene|pr[óo]xim[oa])\b"
            r"|\bvolgende?\s+(?P<unit_nl>week|maand|kwartaal|jaar)\b"
            r"|\b(?:la\s+)?(?:prossima\s+(?P<unit_it1>settimana)|(?:il\s+|l['’])?prossimo\s+(?P<unit_it2>mese|trimestre|anno))\b"
            r"|\b(?:la\s+settimana|il\s+mese|il\s+trimestre|l['’]anno)\s+prossim[oa]\b",
            re.I,
        ),
    ),
    (
        "quarter",
        re.compile(
            r"\b(?:q(?P<q>[1-4])|(?P<qword>first|second|third|fourth|premier|deuxi[èe]me|second|troisi[èe]me|quatri[èe]me"
            r"|ersten?|zweiten?|dritten?|vierten?|primer|segundo|tercer|cuarto|eerste|tweede|derde|vierde|primo|secondo|terzo|quarto)"
            r"\s+(?:quarter|trimestre|quartal|kwartaal))\b",
            re.I,
        ),
    ),
    (
        "summer",
        re.compile(
            r"\b(?:after\s+the\s+summer|apr[èe]s\s+l['’][ée]t[ée]|[àa]\s+la\s+rentr[ée]e|nach\s+dem\s+sommer|nach\s+den\s+sommerferien"
            r"|despu[ée]s\s+del\s+verano|na\s+de\s+zomer(?:vakantie)?|dopo\s+l['’]estate)\b",
            re.I,
        ),
    ),
    (
        "new_year",
        re.compile(
            r"\b(?:in\s+the\s+new\s+year|early\s+next\s+year|d[ée]but\s+(?:de\s+l['’]ann[ée]e\s+prochaine|d['’]ann[ée]e)"
            r"|anfang\s+(?:n[äa]chsten\s+jahres|des\s+jahres)|a\s+principios\s+del\s+a[ñn]o(?:\s+que\s+viene)?"
            r"|begin\s+volgend\s+jaar|all['’]inizio\s+del(?:l['’])?\s*(?:prossimo\s+)?anno)\b",
            re.I,
        ),
    ),
    # a month alone: "in March", "en mars", "ab Februar", "a partir de marzo", "in maart", "a marzo"
    (
        "month",
        re.compile(rf"(?<![\w-])(?!(?:mar|may|mai|ago|dic|mes|jun|jul)\b){_MONTH}(?:\s+(?P<year>\d{{4}}))?", re.I),
    ),
    ("month", re.compile(r"\b(?P<month>mar|may|mai|jun|jul)\b\s*(?P<year>\d{4})", re.I)),
)
ORDINALS = {
    "first": 1, "premier": 1, "erste": 1, "ersten": 1, "primer": 1, "eerste": 1, "primo": 1,
    "second": 2, "deuxième": 2, "deuxieme": 2, "zweite": 2, "zweiten": 2, "segundo": 2, "tweede": 2, "secondo": 2,
    "third": 3, "troisième": 3, "troisieme": 3, "dritte": 3, "dritten": 3, "tercer": 3, "derde": 3, "terzo": 3,
    "fourth": 4, "quatrième": 4, "quatrieme": 4, "vierte": 4, "vierten": 4, "cuarto": 4, "vierde": 4, "quarto": 4,
}  # fmt: skip
EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.U)
NAME_WORD = r"[A-ZÀ-ÖØ-Þ][\w'’À-ÿ-]+"
NAME_BEFORE_EMAIL = re.compile(
    rf"({NAME_WORD}(?:\s+(?:{NAME_WORD}|de|van|von|der|den|di|da|del|la|le)){{0,3}})\s*[(<\[:,–—-]?\s*(?:at|à|a|unter|en|op|via|:)?\s*[(<\[]?(?:mailto:)?$"
)
NAME_AFTER = re.compile(
    rf"\b(?:contact|talk\s+to|speak\s+(?:to|with)|reach\s+out\s+to|contactez|voyez\s+avec|adressez-vous\s+[àa]|[ée]crivez\s+[àa]"
    rf"|an|contacte\s+con|hable\s+con|escriba\s+a|contact\s+op\s+met|contatti|scriva\s+a|rivolgersi\s+a|si\s+rivolga\s+a)"
    rf"\s+(?:(?:my|our|mon|ma|notre|meine[nm]?|unsere[nm]?|mi|nuestr[oa]|mijn|onze|il\s+mio|la\s+mia|il\s+nostro|la\s+nostra)\s+"
    rf"(?:\w+\s+){{0,2}}?)?(?:(?:Mr\.?|Mrs\.?|Ms\.?|M\.|Mme|Herrn?|Frau|Sr\.?|Sra\.?|dhr\.?|mevr\.?|sig\.?|sig\.ra|dott\.?)\s+)?"
    rf"({NAME_WORD}(?:\s+{NAME_WORD}){{0,2}})"
)
# capitalized words before or in a name that are no part of it (sentence starts, verbs, titles)
NOT_NAMES = re.compile(
    r"^(?:I|We|He|She|They|You|The|Our|My|Please|Thanks|Hi|Hello|Bonjour|Hallo|Hola|Ciao|Buongiorno|Dag|Beste|Sales"
    r"|Support|Contact|Contactez|Contacte|Contatti|Contattate|Hable|Escriba|Scriva|Wenden|Neem|Talk|Speak|Write|Email"
    r"|Mr|Mrs|Ms|Mme|Mlle|Herr|Herrn|Frau|Sr|Sra|Dhr|Mevr|Sig|Dott|Dr|Prof|Madame|Monsieur|Señor|Señora|Signor|Signora)\.?$"
)


@dataclass
class ReplyReading:
    """What a reply says: ``intent`` (one of ``INTENTS``), the date to try again (not now),
    the referred address and name (referral, left the company), and the new text read."""

    intent: str = "other"
    resume_date: date | None = None
    referral_email: str | None = None
    referral_name: str | None = None
    text: str = ""


# ----------------------------------------------------------------------------------------------
# New text
# ----------------------------------------------------------------------------------------------

BLOCK_TAGS = {
    "p",
    "div",
    "br",
    "tr",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "blockquote",
    "hr",
    "pre",
    "ul",
    "ol",
}


# the opening tag of Gmail's, Outlook's or Yahoo's quoted conversation (see ``_starts_history``)
HISTORY_MARK = re.compile(
    r"""(?:class=["'][^"']*\b(?:gmail_quote|yahoo_quoted)|id=["'](?:divRplyFwdMsg|appendonsend)["'])"""
)
# the names in HISTORY_MARK, found first by plain string search (much faster on a long body)
HISTORY_NAMES = ("gmail_quote", "yahoo_quoted", "divRplyFwdMsg", "appendonsend")
# Outlook's namespaced tags and inline styles: markup that would fill the HTML read
MARKUP_NOISE = re.compile(r"""</?o:[^>]*>|\sstyle=(?:"[^"]*"|'[^']*')""")


def _starts_history(element):
    """Marked by ``tag_quote`` as the start of the quoted conversation (not a signature or an
    inline ``<blockquote>`` answered between)."""
    return (
        "gmail_quote" in (element.get("class") or "")
        or element.get("id") in ("divRplyFwdMsg", "appendonsend")
        or element.tag == "hr"
        or "yahoo_quoted" in (element.get("class") or "")
    )


def _history_mark(body, end):
    """The first HISTORY_MARK before ``end``: its names are looked for as plain strings, the
    expression only checks the attribute around the first one found."""
    start = 0
    while True:
        found = [position for name in HISTORY_NAMES if (position := body.find(name, start, end)) >= 0]
        if not found:
            return None
        position = min(found)
        match = HISTORY_MARK.search(body, max(start, position - 200), min(end, position + 20))
        if match:
            return match
        start = position + 1


def html_new_text(body):
    """The text of an HTML reply without what Odoo marks as quoted (``tag_quote``)."""
    history = _history_mark(body, HTML_CHARS * 4)
    if history:  # cut before parsing: the quoted conversation is most of a large body
        tag = body.rfind("<", 0, history.start())
        body = body[:tag] if tag >= 0 else body[: history.start()]
    body = re.sub(r"(?is)<(head|style|script|title)\b.*?</\1\s*>", " ", body[: HTML_CHARS * 4])
    if "style=" in body or "<o:" in body:  # found at C speed; the expression is slow on long text
        body = MARKUP_NOISE.sub("", body)
    body = body[:HTML_CHARS]
    try:
        root = lxml_html.fromstring(body)
    except (etree.ParserError, ValueError):
        return ""
    size = 0
    for element in root.iter(etree.Element):
        tag_quote(element)
        size += len(element.text or "") + len(element.tail or "")
        history = element.get("data-o-mail-quote") and _starts_history(element)
        if history or size > INTENT_CHARS:
            # Gmail's or Outlook's quote of the conversation: it and all that follows is
            # history; after enough text, the rest is not read either
            for node in (element, *element.iterancestors()):
                for sibling in list(node.itersiblings()):
                    sibling.drop_tree()
            break
    for element in list(root.iter(etree.Element)):
        if element.get("data-o-mail-quote") and element.getparent() is not None:
            element.drop_tree()
    for element in root.iter(etree.Element):
        if element.tag in BLOCK_TAGS:
            element.tail = "\n" + (element.tail or "")
            if element.tag not in ("br", "hr"):
                element.text = "\n" + (element.text or "")
    text = root.text_content() if not root.get("data-o-mail-quote") else ""
    return text.replace("\xa0", " ")


def _quote_header_lines(lines, index):
    """How many lines the quote header starting at ``lines[index]`` takes (Gmail wraps
    "On … <address> wrote:" on two lines), 0 when it is none."""
    line = lines[index][:400]
    if QUOTE_HEADER.match(line):
        return 1
    following = lines[index + 1][:400] if index + 1 < len(lines) else ""
    if WROTE_END.search(following) and QUOTE_HEADER.match(f"{line} {following}"):
        return 2
    return 0


def plain_new_text(text):
    """The new lines of a plain-text reply: top-posted text above the quote, or the answers
    written between quoted lines; no quote headers, signatures, banners or disclaimers."""
    text = (text or "")[:MAX_CHARS].replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    lines = text.split("\n")
    kept, size, index = [], 0, 0
    while index < len(lines) and size <= INTENT_CHARS:
        line = lines[index]
        head = line[:400]  # what marks a line is at its start: a long line costs no more
        index += 1
        if not head or head.isspace():  # marks nothing (HTML replies have one every other line)
            kept.append(line)
            size += len(line)
            continue
        if head.lstrip().startswith(">"):
            continue
        if CUT_LINES.match(head) or DISCLAIMER_LINES.match(head):
            break
        if HEADER_FROM.match(head) and any(
            HEADER_SENT.match(following[:100]) for following in lines[index : index + 3]
        ):
            break  # Outlook's "From: / Sent:" block
        header = _quote_header_lines(lines, index - 1)
        if header:
            if not any(
                following.lstrip().startswith(">") for following in lines[index - 1 + header : index + header + 2]
            ):
                break  # a header followed by unquoted text: the history, not answers between quotes
            index += header - 1
            continue
        if kept and SIGNATURE_LINES.match(head) and any(item.strip() for item in kept):
            break
        if BANNER_LINES.match(head) and not any(item.strip() for item in kept):
            continue
        kept.append(line)
        size += len(line)
    return "\n".join(kept).strip()


def new_text(body, is_html=None):
    """The text the author wrote in this reply (see the module's docstring)."""
    if not body:
        return ""
    if is_html is None:
        is_html = bool(re.search(r"<(?:html|body|div|p|br|blockquote|span|table)\b", body[:5000], re.I))
    if is_html:
        body = html_new_text(body)
    return " ".join(plain_new_text(body).split(" ")).strip()


# ----------------------------------------------------------------------------------------------
# Dates
# ----------------------------------------------------------------------------------------------


def _safe_date(year, month, day):
    """The date, or the nearest valid one ("31 February" is the last day of February)."""
    day = max(1, min(day, calendar.monthrange(year, month)[1]))
    return date(year, month, day)


def _add_months(day, months):
    month = day.month - 1 + months
    return _safe_date(day.year + month // 12, month % 12 + 1, day.day)


def _next_occurrence(month, day, year, received):
    if year:
        year = int(year)
        return _safe_date(year + 2000 if year < 100 else year, month, day)
    found = _safe_date(received.year, month, day)
    return found if found > received else _safe_date(received.year + 1, month, day)


def _read_date(kind, match, received):
    groups = match.groupdict()
    if kind in ("day_month", "numeric"):
        month = groups["month"]
        month = int(month) if month.isdigit() else MONTHS.get(month.lower().rstrip("."))
        day = int(groups["day"])
        if not month or not 1 <= month <= 12 or not 1 <= day <= 31:
            return None
        return _next_occurrence(month, day, groups.get("year"), received)
    if kind == "relative":
        number = groups["number"].lower()
        count = int(number) if number.isdigit() else NUMBERS.get(" ".join(number.split()), 0)
        unit = UNITS.get(groups["unit"].lower())
        if not count or not unit:
            return None
        if unit == "months":
            return _add_months(received, count)
        return received + timedelta(**{unit: count})
    if kind == "next":
        text = match.group(0).lower()
        if re.search(r"week|semaine|woche|semana|settimana", text):
            return received + timedelta(days=7 - received.weekday())
        if re.search(r"quarter|trimestre|quartal|kwartaal", text):
            quarter_month = (received.month - 1) // 3 * 3 + 4
            return date(received.year + (quarter_month > 12), (quarter_month - 1) % 12 + 1, 1)
        if re.search(r"year|ann[ée]e|jahr|a[ñn]o|jaar|anno", text):
            return date(received.year + 1, 1, 1)
        return _add_months(received.replace(day=1), 1)
    if kind == "quarter":
        number = int(groups["q"]) if groups.get("q") else ORDINALS.get(groups["qword"].lower(), 0)
        if not number:
            return None
        return _next_occurrence(3 * number - 2, 1, None, received)
    if kind == "summer":
        return _next_occurrence(9, 1, None, received)
    if kind == "new_year":
        return date(received.year + 1, 1, 1)
    if kind == "month":
        month = MONTHS.get(groups["month"].lower().rstrip("."))
        return month and _next_occurrence(month, 1, groups.get("year"), received)
    return None


def resume_date(text, received):
    """The first date ``text`` names to try again (after ``received``), or ``None``.

    "after 15 January" is the 16th, "after March" the 1st of April; a day that does not
    exist ("31 February") is read as the nearest valid one.
    """
    found = []
    for kind, pattern in DATE_PATTERNS:
        for match in pattern.finditer(text):
            if any(start <= match.start() < end for start, end, _day in found):
                continue  # part of a date already read ("15 January" is no "January")
            day = _read_date(kind, match, received)
            if not day:
                continue
            if AFTER_WORDS.search(text[max(0, match.start() - 20) : match.start()]):
                day = _add_months(day, 1).replace(day=1) if kind == "month" else day + timedelta(days=1)
            if day > received:
                found.append((match.start(), match.end(), day))
    return min(found)[2] if found else None


# ----------------------------------------------------------------------------------------------
# Referral
# ----------------------------------------------------------------------------------------------


def _name_from_address(address):
    local = address.split("@")[0]
    parts = [part for part in re.split(r"[._-]+", local) if part.isalpha() and len(part) > 1]
    return " ".join(part.capitalize() for part in parts) if len(parts) >= 2 else None


def _clean_name(words):
    """A name without the verbs and titles written before it ("Contatti Giulia Rossi")."""
    words = words.split()
    while words and NOT_NAMES.match(words[0]):
        words = words[1:]
    return " ".join(words) if words and words[0][:1].isupper() else None


def referral(text, own_emails=()):
    """``(address, name)`` of the person the text sends us to (either may be ``None``)."""
    own = {address.lower() for address in own_emails if address}
    address, name = None, None
    for match in EMAIL.finditer(text):
        candidate = match.group(0).rstrip(".").lower()
        if candidate in own:
            continue
        address = candidate
        before = NAME_BEFORE_EMAIL.search(text[max(0, match.start() - 60) : match.start()])
        if before:
            name = _clean_name(before.group(1))
        break
    if not name:
        after = NAME_AFTER.search(text)
        if after:
            name = _clean_name(after.group(1))
    if not name and address:
        name = _name_from_address(address)
    return address, name


# ----------------------------------------------------------------------------------------------
# Intent
# ----------------------------------------------------------------------------------------------


def intent_of(text):
    """The intent of a reply's new ``text`` (``"other"`` when none is written)."""
    text = text.lower().replace("’", "'")
    for intent in PRIORITY:
        if COMPILED[intent].search(text):
            return intent
    return "other"


def read_reply(body, received, is_html=None, own_emails=()):
    """Read a reply ``body`` (HTML or plain text) received on ``received`` (a date).

    ``own_emails`` are addresses that are no referral (the contact's, ours). Never raises
    on what people write: empty, quote-only or text-less bodies are ``other``.
    """
    text = new_text(body, is_html)[:INTENT_CHARS]
    reading = ReplyReading(intent=intent_of(text) if text else "other", text=text)
    if reading.intent == "not_now":
        reading.resume_date = resume_date(text, received)
    elif reading.intent in ("referral", "left_company"):
        reading.referral_email, reading.referral_name = referral(text, own_emails)
    return reading


def message_body(message):
    """``(body, is_html)`` of an ``email.message``: its plain-text part when it has one (quotes
    keep their ``>`` there), else its HTML part."""
    parts = {}
    for part in message.walk():
        content_type = part.get_content_type()
        if content_type in ("text/plain", "text/html") and content_type not in parts and not part.is_attachment():
            try:
                parts[content_type] = part.get_content()
            except (LookupError, UnicodeError, AttributeError):
                payload = part.get_payload(decode=True) or b""
                parts[content_type] = payload.decode("utf-8", "replace")
    if parts.get("text/plain", "").strip():
        return parts["text/plain"], False
    return parts.get("text/html", ""), True


def large_replies(size=100_000):
    """``[(body, is_html)]``: a short answer on top of a long conversation, plain text and
    HTML, ``size`` characters each (the reading's worst realistic case, see the benchmark)."""
    top = "Hi Alice,\n\nNot right now. Please reach out again in March.\n\nBest regards,\nDana\n\n"
    plain = (
        top
        + "On Mon, Dec 7, 2026 at 9:14 AM Alice <a@b.example> wrote:\n"
        + "> an older message quoted\n" * (size // 20)
    )
    html = (
        '<div dir="ltr"><div>Not right now. Please reach out again in March.</div></div><div class="gmail_quote">'
        "<blockquote>" + "<div>an older message <b>quoted</b> again</div>" * (size // 40) + "</blockquote></div>"
    )
    return [(plain[:size], False), (html[:size], True)]
