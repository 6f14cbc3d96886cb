from . import controllers, models, report, wizards


def uninstall_hook(env):
    """Drop what the module made outside the ORM: the senders' claim table
    (``models/cron_batches.py``); Odoo drops the models' own tables."""
    from .models.cron_batches import CLAIM_TABLE  # noqa: PLC0415

    env.cr.execute(f"DROP TABLE IF EXISTS {CLAIM_TABLE}")  # noqa: S608 - a constant
