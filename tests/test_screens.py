from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import CrmSequenceCommon


@tagged("post_install", "-at_install")
class TestScreens(CrmSequenceCommon):
    """What the forms offer a sales manager: activation problems as a list, no banner
    before anything was typed, "Add records" on an active sequence."""

    def test_activation_problems_as_a_dialog(self):
        incomplete = self._create_sequence(
            self.env, name="Incomplete", user=self.user_owner, steps=[{"step_type": "auto_email", "day": 1}]
        ).with_user(self.user_owner)
        action = incomplete.with_context(crm_sequence_explain=True).action_activate()
        self.assertEqual(action["res_model"], "crm.sequence")
        self.assertEqual(action["target"], "new")
        self.assertEqual(action["views"][0][0], self.env.ref("crm_sequence.crm_sequence_view_form_missing").id)
        self.assertEqual(incomplete.state, "draft")
        self.assertIn("add a subject", incomplete.missing_data)
        with self.assertRaises(UserError):
            incomplete.action_activate()  # over RPC: the same list as an error

    def test_no_banner_before_typing(self):
        arch = self.env["crm.sequence"].get_view(view_type="form")["arch"]
        self.assertIn('invisible="not missing_data or not id"', arch)

    def test_add_records_action(self):
        self.sequence.action_activate()
        action = self.sequence.with_user(self.user_owner).action_add_records()
        self.assertEqual(action["tag"], "crm_sequence_add_records")
        self.assertEqual(action["params"]["res_model"], "crm.lead")
        draft = self._create_sequence(self.env, name="Draft", user=self.user_owner)
        with self.assertRaises(UserError):
            draft.with_user(self.user_owner).action_add_records()
