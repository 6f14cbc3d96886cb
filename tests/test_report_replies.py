from freezegun import freeze_time

from odoo.tests import tagged

from odoo.addons.crm_sequence.models.reply_intent import INTENTS, ReplyReading

from .common import CrmSequenceCommon


@tagged("post_install", "-at_install")
class TestStepResultsByReply(CrmSequenceCommon):
    """Step results by what the replies said: one sum per intent of the classifier, the
    reading as a dimension and the positive reply rate, per step, sequence and seller,
    against the touches counted one by one."""

    def setUp(self):
        super().setUp()
        cls = self
        steps = [
            {"step_type": "auto_email", "day": 1, "subject": "First", "body_html": "<p>Hi</p>"},
            {"step_type": "auto_email", "day": 3, "subject": "Second", "body_html": "<p>Hi again</p>"},
        ]
        # two sellers: each sequence sends as its owner
        cls.sequences = cls._create_sequence(
            cls.env, name="Replies A", user=cls.user_owner, steps=steps
        ) | cls._create_sequence(cls.env, name="Replies B", user=cls.user_other, steps=steps)
        leads = cls.env["crm.lead"].create(
            [
                {"name": f"Reply lead {index}", "email_from": f"reply{index}@customer{index}.example.com"}
                for index in range(12)
            ]
        )
        for sequence, half in zip(cls.sequences, (leads[:6], leads[6:])):
            sequence.reply_action_ids.action = "none"  # replies recorded, runs go on to their second email
            sequence.action_activate()
            with freeze_time("2026-03-03 09:00:00"):
                sequence.enroll_records(half)
        with freeze_time("2026-03-03 09:00:00"), cls.mock_mail_gateway():
            cls._run_cron()
        firsts = cls.sequences.enrollment_ids.touch_ids.filtered(lambda t: t.message_id).sorted("res_id")
        readings = ["positive", "positive", "not_now", "referral", "other", None]
        readings += ["unsubscribe", "not_interested", "positive", "left_company", None, None]
        for touch, intent in zip(firsts, readings):
            if intent:
                touch._read_reply(ReplyReading(intent=intent))
        with freeze_time("2026-03-05 09:00:00"), cls.mock_mail_gateway():
            cls._run_cron()
        seconds = cls.sequences.enrollment_ids.touch_ids.filtered(lambda t: t.message_id) - firsts
        seconds.sorted("res_id")[:2]._read_reply(ReplyReading(intent="positive"))
        # a seller reads one reply otherwise: the report shows the corrected reading
        firsts[4].with_user(cls.user_owner).action_set_reply_intent("not_now")
        cls.env.flush_all()
        cls.touches = cls.sequences.enrollment_ids.touch_ids

    def _expected(self, touches):
        sent = touches.filtered(lambda t: t.state == "done" and t.message_id)
        expected = {
            f"reply_{intent}_count": len(sent.filtered(lambda t, i=intent: t.reply_intent == i)) for intent in INTENTS
        }
        expected["reply_corrected_count"] = len(sent.filtered("reply_corrected"))
        positive = expected["reply_positive_count"]
        return expected, (100.0 * positive / len(sent) if sent else False)

    def _totals(self, groupby):
        measures = [f"reply_{intent}_count:sum" for intent in INTENTS] + ["reply_corrected_count:sum"]
        groups = self.env["crm.sequence.report"]._read_group(
            [("sequence_id", "in", self.sequences.ids)], [groupby], [*measures, "positive_reply_rate:avg"]
        )
        names = [measure.split(":")[0] for measure in measures]
        return {group[0]: (dict(zip(names, group[1:-1])), group[-1]) for group in groups}

    def test_each_intent_is_a_measure(self):
        Report = self.env["crm.sequence.report"]
        for intent in INTENTS:
            self.assertEqual(Report._fields[f"reply_{intent}_count"].aggregator, "sum", intent)
        self.assertEqual(
            [key for key, _label in Report._fields["reply_intent"].selection], list(INTENTS), "the classifier's"
        )

    def test_by_step_sequence_and_seller_equal_the_touches(self):
        for groupby, key in (("step_id", "step_id"), ("sequence_id", "sequence_id"), ("user_id", "user_id")):
            totals = self._totals(groupby)
            records = self.touches.mapped(key)
            self.assertTrue(records)
            for record in records:
                with self.subTest(groupby=groupby, record=record.display_name):
                    expected, rate = self._expected(self.touches.filtered(lambda t, k=key, r=record: t[k] == r))
                    counts, got_rate = totals[record]
                    self.assertEqual(counts, expected)
                    self.assertAlmostEqual(got_rate, rate)
        first_step = self.sequences[0].step_ids.sorted("sequence")[0]
        counts, rate = self._totals("step_id")[first_step]
        self.assertEqual(
            (counts["reply_positive_count"], counts["reply_not_now_count"], counts["reply_other_count"]),
            (2, 2, 0),
            "the corrected reading counts (other → not now)",
        )
        self.assertAlmostEqual(rate, 100 * 2 / 6, msg="2 interested of 6 emails sent")
        self.assertEqual(counts["reply_corrected_count"], 1)

    def test_reply_intent_as_a_dimension(self):
        groups = self.env["crm.sequence.report"]._read_group(
            [("sequence_id", "in", self.sequences.ids), ("sent", "=", 1)], ["reply_intent"], ["__count"]
        )
        sent = self.touches.filtered(lambda t: t.state == "done" and t.message_id)
        expected = {intent: len(sent.filtered(lambda t, i=intent: t.reply_intent == i)) for intent in INTENTS}
        expected[False] = len(sent.filtered(lambda t: not t.reply_intent))
        self.assertEqual(dict(groups), {k: v for k, v in expected.items() if v})
        self.assertEqual(dict(groups)["positive"], 5)
