from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.crm_sequence.models.crm_sequence_step import step_order

from .common import CrmSequenceCommon

FR = "fr_FR"


@tagged("post_install", "-at_install")
class TestTranslations(CrmSequenceCommon):
    """French users get the builder, the enrollment report and the notifications in French
    (i18n/fr.po): view terms and field labels from the database, code terms from the file."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang(FR)
        cls.env["ir.module.module"]._load_module_terms(["crm_sequence"], [FR], overwrite=True)

    def test_builder_in_french(self):
        Sequence = self.env["crm.sequence"].with_user(self.user_owner).with_context(lang=FR)
        arch = Sequence.get_view(view_type="form")["arch"]
        for text in (
            "Ajouter un e-mail automatique",  # "Add automatic email" (step list control)
            "Ajouter un délai",
            "Manquant pour activer",  # "Missing to activate" (banner)
            "Règles et notifications",  # page "Rules & Notifications"
            "Activer",
        ):
            self.assertIn(text, arch)
        self.assertNotIn("Add automatic email", arch)
        labels = Sequence.fields_get(["missing_data", "sender_id", "step_ids"], ["string"])
        self.assertEqual(labels["missing_data"]["string"], "Manquant pour activer")
        self.assertEqual(labels["sender_id"]["string"], "Envoyer l'e-mail en tant que")
        self.assertEqual(labels["step_ids"]["string"], "Étapes")

        sequence = self.sequence.with_user(self.user_owner).with_context(lang=FR)
        with freeze_time("2026-03-03 07:00:00"):  # a Tuesday, 08:00 in Brussels
            sequence.invalidate_recordset(["planned_schedule"])
            lines = sequence.planned_schedule["lines"]
        self.assertEqual([line["type"] for line in lines], ["E-mail automatique", "Appel", "À faire"])
        self.assertEqual(lines[2]["title"], "Follow up")
        self.assertIn("mars", lines[0]["date"], "dates are formatted in French too")
        step = sequence.step_ids.sorted(step_order)[2]
        self.assertEqual(step.title, "Attendre 2 jours")
        self.assertEqual(step.display_name, "Jour 3 · Attendre 2 jours")

    def test_enroll_report_in_french(self):
        self.sequence.action_activate()
        no_email = self.env["crm.lead"].create({"name": "No email", "type": "lead", "user_id": self.user_owner.id})
        sequence = self.sequence.with_user(self.user_owner).with_context(lang=FR)

        report = sequence.enroll_records(self.leads[0] | no_email)
        self.assertEqual(report["enrolled"], 1)
        self.assertEqual(report["skipped"], {"no_email": 1})
        self.assertEqual(report["message"], "Inscrits : 1.\nIgnorés (sans adresse e-mail) : 1 (No email).")

        report = sequence.enroll_records(self.leads[0].ids + [self.leads[1].id, 999_999_999])
        self.assertEqual(
            report["message"],
            "Inscrits : 1.\nIgnorés (déjà actif dans cette séquence) : 1 (Lead 0).\n"
            "Enregistrements sélectionnés qui n'existent plus : 1.",
        )

        # the same report as the "Add to sequence" wizard shows it
        action = (
            self.env["crm.sequence.enroll"]
            .with_user(self.user_owner)
            .with_context(lang=FR, active_model="crm.lead", active_ids=self.leads.ids)
            .create({"sequence_id": self.sequence.id})
            .action_enroll()
        )
        self.assertEqual(action["params"]["title"], "Ajouté à « Welcome »")
        self.assertEqual(
            action["params"]["message"],
            "Inscrits : 1.\nIgnorés (déjà actif dans cette séquence) : 2 (Lead 0, Lead 1).",
        )

    def test_notifications_in_french(self):
        incomplete = (
            self._create_sequence(
                self.env,
                name="Incomplete",
                user=self.user_owner,
                steps=[{"step_type": "auto_email", "day": 1}],
            )
            .with_user(self.user_owner)
            .with_context(lang=FR)
        )
        missing = [
            "Étape 1 (E-mail automatique, jour 1) : ajoutez un sujet.",
            "Étape 1 (E-mail automatique, jour 1) : rédigez le corps de l'e-mail.",
        ]
        self.assertEqual(incomplete.missing_data, "\n".join(missing))
        with self.assertRaises(UserError) as caught:
            incomplete.action_activate()
        self.assertEqual(
            str(caught.exception),
            "Complétez la séquence avant de l'activer.\n\n« Incomplete » :\n" + "\n".join(f"- {m}" for m in missing),
        )

        draft = self._create_sequence(self.env, name="Draft", user=self.user_owner).with_context(lang=FR)
        with self.assertRaises(UserError) as caught:
            draft.with_user(self.user_owner).enroll_records(self.leads[0])
        self.assertEqual(
            str(caught.exception),
            "La séquence « Draft » n'est pas active : activez-la avant d'y ajouter des enregistrements.",
        )

        self.sequence.action_activate()
        self.sequence.enroll_records(self.leads[:2])
        action = (
            self.env["crm.sequence.enrollment"]
            .with_user(self.user_owner)
            .with_context(lang=FR)
            .action_remove_records(self.leads.with_user(self.user_owner))
        )
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(action["params"]["title"], "Retirés des séquences")
        self.assertEqual(action["params"]["message"], "Inscriptions en cours arrêtées : 2.")

    def test_unsubscribe_link_in_the_contact_language(self):
        """The default unsubscribe text follows each contact's language; a text the owner wrote
        is used as written (and translated like any translatable field)."""
        self.sequence.action_activate()
        french = self.env["res.partner"].create({"name": "Jeanne", "email": "jeanne@client.example.fr", "lang": FR})
        lead_fr, lead_en = self.leads[:2]
        lead_fr.write({"partner_id": french.id, "email_from": french.email})
        with freeze_time("2026-03-03 08:00:00"), self.mock_mail_gateway():
            self.sequence.enroll_records(lead_fr | lead_en)
            self._run_cron()
        mails = {m.res_id: str(m.body_html) for m in self.sequence.enrollment_ids.touch_ids.mail_mail_id}
        self.assertIn("Vous ne souhaitez plus recevoir ces e-mails ? Désinscrivez-vous</a>", mails[lead_fr.id])
        self.assertIn("want these emails? Unsubscribe</a>", mails[lead_en.id])
