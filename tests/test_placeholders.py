from freezegun import freeze_time

from odoo.tests import BaseCase, tagged

from odoo.addons.crm_sequence.models.placeholders import is_empty, readable_body, required_paths

from .common import CrmSequenceCommon


class TestRequiredPaths(BaseCase):
    """Which placeholders need a value (plain Python, no database)."""

    def test_subject(self):
        self.assertEqual(required_paths("Hello {{ object.contact_name }}", ""), ["contact_name"])
        self.assertEqual(required_paths("Hello {{ object.contact_name ||| there }}", ""), [])
        self.assertEqual(required_paths("Hello {{ object.contact_name or 'there' }}", ""), [])
        self.assertEqual(required_paths("About {{ object.partner_id.name }}", ""), ["partner_id.name"])

    def test_body(self):
        body = (
            '<p>Dear <t t-out="object.contact_name"></t>, from <t t-out="object.partner_name">your company</t>'
            ' in <span t-out="object.city"/> {{ object.name }}</p>'
        )
        self.assertEqual(required_paths("", body), ["contact_name", "city"])
        self.assertEqual(required_paths("{{ object.city }}", body), ["city", "contact_name"])

    def test_readable_body(self):
        """A locked step's body reads as lists do: {Field}, its default after it."""
        body = '<p>Dear <t t-out="object.contact_name">there</t>, from <span t-out="object.city"/>.</p>'
        self.assertEqual(
            readable_body(body, lambda expression: expression.split(".")[-1].title()),
            '<p>Dear <span class="o_crm_sequence_placeholder">{Contact_Name}<span class="text-muted"> or “there”'
            '</span></span>, from <span class="o_crm_sequence_placeholder">{City}</span>.</p>',
        )
        self.assertEqual(
            readable_body("Hi <t t-out='object.name'/>!", str.upper),
            'Hi <span class="o_crm_sequence_placeholder">{OBJECT.NAME}</span>!',
        )
        self.assertEqual(readable_body("<p>No field</p>", str), "<p>No field</p>")

    def test_empty_values(self):
        self.assertTrue(is_empty([False]))
        self.assertTrue(is_empty(["  "]))
        self.assertTrue(is_empty([]))
        self.assertFalse(is_empty([0]))
        self.assertFalse(is_empty(["Ann"]))


