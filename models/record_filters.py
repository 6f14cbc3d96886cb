"""Record filters that users write with Odoo's domain widget: a step's ``filter_domain``
and a sequence's ``goal_domain``, both on the sequence's board model.

They are evaluated the way ``base_automation`` evaluates its filters (``safe_eval`` with
the same names, then ``Domain``), checked at save with a ``search_count`` on the board,
and run at due time for a whole batch of records in one search. A domain that no longer
evaluates (a field removed since) raises ``FilterError`` with a readable reason, so the
caller can say why instead of failing the batch.
"""

from odoo import fields
from odoo.fields import Domain
from odoo.tools import safe_eval


class FilterError(Exception):
    """The filter does not evaluate on the board (its text says why)."""


def is_set(text):
    """An empty text or ``[]`` is no filter at all."""
    return bool(text and text.strip() not in ("", "[]"))


def eval_context(user):
    """Names a domain may use; ``user`` is the sequence's owner (a "my records" filter
    means the owner's records, whoever runs the cron). Plain values only, never a
    record: a salesperson writes these texts and the cron evaluates them as superuser,
    so ``user.sudo().write(...)`` in a filter must not reach anything (unlike
    ``base_automation``, whose domains only administrators write)."""
    return {
        "datetime": safe_eval.datetime,
        "dateutil": safe_eval.dateutil,
        "time": safe_eval.time,
        "uid": user.id,
        "context_today": lambda: fields.Date.context_today(user),
    }


def parse(text, user):
    """The ``Domain`` of ``text`` (``Domain.TRUE`` when no filter is set)."""
    if not is_set(text):
        return Domain.TRUE
    try:
        return Domain(safe_eval.safe_eval(text, eval_context(user)))
    except Exception as error:  # noqa: BLE001 - any mistake in the text is the user's to fix
        raise FilterError(str(error) or error.__class__.__name__) from error


def check(Model, text, user):
    """Raise ``FilterError`` unless ``text`` evaluates and searches on ``Model`` (with the
    rights of ``Model``'s environment: whoever saves may only filter on what they may read)."""
    domain = parse(text, user)
    try:
        with Model.env.cr.savepoint():
            Model.search_count(domain, limit=1)
    except Exception as error:  # noqa: BLE001 - unknown field, wrong value type, no access
        raise FilterError(str(error) or error.__class__.__name__) from error


def matching_ids(Model, text, user, res_ids):
    """The ids among ``res_ids`` that match ``text``: one search for the whole batch.
    Archived records match only when the filter says so (the domain editor's "Include
    archived"), as in any Odoo search. Raises ``FilterError``."""
    res_ids = list(res_ids)
    if not is_set(text):
        return set(res_ids)
    domain = parse(text, user)
    try:
        with Model.env.cr.savepoint():
            found = Model.sudo().with_context(active_test=True).search(Domain("id", "in", res_ids) & domain)
    except Exception as error:  # noqa: BLE001 - a field removed since, a value that no longer fits
        raise FilterError(str(error) or error.__class__.__name__) from error
    return set(found.ids)


def field_names(text, user):
    """The fields of the board ``text`` names (first part of each path); empty when it
    does not evaluate."""
    try:
        domain = parse(text, user)
    except FilterError:
        return set()
    return {condition.field_expr.split(".", 1)[0] for condition in domain.iter_conditions()}
