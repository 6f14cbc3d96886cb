from . import crm_sequence_report
from . import crm_sequence_report_replies
