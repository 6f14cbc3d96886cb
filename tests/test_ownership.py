from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import CrmSequenceCommon


@tagged("post_install", "-at_install")
class TestOwnership(CrmSequenceCommon):
    """Sender identity, removal statuses written with the owner's rights, task links
    that only the engine sets."""

    def test_user_sends_as_themselves_only(self):
        sequence = self.sequence.with_user(self.user_owner)
        with self.assertRaisesRegex(AccessError, "You may only send emails as yourself"):
            sequence.write({"sender_id": self.user_other.id})
        with self.assertRaisesRegex(AccessError, "You may only send emails as yourself"):
            self._create_sequence(self.env(user=self.user_owner), name="Impostor", sender_id=self.user_other.id)
        with self.assertRaisesRegex(AccessError, "Only a Sequences Administrator may give a sequence"):
            sequence.write({"user_id": self.user_other.id})
        self.assertEqual(self.sequence.sender_id, self.user_owner)
        # the enroll wizard of the impersonated seller never offers the sequence
        self.sequence.action_activate()
        wizard = (
            self.env["crm.sequence.enroll"]
            .with_user(self.user_other)
            .with_context(active_model="crm.lead", active_ids=self.leads.ids)
            .new({})
        )
        self.assertNotIn(self.sequence, wizard.available_sequence_ids._origin)

    def test_administrator_approves_another_sender(self):
        self.sequence.with_user(self.user_seq_admin).write({"sender_id": self.user_other.id})
        self.assertEqual(self.sequence.sender_id, self.user_other)
        # the owner keeps editing the rest without touching the approved sender
        self.sequence.with_user(self.user_owner).write({"name": "Welcome (approved sender)"})
        self.assertEqual(self.sequence.sender_id, self.user_other)

    def test_removal_status_with_owner_rights(self):
        """Oscar's reply rule sets "Salesperson = Oscar"; on Olga's lead he may not write,
        so the run ends but the lead stays Olga's, and the run says why."""
        self.sequence.action_activate()
        rule = self.sequence.removal_rule_ids.filtered(lambda r: r.trigger == "reply")
        rule.with_user(self.user_owner).write(
            {
                "status_field_id": self.env["ir.model.fields"]._get("crm.lead", "user_id").id,
                "status_ref": self.user_owner.id,
            }
        )
        olga_lead = self.env["crm.lead"].create(
            {"name": "Olga's", "email_from": "olga.customer@example.com", "user_id": self.user_other.id}
        )
        oscar_lead = self.leads[0]
        oscar_lead.user_id = False  # unassigned: every salesperson may edit it
        with freeze_time("2026-03-03 09:00:00"), self.mock_mail_gateway():
            self.sequence.enroll_records(olga_lead | oscar_lead)
            self._run_cron()
        runs = self.sequence.enrollment_ids
        for lead in (olga_lead, oscar_lead):
            touch = runs.filtered(lambda e, lead=lead: e.res_id == lead.id).touch_ids.filtered("message_id")
            self._reply(touch)
        olga_run = runs.filtered(lambda e: e.res_id == olga_lead.id)
        oscar_run = runs - olga_run
        self.assertEqual((olga_run.state, olga_run.end_reason), ("removed", "replied"))
        self.assertEqual(olga_lead.user_id, self.user_other, "the owner may not take Olga's lead")
        self.assertIn("Oscar Owner, owner of the sequence, may not edit", olga_run.end_note)
        self.assertEqual(oscar_lead.user_id, self.user_owner, "where the owner may write, the status is set")
        self.assertFalse(oscar_run.end_note)

    def test_task_links_set_by_the_engine_only(self):
        self.sequence.action_activate()
        with freeze_time("2026-03-03 09:00:00"):
            self.sequence.enroll_records(self.leads[0])
        touch = self.sequence.enrollment_ids.touch_ids[:1]
        activity = (
            self.env["mail.activity"]
            .with_user(self.user_owner)
            .create(
                {
                    "res_model_id": self.env["ir.model"]._get_id("crm.lead"),
                    "res_id": self.leads[0].id,
                    "activity_type_id": self.env.ref("mail.mail_activity_data_todo").id,
                    "summary": "Mine",
                }
            )
        )
        with self.assertRaisesRegex(AccessError, "sequence engine only"):
            activity.write({"crm_sequence_touch_id": touch.id})
        with self.assertRaisesRegex(AccessError, "sequence engine only"):
            activity.create(
                {
                    "res_model_id": self.env["ir.model"]._get_id("crm.lead"),
                    "res_id": self.leads[0].id,
                    "activity_type_id": self.env.ref("mail.mail_activity_data_todo").id,
                    "crm_sequence_id": self.sequence.id,
                }
            )
