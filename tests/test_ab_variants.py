"""A/B variants of automatic emails: the step's email becomes variant A, runs get balanced
variants when planned, each variant is rendered once per batch, figures per variant,
winners proven (or picked), bad input and who may do what."""

from collections import Counter
from contextlib import contextmanager
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import SQL, mute_logger

from odoo.addons.crm_sequence.models.crm_sequence_step import CrmSequenceStep

from .common import CrmSequenceCommon


@tagged("post_install", "-at_install")
class TestAbVariants(CrmSequenceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.step = cls.sequence.step_ids.filtered(lambda s: s.step_type == "auto_email")
        cls.Variant = cls.env["crm.sequence.step.variant"]

    @contextmanager
    def _refused(self, exception, regex):
        """assertRaisesRegex in a savepoint (as Odoo's assertRaises): the test goes on after."""
        with self.assertRaises(exception) as caught:
            yield
        self.assertRegex(str(caught.exception), regex)

    def _add_variants(self, *subjects, step=None, user=None):
        step = step or self.step
        Variant = self.Variant.with_user(user) if user else self.Variant
        return Variant.create(
            [
                {"step_id": step.id, "subject": subject, "body_html": f"<p>{subject}, <t t-out='object.name'/></p>"}
                for subject in subjects
            ]
        )

    def _variants(self, step=None):
        return (step or self.step).variant_ids.sorted(lambda v: (v.sequence, v.id))

    def _leads(self, count, prefix="AB"):
        return self.env["crm.lead"].create(
            [
                {
                    "name": f"{prefix} lead {index}",
                    "contact_name": f"{prefix} contact {index}",
                    "email_from": f"{prefix.lower()}{index}@customer.example.com",
                    "user_id": self.user_owner.id,
                }
                for index in range(count)
            ]
        )

    def _sent(self, variant, count, replied=0, clicked=0, opened=0, machine_opened=0, positive=0):
        """``count`` emails sent with ``variant`` (one SQL insert): the first ``replied``
        replied (the first ``positive`` of them read as interested), the first ``clicked``
        clicked, the first ``opened`` opened by a person, then ``machine_opened`` opened by
        a machine only."""
        if not hasattr(self, "_fake_run"):
            self.sequence.state == "active" or self.sequence.action_activate()
            with freeze_time("2026-03-02 09:00:00"):
                self.sequence.enroll_records(self.leads[2])
            self._fake_run = self.sequence.enrollment_ids.filtered(lambda e: e.res_id == self.leads[2].id)
            self._fake_message = self.env["mail.message"].create(
                {"model": "crm.lead", "res_id": self.leads[2].id, "body": "sent", "message_type": "email_outgoing"}
            )
        self.env.flush_all()
        self.env.execute_query(
            SQL(
                """
                INSERT INTO crm_sequence_touch (enrollment_id, step_id, variant_id, step_type, state, message_id,
                                                sequence_id, company_id, res_model, res_id, date_done,
                                                replied, clicked, opened, machine_opened,
                                                opened_number, clicked_number, reply_intent)
                SELECT %(run)s, %(step)s, %(variant)s, 'auto_email', 'done', %(message)s,
                       %(sequence)s, %(company)s, 'crm.lead', %(res_id)s, now() AT TIME ZONE 'UTC',
                       i <= %(replied)s, i <= %(clicked)s, i <= %(opened)s,
                       i > %(opened)s AND i <= %(opened)s + %(machine)s,
                       (i <= %(opened)s)::int, (i <= %(clicked)s)::int,
                       CASE WHEN i <= %(positive)s THEN 'positive'
                            WHEN i <= %(replied)s THEN 'not_interested' END
                  FROM generate_series(1, %(count)s) AS i
                """,
                run=self._fake_run.id,
                step=variant.step_id.id,
                variant=variant.id,
                message=self._fake_message.id,
                sequence=variant.step_id.sequence_id.id,
                company=self._fake_run.company_id.id,
                res_id=self.leads[2].id,
                replied=replied,
                clicked=clicked,
                opened=opened,
                machine=machine_opened,
                positive=positive,
                count=count,
            )
        )
        self.env.invalidate_all()

    # ------------------------------------------------------------------
    # Variants
    # ------------------------------------------------------------------

    def test_step_email_becomes_variant_a(self):
        """Adding a variant moves the step's own subject and body, every language, into A."""
        self.env["res.lang"]._activate_lang("fr_FR")
        self.step.with_context(lang="fr_FR").subject = "Bonjour {{ object.contact_name ||| vous}}"
        subject, body = self.step.subject, self.step.body_html
        variant_b = self._add_variants("A quick question", user=self.user_owner)
        variant_a, b = self._variants()
        self.assertEqual(b, variant_b)
        self.assertEqual((variant_a.name, variant_b.name), ("A", "B"))
        self.assertEqual((variant_a.subject, variant_a.body_html), (subject, body))
        self.assertEqual(
            variant_a.with_context(lang="fr_FR").subject,
            "Bonjour {{ object.contact_name ||| vous}}",
            "the translations come along",
        )
        self.assertFalse(self.step.subject or self.step.body_html, "the step's own email is now variant A")
        self.assertFalse(self.step.with_context(lang="fr_FR").subject, "in every language")
        self.assertEqual(self.step.variant_count, 2)
        self.assertEqual(self.step.title, "Hello {Contact Name} (A/B test: 2 variants)")
        self.assertFalse(self.sequence.missing_data)
        self.assertIn("No winner yet: 200 more sends needed", self.step.ab_status)
        # a third one: no new A
        variant_c = self._add_variants("Last try")
        self.assertEqual(variant_c.name, "C")
        self.assertEqual(len(self.step.variant_ids), 3)

    def test_variants_in_one_go_and_missing_data(self):
        """A step created with its variants over RPC (no email of its own): two variants,
        each must be complete to activate."""
        step = self.env["crm.sequence.step"].create(
            {
                "sequence_id": self.sequence.id,
                "step_type": "auto_email",
                "day": 6,
                "variant_ids": [
                    Command.create({"subject": "One", "body_html": "<p>One</p>"}),
                    Command.create({"subject": "", "body_html": "<p>Two</p>"}),
                ],
            }
        )
        self.assertEqual(self._variants(step).mapped("name"), ["A", "B"])
        self.assertIn("Variant B: add a subject.", self.sequence.missing_data)
        with self._refused(UserError, "Variant B: add a subject"):
            self.sequence.action_activate()
        self._variants(step)[1].subject = "Two"
        self.sequence.action_activate()
        with self._refused(ValidationError, "Variant B: write the email body"):
            self._variants(step)[1].body_html = "<p><br></p>"

    def test_fifth_variant_refused(self):
        self._add_variants("B", "C", "D")  # with the step's own email: four
        with self._refused(ValidationError, "at most 4 variants"):
            self._add_variants("E")
        # archived ones do not count: a decided test's loser makes room
        self._variants()[-1].active = False
        self._add_variants("E")
        with self._refused(ValidationError, "at most 4 variants"):
            self._variants().filtered(lambda v: not v.active).active = True

    def test_variants_on_automatic_emails_only(self):
        call = self.sequence.step_ids.filtered(lambda s: s.step_type == "call")
        with self._refused(ValidationError, "only automatic emails have variants"):
            self.Variant.create({"step_id": call.id, "subject": "Hi", "body_html": "<p>Hi</p>"})
        self._add_variants("B")
        with self._refused(ValidationError, "has email variants"):
            self.step.step_type = "manual_email"

    def test_variant_placeholders_checked(self):
        with self._refused(ValidationError, "variant B: the placeholder “object.no_such_field”"):
            self._add_variants("Hi {{ object.no_such_field }}")
        # typed in the body, the inline syntax becomes QWeb as on steps
        variant = self._add_variants("Fine")
        variant.body_html = "<p>Hi {{ object.contact_name ||| there }}</p>"
        self.assertIn('t-out="object.contact_name"', str(variant.body_html))

    def test_unsafe_placeholder_needs_template_editor(self):
        """Rendering is trusted at send time: a salesperson may use field paths only."""
        with self.assertRaises(AccessError):
            self._add_variants("{{ object.sudo().name }}", user=self.user_owner)

    def test_variant_with_sends_is_archived_not_deleted(self):
        self._add_variants("B")
        variant_a, variant_b = self._variants()
        self._sent(variant_b, 3)
        with self._refused(UserError, "archive it instead"):
            variant_b.unlink()
        variant_b.active = False
        self.assertEqual(variant_b.sent_count, 3, "archived with its figures")
        self.assertEqual(self.step.variant_count, 1)
        self.assertEqual(self.step.ab_status, "Add a second variant to start the test.")

    def test_deleting_every_variant_of_an_active_sequence_is_refused(self):
        """The step's email moved into its variants: deleting them all would leave an
        active sequence with an empty automatic email."""
        self._add_variants("B")
        self.sequence.action_activate()
        with self._refused(ValidationError, "is active and cannot run with"):
            self._variants().unlink()

    def test_copy_keeps_variants(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self._add_variants("B")
        self._variants()[1].with_context(lang="fr_FR").subject = "B en français"
        self._variants()[1].with_user(self.user_owner).action_pick_winner()
        self.assertTrue(self.step.ab_winner_id, "a decided test")
        copy = self.sequence.copy()
        step = copy.step_ids.filtered(lambda s: s.step_type == "auto_email")
        self.assertEqual(self._variants(step.with_context(active_test=False)).mapped("name"), ["A", "B"])
        self.assertEqual(self._variants(step)[-1].with_context(lang="fr_FR").subject, "B en français")
        self.assertFalse(step.ab_winner_id, "the copy starts its own test")

    # ------------------------------------------------------------------
    # Planning and sending
    # ------------------------------------------------------------------

    def test_balanced_assignment_at_planning(self):
        self._add_variants("B", "C")
        self.sequence.action_activate()
        leads = self._leads(100)
        with freeze_time("2026-03-02 08:00:00"), self.mock_mail_gateway():
            self.sequence.enroll_records(leads)
            touches = self.sequence.enrollment_ids.touch_ids.filtered(lambda t: t.step_id == self.step)
            counts = Counter(touch.variant_id.name for touch in touches)
            self.assertEqual(sorted(counts.values()), [33, 33, 34])
            # one name per touch (mapped() on a relational path would keep each variant once)
            order = [touch.variant_id.name for touch in touches.sorted(lambda t: t.enrollment_id.id)]
            self.assertNotEqual(order, sorted(order), "random order, not by enrollment")
            self.assertFalse(
                self.sequence.enrollment_ids.touch_ids.filtered(lambda t: t.step_id != self.step).variant_id,
                "only the A/B-tested step's touches get a variant",
            )
            # runs enrolled one at a time (automation rules) keep the totals within one
            for lead in self._leads(5, prefix="One"):
                self.sequence.enroll_records(lead)
            touches = self.sequence.enrollment_ids.touch_ids.filtered(lambda t: t.step_id == self.step)
            counts = Counter(touch.variant_id.name for touch in touches)
            self.assertLessEqual(max(counts.values()) - min(counts.values()), 1, counts)

    def test_each_variant_rendered_once_per_batch(self):
        self._add_variants("Quick question for {{ object.contact_name ||| you}}", "Last try")
        self.sequence.action_activate()
        leads = self._leads(9)
        renders = []
        original = CrmSequenceStep._render_email_of

        def counting(step_model, template, res_ids):
            renders.append((template._name, template.id, len(res_ids)))
            return original(step_model, template, res_ids)

        with freeze_time("2026-03-03 09:00:00"), self.mock_mail_gateway():
            self.sequence.enroll_records(leads)
            with patch.object(CrmSequenceStep, "_render_email_of", counting):
                self._run_cron()
        touches = self.sequence.enrollment_ids.touch_ids.filtered(lambda t: t.step_id == self.step)
        self.assertEqual(set(touches.mapped("state")), {"done"})
        self.assertEqual(len(renders), 3, f"one render per variant for the batch: {renders}")
        self.assertEqual(sorted(count for _model, _id, count in renders), [3, 3, 3])
        expected = {"A": "Hello AB contact", "B": "Quick question for AB contact", "C": "Last try"}
        for touch in touches:
            self.assertTrue(touch.message_id.subject.startswith(expected[touch.variant_id.name]))
        for touch in touches.filtered(lambda t: t.variant_id.name != "A"):
            self.assertIn(f"{touch.variant_id.subject.split(' ')[0]}", str(touch.mail_mail_id.body_html))
            self.assertIn(touch.enrollment_id.record_name, str(touch.message_id.body), "rendered for its record")

    def test_threaded_follow_up_keeps_its_thread(self):
        sequence = self._create_sequence(
            self.env,
            name="Threaded",
            user=self.user_owner,
            steps=[
                {"step_type": "auto_email", "day": 1, "subject": "First", "body_html": "<p>First</p>"},
                {
                    "step_type": "auto_email",
                    "day": 2,
                    "subject": "Second",
                    "body_html": "<p>Second A</p>",
                    "reply_in_thread": True,
                },
            ],
        )
        follow_up = sequence.step_ids.filtered("reply_in_thread")
        self._add_variants("Other", step=follow_up)
        sequence.action_activate()
        leads = self._leads(4)
        with freeze_time("2026-03-03 09:00:00"), self.mock_mail_gateway():
            sequence.enroll_records(leads)
            self._run_cron()
        with freeze_time("2026-03-04 09:00:00"), self.mock_mail_gateway():
            self._run_cron()
        for run in sequence.enrollment_ids:
            first, second = run.touch_ids.sorted(lambda t: t.step_day)
            self.assertEqual(second.message_id.subject, "Re: First", "a follow-up answers the first email")
            self.assertEqual(second.message_id.parent_id, first.message_id)
            self.assertIn(first.message_id.message_id, second.mail_mail_id.headers)
            body = "Second A" if second.variant_id.name == "A" else "Other"
            self.assertIn(body, str(second.message_id.body))
        follow_ups = sequence.enrollment_ids.touch_ids.filtered(lambda t: t.step_id == follow_up)
        self.assertEqual(Counter(touch.variant_id.name for touch in follow_ups), {"A": 2, "B": 2})

    def test_runs_planned_before_the_test_get_a_variant_when_sent(self):
        self.sequence.action_activate()
        leads = self._leads(6)
        with freeze_time("2026-03-02 08:00:00"):
            self.sequence.enroll_records(leads)  # a Monday before the window: planned for 09:00
        touches = self.sequence.enrollment_ids.touch_ids.filtered(lambda t: t.step_id == self.step)
        self.assertFalse(touches.variant_id)
        self._add_variants("B")
        with freeze_time("2026-03-02 09:00:00"), self.mock_mail_gateway():
            self._run_cron()
        self.assertEqual(set(touches.mapped("state")), {"done"})
        self.assertEqual(sorted(Counter(touch.variant_id.name for touch in touches).values()), [3, 3])

    def test_empty_placeholder_checked_on_the_run_variant(self):
        """A record missing a field only variant B needs fails on B, not on A."""
        self._add_variants("Hi {{ object.partner_name }}")
        self.sequence.missing_field_mode = "send"
        self.sequence.action_activate()
        leads = self._leads(4)
        with freeze_time("2026-03-03 09:00:00"), self.mock_mail_gateway():
            self.sequence.enroll_records(leads)
            self._run_cron()
        touches = self.sequence.enrollment_ids.touch_ids.filtered(lambda t: t.step_id == self.step)
        for touch in touches:
            expected = "failed" if touch.variant_id.name == "B" else "done"
            self.assertEqual(touch.state, expected)
        self.assertIn("Company Name is empty", touches.filtered(lambda t: t.state == "failed")[0].result_message)

    # ------------------------------------------------------------------
    # Figures
    # ------------------------------------------------------------------

    def test_figures_per_variant(self):
        self._add_variants("B")
        variant_a, variant_b = self._variants()
        self._sent(variant_a, 40, replied=4, clicked=6, opened=10, machine_opened=20)
        self._sent(variant_b, 50, replied=10, clicked=5, opened=25)
        self.assertEqual(
            (variant_a.sent_count, variant_a.opened_count, variant_a.clicked_count, variant_a.replied_count),
            (40, 10, 6, 4),
            "machines' opens are not counted",
        )
        self.assertAlmostEqual(variant_a.open_rate, 0.25)
        self.assertAlmostEqual(variant_a.click_rate, 0.15)
        self.assertAlmostEqual(variant_a.reply_rate, 0.10)
        self.assertAlmostEqual(variant_b.open_rate, 0.5)
        self.assertAlmostEqual(variant_b.reply_rate, 0.2)
        # the step results pivot, by variant
        Report = self.env["crm.sequence.report"]
        groups = Report._read_group(
            [("step_id", "=", self.step.id), ("sent", "=", 1)],
            ["variant_id"],
            ["sent:sum", "replied:sum", "reply_rate:avg"],
        )
        by_variant = {variant.name: (sent, replied, rate) for variant, sent, replied, rate in groups}
        self.assertEqual(by_variant["A"][:2], (40, 4))
        self.assertEqual(by_variant["B"][:2], (50, 10))
        self.assertAlmostEqual(by_variant["B"][2], 20.0)

    # ------------------------------------------------------------------
    # Decisions
    # ------------------------------------------------------------------

    def test_no_winner_until_every_sample(self):
        self._add_variants("B")
        variant_a, variant_b = self._variants()
        self._sent(variant_a, 100, replied=30)
        self._sent(variant_b, 63, replied=1)
        self.assertEqual(self.step.ab_status, "No winner yet: 37 more sends needed.")
        self.step.action_ab_decide()
        self.assertFalse(self.step.ab_winner_id)
        self.assertTrue(variant_b.active)

    def test_not_significant_yet(self):
        """11 replies against 9 out of 100 each: other tools crown B; here p = 0.64."""
        self._add_variants("B")
        variant_a, variant_b = self._variants()
        self._sent(variant_a, 100, replied=9)
        self._sent(variant_b, 100, replied=11)
        self.step.action_ab_decide()
        self.assertFalse(self.step.ab_winner_id)
        self.assertEqual(
            self.step.ab_status,
            "Difference not significant yet (p = 0.64): reply rate 11.0% for B vs 9.0%.",
        )

    def test_significant_winner(self):
        self._add_variants("B")
        self.sequence.action_activate()
        variant_a, variant_b = self._variants()
        self._sent(variant_a, 800, replied=60)
        self._sent(variant_b, 800, replied=96)
        self.step.with_user(self.user_owner).action_ab_decide()
        self.assertEqual(self.step.ab_winner_id, variant_b)
        self.assertFalse(variant_a.active, "the loser is archived")
        self.assertEqual(variant_a.sent_count, 800, "with its figures")
        self.assertEqual(self.step.ab_status, "Variant B won: reply rate 12.0% vs 7.5%, p = 0.002.")
        note = self.sequence.message_ids[0]
        body = str(note.body)
        for part in ("variant B won", "12.0%", "7.5%", "+4.5 points", "p = 0.002", "800 and 800", "Archived"):
            self.assertIn(part, body)
        # runs planned from now on get the winner
        new_leads = self._leads(4)
        with freeze_time("2026-03-03 08:00:00"):
            self.sequence.enroll_records(new_leads)
        planned = self.sequence.enrollment_ids.touch_ids.filtered(
            lambda t: t.step_id == self.step and t.res_id in new_leads.ids
        )
        self.assertEqual(len(planned), 4)
        self.assertEqual(planned.variant_id, variant_b)

    def test_cron_decides(self):
        self._add_variants("B")
        self.sequence.action_activate()
        variant_a, variant_b = self._variants()
        self._sent(variant_a, 800, clicked=96)
        self._sent(variant_b, 800, clicked=60)
        self.step.ab_metric = "click"
        self._run_cron()
        self.assertEqual(self.step.ab_winner_id, variant_a)
        self.assertEqual(self.step.ab_status, "Variant A won: click rate 12.0% vs 7.5%, p = 0.002.")

    def test_positive_reply_rate_decides(self):
        """The metric sales teams want: the same number of replies, more of B's interested."""
        self._add_variants("B")
        self.sequence.action_activate()
        variant_a, variant_b = self._variants()
        self._sent(variant_a, 800, replied=150, positive=60)
        self._sent(variant_b, 800, replied=150, positive=96)
        self.step.action_ab_decide()
        self.assertFalse(self.step.ab_winner_id, "on reply rate, no difference")
        self.step.ab_metric = "positive"
        self.step.action_ab_decide()
        self.assertEqual(self.step.ab_winner_id, variant_b)
        self.assertEqual(self.step.ab_status, "Variant B won: positive reply rate 12.0% vs 7.5%, p = 0.002.")
        self.assertEqual((variant_a.reply_positive_count, variant_b.reply_positive_count), (60, 96))
        by_variant = self.env["crm.sequence.report"]._read_group(
            [("step_id", "=", self.step.id)], ["variant_id"], ["reply_positive_count:sum", "positive_reply_rate:avg"]
        )
        self.assertEqual(
            {v: (count, rate) for v, count, rate in by_variant}, {variant_a: (60, 7.5), variant_b: (96, 12.0)}
        )

    def test_three_variants_holm(self):
        """Both raw p-values are below 0.05 (0.030 and 0.042) but, corrected for two
        comparisons, A's is 0.060: no winner at 95%, A at 90%."""
        self._add_variants("B", "C")
        variant_a, variant_b, variant_c = self._variants()
        self._sent(variant_a, 1000, opened=150)
        self._sent(variant_b, 1000, opened=117)
        self._sent(variant_c, 1000, opened=119)
        self.step.ab_metric = "open"
        self.step.action_ab_decide()
        self.assertFalse(self.step.ab_winner_id)
        self.assertEqual(
            self.step.ab_status, "Difference not significant yet (p = 0.06): open rate 15.0% for A vs 11.9%."
        )
        self.step.ab_confidence = 90
        self.step.action_ab_decide()
        self.assertEqual(self.step.ab_winner_id, variant_a)
        self.assertFalse(variant_b.active or variant_c.active)
        self.assertIn("Holm-corrected", str(self.sequence.message_ids[0].body))

    def test_manual_pick(self):
        """A person picks a variant at any time, whatever the figures say."""
        self._add_variants("B")
        variant_a, variant_b = self._variants()
        self._sent(variant_a, 20, replied=5)
        self._sent(variant_b, 10, replied=1)
        variant_b.with_user(self.user_owner).action_pick_winner()
        self.assertEqual(self.step.ab_winner_id, variant_b)
        self.assertFalse(variant_a.active)
        self.assertTrue(self.step.ab_status.startswith("Variant B picked by Oscar Owner: reply rate 10.0% vs 25.0%"))
        self.assertIn("Oscar Owner picked variant B", str(self.sequence.message_ids[0].body))
        # restoring the loser starts a new test
        variant_a.active = True
        self.assertFalse(self.step.ab_winner_id)
        self.assertIn("No winner yet", self.step.ab_status)
        with self._refused(UserError, "archived"):
            variant_a.active = False
            variant_a.action_pick_winner()

    def test_decision_queries(self):
        """A step with 10,000 sends is decided in at most 5 queries."""
        self._add_variants("B")
        variant_a, variant_b = self._variants()
        self._sent(variant_a, 5000, replied=510)
        self._sent(variant_b, 5000, replied=490)
        self.env.invalidate_all()
        with self.assertQueryCount(5):  # cold caches: the step, its variants, their figures
            self.step._ab_decide()
        self.assertFalse(self.step.ab_winner_id)
        self.env.invalidate_all()
        with self.assertQueryCount(5):
            self.assertTrue(self.step.ab_status.startswith("Difference not significant yet"))

    # ------------------------------------------------------------------
    # Bad input
    # ------------------------------------------------------------------

    def test_bad_sample_and_confidence(self):
        for sample in (9, 0, -100, 100_001, 2.5, "100", True, None, False):
            with self.subTest(sample=sample), self._refused(ValidationError, "from 10 to 100,000"):
                self.step.write({"ab_min_sample": sample})
        for confidence in (79.9, 99.95, 100, 0, "95", True, None, False):
            with self.subTest(confidence=confidence), self._refused(ValidationError, "from 80.0 to 99.9"):
                self.step.write({"ab_confidence": confidence})
        self.step.write({"ab_min_sample": 10, "ab_confidence": 99.9})
        self.step.write({"ab_min_sample": 100_000, "ab_confidence": 80})
        self.assertEqual((self.step.ab_min_sample, self.step.ab_confidence), (100_000, 80.0))

    def test_winner_only_through_the_test(self):
        self._add_variants("B")
        variant_b = self._variants()[1]
        for user in (self.user_owner, self.user_seq_admin):
            with self.subTest(user=user.login), self._refused(UserError, "decided by the A/B test"):
                self.step.with_user(user).write({"ab_winner_id": variant_b.id})
            with self._refused(UserError, "decided by the A/B test"):
                self.step.with_user(user).write({"ab_decision": "B won, trust me"})
        with self._refused(UserError, "stays in its step"):
            variant_b.step_id = self.sequence.copy().step_ids.filtered(lambda s: s.step_type == "auto_email")
        with self._refused(UserError, "no A/B test running"):
            self.sequence.step_ids.filtered(lambda s: s.step_type == "todo").action_ab_decide()

    # ------------------------------------------------------------------
    # Access (as JSON-RPC would call)
    # ------------------------------------------------------------------

    @mute_logger("odoo.addons.base.models.ir_rule", "odoo.addons.base.models.ir_model")
    def test_access(self):
        self._add_variants("B")
        variant_a, variant_b = self._variants()
        # every internal user reads them, with their figures
        for user in (self.user_seq_admin, self.user_owner, self.user_other, self.user_viewer):
            records = variant_a.with_user(user).read(["name", "subject", "sent_count", "reply_rate", "active"])
            self.assertEqual(records[0]["name"], "A")
            self.assertTrue(self.step.with_user(user).ab_status)
        with self.assertRaises(AccessError):
            variant_a.with_user(self.user_portal).read(["name"])
        # who may not change a variant reads its body as text with {Field} placeholders
        self.assertTrue(variant_a.with_user(self.user_other).body_locked)
        self.assertFalse(variant_a.with_user(self.user_owner).body_locked)
        self.assertIn("{Contact Name}", variant_a.with_user(self.user_other).body_readable)
        # the owner and administrators change them; the other salesperson and viewers do not
        for user in (self.user_other, self.user_viewer):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    variant_b.with_user(user).write({"subject": "Mine now"})
                with self.assertRaises(AccessError):
                    self.Variant.with_user(user).create({"step_id": self.step.id, "subject": "X", "body_html": "X"})
                with self.assertRaises(AccessError):
                    variant_b.with_user(user).unlink()
                with self.assertRaises(AccessError):
                    variant_b.with_user(user).action_pick_winner()
                with self.assertRaises(AccessError):
                    self.step.with_user(user).action_ab_decide()
                with self.assertRaises(AccessError):
                    self.step.with_user(user).write({"ab_min_sample": 10})
        variant_b.with_user(self.user_owner).write({"subject": "Owner's"})
        variant_c = self._add_variants("C", user=self.user_seq_admin)
        variant_c.with_user(self.user_seq_admin).write({"name": "Admin's"})
        variant_c.with_user(self.user_owner).unlink()
        self.step.with_user(self.user_owner).action_ab_decide()
        variant_b.with_user(self.user_seq_admin).action_pick_winner()
        self.assertEqual(self.step.ab_winner_id, variant_b)

    def test_rpc_writes_of_touch_variant_refused(self):
        """Which variant a run got is the engine's: nobody but administrators writes touches."""
        self._add_variants("B")
        self.sequence.action_activate()
        with freeze_time("2026-03-02 08:00:00"):
            self.sequence.enroll_records(self.leads[0])
        touch = self.sequence.enrollment_ids.touch_ids.filtered(lambda t: t.step_id == self.step)
        self.assertTrue(touch.with_user(self.user_owner).variant_id)
        with self.assertRaises(AccessError):
            touch.with_user(self.user_owner).write({"variant_id": self._variants()[0].id})

    def test_decision_kept_as_decided(self):
        """What was decided stays: later sends of the winner do not rewrite its verdict."""
        self._add_variants("B")
        variant_a, variant_b = self._variants()
        self._sent(variant_a, 800, replied=96)
        self._sent(variant_b, 800, replied=60)
        self.step.action_ab_decide()
        decided = self.step.ab_status
        self.assertEqual(decided, "Variant A won: reply rate 12.0% vs 7.5%, p = 0.002.")
        self._sent(variant_a, 100)
        self.env.invalidate_all()
        self.assertEqual(self.step.ab_status, decided)