@tagged("post_install", "-at_install")
class TestEmptyPlaceholders(CrmSequenceCommon):
    """No email goes out as "Hello ,": preview, enrollment and cron."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sequence.action_activate()
        cls.nameless = cls.env["crm.lead"].create(
            [
                {
                    "name": f"Nameless {index}",
                    "type": "lead",
                    "email_from": f"nameless{index}@customer.example.com",
                    "user_id": cls.user_owner.id,
                }
                for index in range(3)
            ]
        )
        cls.email_step = cls.sequence.step_ids.filtered(lambda s: s.step_type == "auto_email")
        # placeholders without a default: the contact's name must be there
        cls.email_step.write(
            {
                "subject": "Hello {{ object.contact_name }}",
                "body_html": "<p>Dear <t t-out='object.contact_name'/>, welcome.</p>",
            }
        )

    def _preview(self, record):
        return (
            self.env["crm.sequence.step.preview"]
            .with_user(self.user_owner)
            .create({"step_id": self.email_step.id, "resource_ref": f"crm.lead,{record.id}"})
        )

    def test_preview_says_so(self):
        preview = self._preview(self.nameless[0])
        self.assertIn("Contact Name is empty for this record", preview.empty_warning)
        self.assertFalse(self._preview(self.leads[0]).empty_warning)

    def test_defaults_count_as_filled(self):
        self.email_step.write(
            {
                "subject": "Hello {{ object.contact_name ||| there}}",
                "body_html": '<p>Dear <t t-out="object.contact_name">customer</t>,</p>',
            }
        )
        self.assertFalse(self._preview(self.nameless[0]).empty_warning)
        self.assertEqual(self._preview(self.nameless[0]).subject, "Hello there")
        report = self.sequence.with_user(self.user_owner).enroll_records(self.nameless)
        self.assertEqual((report["enrolled"], report["empty_fields"]), (3, {}))

    def test_enroll_skips_and_names_them(self):
        report = self.sequence.with_user(self.user_owner).enroll_records(self.leads | self.nameless)
        self.assertEqual(report["enrolled"], 3)
        self.assertEqual(report["skipped"], {"missing_field": 3})
        self.assertEqual(report["empty_fields"], {"Contact Name": 3})
        self.assertIn("3 skipped: without Contact Name (Nameless 0, Nameless 1, Nameless 2).", report["message"])
        self.assertFalse(self.sequence.enrollment_ids.filtered(lambda e: e.res_id in self.nameless.ids))

    def test_enroll_them_then_the_cron_does_not_send(self):
        """``send`` mode: enrolled with a warning; the email due while the field is still
        empty fails with the reason and the run goes on; a record filled in meanwhile
        gets its email."""
        self.sequence.missing_field_mode = "send"
        with freeze_time("2026-03-03 09:00:00"):
            report = self.sequence.with_user(self.user_owner).enroll_records(self.nameless)
        self.assertEqual(report["enrolled"], 3)
        self.assertIn("3 enrolled without Contact Name (Nameless 0, Nameless 1, Nameless 2)", report["message"])
        self.nameless[2].contact_name = "Nina"
        with freeze_time("2026-03-03 09:00:00"), self.mock_mail_gateway():
            self._run_cron()
        touches = self.sequence.enrollment_ids.touch_ids.filtered(lambda t: t.step_type == "auto_email")
        failed = touches.filtered(lambda t: t.res_id in self.nameless[:2].ids)
        self.assertEqual(set(failed.mapped("state")), {"failed"})
        self.assertEqual(set(failed.mapped("result_message")), {"Not sent: Contact Name is empty for this record."})
        sent = touches - failed
        self.assertEqual(sent.state, "done", "the record filled in meanwhile got its email")
        self.assertEqual(sent.mail_mail_id.subject, "Hello Nina")
        self.assertFalse(failed.mail_mail_id)
        runs = self.sequence.enrollment_ids
        self.assertEqual(set(runs.mapped("state")), {"active"}, "the runs go on with their call")
        with freeze_time("2026-03-05 09:00:00"), self.mock_mail_gateway():
            self._run_cron()
        calls = runs.touch_ids.filtered(lambda t: t.step_type == "call")
        self.assertEqual(set(calls.mapped("state")), {"open"})

    def test_manual_email_draft_warns_the_seller(self):
        """A manual email's draft with an empty field reaches the seller with a warning
        saying which field to complete (the seller sends it, not the cron)."""
        self.sequence.missing_field_mode = "send"
        self.email_step.step_type = "manual_email"
        with freeze_time("2026-03-03 09:00:00"):
            self.sequence.with_user(self.user_owner).enroll_records(self.nameless[:2])
        self.nameless[1].contact_name = "Nina"
        with freeze_time("2026-03-03 09:00:00"), self.mock_mail_gateway():
            self._run_cron()
        touches = self.sequence.enrollment_ids.touch_ids.filtered(lambda t: t.step_type == "manual_email")
        empty, filled = (touches.filtered(lambda t, lead=lead: t.res_id == lead.id) for lead in self.nameless[:2])
        self.assertEqual((empty.state, filled.state), ("open", "open"))
        self.assertIn("Contact Name is empty for this record: complete the draft", str(empty.activity_id.note))
        self.assertNotIn("is empty", str(filled.activity_id.note))
        self.assertIn("Dear Nina", str(filled.activity_id.note))

    def test_report_names_ten_then_counts(self):
        leads = self.env["crm.lead"].create(
            [
                {"name": f"Busy {index:02d}", "contact_name": "Ann", "email_from": f"busy{index}@customer.example.com"}
                for index in range(13)
            ]
        )
        self.sequence.enroll_records(leads)
        report = self.sequence.enroll_records(leads)
        names = ", ".join(f"Busy {index:02d}" for index in range(10))
        self.assertIn(f"13 skipped: already active in this sequence ({names} and 3 more).", report["message"])

    def test_one_notation(self):
        """Lists, titles, reports and read-only forms show {Contact Name}, never {{ }}."""
        step = self.email_step
        self.assertEqual(step.title, "Hello {Contact Name}")
        self.assertEqual(step.subject_readable, "Hello {Contact Name}")
        self.assertEqual(step.display_name, "Day 1 · Automatic email: Hello {Contact Name}")
        form = self.env["crm.sequence.step"].get_view(view_type="form")["arch"]
        self.assertIn('widget="crm_sequence_subject"', form, "read-only, the subject reads {Contact Name}")
        self.assertNotIn("{{", form)
        step.body_html = "<p>Dear <t t-out='object.contact_name'>there</t>, welcome.</p>"
        self.assertIn(">{Contact Name}<", step.with_user(self.user_owner).body_readable)
        self.assertIn("there", step.body_readable, "its default follows it")
        self.assertNotIn("t-out", step.body_readable)
        self.assertFalse(step.with_user(self.user_owner).body_locked, "the owner edits it")
        self.assertTrue(step.with_user(self.user_other).body_locked, "another salesperson reads it")
        sequence_form = self.env["crm.sequence"].get_view(view_type="form")["arch"]
        self.assertNotIn('name="subject"', sequence_form, "the step list shows the readable title")
        with freeze_time("2026-03-03 09:00:00"):
            self.sequence.enroll_records(self.leads[0])
        row = self.env["crm.sequence.report"].search([("step_id", "=", step.id)])
        self.assertEqual(row.step_name, "Automatic email: Hello {Contact Name}")
        self.assertNotIn("{{", str(self.sequence.planned_schedule))

    def test_readable_body_sanitized(self):
        """The readable body is shown as Odoo shows rich text: markup that got into a body
        without the editor's sanitizer (an import, SQL) loses its scripts and handlers."""
        step = self.email_step
        body = (
            "<p>Hi <t t-out='object.contact_name'>there</t><img src='x' onerror='alert(1)'/></p>"
            "<script>alert(2)</script>"
        )
        step.flush_recordset()
        self.env.cr.execute(
            "UPDATE crm_sequence_step SET body_html = jsonb_build_object('en_US', %s::text) WHERE id = %s",
            [body, step.id],
        )
        step.invalidate_recordset()
        self.assertIn("onerror", step.body_html, "the stored body holds the handler")
        readable = step.with_user(self.user_owner).body_readable
        self.assertIn(">{Contact Name}<", readable)
        self.assertIn('class="o_crm_sequence_placeholder"', readable, "the chip keeps its look")
        self.assertNotIn("onerror", readable)
        self.assertNotIn("<script", readable)
