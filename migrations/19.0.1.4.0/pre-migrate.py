"""19.0.1.4.0 (sending-day counting): sequences made before keep counting calendar days.

New sequences count sending days (``crm.sequence.day_mode`` defaults to ``sending``); the
column is created here, before the ORM would fill it with that default, so that the
steps of existing sequences keep the dates their users chose them for.
"""


def migrate(cr, version):
    cr.execute("ALTER TABLE crm_sequence ADD COLUMN IF NOT EXISTS day_mode varchar")
    cr.execute("UPDATE crm_sequence SET day_mode = 'calendar' WHERE day_mode IS NULL")
