"""19.0.1.1.0 (real inboxes): runs enrolled before know their address in normalized form
(unsubscribe and unthreaded replies find them by it), and emails still to come count in
their sender's limits."""

from odoo.tools import email_normalize


def migrate(cr, version):
    cr.execute("SELECT id, email FROM crm_sequence_enrollment WHERE email IS NOT NULL AND email_normalized IS NULL")
    rows = [(email_normalize(email, strict=False), enrollment_id) for enrollment_id, email in cr.fetchall()]
    rows = [(email, enrollment_id) for email, enrollment_id in rows if email]
    for start in range(0, len(rows), 1000):
        cr.executemany(
            "UPDATE crm_sequence_enrollment SET email_normalized = %s WHERE id = %s", rows[start : start + 1000]
        )
    cr.execute(
        """
        UPDATE crm_sequence_touch touch
           SET user_id = sequence.sender_id
          FROM crm_sequence sequence
         WHERE sequence.id = touch.sequence_id
           AND touch.state = 'scheduled' AND touch.step_type = 'auto_email' AND touch.user_id IS NULL
        """
    )
