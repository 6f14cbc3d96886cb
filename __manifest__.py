{
    "name": "CRM Sequences",
    "summary": "Automated multi-step engagement: emails, calls, tasks and delays that run by themselves",
    "version": "19.0.1.7.0",
    # Odoo renders this with docutils (RST) where static/description/index.html cannot be read;
    # the README is Markdown, so it is not the description
    "description": """
CRM Sequences
=============

Automated, multi-step customer engagement for Odoo CRM: automatic emails with dynamic fields,
manual emails, calls, to-dos and delays that run by themselves, stop when the contact replies,
and report sent, opened, replied, bounced and opted-out figures per sequence, step and seller.

See README.md in the module for the user guide.
""",
    "category": "Sales/CRM",
    "license": "LGPL-3",
    "author": "crm_sequence developers",
    "website": "https://github.com/crm-sequence/crm_sequence",
    "depends": ["crm", "base_automation", "resource", "iap", "link_tracker"],
    "external_dependencies": {"python": ["crawlerdetect"]},
    "data": [
        "security/crm_sequence_groups.xml",
        "security/ir.model.access.csv",
        "security/crm_sequence_security.xml",
        "data/ir_cron_data.xml",
        "data/crm_sequence_templates.xml",
        "data/crm_sequence_unsubscribe_templates.xml",
        "views/crm_sequence_step_views.xml",
        "views/crm_sequence_removal_rule_views.xml",
        "views/crm_sequence_views.xml",
        "views/crm_sequence_enrollment_views.xml",
        "views/crm_sequence_touch_views.xml",
        "views/ir_actions_server_views.xml",
        "views/mail_activity_views.xml",
        "views/crm_lead_views.xml",
        "views/res_partner_views.xml",
        "views/res_users_views.xml",
        "views/res_config_settings_views.xml",
        "wizards/crm_sequence_enroll_views.xml",
        "wizards/crm_sequence_edit_views.xml",
        "wizards/crm_sequence_step_preview_views.xml",
        "report/crm_sequence_report_views.xml",
        "report/crm_sequence_report_replies_views.xml",
        "views/crm_sequence_menus.xml",
    ],
    "demo": [
        "demo/crm_sequence_demo.xml",
    ],
    "uninstall_hook": "uninstall_hook",
    "assets": {
        "web.assets_backend": [
            "crm_sequence/static/src/**/*",
        ],
        "web.assets_tests": [
            "crm_sequence/static/tests/tours/**/*",
        ],
    },
}
