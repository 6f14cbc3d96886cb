"""19.0.1.1.0 (real inboxes): emails still to come count in their sender's limits; paused
runs say why (``paused_by_sequence`` is now derived from ``pause_reason``). The runs' new
normalized address is a stored computed field: Odoo fills it."""


def migrate(cr, version):
    cr.execute(
        """
        UPDATE crm_sequence_enrollment
           SET pause_reason = CASE WHEN paused_by_sequence THEN 'sequence' ELSE 'manual' END
         WHERE state = 'paused' AND pause_reason IS NULL
        """
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
