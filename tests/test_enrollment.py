from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import CrmSequenceCommon


@tagged("post_install", "-at_install")
class TestEnrollment(CrmSequenceCommon):
    """Manual enrollment from lists (with every skip reason) and automatic enrollment by Automation Rules."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sequence.action_activate()

    def _wizard(self, records, user=None, sequence=None):
        Wizard = (
            self.env["crm.sequence.enroll"]
            .with_user(user or self.user_owner)
            .with_context(
                active_model=records._name,
                active_ids=records.ids,
            )
        )
        wizard = Wizard.create({"sequence_id": (sequence or self.sequence).id})
        return wizard

    def test_bulk_insert_matches_orm_create(self):
        """Runs are inserted by SQL (``_insert_runs``): field by field, they hold what the
        ORM's create and compute would give the same runs — two leads in two time zones,
        one without salesperson (the owner gets its tasks), notes left to the cron."""
        Run = self.env["crm.sequence.enrollment"].sudo()
        leads = self.leads[:2]
        leads[0].partner_id = self.env["res.partner"].create({"name": "Ann", "tz": "America/New_York"})
        leads[1].user_id = False
        self.sequence.write(
            {"use_contact_tz": True, "notify_user_field_id": self.env.ref("crm.field_crm_lead__user_id").id}
        )
        self.env["ir.config_parameter"].set_param("crm_sequence.trace_now_limit", 1)
        stored = [
            name
            for name, field in Run._fields.items()
            if field.store and field.column_type and name not in ("id", "create_date", "write_date")
        ]

        def enrolled(runs):
            return [dict(values, id=0) for values in runs.sorted("res_id").read(stored)]

        with freeze_time("2026-03-03 08:00:00"):
            self.sequence.with_user(self.user_owner).enroll_records(leads)
            by_sql = self.sequence.enrollment_ids
            expected = enrolled(by_sql)
            by_sql.touch_ids.unlink()
            by_sql.unlink()
            by_orm = (
                Run.with_user(self.user_owner)
                .sudo()
                .create(
                    [
                        {
                            "sequence_id": self.sequence.id,
                            "res_model": "crm.lead",
                            "res_id": lead.id,
                            "record_name": lead.display_name,
                            "user_id": (lead.user_id or self.user_owner).id,
                            "email": lead.email_from,
                            "tz": lead.partner_id.tz or False,
                            "trace_pending": True,
                        }
                        for lead in leads
                    ]
                )
            )
            self.env["crm.sequence.touch"].sudo()._plan(by_orm, self.sequence.step_ids, by_orm[0].date_start)
            by_orm.flush_recordset()
            by_orm.invalidate_recordset()
            self.assertEqual(enrolled(by_orm), expected)
        first, second = expected
        self.assertEqual((first["tz"], second["tz"]), ("America/New_York", False))
        self.assertNotEqual(first["next_touch_date"], second["next_touch_date"], "each in its time zone")
        self.assertEqual(second["user_id"][0], self.user_owner.id, "no salesperson: the owner")
        self.assertTrue(first["trace_pending"] and second["trace_pending"], "notes left to the cron")
        self.assertEqual(first["enrolled_by_id"][0], self.user_owner.id)

    def test_manual_enrollment_report(self):
        with freeze_time("2026-03-03 09:00:00"):
            action = self._wizard(self.leads).action_enroll()
        self.assertEqual(action["params"]["message"], "3 enrolled.")
        enrollments = self.sequence.enrollment_ids
        self.assertEqual(len(enrollments), 3)
        self.assertEqual(set(enrollments.mapped("res_id")), set(self.leads.ids))
        self.assertEqual(set(enrollments.mapped("state")), {"active"})
        self.assertEqual(enrollments.user_id, self.user_owner, "the lead's salesperson is notified")
        self.assertEqual(len(enrollments[0].touch_ids), 3, "delays create no touch")
        self.assertEqual(self.sequence.enrolled_count, 3)
        self.assertEqual(self.sequence.active_count, 3)

    def test_skip_reasons(self):
        mine = {"user_id": self.user_owner.id}
        no_email = self.env["crm.lead"].create({"name": "No email", "type": "lead", **mine})
        opted_out = self.env["crm.lead"].create(
            {"name": "Opted out", "email_from": "Out <out@customer.example.com>", **mine}
        )
        self.env["mail.blacklist"].sudo()._add("out@customer.example.com")
        busy = self.env["crm.lead"].create(
            {"name": "Busy", "contact_name": "Bea", "email_from": "busy@customer.example.com", **mine}
        )
        other = self._create_sequence(self.env, name="Other", user=self.user_owner)
        other.action_activate()
        other.enroll_records(busy)
        self.sequence.exclusive = True
        self._wizard(self.leads[0]).action_enroll()

        records = self.leads | no_email | opted_out | busy
        report = self.sequence.with_user(self.user_owner).enroll_records(records)
        self.assertEqual(
            report,
            {
                "enrolled": 2,
                "skipped": {"already": 1, "no_email": 1, "opted_out": 1, "exclusive": 1},
                "missing": 0,
                "empty_fields": {},
                "message": report["message"],
            },
        )
        message = report["message"]
        self.assertIn("2 enrolled.", message)
        for text in (
            "1 skipped: already active in this sequence",
            "1 skipped: without email address",
            "1 skipped: opted out of emails",
            "1 skipped: already in another sequence",
        ):
            self.assertIn(text, message)

    def test_available_sequences(self):
        Wizard = (
            self.env["crm.sequence.enroll"]
            .with_user(self.user_other)
            .with_context(active_model="crm.lead", active_ids=self.leads.ids)
        )
        self.assertNotIn(self.sequence, Wizard.new({}).available_sequence_ids._origin, "private to its owner")
        with self.assertRaises(UserError):
            self._wizard(self.leads[0], user=self.user_other).action_enroll()
        self.sequence.write({"share_mode": "users", "shared_user_ids": [(4, self.user_other.id)]})
        self.assertIn(self.sequence, Wizard.new({}).available_sequence_ids._origin)
        self.sequence.write({"share_mode": "private", "shared_user_ids": [(5,)], "sender_id": self.user_other.id})
        self.assertIn(self.sequence, Wizard.new({}).available_sequence_ids._origin, "it sends as them")
        self.sequence.write({"sender_id": self.user_owner.id, "share_mode": "everyone"})
        self.assertIn(self.sequence, Wizard.new({}).available_sequence_ids._origin)
        with self.assertRaises(AccessError, msg="only records they may read"):
            self._wizard(self.leads[0], user=self.user_other).action_enroll()
        self.leads[0].user_id = self.user_other
        self._wizard(self.leads[0], user=self.user_other).action_enroll()
        self.assertEqual(self.sequence.enrolled_count, 1)
        other_board = Wizard.with_context(active_model="res.partner").new({"res_model": "res.partner"})
        self.assertNotIn(
            self.sequence, other_board.available_sequence_ids._origin, "sequences of other boards are hidden"
        )

    def test_bad_input(self):
        draft = self._create_sequence(self.env, name="Draft", user=self.user_owner)
        with self.assertRaisesRegex(UserError, "not active"):
            draft.enroll_records(self.leads[0])
        partner = self.env["res.partner"].create({"name": "P", "email": "p@example.com"})
        with self.assertRaisesRegex(UserError, "works on"):
            self.sequence.enroll_records(partner)
        wizard = (
            self.env["crm.sequence.enroll"]
            .with_context(active_model="crm.lead", active_ids=[])
            .create(
                {
                    "sequence_id": self.sequence.id,
                }
            )
        )
        with self.assertRaisesRegex(UserError, "Select the records"):
            wizard.action_enroll()

    def test_contacts_board(self):
        sequence = self._create_sequence(
            self.env,
            name="Contacts",
            model="res.partner",
            user=self.user_owner,
            steps=[
                {"step_type": "auto_email", "day": 1, "subject": "Hello {{ object.name }}", "body_html": "<p>Hi</p>"},
                {"step_type": "call", "day": 2},
            ],
        )
        sequence.action_activate()
        partners = self.env["res.partner"].create(
            [
                {"name": "Anna", "email": "anna@example.com", "phone": "1"},
                {"name": "Bob"},
            ]
        )
        report = sequence.enroll_records(partners)
        self.assertEqual(
            {key: report[key] for key in ("enrolled", "skipped")}, {"enrolled": 1, "skipped": {"no_email": 1}}
        )
        self.assertTrue(
            self.env["ir.actions.act_window"].search(
                [
                    ("res_model", "=", "crm.sequence.enroll"),
                    ("binding_model_id.model", "=", "res.partner"),
                ]
            ),
            "“Add to sequence” is offered on the board's lists",
        )

    def test_automation_rule_enrolls(self):
        """“When a lead's stage is set to Qualified, enroll it” in a standard Automation Rule."""
        action = self.env["ir.actions.server"].create(
            {
                "name": "Enroll",
                "model_id": self.env["ir.model"]._get_id("crm.lead"),
                "state": "crm_sequence_enroll",
                "crm_sequence_id": self.sequence.id,
            }
        )
        self.assertEqual(action._get_warning_messages(), [])
        self.env["base.automation"].create(
            {
                "name": "Qualified leads get the welcome sequence",
                "model_id": self.env["ir.model"]._get_id("crm.lead"),
                "trigger": "on_stage_set",
                "trg_field_ref": self.stage_qualified.id,
                "action_server_ids": [(4, action.id)],
            }
        )
        with freeze_time("2026-03-03 09:00:00"):
            self.leads[0].stage_id = self.stage_qualified
            self.leads[1].stage_id = self.env["crm.stage"].search([("id", "!=", self.stage_qualified.id)], limit=1)
        self.assertEqual(self.sequence.enrollment_ids.mapped("res_id"), [self.leads[0].id])
        # a deactivated sequence enrolls nobody but does not block the user's stage change
        self.sequence.action_deactivate()
        self.leads[2].stage_id = self.stage_qualified
        self.assertEqual(self.leads[2].stage_id, self.stage_qualified)
        self.assertNotIn(self.leads[2].id, self.sequence.enrollment_ids.mapped("res_id"))
        self.sequence.action_activate()
        # setting it again does not enroll twice
        self.leads[0].stage_id = self.leads[1].stage_id
        self.leads[0].stage_id = self.stage_qualified
        self.assertEqual(len(self.sequence.enrollment_ids), 1)

    def test_any_board_gets_list_actions(self):
        """A sequence on another chatter model (here sales teams) offers its list actions once active."""
        sequence = self._create_sequence(
            self.env,
            name="Teams",
            model="crm.team",
            steps=[{"step_type": "todo", "day": 1, "summary": "Review"}],
            notify_task_due=False,
            notify_user_field_id=False,
        )
        bindings = [
            ("ir.actions.act_window", [("res_model", "=", "crm.sequence.enroll")]),
            ("ir.actions.server", [("code", "ilike", "action_remove_records")]),
        ]
        for model, domain in bindings:
            self.assertFalse(self.env[model].search(domain + [("binding_model_id.model", "=", "crm.team")]))
        sequence.action_activate()
        for model, domain in bindings:
            self.assertEqual(len(self.env[model].search(domain + [("binding_model_id.model", "=", "crm.team")])), 1)
        team = self.env["crm.team"].create({"name": "Seq team"})
        report = sequence.enroll_records(team)
        self.assertEqual({key: report[key] for key in ("enrolled", "skipped")}, {"enrolled": 1, "skipped": {}})
        remove = self.env["ir.actions.server"].search(
            [("code", "ilike", "action_remove_records"), ("binding_model_id.model", "=", "crm.team")]
        )
        action = remove.with_context(active_model="crm.team", active_ids=team.ids).run()
        self.assertIn("1 running enrollments terminated", action["params"]["message"])
        self.assertEqual(sequence.enrollment_ids.state, "terminated")
        sequence.action_deactivate()
        sequence.action_activate()
        self.assertEqual(
            len(self.env["ir.actions.server"].search(bindings[1][1] + [("binding_model_id.model", "=", "crm.team")])), 1
        )
