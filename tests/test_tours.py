from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, tagged

from odoo.addons.crm_sequence.models.crm_sequence_step import step_order, touch_order
from odoo.addons.crm_sequence.models.send_calendar import to_local

from .common import CrmSequenceCommon


@tagged("post_install", "-at_install")
class TestCrmSequenceTours(HttpCase):
    """Browser tours of the builder and of "Add to sequence" (static/tests/tours/)."""

    def test_builder_tour(self):
        # automatic emails are sent as their owner: the sender needs an address
        self.env.ref("base.user_admin").email = "admin@example.com"
        self.start_tour("/odoo", "crm_sequence_builder_tour", login="admin")

        sequence = self.env["crm.sequence"].search([("name", "=", "Tour sequence")])
        self.assertEqual(len(sequence), 1)
        self.assertEqual(sequence.state, "active")
        self.assertEqual(sequence.model, "crm.lead")
        steps = sequence.step_ids.sorted(step_order)
        self.assertEqual(steps.mapped("step_type"), ["auto_email", "call", "delay"])
        self.assertIn("{{ object.name }}", steps[0].subject)
        self.assertIn("let us talk", steps[0].body_html)
        self.assertEqual(steps[1].summary, "Discovery call")
        self.assertEqual(steps[1].activity_type_id, self.env.ref("mail.mail_activity_data_call"))
        self.assertEqual(steps[2].delay_days, 2)
        self.assertEqual(sequence.send_hour_from, 8.0)
        self.assertTrue(sequence.send_sat)
        self.assertTrue(sequence.use_contact_tz and sequence.spread_sends and sequence.unsubscribe_link)
        self.assertEqual(sequence.unsubscribe_text, "No more emails? Click here")
        self.assertEqual(sequence.ooo_pause_days, 10)
        self.assertTrue(sequence.stop_company_on_reply)

    def test_settings_tour(self):
        self.start_tour("/odoo/settings", "crm_sequence_settings_tour", login="admin")
        company = self.env.ref("base.main_company")
        self.assertEqual((company.crm_sequence_daily_limit, company.crm_sequence_hourly_limit), (200, 50))
        user = self.env["res.users"].create({"name": "Hired after", "login": "hired_after", "company_id": company.id})
        self.assertEqual((user.crm_sequence_daily_limit, user.crm_sequence_hourly_limit), (200, 50))

    def test_enroll_tour(self):
        admin = self.env.ref("base.user_admin")
        sequence = (
            self.env["crm.sequence"]
            .with_user(admin)
            .create(
                {
                    "name": "Tour Enroll Sequence",
                    "model_id": self.env["ir.model"]._get_id("crm.lead"),
                    "step_ids": [(0, 0, {"step_type": "call", "summary": "Say hello"})],
                }
            )
        )
        sequence.action_activate()
        leads = self.env["crm.lead"].create(
            [
                {
                    "name": "Tour lead A",
                    "type": "lead",
                    "contact_name": "Ann",
                    "phone": "+1 555-0101",
                    "email_from": "ann@example.com",
                    "user_id": admin.id,
                },
                {
                    "name": "Tour lead B",
                    "type": "lead",
                    "contact_name": "Bob",
                    "phone": "+1 555-0102",
                    "email_from": "bob@example.com",
                    "user_id": admin.id,
                },
            ]
        )

        self.start_tour("/odoo", "crm_sequence_enroll_tour", login="admin")

        enrollments = self.env["crm.sequence.enrollment"].search([("sequence_id", "=", sequence.id)])
        self.assertEqual(sorted(enrollments.mapped("res_id")), sorted(leads.ids))
        self.assertEqual(set(enrollments.mapped("state")), {"active"})
        self.assertEqual(len(enrollments.touch_ids), 2)

    def test_add_records_tour(self):
        """ "Add records" on an active sequence: pick leads in the board's list, enroll them."""
        admin = self.env.ref("base.user_admin")
        sequence = (
            self.env["crm.sequence"]
            .with_user(admin)
            .create(
                {
                    "name": "Add records tour",
                    "model_id": self.env["ir.model"]._get_id("crm.lead"),
                    "step_ids": [(0, 0, {"step_type": "call", "summary": "Say hello"})],
                }
            )
        )
        sequence.action_activate()
        leads = self.env["crm.lead"].create(
            [
                {"name": f"Add tour lead {letter}", "type": "lead", "phone": "+1 555-0101", "user_id": admin.id}
                for letter in "ABC"
            ]
        )
        sequence.enroll_records(leads[2])

        self.start_tour(
            f"/odoo/action-crm_sequence.crm_sequence_action/{sequence.id}",
            "crm_sequence_add_records_tour",
            login="admin",
        )

        enrollments = self.env["crm.sequence.enrollment"].search([("sequence_id", "=", sequence.id)])
        self.assertEqual(sorted(enrollments.mapped("res_id")), sorted(leads.ids))

    def test_builder_days_tour(self):
        """Move, duplicate, a refused move and the planned schedule's moved day, in the browser."""
        admin = self.env.ref("base.user_admin")
        admin.email = "admin@example.com"
        # the manual email lands on the first Saturday from day 8 on: sent Monday instead
        today = to_local("Europe/Brussels", fields.Datetime.now()).date()
        saturday = next(day for day in range(8, 15) if (today + timedelta(days=day - 1)).weekday() == 5)
        sequence = CrmSequenceCommon._create_sequence(
            self.env(user=admin),
            name="Days tour",
            day_mode="calendar",  # the moved day of calendar days
            steps=[
                {
                    "step_type": "auto_email",
                    "day": 1,
                    "subject": "Hello {{ object.contact_name }}",
                    "body_html": "<p>Hi</p>",
                },
                {"step_type": "call", "day": 2, "summary": "Call them"},
                {"step_type": "delay", "day": 2, "delay_days": 2},
                {"step_type": "todo", "day": 4, "summary": "Follow up"},
                {
                    "step_type": "manual_email",
                    "day": saturday,
                    "subject": "Proposal for {{ object.name }}",
                    "body_html": "<p>Our proposal</p>",
                },
            ],
        )
        self.start_tour(
            f"/odoo/action-crm_sequence.crm_sequence_action/{sequence.id}",
            "crm_sequence_builder_days_tour",
            login="admin",
        )
        steps = sequence.step_ids.sorted(step_order)
        self.assertEqual(
            [(step.step_type, step.day) for step in steps],
            [("auto_email", 1), ("call", 2), ("call", 2), ("todo", 2), ("delay", 2), ("manual_email", saturday)],
        )

    def test_sending_days_tour(self):
        """Seven to-dos on days 1 to 7 in calendar days, switched to sending days in the browser."""
        admin = self.env.ref("base.user_admin")
        sequence = CrmSequenceCommon._create_sequence(
            self.env(user=admin),
            name="Sending days tour",
            day_mode="calendar",
            steps=[{"step_type": "todo", "day": day, "summary": f"Task {day}"} for day in range(1, 8)],
        )
        self.start_tour(
            f"/odoo/action-crm_sequence.crm_sequence_action/{sequence.id}",
            "crm_sequence_sending_days_tour",
            login="admin",
        )
        self.assertEqual(sequence.day_mode, "sending")

    def test_builder_unsaved_tour(self):
        admin = self.env.ref("base.user_admin")
        admin.email = "admin@example.com"
        kanban = CrmSequenceCommon._create_sequence(self.env(user=admin), name="Kanban tour")
        kanban.action_activate()
        leads = self.env["crm.lead"].create(
            [{"name": f"Kanban {index}", "email_from": f"k{index}@example.com"} for index in range(2)]
        )
        kanban.enroll_records(leads)
        kanban.enrollment_ids[:1].action_terminate()
        self.start_tour("/odoo", "crm_sequence_builder_unsaved_tour", login="admin")
        sequence = self.env["crm.sequence"].search([("name", "=", "Unsaved tour")])
        steps = sequence.step_ids.sorted(step_order)
        self.assertEqual(steps.mapped("summary"), ["Second task", "Second task", "First call"])
        self.assertEqual(steps.mapped("day"), [1, 1, 1])

    def test_task_queue_pager_tour(self):
        """ "Done & next" through four calls: one form, one breadcrumb, a pager over the queue."""
        admin = self.env.ref("base.user_admin")
        sequence = CrmSequenceCommon._create_sequence(
            self.env(user=admin),
            name="Pager tour",
            send_sat=True,  # the tasks are due today, whatever today is
            send_sun=True,
            send_hour_from=0.0,
            send_hour_to=24.0,
            steps=[{"step_type": "call", "day": 1, "summary": "Discovery call"}],
        )
        sequence.action_activate()
        leads = self.env["crm.lead"].create(
            [
                {"name": f"Pager lead {index}", "phone": f"+32 470 12 34 5{index}", "user_id": admin.id}
                for index in range(1, 5)
            ]
        )
        sequence.enroll_records(leads)
        self.env["crm.sequence.touch"].search([("sequence_id", "=", sequence.id)])._execute()
        self.start_tour(
            "/odoo/action-crm_sequence.mail_activity_action_crm_sequence_queue",
            "crm_sequence_task_queue_pager_tour",
            login="admin",
        )
        self.assertEqual(set(sequence.enrollment_ids.touch_ids.mapped("state")), {"done"})

    def test_task_queue_tour(self):
        """A call and a manual email worked in a row from CRM › Sequences › My tasks."""
        admin = self.env.ref("base.user_admin")
        admin.email = "admin@example.com"
        sequence = CrmSequenceCommon._create_sequence(
            self.env(user=admin),
            name="Queue tour",
            send_sat=True,  # the tasks are due today, whatever today is
            send_sun=True,
            send_hour_from=0.0,
            send_hour_to=24.0,
            steps=[
                {"step_type": "call", "day": 1, "summary": "Discovery call", "note": "<p>Ask about their budget</p>"},
                {
                    "step_type": "manual_email",
                    "day": 1,
                    "subject": "Proposal for {{ object.contact_name }}",
                    "body_html": "<p>Dear <t t-out='object.contact_name'/>, here is our proposal.</p>",
                },
            ],
        )
        sequence.action_activate()
        lead = self.env["crm.lead"].create(
            {
                "name": "Queue lead",
                "contact_name": "Queue Contact",
                "email_from": "queue.contact@example.com",
                "phone": "+32 470 12 34 56",
                "user_id": admin.id,
            }
        )
        sequence.enroll_records(lead)
        self.env["crm.sequence.touch"].search([("sequence_id", "=", sequence.id)])._execute()
        self.start_tour(
            "/odoo/action-crm_sequence.mail_activity_action_crm_sequence_queue",
            "crm_sequence_task_queue_tour",
            login="admin",
        )
        touches = sequence.enrollment_ids.touch_ids.sorted(touch_order)
        self.assertEqual(touches.mapped("state"), ["done", "done"])
        self.assertEqual([touch.user_id for touch in touches], [admin, admin])
        self.assertIn("No answer: Try again tomorrow morning", str(lead.message_ids.mapped("body")))
        self.assertEqual(touches[1].message_id.subject, "Proposal for Queue Contact")
        self.assertEqual(sequence.enrollment_ids.state, "completed")
