from odoo.tests import HttpCase, tagged


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
        steps = sequence.step_ids.sorted(lambda s: (s.sequence, s.id))
        self.assertEqual(steps.mapped("step_type"), ["auto_email", "call", "delay"])
        self.assertIn("{{ object.name }}", steps[0].subject)
        self.assertIn("let us talk", steps[0].body_html)
        self.assertEqual(steps[1].summary, "Discovery call")
        self.assertEqual(steps[1].activity_type_id, self.env.ref("mail.mail_activity_data_call"))
        self.assertEqual(steps[2].delay_days, 2)
        self.assertEqual(sequence.send_hour_from, 8.0)
        self.assertTrue(sequence.send_sat)

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
