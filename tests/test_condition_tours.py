from odoo.tests import HttpCase, tagged

from odoo.addons.crm_sequence.models.crm_sequence_step import step_order

from .common import CrmSequenceCommon


@tagged("post_install", "-at_install")
class TestConditionTours(HttpCase):
    """Step conditions in the browser (static/tests/tours/crm_sequence_branch_tour.js)."""

    def test_branch_tour(self):
        """Two steps on day 3 with opposite conditions on the intro email, built in the builder."""
        admin = self.env.ref("base.user_admin")
        admin.email = "admin@example.com"
        sequence = CrmSequenceCommon._create_sequence(
            self.env(user=admin),
            name="Branch tour",
            steps=[{"step_type": "auto_email", "day": 1, "subject": "Intro", "body_html": "<p>Hi</p>"}],
        )
        self.start_tour(
            f"/odoo/action-crm_sequence.crm_sequence_action/{sequence.id}", "crm_sequence_branch_tour", login="admin"
        )
        intro, call, email = sequence.step_ids.sorted(step_order)
        self.assertEqual((call.step_type, call.day, call.summary), ("call", 3, "Call the clicker"))
        self.assertEqual((call.condition, call.condition_step_id), ("clicked", intro))
        self.assertEqual((email.step_type, email.day, email.subject), ("auto_email", 3, "Another look"))
        self.assertEqual((email.condition, email.condition_step_id), ("not_clicked", intro))
