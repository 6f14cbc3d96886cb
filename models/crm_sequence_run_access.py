from collections import defaultdict

from odoo import api, models
from odoo.exceptions import AccessError, MissingError

from .crm_sequence import MANAGER_GROUP


class CrmSequenceRunAccess(models.AbstractModel):
    """Access that follows the enrolled record, as Odoo does for ``mail.activity``.

    Runs and touches name a contact (its name, address, the emails it got), so a
    user reads them only where they may read that record, or owns the sequence,
    or is a Sequences Administrator. Managing a run (pause, resume, terminate)
    needs write access to the record instead of read. Models using this store
    ``res_model``, ``res_id`` and ``sequence_id``; they are changed by the engine
    only (in sudo): the access rights give users read access and nothing more.
    """

    _name = "crm.sequence.run.access"
    _description = "Access of sequence runs through their records"

    @api.model
    def _crm_sequence_is_manager(self):
        return self.env.su or self.env.user.has_group(MANAGER_GROUP)

    @api.model
    def _crm_sequence_allowed_ids(self, rows, operation):
        """The ids among ``rows`` ([(id, res_model, res_id, sequence_id)]) on which the
        current user may do ``operation`` ('read' or 'write') through the record."""
        if self._crm_sequence_is_manager():
            return {row[0] for row in rows}
        sequence_ids = {row[3] for row in rows}
        owned = set(
            self.env["crm.sequence"]
            .sudo()
            .with_context(active_test=False)
            .search([("id", "in", list(sequence_ids)), ("user_id", "=", self.env.uid)])
            .ids
        )
        documents = defaultdict(set)
        for _id, res_model, res_id, sequence_id in rows:
            if sequence_id not in owned and res_model in self.env:
                documents[res_model].add(res_id)
        allowed_documents = {
            res_model: self._crm_sequence_allowed_documents(res_model, res_ids, operation)
            for res_model, res_ids in documents.items()
        }
        return {
            id_
            for id_, res_model, res_id, sequence_id in rows
            if sequence_id in owned or res_id in allowed_documents.get(res_model, ())
        }

    @api.model
    def _crm_sequence_allowed_documents(self, res_model, res_ids, operation):
        """Ids of the records of ``res_model`` on which the user may do ``operation``
        (deleted records are allowed to nobody)."""
        records = self.env[res_model].with_context(active_test=False).browse(res_ids)
        try:
            result = records._check_access(operation)
        except MissingError:
            records = records.exists()
            result = records._check_access(operation)
        forbidden = set(result[0]._ids) if result else set()
        return set(records._ids) - forbidden

    def _crm_sequence_rows(self):
        """[(id, res_model, res_id, sequence_id)] of these records, read without the ORM
        cache so that an access check never loads data it then hides."""
        ids = [id_ for id_ in self._ids if isinstance(id_, int)]
        if not ids:
            return []
        query = self.sudo().with_context(active_test=False).browse(ids)._as_query(ordered=False)
        return self.env.execute_query(
            query.select(
                *(self._field_to_sql(self._table, fname) for fname in ("id", "res_model", "res_id", "sequence_id"))
            )
        )

    def _check_access(self, operation):
        """Read: the access rights and rules, and the record behind each run. Other
        operations are the access rights' (administrators only)."""
        result = super()._check_access(operation)
        if operation != "read" or not self._ids or self.env.su:
            return result
        candidates = self - result[0] if result else self
        rows = candidates._crm_sequence_rows()
        allowed = self._crm_sequence_allowed_ids(rows, "read")
        forbidden = self.browse([row[0] for row in rows if row[0] not in allowed])
        if not forbidden:
            return result
        if result:
            return result[0] | forbidden, result[1]
        return forbidden, lambda: forbidden._make_access_error(operation)

    def _make_access_error(self, operation):
        return AccessError(
            self.env._(
                "You may not see or change these %(type)s: they belong to records you may not access "
                "(records: %(records)s, user: %(user)s).",
                type=self._description,
                records=self.ids[:6],
                user=self.env.user.name,
            )
        )

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None, *, bypass_access=False, **kwargs):
        """Keep only the runs whose record the user may read (see ``_check_access``)."""
        if self.env.su or bypass_access or self._crm_sequence_is_manager():
            return super()._search(domain, offset, limit, order, bypass_access=bypass_access, **kwargs)
        query = super()._search(domain, offset, limit, order, **kwargs)
        rows = self.env.execute_query(
            query.select(
                *(self._field_to_sql(self._table, fname) for fname in ("id", "res_model", "res_id", "sequence_id"))
            )
        )
        allowed = self._crm_sequence_allowed_ids(rows, "read")
        return self.browse([row[0] for row in rows if row[0] in allowed])._as_query(order)

    def _crm_sequence_check_manage(self):
        """Pause, resume and terminate: write access to the record, sequence owner or administrator."""
        rows = self._crm_sequence_rows()
        allowed = self._crm_sequence_allowed_ids(rows, "write")
        forbidden = self.browse([row[0] for row in rows if row[0] not in allowed])
        if forbidden:
            raise AccessError(
                self.env._(
                    "You may not change the runs of %(records)s: only their sequence's owner, a Sequences "
                    "Administrator or a user who may edit the record can.",
                    records=", ".join(forbidden.sudo().mapped("display_name")[:6]),
                )
            )
