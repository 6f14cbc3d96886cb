from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestAbTours(HttpCase):
    """Browser tour of an A/B-tested step in the builder (static/tests/tours/crm_sequence_ab_tour.js)."""

    def test_ab_tour(self):
        self.start_tour("/odoo", "crm_sequence_ab_tour", login="admin")
        sequence = self.env["crm.sequence"].search([("name", "=", "A/B tour")])
        self.assertEqual(len(sequence), 1)
        step = sequence.step_ids
        self.assertEqual(step.step_type, "auto_email")
        variants = step.variant_ids.sorted(lambda v: (v.sequence, v.id))
        self.assertEqual(variants.mapped("name"), ["A", "B"])
        self.assertEqual(variants[0].subject, "Hello {{ object.contact_name ||| there}}")
        self.assertIn("let us talk", variants[0].body_html)
        self.assertEqual(variants[1].subject, "A quick question")
        self.assertIn("this week", variants[1].body_html)
        self.assertFalse(step.subject, "the step's own email moved into variant A")
        self.assertFalse(step.ab_winner_id)
        self.assertEqual(step.ab_status, "No winner yet: 200 more sends needed.")
