import { registry } from "@web/core/registry";

/**
 * An administrator sets the company's default sending limits in Settings › CRM.
 * Checked in Python by test_tours.TestCrmSequenceTours.test_settings_tour.
 */
registry.category("web_tour.tours").add("crm_sequence_settings_tour", {
    url: "/odoo/settings#crm",
    steps: () => [
        {
            content: "The Sequences block of the CRM settings",
            trigger: "#crm_sequence_sending_limits:contains(Sending limits)",
        },
        {
            content: "200 emails a day",
            trigger: "#crm_sequence_sending_limits .o_field_widget[name=crm_sequence_daily_limit] input",
            run: "edit 200",
        },
        {
            content: "50 an hour",
            trigger: "#crm_sequence_sending_limits .o_field_widget[name=crm_sequence_hourly_limit] input",
            run: "edit 50",
        },
        {
            content: "Save: the settings page reloads",
            trigger: ".o_control_panel .o_form_button_save",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Saved: the reloaded page shows the values",
            trigger: "#crm_sequence_sending_limits .o_field_widget[name=crm_sequence_hourly_limit] input:value(50)",
        },
    ],
});
