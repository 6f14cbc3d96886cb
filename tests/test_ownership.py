from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from odoo.addons.crm_sequence.models.crm_sequence_step import step_order

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

    def test_steps_and_rules_stay_in_their_sequence(self):
        """Record rules check a step as it was: moving it into another owner's running
        sequence would send its email to their contacts."""
        olga = self._create_sequence(self.env, name="Olga's", user=self.user_other)
        olga.action_activate()
        with freeze_time("2026-03-03 08:00:00"):
            olga.enroll_records(self.leads[0])
        step = self.sequence.step_ids[:1].with_user(self.user_owner)
        rule = self.sequence.removal_rule_ids.filtered(lambda r: r.trigger == "open").with_user(self.user_owner)
        olga.removal_rule_ids.filtered(lambda r: r.trigger == "open").unlink()
        for record, message in ((step, "A step stays in its sequence"), (rule, "A removal rule stays in its sequence")):
            with self.subTest(model=record._name), self.assertRaisesRegex(UserError, message):
                record.with_context(crm_sequence_edit_mode="keep").write({"sequence_id": olga.id, "sequence": 99})
        self.assertEqual(len(olga.step_ids), 4)
        self.assertEqual(
            olga.enrollment_ids.touch_ids.mapped("step_id"), olga.step_ids.filtered(lambda s: s.step_type != "delay")
        )

    def test_engine_flags_cannot_be_sent_in_the_context(self):
        """The engine's own flags are not context keys an RPC caller could send."""
        sequence = self.sequence.with_user(self.user_owner)
        steps = sequence.step_ids.sorted(step_order)
        flags = {"crm_sequence_defer_day_check": True, "crm_sequence_in_write": True}
        with self.assertRaisesRegex(ValidationError, "Days must not decrease"), self.env.cr.savepoint():
            steps[-1].with_context(**flags).write({"day": 1})
        self.env.invalidate_all(flush=False)
        self.sequence.action_activate()
        with freeze_time("2026-03-03 08:00:00"):
            self.sequence.enroll_records(self.leads[0])
        with self.assertRaisesRegex(UserError, "running enrollments"):
            steps[0].with_context(**flags).write({"day": 2})

    def test_status_changes_only_through_the_buttons(self):
        draft = self._create_sequence(self.env(user=self.user_owner), name="Draft", user=self.user_owner, steps=[])
        for values in ({"state": "active"}, {"state": "inactive"}, {"pending_edit_mode": "keep"}):
            with self.subTest(values=values), self.assertRaisesRegex(UserError, "Activate and Deactivate buttons"):
                draft.write(values)
        with self.assertRaisesRegex(UserError, "Activate and Deactivate buttons"):
            self._create_sequence(self.env(user=self.user_owner), name="Active at once", state="active")
        self.assertEqual(draft.state, "draft")
        sequence = self.sequence.with_user(self.user_owner)
        sequence.action_activate()
        sequence.action_deactivate()
        self.assertEqual(sequence.state, "inactive")
