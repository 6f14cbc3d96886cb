from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.crm_sequence.tests.common import CrmSequenceCommon

# Steps due at once whatever the day and hour the test runs.
ALWAYS_OPEN = {
    "tz": "UTC",
    "send_hour_from": 0.0,
    "send_hour_to": 24.0,
    "send_mon": True,
    "send_tue": True,
    "send_wed": True,
    "send_thu": True,
    "send_fri": True,
    "send_sat": True,
    "send_sun": True,
}
EMAIL_STEP = {
    "step_type": "auto_email",
    "day": 1,
    "subject": "Hello {{ object.contact_name }}",
    "body_html": "<p>Dear <t t-out='object.contact_name'/>, welcome.</p>",
}


@tagged("post_install", "-at_install")
class TestCrmSequenceTrackingTours(HttpCase):
    """Browser tours of how runs are followed: the manager's figures, a record's
    timeline (paused then terminated), and the sellers' activities from sequences
    (static/tests/tours/crm_sequence_tracking_tour.js)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls.env.ref("base.user_admin")
        if not cls.admin.email:
            cls.admin.email = "admin@example.com"

    def _create_leads(self, names, user):
        return self.env["crm.lead"].create(
            [
                {
                    "name": name,
                    "type": "lead",
                    "contact_name": f"Contact of {name}",
                    "email_from": f"lead{index}@customer.example.com",
                    "phone": f"+32 470 00 01 0{index}",
                    "user_id": user.id if user else False,
                }
                for index, name in enumerate(names)
            ]
        )

    def _start(self, sequence, records):
        """Enroll ``records`` and run the touches planned for day 1, as the cron would."""
        sequence.enroll_records(records)
        Touch = self.env["crm.sequence.touch"]
        touches = Touch.search([("sequence_id", "=", sequence.id)])
        touches.filtered(lambda t: t.step_day == 1)._execute()
        return self.env["crm.sequence.enrollment"].search([("sequence_id", "=", sequence.id)])

    def test_manager_tour(self):
        # email and call on day 1 run now; the to-do of day 5 keeps the runs going
        sequence = CrmSequenceCommon._create_sequence(
            self.env,
            name="Tour Manager Sequence",
            user=self.admin,
            steps=[
                EMAIL_STEP,
                {"step_type": "call", "day": 1, "summary": "Tour manager call"},
                {"step_type": "todo", "day": 5, "summary": "Tour manager follow-up"},
            ],
            **ALWAYS_OPEN,
        )
        sequence.action_activate()
        leads = self._create_leads(["Manager Lead A", "Manager Lead B", "Manager Lead C"], self.admin)
        enrollments = self._start(sequence, leads)
        self.assertEqual(len(enrollments), 3)
        day_one = enrollments.touch_ids.filtered(lambda t: t.step_day == 1)
        self.assertEqual(set(day_one.mapped("state")), {"done", "open"}, "emails sent, calls open")
        day_one.activity_id.with_user(self.admin).action_done()  # the calls were made
        self.assertEqual(set(day_one.mapped("state")), {"done"})
        enrollments.filtered(lambda e: e.res_id == leads[2].id).action_terminate()
        self.assertEqual(
            (sequence.enrolled_count, sequence.active_count, sequence.terminated_count),
            (3, 2, 1),
        )
        self.assertEqual(sequence.automation_action_count, 6, "3 emails and 3 calls executed")

        self.start_tour("/odoo/action-crm_sequence.crm_sequence_action", "crm_sequence_manager_tour", login="admin")

        # looking is all the manager did
        self.assertEqual(sorted(enrollments.mapped("state")), ["active", "active", "terminated"])

    def test_timeline_tour(self):
        sequence = CrmSequenceCommon._create_sequence(
            self.env,
            name="Tour Timeline Sequence",
            user=self.admin,
            steps=[
                EMAIL_STEP,
                {"step_type": "call", "day": 3, "summary": "Timeline call"},
            ],
            **ALWAYS_OPEN,
        )
        sequence.action_activate()
        lead = self._create_leads(["Timeline Lead"], self.admin)
        enrollment = self._start(sequence, lead)
        email_touch, call_touch = enrollment.touch_ids.sorted(lambda t: t.step_day)
        self.assertEqual((email_touch.state, call_touch.state), ("done", "scheduled"))

        self.start_tour(f"/odoo/crm.lead/{lead.id}", "crm_sequence_timeline_tour", login="admin")

        enrollment.invalidate_recordset()
        self.assertEqual(enrollment.state, "terminated")
        self.assertEqual(enrollment.end_reason, "manual")
        self.assertTrue(enrollment.date_end)
        self.assertEqual(email_touch.state, "done")
        self.assertEqual(call_touch.state, "canceled")
        self.assertFalse(call_touch.activity_id)

    def test_activities_tour(self):
        seller = new_test_user(
            self.env, login="tour_seller", groups="sales_team.group_sale_salesman", name="Tour Seller"
        )
        other = new_test_user(
            self.env, login="tour_other", groups="sales_team.group_sale_salesman", name="Tour Other Seller"
        )
        sequence = CrmSequenceCommon._create_sequence(
            self.env,
            name="Tour Activities Sequence",
            user=self.admin,
            share_mode="everyone",
            steps=[
                {"step_type": "call", "day": 1, "summary": "Sequence call"},
            ],
            **ALWAYS_OPEN,
        )
        sequence.action_activate()
        seller_leads = self._create_leads(["Seller Lead A", "Seller Lead B"], seller)
        other_lead = self._create_leads(["Other Lead"], other)
        # unassigned: the seller may read it, its call goes to the sequence's owner
        free_lead = self._create_leads(["Unassigned Lead"], None)
        self._start(sequence, seller_leads | other_lead | free_lead)
        Activity = self.env["mail.activity"]
        from_sequence = Activity.search([("crm_sequence_id", "=", sequence.id)])
        self.assertEqual(len(from_sequence), 4)
        self.assertEqual(from_sequence.filtered(lambda a: a.user_id == seller).mapped("res_id"), seller_leads.ids)
        self.assertEqual(from_sequence.filtered(lambda a: a.user_id == other).res_id, other_lead.id)
        self.assertEqual(from_sequence.filtered(lambda a: a.user_id == self.admin).res_id, free_lead.id)
        plain = Activity.create(
            {
                "res_model_id": self.env["ir.model"]._get_id("crm.lead"),
                "res_id": seller_leads[0].id,
                "activity_type_id": self.env.ref("mail.mail_activity_data_todo").id,
                "summary": "Plain seller to-do",
                "user_id": seller.id,
            }
        )

        self.start_tour("/odoo/action-mail.mail_activity_action", "crm_sequence_activities_tour", login="tour_seller")

        # the seller only filtered and grouped: nothing was done or canceled
        self.assertEqual(len(from_sequence.exists()), 4)
        self.assertTrue(plain.exists())

    def test_signals_tour(self):
        """A person's open and click, a mail scanner's open: the run's timeline tells them
        apart and the step's click rate counts the person only."""
        links = '<p>See <a href="https://shop.example.com/pricing">our prices</a>.</p>'
        sequence = CrmSequenceCommon._create_sequence(
            self.env,
            name="Tour Signals Sequence",
            user=self.admin,
            steps=[
                {"step_type": "auto_email", "day": 1, "subject": "Prices", "body_html": links},
                {"step_type": "auto_email", "day": 1, "subject": "Case studies", "body_html": links},
                {"step_type": "call", "day": 3, "summary": "Signals call"},
            ],
            **ALWAYS_OPEN,
        )
        sequence.action_activate()
        leads = self._create_leads(["Signals Lead", "Quiet Lead"], self.admin)
        enrollments = self._start(sequence, leads)
        enrollment = enrollments.filtered(lambda e: e.res_id == leads[0].id)
        prices, cases = enrollment.touch_ids.filtered(lambda t: t.step_type == "auto_email").sorted("step_id")
        enrollments.touch_ids.write({"date_sent": "2026-01-01 09:00:00"})
        Touch = self.env["crm.sequence.touch"]
        # a person opens the first email in Gmail and clicks its link; Apple's proxy fetches the second
        gmail = "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)"
        chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36"
        Touch._crm_sequence_track("open", prices.id, prices._open_token(), "GET", gmail, "66.249.84.12")
        link = self.env["link.tracker"].search([("url", "=", "https://shop.example.com/pricing")])
        Touch._crm_sequence_track("click", prices.id, prices._click_token(), "GET", chrome, "81.2.3.4", link=link)
        Touch._crm_sequence_track("open", cases.id, cases._open_token(), "GET", "Mozilla/5.0", "17.58.63.11")
        self.assertEqual((prices.opened, prices.clicked, cases.opened, cases.machine_opened), (True, True, False, True))
        self.assertAlmostEqual(prices.step_id.click_rate, 0.5)

        self.start_tour(f"/odoo/crm.lead/{leads[0].id}", "crm_sequence_signals_tour", login="admin")

        self.assertEqual(enrollment.state, "active", "looking changes nothing")
