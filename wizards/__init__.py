from . import crm_sequence_edit, crm_sequence_enroll, crm_sequence_step_preview
