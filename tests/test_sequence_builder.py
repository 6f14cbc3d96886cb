from psycopg2 import IntegrityError

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.crm_sequence.models.crm_sequence_step import step_order

from .common import CrmSequenceCommon

Command = fields.Command


@tagged("post_install", "-at_install")
class TestSequenceBuilder(CrmSequenceCommon):
    """Building a sequence: validation, completeness and activation, step order and days,
    board defaults, removal rules and the template-editor restriction on placeholders."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.group_template_editor = cls.env.ref("mail.group_mail_template_editor")
        cls.field_lead_stage = cls.env["ir.model.fields"]._get("crm.lead", "stage_id")
        cls.field_lead_priority = cls.env["ir.model.fields"]._get("crm.lead", "priority")

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    @staticmethod
    def _ordered(sequence):
        return sequence.step_ids.sorted(step_order)

    def _steps_by_type(self, sequence):
        return {step.step_type: step for step in sequence.step_ids}

    def _draft(self, name="Draft", steps=None, **values):
        return self._create_sequence(self.env, name=name, user=self.user_owner, steps=steps, **values)

    def assertDaysNonDecreasing(self, sequence):
        previous = None
        for step in self._ordered(sequence):
            if previous:
                self.assertGreaterEqual(
                    step.day,
                    previous._end_day(),
                    f"{step.display_name} comes after {previous.display_name}, which ends on day {previous._end_day()}",
                )
            previous = step

    # ------------------------------------------------------------------
    # Activation and missing data
    # ------------------------------------------------------------------

    def test_activate_deactivate_reactivate(self):
        sequence = self.sequence
        self.assertEqual(sequence.state, "draft")
        self.assertFalse(sequence.missing_data, "the sequence of common.py is complete")
        self.assertTrue(sequence.action_activate())
        self.assertEqual(sequence.state, "active")
        self.assertTrue(sequence.action_deactivate())
        self.assertEqual(sequence.state, "inactive")
        sequence.action_activate()
        self.assertEqual(sequence.state, "active")

    def test_activate_empty_draft(self):
        sequence = self._draft(steps=[])
        self.assertEqual(sequence.state, "draft", "an empty draft saves")
        self.assertIn("at least one", sequence.missing_data)
        with self.assertRaises(UserError) as error:
            sequence.action_activate()
        self.assertIn("at least one", error.exception.args[0])
        self.assertEqual(sequence.state, "draft")

    def test_activate_only_delays(self):
        sequence = self._draft(steps=[{"step_type": "delay", "day": 1, "delay_days": 3}])
        self.assertIn("at least one", sequence.missing_data)
        with self.assertRaises(UserError):
            sequence.action_activate()

    def test_incomplete_email_step_draft_saves_activation_lists_all(self):
        sequence = self._draft(
            steps=[
                {"step_type": "auto_email", "day": 1},
                {"step_type": "manual_email", "day": 2, "subject": "Follow-up"},
                {"step_type": "call", "day": 3, "summary": "Call"},
            ]
        )
        sequence.phone_field_id = False
        self.assertEqual(sequence.state, "draft")
        missing = sequence.missing_data
        self.assertTrue(missing)
        lines = missing.splitlines()
        self.assertEqual(len(lines), 4, f"subject + body of step 1, body of step 2, phone field: {missing}")
        self.assertIn("Step 1", lines[0])
        self.assertIn("subject", lines[0])
        self.assertIn("Step 1", lines[1])
        self.assertIn("body", lines[1])
        self.assertIn("Step 2", lines[2])
        self.assertIn("body", lines[2])
        self.assertIn("Phone field", lines[3])
        with self.assertRaises(UserError) as error:
            sequence.action_activate()
        message = error.exception.args[0]
        for line in lines:
            self.assertIn(line, message, "every missing item is listed")
        self.assertEqual(sequence.state, "draft")

        # completing it makes it activable
        steps = self._ordered(sequence)
        steps[0].write({"subject": "Hello", "body_html": "<p>Hello</p>"})
        steps[1].body_html = "<p>Following up</p>"
        sequence.phone_field_id = self.env["ir.model.fields"]._get("crm.lead", "phone")
        self.assertFalse(sequence.missing_data)
        sequence.action_activate()
        self.assertEqual(sequence.state, "active")

    def test_empty_html_body_is_missing(self):
        sequence = self._draft(
            steps=[
                {"step_type": "auto_email", "day": 1, "subject": "Hi", "body_html": "<p><br></p>"},
            ]
        )
        self.assertIn("body", sequence.missing_data)
        self.assertNotIn("subject", sequence.missing_data)

    def test_active_sequence_edit_step_through_sequence(self):
        sequence = self.sequence
        sequence.action_activate()
        email_step = self._steps_by_type(sequence)["auto_email"]
        with self.assertRaises(ValidationError) as error:
            sequence.write({"step_ids": [Command.update(email_step.id, {"subject": False})]})
        self.assertIn("subject", error.exception.args[0])
        self.assertEqual(email_step.subject, "Hello {{ object.contact_name ||| there}}")

    def test_active_sequence_edit_step_directly(self):
        """The step form saves the step itself: an active sequence must stay complete too."""
        sequence = self.sequence
        sequence.action_activate()
        email_step = self._steps_by_type(sequence)["auto_email"]
        with self.assertRaises(ValidationError):
            email_step.write({"body_html": False})
        with self.assertRaises(ValidationError):
            email_step.write({"subject": " "})

    def test_active_sequence_remove_all_actions(self):
        sequence = self.sequence
        sequence.action_activate()
        actions = sequence.step_ids.filtered(lambda s: s.step_type != "delay")
        with self.assertRaises(ValidationError) as error:
            sequence.write({"step_ids": [Command.unlink(step.id) for step in actions]})
        self.assertIn("at least one", error.exception.args[0])

    def test_active_sequence_clear_board_fields(self):
        sequence = self.sequence
        sequence.action_activate()
        with self.assertRaises(ValidationError) as error:
            sequence.email_field_id = False
        self.assertIn("Email field", error.exception.args[0])
        with self.assertRaises(ValidationError) as error:
            sequence.phone_field_id = False
        self.assertIn("Phone field", error.exception.args[0])
        with self.assertRaises(ValidationError) as error:
            sequence.notify_user_field_id = False
        self.assertIn("Salesperson field", error.exception.args[0])
        # an edit that keeps it complete is fine
        sequence.write({"notify_task_due": False, "notify_engagement_end": False})
        sequence.notify_user_field_id = False
        self.assertEqual(sequence.state, "active")

    def test_email_field_required_with_email_steps(self):
        sequence = self._draft()
        self.assertEqual(sequence.email_field_id.name, "email_from")
        sequence.email_field_id = False
        self.assertIn("Email field", sequence.missing_data)
        with self.assertRaises(UserError) as error:
            sequence.action_activate()
        self.assertIn("Email field", error.exception.args[0])

    def test_phone_field_required_with_call_steps(self):
        sequence = self._draft()
        self.assertEqual(sequence.phone_field_id.name, "phone")
        sequence.phone_field_id = False
        self.assertIn("Phone field", sequence.missing_data)
        self.assertNotIn("Email field", sequence.missing_data)
        with self.assertRaises(UserError) as error:
            sequence.action_activate()
        self.assertIn("Phone field", error.exception.args[0])

    def test_email_phone_fields_not_required_without_such_steps(self):
        sequence = self._draft(steps=[{"step_type": "todo", "day": 1, "summary": "Check"}])
        sequence.write({"email_field_id": False, "phone_field_id": False})
        self.assertFalse(sequence.missing_data)
        sequence.action_activate()
        self.assertEqual(sequence.state, "active")

    def test_contact_fields_required_contacts_board(self):
        sequence = self._draft(
            model="res.partner",
            steps=[
                {
                    "step_type": "auto_email",
                    "day": 1,
                    "subject": "Hi {{ object.name }}",
                    "body_html": "<p>Hello <t t-out='object.name'/></p>",
                },
                {"step_type": "call", "day": 2, "summary": "Call"},
            ],
        )
        self.assertFalse(sequence.missing_data)
        sequence.write({"email_field_id": False, "phone_field_id": False})
        self.assertIn("Email field", sequence.missing_data)
        self.assertIn("Phone field", sequence.missing_data)

    def test_notify_user_field_required_when_notifying(self):
        sequence = self._draft()
        self.assertTrue(sequence.notify_task_due, "task due notification is on by default")
        self.assertFalse(sequence.notify_engagement_end)
        sequence.notify_user_field_id = False
        self.assertIn("Salesperson field", sequence.missing_data)
        with self.assertRaises(UserError) as error:
            sequence.action_activate()
        self.assertIn("Salesperson field", error.exception.args[0])
        # the engagement toggle alone also requires it
        sequence.write({"notify_task_due": False, "notify_engagement_end": True})
        self.assertIn("Salesperson field", sequence.missing_data)
        # both toggles off: not required
        sequence.notify_engagement_end = False
        self.assertFalse(sequence.missing_data)
        sequence.action_activate()
        self.assertEqual(sequence.state, "active")

    # ------------------------------------------------------------------
    # Validation errors
    # ------------------------------------------------------------------

    def test_days_must_not_decrease(self):
        sequence = self.sequence
        steps = self._ordered(sequence)
        self.assertEqual(steps.mapped("step_type"), ["auto_email", "call", "delay", "todo"])
        self.assertEqual(steps.mapped("day"), [1, 3, 3, 5])
        # the to-do follows a delay of 2 days starting day 3: day 4 is too early
        with self.assertRaises(ValidationError) as error:
            steps[3].day = 4
        message = error.exception.args[0]
        self.assertIn("Step 4", message)
        self.assertIn("Step 3", message)
        self.assertIn("decrease", message)
        # the email may not come after the call
        with self.assertRaises(ValidationError) as error:
            steps[0].day = 4
        self.assertIn("Step 1", error.exception.args[0])
        self.assertIn("Step 2", error.exception.args[0])
        # a longer delay pushes the next steps further by the same days
        steps[2].delay_days = 3
        self.assertEqual(steps[3].day, 6)
        # later is always fine
        steps[3].day = 8
        steps[2].delay_days = 5
        self.assertEqual(steps[3].day, 10)

    def test_days_must_not_decrease_at_create(self):
        with self.assertRaises(ValidationError):
            self._draft(
                steps=[
                    {"step_type": "call", "day": 4, "summary": "Call"},
                    {"step_type": "todo", "day": 2, "summary": "Earlier"},
                ]
            )

    def test_send_window(self):
        sequence = self._draft()
        with self.assertRaises(ValidationError) as error:
            sequence.write({"send_hour_from": 18.0, "send_hour_to": 17.0})
        self.assertIn("send window", error.exception.args[0])
        with self.assertRaises(ValidationError):
            sequence.write({"send_hour_from": 10.0, "send_hour_to": 10.0})
        with self.assertRaises(ValidationError):
            self._draft(name="Night", send_hour_from=20.0, send_hour_to=8.0)
        sequence.write({"send_hour_from": 8.0, "send_hour_to": 12.5})
        self.assertEqual((sequence.send_hour_from, sequence.send_hour_to), (8.0, 12.5))

    def test_send_days(self):
        sequence = self._draft()
        no_days = dict.fromkeys(
            ("send_mon", "send_tue", "send_wed", "send_thu", "send_fri", "send_sat", "send_sun"),
            False,
        )
        with self.assertRaises(ValidationError) as error:
            sequence.write(no_days)
        self.assertIn("send day", error.exception.args[0])
        sequence.write(dict(no_days, send_sun=True))
        self.assertTrue(sequence.send_sun)
        self.assertFalse(sequence.send_mon)

    def test_placeholder_unknown_field_in_subject(self):
        email_step = self._steps_by_type(self.sequence)["auto_email"]
        with self.assertRaises(ValidationError) as error:
            email_step.subject = "Hello {{ object.nonexistent_field }}"
        self.assertIn("nonexistent_field", error.exception.args[0])

    def test_placeholder_unknown_field_in_body(self):
        email_step = self._steps_by_type(self.sequence)["auto_email"]
        with self.assertRaises(ValidationError) as error:
            email_step.body_html = '<p>Dear <t t-out="object.foo"/></p>'
        self.assertIn("foo", error.exception.args[0])
        # the inline syntax typed in the body is checked as well
        with self.assertRaises(ValidationError) as error:
            email_step.body_html = "<p>Dear {{ object.bar_baz }}</p>"
        self.assertIn("bar_baz", error.exception.args[0])
        # and so is a sub-field of a relation
        with self.assertRaises(ValidationError) as error:
            email_step.body_html = '<p><t t-out="object.partner_id.no_such_sub"/></p>'
        self.assertIn("no_such_sub", error.exception.args[0])

    def test_placeholder_unknown_field_at_create(self):
        with self.assertRaises(ValidationError) as error:
            self._draft(
                steps=[
                    {
                        "step_type": "auto_email",
                        "day": 1,
                        "subject": "{{ object.nonexistent_field }}",
                        "body_html": "<p>Hi</p>",
                    }
                ]
            )
        self.assertIn("nonexistent_field", error.exception.args[0])

    def test_placeholder_valid_paths(self):
        email_step = self._steps_by_type(self.sequence)["auto_email"]
        email_step.write(
            {
                "subject": "For {{ object.partner_id.name }} from {{ object.user_id.name }}",
                "body_html": '<p><t t-out="object.partner_id.name"/> <t t-out="object.name"/></p>',
            }
        )
        self.assertEqual(email_step.subject, "For {{ object.partner_id.name }} from {{ object.user_id.name }}")
        self.assertIn('t-out="object.partner_id.name"', email_step.body_html)

    def test_placeholders_checked_when_board_changes(self):
        """contact_name exists on leads, not on contacts: the board may not change under it."""
        sequence = self._draft()
        with self.assertRaises(ValidationError) as error:
            sequence.model_id = self.env["ir.model"]._get_id("res.partner")
        self.assertIn("contact_name", error.exception.args[0])

    def test_board_must_be_mail_thread(self):
        for model in ("res.lang", "res.country"):
            with self.subTest(model=model), self.assertRaises(ValidationError):
                self._draft(name=f"On {model}", model=model, steps=[])
        sequence = self._draft(steps=[])
        with self.assertRaises(ValidationError):
            sequence.model_id = self.env["ir.model"]._get_id("res.country")
        self.assertEqual(sequence.model, "crm.lead")

    def test_board_change_after_activation_refused(self):
        sequence = self._draft(steps=[{"step_type": "todo", "day": 1, "summary": "Check"}])
        sequence.action_activate()
        with self.assertRaises(UserError):
            sequence.model_id = self.env["ir.model"]._get_id("res.partner")

    # ------------------------------------------------------------------
    # Defaults
    # ------------------------------------------------------------------

    def test_board_defaults_leads(self):
        sequence = self.sequence
        self.assertEqual(sequence.model, "crm.lead")
        self.assertEqual(sequence.email_field_id.name, "email_from")
        self.assertEqual(sequence.phone_field_id.name, "phone")
        self.assertEqual(sequence.notify_user_field_id.name, "user_id")
        self.assertEqual(sequence.email_field_id.model, "crm.lead")

    def test_board_defaults_contacts(self):
        sequence = self._draft(model="res.partner", steps=[])
        self.assertEqual(sequence.model, "res.partner")
        self.assertEqual(sequence.email_field_id.name, "email")
        self.assertEqual(sequence.phone_field_id.name, "phone")
        self.assertEqual(sequence.notify_user_field_id.name, "user_id")
        self.assertEqual(sequence.email_field_id.model, "res.partner")

    def test_board_change_recomputes_fields(self):
        sequence = self._draft(steps=[])
        self.assertEqual(sequence.email_field_id.name, "email_from")
        sequence.model_id = self.env["ir.model"]._get_id("res.partner")
        self.assertEqual(sequence.email_field_id.name, "email")
        self.assertEqual(sequence.email_field_id.model, "res.partner")
        self.assertEqual(sequence.phone_field_id.model, "res.partner")
        self.assertEqual(sequence.notify_user_field_id.model, "res.partner")

    def test_default_board_from_context(self):
        Sequence = self.env["crm.sequence"]
        self.assertEqual(Sequence.create({"name": "Default"}).model, "crm.lead")
        contacts = Sequence.with_context(crm_sequence_board="res.partner").create({"name": "Contacts"})
        self.assertEqual(contacts.model, "res.partner")
        self.assertEqual(contacts.email_field_id.name, "email")
        defaults = Sequence.with_context(crm_sequence_board="res.partner").default_get(["model_id"])
        self.assertEqual(defaults["model_id"], self.env["ir.model"]._get_id("res.partner"))

    def test_sender_defaults_to_owner(self):
        self.assertEqual(self.sequence.sender_id, self.user_owner)
        other = self._create_sequence(self.env, name="Olga's", user=self.user_other)
        self.assertEqual(other.sender_id, self.user_other)
        mine = self.env["crm.sequence"].with_user(self.user_owner).create({"name": "Mine"})
        self.assertEqual(mine.user_id, self.user_owner, "the owner defaults to the creator")
        self.assertEqual(mine.sender_id, self.user_owner)

    def test_default_removal_rules(self):
        rules = self.sequence.with_context(active_test=False).removal_rule_ids
        self.assertEqual(sorted(rules.mapped("trigger")), ["bounce", "click", "open", "reply"])
        by_trigger = {rule.trigger: rule for rule in rules}
        self.assertTrue(by_trigger["reply"].active)
        self.assertTrue(by_trigger["bounce"].active)
        self.assertFalse(by_trigger["open"].active, "opening is recorded but does not remove by default")
        self.assertFalse(by_trigger["click"].active, "neither does a click")
        self.assertFalse(rules.status_field_id)

    def test_activity_type_defaults(self):
        sequence = self._draft(
            steps=[
                {"step_type": "call", "day": 1, "summary": "Call"},
                {"step_type": "todo", "day": 1, "summary": "Do"},
                {"step_type": "manual_email", "day": 1, "subject": "S", "body_html": "<p>B</p>"},
                {"step_type": "auto_email", "day": 1, "subject": "S", "body_html": "<p>B</p>"},
                {"step_type": "delay", "day": 1, "delay_days": 1},
            ]
        )
        steps = self._steps_by_type(sequence)
        self.assertEqual(steps["call"].activity_type_id, self.env.ref("mail.mail_activity_data_call"))
        self.assertEqual(steps["todo"].activity_type_id, self.env.ref("mail.mail_activity_data_todo"))
        self.assertEqual(steps["manual_email"].activity_type_id, self.env.ref("mail.mail_activity_data_email"))
        self.assertFalse(steps["auto_email"].activity_type_id)
        self.assertFalse(steps["delay"].activity_type_id)

    def test_body_inline_placeholder_stored_as_qweb(self):
        email_step = self._steps_by_type(self.sequence)["auto_email"]
        email_step.body_html = "<p>Hi {{ object.contact_name }}</p>"
        self.assertRegex(email_step.body_html, r'<t t-out="object.contact_name"\s*/?>')
        self.assertNotIn("{{", email_step.body_html)
        rendered = email_step._render_field("body_html", self.leads[0].ids)[self.leads[0].id]
        self.assertIn("Hi Contact 0", str(rendered))
        # a default after ||| becomes the content shown when the value is empty
        email_step.body_html = "<p>Hi {{ object.contact_name ||| there }}</p>"
        self.assertIn('<t t-out="object.contact_name">there</t>', email_step.body_html)
        self.leads[1].contact_name = False
        rendered = email_step._render_field("body_html", self.leads[1].ids)[self.leads[1].id]
        self.assertIn("Hi there", str(rendered))

    def test_body_inline_placeholder_at_create(self):
        sequence = self._draft(
            steps=[
                {
                    "step_type": "auto_email",
                    "day": 1,
                    "subject": "S",
                    "body_html": "<p>Hi {{ object.contact_name }}</p>",
                }
            ]
        )
        self.assertIn('t-out="object.contact_name"', sequence.step_ids.body_html)
        self.assertNotIn("{{", sequence.step_ids.body_html)

    # ------------------------------------------------------------------
    # Step order, days, move and duplicate
    # ------------------------------------------------------------------

    def test_step_day_defaults_to_end_of_previous(self):
        sequence = self._draft(
            steps=[
                {"step_type": "call", "day": 3, "summary": "Call"},
                {"step_type": "delay", "day": 3, "delay_days": 2},
            ]
        )
        todo = self.env["crm.sequence.step"].create(
            {
                "sequence_id": sequence.id,
                "step_type": "todo",
                "summary": "Then",
            }
        )
        self.assertEqual(todo.day, 5, "after a delay of 2 days starting day 3")
        self.assertEqual(todo.step_number, 3)
        # the builder's "Add" button appends on the same day as the last step
        sequence.with_context(step_type="call").action_add_step()
        last = self._ordered(sequence)[-1]
        self.assertEqual(last.step_type, "call")
        self.assertEqual(last.day, 5)
        self.assertEqual(last.step_number, 4)

    def test_first_step_day_one(self):
        sequence = self._draft(steps=[])
        step = self.env["crm.sequence.step"].create(
            {
                "sequence_id": sequence.id,
                "step_type": "todo",
                "summary": "First",
            }
        )
        self.assertEqual(step.day, 1)
        self.assertEqual(step.step_number, 1)

    def test_step_days_defaults_in_one_batch(self):
        """The builder saves new steps together with the sequence: days follow within the batch."""
        sequence = self._draft(
            steps=[
                {"step_type": "call", "day": 3, "summary": "Call"},
                {"step_type": "delay", "delay_days": 2},
                {"step_type": "todo", "summary": "Then"},
            ]
        )
        self.assertEqual(self._ordered(sequence).mapped("day"), [3, 3, 5])

    def test_step_days_defaults_added_in_one_batch(self):
        sequence = self._draft(
            steps=[
                {"step_type": "call", "day": 3, "summary": "Call"},
                {"step_type": "delay", "day": 3, "delay_days": 2},
            ]
        )
        sequence.write(
            {
                "step_ids": [
                    Command.create({"step_type": "todo", "summary": "Then", "sequence": 10}),
                    Command.create({"step_type": "delay", "delay_days": 1, "sequence": 11}),
                    Command.create({"step_type": "call", "summary": "Again", "sequence": 12}),
                ]
            }
        )
        self.assertEqual(self._ordered(sequence).mapped("day"), [3, 3, 5, 5, 6])

    def test_step_number_follows_order(self):
        steps = self._ordered(self.sequence)
        self.assertEqual(steps.mapped("step_number"), [1, 2, 3, 4])
        # a step placed first by its position gets number 1
        first = self.env["crm.sequence.step"].create(
            {
                "sequence_id": self.sequence.id,
                "step_type": "todo",
                "summary": "Prepare",
                "day": 1,
                "sequence": -1,
            }
        )
        self.assertEqual(first.step_number, 1)
        self.assertEqual(steps.mapped("step_number"), [2, 3, 4, 5])

    def test_move_down_refused_when_days_would_decrease(self):
        """A step moves with its day: the day-1 email cannot go below the day-3 call, and the
        message numbers the steps as the builder shows them."""
        sequence = self.sequence
        email = self._ordered(sequence)[0]
        before = self._ordered(sequence).ids
        with self.assertRaisesRegex(
            ValidationError, r"Step 1 \(Automatic email, day 1\) cannot move below Step 2 \(Call, day 3\)"
        ):
            email.action_move_down()
        self.assertEqual(self._ordered(sequence).ids, before)

    def test_move_up_past_a_delay(self):
        """The day-5 to-do moves above the 2-day delay that pushed it: it no longer waits
        for it (day 3), and the delay still pushes what follows."""
        sequence = self.sequence
        email, call, delay, todo = self._ordered(sequence)
        self.assertTrue(todo.action_move_up())
        ordered = self._ordered(sequence)
        self.assertEqual(ordered.ids, [email.id, call.id, todo.id, delay.id])
        self.assertEqual((todo.step_number, delay.step_number), (3, 4))
        self.assertEqual((todo.day, delay.day), (3, 3))
        self.assertEqual(todo.summary, "Follow up", "the content moves with the step")
        self.assertDaysNonDecreasing(sequence)
        # what used to fail after such a move
        self.assertTrue(call.action_duplicate())
        self.assertDaysNonDecreasing(sequence)

    def test_move_delay_up(self):
        """A delay moved above the call (same day) now pushes the call by its days."""
        sequence = self.sequence
        email, call, delay, todo = self._ordered(sequence)
        delay.action_move_up()
        self.assertEqual(self._ordered(sequence).ids, [email.id, delay.id, call.id, todo.id])
        self.assertEqual((delay.day, call.day, todo.day), (3, 5, 5))
        self.assertDaysNonDecreasing(sequence)

    def test_move_same_day_steps(self):
        sequence = self._draft(
            steps=[
                {"step_type": "call", "day": 2, "summary": "Call"},
                {"step_type": "todo", "day": 2, "summary": "Note"},
            ]
        )
        call, todo = self._ordered(sequence)
        todo.action_move_up()
        self.assertEqual(self._ordered(sequence).ids, [todo.id, call.id])
        self.assertEqual((todo.day, call.day), (2, 2))

    def test_delay_adds_its_days_to_later_steps(self):
        sequence = self.sequence
        email, call, delay, todo = self._ordered(sequence)
        delay.delay_days = 4
        self.assertEqual((email.day, call.day, delay.day, todo.day), (1, 3, 3, 7))
        delay.unlink()
        self.assertEqual((email.day, call.day, todo.day), (1, 3, 3), "without the delay the to-do comes back")
        self.assertDaysNonDecreasing(sequence)

    def test_titles_without_raw_placeholders(self):
        email = self._ordered(self.sequence)[0]
        self.assertEqual(email.title, "Hello {Contact Name}")
        email.subject = "{{ object.user_id.name }} and {{ object.contact_name ||| you }}"
        self.assertEqual(email.title, "{Salesperson Name} and {Contact Name}")

    def test_move_at_the_ends_does_nothing(self):
        sequence = self.sequence
        before = self._ordered(sequence)
        days = before.mapped("day")
        before[0].action_move_up()
        before[-1].action_move_down()
        self.assertEqual(self._ordered(sequence).ids, before.ids)
        self.assertEqual(self._ordered(sequence).mapped("day"), days)

    def test_duplicate_step(self):
        sequence = self.sequence
        email, call, delay, todo = self._ordered(sequence)
        self.assertTrue(call.action_duplicate())
        ordered = self._ordered(sequence)
        self.assertEqual(len(ordered), 5)
        copy = ordered[2]
        self.assertNotIn(copy, email | call | delay | todo)
        self.assertEqual(ordered.ids, [email.id, call.id, copy.id, delay.id, todo.id], "right after the original")
        self.assertEqual(copy.step_type, "call")
        self.assertEqual(copy.summary, call.summary)
        self.assertEqual(copy.activity_type_id, call.activity_type_id)
        self.assertEqual(copy.day, call.day)
        self.assertEqual(copy.step_number, 3)
        self.assertEqual(todo.step_number, 5)
        self.assertDaysNonDecreasing(sequence)

    def test_duplicate_email_step(self):
        sequence = self.sequence
        email = self._ordered(sequence)[0]
        email.action_duplicate()
        copy = self._ordered(sequence)[1]
        self.assertNotEqual(copy, email)
        self.assertEqual(copy.step_type, "auto_email")
        self.assertEqual(copy.subject, email.subject)
        self.assertEqual(copy.body_html, email.body_html)
        self.assertEqual(copy.sequence_id, sequence)
        self.assertFalse(sequence.missing_data)

    def test_step_display_name(self):
        email, call, delay, todo = self._ordered(self.sequence)
        self.assertIn("Day 3", call.display_name)
        self.assertIn("Call them", call.display_name)
        self.assertIn("Day 1", email.display_name)
        self.assertIn("Day 5", todo.display_name)
        todo.day = 7
        self.assertIn("Day 7", todo.display_name)

    # ------------------------------------------------------------------
    # Removal rules
    # ------------------------------------------------------------------

    def _rule(self, trigger):
        return self.sequence.with_context(active_test=False).removal_rule_ids.filtered(lambda r: r.trigger == trigger)

    def test_removal_rule_many2one_status(self):
        rule = self._rule("reply")
        rule.write({"status_field_id": self.field_lead_stage.id, "status_ref": self.stage_qualified.id})
        self.assertEqual(rule.status_ref_model, "crm.stage")
        self.assertEqual(rule._status_values(), {"stage_id": self.stage_qualified.id})
        with self.assertRaises(ValidationError):
            rule.status_ref = False
        with self.assertRaises(ValidationError):
            rule.status_ref = self.env["crm.stage"].search([], order="id desc", limit=1).id + 1000

    def test_removal_rule_selection_status(self):
        self.assertEqual(self.field_lead_priority.ttype, "selection")
        self.assertTrue(self.field_lead_priority.store)
        rule = self._rule("reply")
        with self.assertRaises(ValidationError) as error:
            rule.status_field_id = self.field_lead_priority
        self.assertIn(self.field_lead_priority.field_description, error.exception.args[0])
        value = self.env["ir.model.fields.selection"].search(
            [
                ("field_id", "=", self.field_lead_priority.id),
                ("value", "=", "2"),
            ]
        )
        rule.write({"status_field_id": self.field_lead_priority.id, "status_selection_id": value.id})
        self.assertEqual(rule._status_values(), {"priority": "2"})
        # a value of another selection field is refused
        other_value = self.env["ir.model.fields.selection"].search(
            [
                ("field_id", "=", self.env["ir.model.fields"]._get("crm.lead", "type").id),
            ],
            limit=1,
        )
        with self.assertRaises(ValidationError):
            rule.status_selection_id = other_value

    def test_removal_rule_field_of_board(self):
        rule = self._rule("bounce")
        with self.assertRaises(ValidationError):
            rule.write(
                {
                    "status_field_id": self.env["ir.model.fields"]._get("res.partner", "type").id,
                    "status_selection_id": self.env["ir.model.fields.selection"]
                    .search([("field_id", "=", self.env["ir.model.fields"]._get("res.partner", "type").id)], limit=1)
                    .id,
                }
            )

    @mute_logger("odoo.sql_db")
    def test_removal_rule_one_per_trigger(self):
        with self.assertRaises(IntegrityError):
            self.env["crm.sequence.removal.rule"].create({"sequence_id": self.sequence.id, "trigger": "reply"})
            self.env.flush_all()

    # ------------------------------------------------------------------
    # Template-editor restriction on placeholders
    # ------------------------------------------------------------------

    def _non_editor(self, user):
        if user.has_group("mail.group_mail_template_editor"):
            user.write({"group_ids": [Command.unlink(self.group_template_editor.id)]})
        self.assertFalse(user.has_group("mail.group_mail_template_editor"))
        self.assertTrue(user.has_group("crm_sequence.group_crm_sequence_user"))
        return user

    def test_restricted_user_simple_placeholders(self):
        self.assertTrue(self.env["ir.config_parameter"].sudo().get_param("mail.restrict.template.rendering"))
        user = self._non_editor(self.user_owner)
        sequence = self.sequence.with_user(user)
        step = (
            self.env["crm.sequence.step"]
            .with_user(user)
            .create(
                {
                    "sequence_id": sequence.id,
                    "step_type": "auto_email",
                    "subject": "Hello {{ object.name }}",
                    "body_html": '<p>Dear <t t-out="object.contact_name"/></p>',
                }
            )
        )
        self.assertEqual(step.subject, "Hello {{ object.name }}")
        step.write({"subject": "About {{ object.name }}"})
        self.assertEqual(step.subject, "About {{ object.name }}")
        rendered = step.sudo()._render_field("subject", self.leads[0].ids)[self.leads[0].id]
        self.assertEqual(rendered, "About Lead 0")

    def test_restricted_user_unsafe_expression_subject(self):
        user = self._non_editor(self.user_owner)
        email_step = self._steps_by_type(self.sequence)["auto_email"].with_user(user)
        for subject in ("{{ object.sudo().name }}", "{{ object.name.upper() }}"):
            with self.subTest(subject=subject), self.assertRaises(AccessError):
                email_step.write({"subject": subject})
        self.assertEqual(email_step.subject, "Hello {{ object.contact_name ||| there}}")

    def test_restricted_user_unsafe_field_path(self):
        """A valid field of the board but outside the simple list is refused to non-editors."""
        user = self._non_editor(self.user_owner)
        email_step = self._steps_by_type(self.sequence)["auto_email"].with_user(user)
        with self.assertRaises(AccessError):
            email_step.write({"subject": "{{ object.email_from }}"})
        with self.assertRaises(AccessError):
            email_step.write({"body_html": '<p><t t-out="object.email_from"/></p>'})
        with self.assertRaises(AccessError):
            self.env["crm.sequence.step"].with_user(user).create(
                {
                    "sequence_id": self.sequence.id,
                    "step_type": "auto_email",
                    "subject": "Hi",
                    "body_html": "<p>{{ object.email_from }}</p>",
                }
            )

    def test_restricted_user_unsafe_expression_at_create(self):
        user = self._non_editor(self.user_owner)
        with self.assertRaises(AccessError):
            self.env["crm.sequence.step"].with_user(user).create(
                {
                    "sequence_id": self.sequence.id,
                    "step_type": "auto_email",
                    "subject": "{{ object.sudo().name }}",
                    "body_html": "<p>Hi</p>",
                }
            )

    def test_template_editor_unrestricted(self):
        user = self.user_owner
        user.write({"group_ids": [Command.link(self.group_template_editor.id)]})
        email_step = self._steps_by_type(self.sequence)["auto_email"].with_user(user)
        email_step.write({"subject": "{{ object.email_from }}", "body_html": '<p><t t-out="object.email_from"/></p>'})
        self.assertEqual(email_step.subject, "{{ object.email_from }}")
