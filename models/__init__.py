from . import (
    crm_sequence,
    crm_sequence_step,
    crm_sequence_removal_rule,
    crm_sequence_run_access,
    crm_sequence_enrollment,
    crm_sequence_touch,
    crm_sequence_enrolled_mixin,
    crm_lead,
    res_partner,
    ir_actions_server,
    mail_activity,
    mail_thread,
)
