"""Placeholders that have no default (plain Python, tested without a database).

An email must not go out as "Hello ,": a placeholder whose value may be empty
needs a default. ``{{ object.contact_name ||| there }}`` (subject), a QWeb
``<t t-out="object.contact_name">there</t>`` (the editor's default) or any
expression beyond a plain field path (``object.contact_name or 'there'``) counts
as filled; a bare ``object.<path>`` is *required*: its record must have a value.
"""

import re

from lxml import etree, html

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
