import { registry } from "@web/core/registry";

/**
 * Build a sequence from scratch in the form: one step of each kind added through
 * the "Add ..." controls of the steps list, sending rules changed on the
 * "Rules & Notifications" tab, then activation.
 * Checked in Python by test_tours.TestCrmSequenceTours.test_builder_tour.
 */
registry.category("web_tour.tours").add("crm_sequence_builder_tour", {
    url: "/odoo/action-crm_sequence.crm_sequence_action",
    steps: () => [
        {
            content: "Create a sequence",
            trigger: ".o_control_panel_main_buttons .o-kanban-button-new",
            run: "click",
        },
        {
            content: "Name it",
            trigger: ".o_form_view .o_field_widget[name=name] input",
            run: "edit Tour sequence",
        },
        {
            content: "The board defaults to Leads",
            trigger: ".o_form_view .o_field_widget[name=model_id] input:value(Lead)",
        },
        // --- automatic email -------------------------------------------------
        {
            content: "Add an automatic email",
            trigger:
                ".o_field_widget[name=step_ids] .o_field_x2many_list_row_add a:contains(Add automatic email)",
            run: "click",
        },
        {
            content: "The dialog opens on an automatic email",
            trigger:
                ".modal .o_field_widget[name=step_type] input[data-value=auto_email]:checked",
        },
        {
            content: "Write the subject with a placeholder",
            trigger: ".modal .o_field_widget[name=subject] input",
            run: "edit Hello {{ object.name }}",
        },
        {
            content: "Write the body",
            trigger: ".modal .o_field_widget[name=body_html] .odoo-editor-editable",
            run: "editor Nice to meet you, let us talk about your project.",
        },
        {
            content: "The body is written",
            trigger: ".modal .o_field_widget[name=body_html] .odoo-editor-editable:contains(let us talk)",
        },
        {
            content: "Save the step",
            trigger: ".modal .o_form_button_save",
            run: "click",
        },
        {
            content: "The email step is listed",
            trigger:
                ".o_field_widget[name=step_ids] .o_data_row:contains(Hello {Opportunity})",
        },
        // --- call ------------------------------------------------------------
        {
            trigger: "body:not(:has(.modal))",
        },
        {
            content: "Add a call",
            trigger:
                ".o_field_widget[name=step_ids] .o_field_x2many_list_row_add a:contains(Add call)",
            run: "click",
        },
        {
            content: "The activity type defaults to a call",
            trigger: ".modal .o_field_widget[name=activity_type_id] input:value(Call)",
        },
        {
            content: "Set the call summary",
            trigger: ".modal .o_field_widget[name=summary] input",
            run: "edit Discovery call",
        },
        {
            content: "Save the step",
            trigger: ".modal .o_form_button_save",
            run: "click",
        },
        {
            content: "The call step is listed, with its day and a phone icon",
            trigger:
                ".o_field_widget[name=step_ids] .o_data_row:contains(Discovery call):has(.o_field_crm_sequence_step_icon i.fa-phone)",
        },
        // --- delay -----------------------------------------------------------
        {
            trigger: "body:not(:has(.modal))",
        },
        {
            content: "Add a delay",
            trigger:
                ".o_field_widget[name=step_ids] .o_field_x2many_list_row_add a:contains(Add delay)",
            run: "click",
        },
        {
            content: "Wait two days",
            trigger: ".modal .o_field_widget[name=delay_days] input",
            run: "edit 2",
        },
        {
            content: "Save the step",
            trigger: ".modal .o_form_button_save",
            run: "click",
        },
        {
            content: "Three steps are listed",
            trigger: ".o_field_widget[name=step_ids] .o_data_row:eq(2):contains(Delay)",
        },
        // --- rules -----------------------------------------------------------
        {
            trigger: "body:not(:has(.modal))",
        },
        {
            content: "Open the rules tab",
            trigger: ".o_notebook a.nav-link[name=rules]",
            run: "click",
        },
        {
            content: "Send from 08:00",
            trigger: ".o_field_widget[name=send_hour_from] input",
            run: "edit 08:00",
        },
        {
            content: "Send on Saturdays too",
            trigger: ".o_field_widget[name=send_sat] input",
            run: "check",
        },
        {
            content: "Contact time zones and spreading are on by default",
            trigger:
                ".o_field_widget[name=use_contact_tz] input:checked",
        },
        {
            trigger: ".o_field_widget[name=spread_sends] input:checked",
        },
        {
            content: "The unsubscribe link is on by default: word it",
            trigger: ".o_field_widget[name=unsubscribe_link] input:checked",
        },
        {
            trigger: ".o_field_widget[name=unsubscribe_text] input",
            run: "edit No more emails? Click here",
        },
        {
            content: "Pause ten days on an out-of-office without return date",
            trigger: ".o_field_widget[name=ooo_pause_days] input",
            run: "edit 10",
        },
        {
            content: "Stop the whole company when someone replies",
            trigger: ".o_field_widget[name=stop_company_on_reply] input",
            run: "check",
        },
        {
            content: "Save the sequence",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Saved",
            trigger: ".o_form_view .o_form_saved",
        },
        {
            content: "Activate it",
            trigger: ".o_statusbar_buttons button[name=action_activate]",
            run: "click",
        },
        {
            content: "The sequence is active",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains(Active)",
        },
        {
            content: "Nothing is missing any more",
            trigger: ".o_form_view:not(:has(.o_field_widget[name=missing_data]:visible))",
        },
    ],
});
