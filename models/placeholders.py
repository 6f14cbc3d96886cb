"""Placeholders that have no default (plain Python, tested without a database).

An email must not go out as "Hello ,": a placeholder whose value may be empty
needs a default. ``{{ object.contact_name ||| there }}`` (subject), a QWeb
``<t t-out="object.contact_name">there</t>`` (the editor's default) or any
expression beyond a plain field path (``object.contact_name or 'there'``) counts
as filled; a bare ``object.<path>`` is *required*: its record must have a value.
"""

import re

from lxml import etree, html
from markupsafe import escape

INLINE_EXPRESSION_RE = re.compile(r"\{\{(.*?)\}\}", re.S)
PLAIN_PATH_RE = re.compile(r"^\s*object((?:\.\w+)+)\s*$")
OUT_ATTRIBUTES = ("t-out", "t-esc")


def _plain_path(expression):
    match = PLAIN_PATH_RE.match(expression or "")
    return match.group(1).lstrip(".") if match else None


def required_paths(subject, body):
    """Field paths (``"partner_id.name"``) that ``subject`` (inline template) and
    ``body`` (QWeb) print without a default, in order of appearance, once each."""
    paths = []
    for expression in INLINE_EXPRESSION_RE.findall(subject or ""):
        value, _sep, default = expression.partition("|||")
        if not default.strip():
            paths.append(_plain_path(value))
    body = str(body or "")
    if any(attribute in body for attribute in OUT_ATTRIBUTES):
        try:
            root = html.fragment_fromstring(body, create_parent="div")
        except (etree.ParserError, ValueError):
            root = None
        for element in root.iter() if root is not None else ():
            attribute = next((a for a in OUT_ATTRIBUTES if element.get(a)), None)
            if attribute and not (element.text or "").strip() and not len(element):
                paths.append(_plain_path(element.get(attribute)))
    return list(dict.fromkeys(path for path in paths if path))


def is_empty(values):
    """Whether what a path gives for one record (``record.mapped(path)``) prints nothing."""
    if hasattr(values, "_name"):  # a recordset: the path ends on a relation
        return not values
    return not any(value is not False and value is not None and str(value).strip() for value in values)


def readable_body(body, label_of, default_text=" or “{}”"):
    """``body`` (QWeb) for reading: each placeholder (``<t t-out="object.path">``) as
    ``{Field label}`` — the notation of lists and titles — followed by its default, if
    any, as " or “there”" (``default_text``, translated by the caller).
    ``label_of(expression)`` names a placeholder's field."""
    body = str(body or "")
    if not any(attribute in body for attribute in OUT_ATTRIBUTES):
        return body
    try:
        root = html.fragment_fromstring(body, create_parent="div")
    except (etree.ParserError, ValueError):
        return body
    for element in list(root.iter()):
        attribute = next((a for a in OUT_ATTRIBUTES if element.get(a)), None)
        if not attribute:
            continue
        chip = etree.Element("span", {"class": "o_crm_sequence_placeholder"})
        chip.text = f"{{{label_of(element.get(attribute))}}}"
        default = element.text_content().strip()
        if default:
            note = etree.SubElement(chip, "span", {"class": "text-muted"})
            note.text = default_text.format(default)
        chip.tail = element.tail
        element.getparent().replace(element, chip)
    return str(escape(root.text or "")) + "".join(html.tostring(child, encoding="unicode") for child in root)
