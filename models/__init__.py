from . import (
    crm_sequence,
    crm_sequence_step,
    crm_sequence_removal_rule,
    crm_sequence_enrollment,
    crm_sequence_touch,
    ir_actions_server,
    mail_activity,
    mail_thread,
)
