import { registry } from "@web/core/registry";

/**
 * A seller works the day's sequence tasks (test_tours.TestCrmSequenceTours.test_task_queue_tour):
 * the queue lists them, "Start" opens the first (a call: phone link, script, outcome),
 * "Done & next" opens the manual email, written and sent from Odoo's composer.
 */
registry.category("web_tour.tours").add("crm_sequence_task_queue_tour", {
    steps: () => [
        {
            content: "Two tasks are due today",
            trigger: ".o_list_view .o_data_row:eq(1)",
        },
        {
            content: "Start working them",
            trigger: ".o_control_panel button:contains(Start)",
            run: "click",
        },
        {
            content: "The call shows the phone number as a link",
            trigger: ".o_form_view .o_field_widget[name=crm_sequence_phone] a[href^='tel:']",
        },
        {
            content: "and the call script",
            trigger: ".o_form_view .o_field_widget[name=note]:contains(Ask about their budget)",
        },
        {
            content: "Nobody answered",
            trigger: ".o_field_widget[name=crm_sequence_outcome] input[data-value=no_answer]",
            run: "click",
        },
        {
            content: "Note it",
            trigger: ".o_field_widget[name=feedback] textarea",
            run: "edit Try again tomorrow morning",
        },
        {
            content: "Done, next task",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_crm_sequence_done_next]:visible",
            run: "click",
        },
        {
            content: "The manual email comes next",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_crm_sequence_compose]",
        },
        {
            content: "Write the email",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_crm_sequence_compose]",
            run: "click",
        },
        {
            content: "The composer holds the draft rendered for the record",
            trigger: ".modal .o_field_widget[name=subject] input:value(Proposal for Queue Contact)",
        },
        {
            trigger: ".modal .o_field_widget[name=body] .odoo-editor-editable:contains(Dear Queue Contact)",
        },
        {
            content: "Send it",
            trigger: ".modal .o_mail_send",
            run: "click",
        },
        {
            content: "Sent",
            trigger: "body:not(:has(.modal))",
        },
    ],
});
