"""19.0.1.2.0 (signals you can trust): ``opened`` now means "opened by a person". Opens
recorded before stay as they are (they had no verdict then): each keeps its flag and
date and gets an open event counted as a person's, so that the touch's events tell
the same story as its flags."""


def migrate(cr, version):
    cr.execute(
        """
        INSERT INTO crm_sequence_touch_event (
            touch_id, sequence_id, step_id, company_id, res_model, res_id, kind, verdict, reason_detail,
            date, create_uid, create_date, write_uid, write_date
        )
        SELECT touch.id, touch.sequence_id, touch.step_id, touch.company_id, touch.res_model, touch.res_id,
               'open', 'human', 'Recorded before verdicts', COALESCE(touch.date_opened, touch.date_done, now()),
               1, now() AT TIME ZONE 'UTC', 1, now() AT TIME ZONE 'UTC'
          FROM crm_sequence_touch touch
         WHERE touch.opened
           AND NOT EXISTS (SELECT 1 FROM crm_sequence_touch_event event WHERE event.touch_id = touch.id)
        """
    )
