from . import crm_sequence_report
