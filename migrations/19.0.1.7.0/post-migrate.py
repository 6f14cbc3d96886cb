"""19.0.1.7.0 (corrections take back what a reading did): a correction now lifts only the
blacklisting that the reading itself made (``reply_opted_out``). Replies read as a request
to stop before this version made theirs as far as anyone can tell: they keep being lifted
by a correction, as they were. (The lead made for a referral and the other runs a reading
ended are only known from this version on: older readings' corrections leave them.)"""


def migrate(cr, version):
    cr.execute("UPDATE crm_sequence_touch SET reply_opted_out = TRUE WHERE reply_action = 'opt_out'")
