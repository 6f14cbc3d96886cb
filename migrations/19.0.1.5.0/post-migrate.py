"""19.0.1.5.0 (tracking added on the outgoing email): sequence emails still in the mail
queue are marked as such, so that their sent date is kept and their plain-text part
stays clean. They were queued with their pixel and link suffixes in: neither is added
twice (``crm.sequence.touch._outgoing_body``)."""


def migrate(cr, version):
    cr.execute(
        """
        UPDATE mail_mail mail
           SET crm_sequence_touch_id = touch.id
          FROM crm_sequence_touch touch
         WHERE touch.mail_mail_id = mail.id
           AND mail.crm_sequence_touch_id IS NULL
        """
    )
