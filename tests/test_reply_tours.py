from datetime import date

from freezegun import freeze_time

from odoo.tests import HttpCase, tagged
from odoo.tools import email_normalize

from odoo.addons.crm_sequence.tests.common import CrmSequenceCommon
from odoo.addons.crm_sequence.tests.test_reply_moves import REPLIES, sample_file
from odoo.addons.crm_sequence.tests.test_tracking_tours import ALWAYS_OPEN, EMAIL_STEP


@tagged("post_install", "-at_install")
class TestReplyTour(HttpCase):
    """A seller corrects the reading of a reply on a run's timeline, in Chromium
    (static/tests/tours/crm_sequence_reply_tour.js)."""

    def test_correct_a_reading_on_the_timeline(self):
        admin = self.env.ref("base.user_admin")
        admin.write({"email": admin.email or "admin@example.com", "tz": "Europe/Brussels"})
        sequence = CrmSequenceCommon._create_sequence(
            self.env,
            name="Tour Reply Sequence",
            user=admin,
            steps=[EMAIL_STEP, dict(EMAIL_STEP, day=3, subject="Follow-up")],
            **ALWAYS_OPEN,
        )
        sequence.action_activate()
        lead = self.env["crm.lead"].create(
            {
                "name": "Reply Lead",
                "contact_name": "Dana Smith",
                "email_from": "dana@acme.example.org",
                "user_id": admin.id,
            }
        )
        with freeze_time("2026-12-07 08:00:00"):
            sequence.enroll_records(lead)
            touch = sequence.enrollment_ids.touch_ids.filtered(lambda t: t.step_day == 1)
            touch._execute()
        raw = (REPLIES / sample_file("004")).read_text()  # "Please reach out again in March."
        values = {
            "message_id": touch.message_id.message_id,
            "subject": touch.message_id.subject,
            "contact_email": "dana@acme.example.org",
            "contact_name": "Dana Smith",
            "our_email": email_normalize(touch.mail_mail_id.reply_to),
            "date": "Mon, 07 Dec 2026 09:30:00 +0100",
        }
        for name, value in values.items():
            raw = raw.replace("{{" + name + "}}", value)
        with freeze_time("2026-12-07 08:30:00"):
            self.env["mail.thread"].message_process("crm.lead", raw.encode())
        run = touch.enrollment_id
        self.assertEqual((touch.reply_intent, touch.reply_resume_date), ("not_now", date(2027, 3, 1)))
        self.assertEqual(run.pause_reason, "not_now")

        self.start_tour(
            f"/odoo/action-crm_sequence.crm_sequence_enrollment_action/{run.id}",
            "crm_sequence_reply_tour",
            login="admin",
        )

        run.invalidate_recordset()
        touch.invalidate_recordset()
        self.assertEqual((run.state, run.end_reason), ("removed", "replied"))
        self.assertEqual(
            (touch.reply_intent, touch.reply_intent_read, touch.reply_corrected_by_id), ("positive", "not_now", admin)
        )
