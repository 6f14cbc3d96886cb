import { registry } from "@web/core/registry";

/**
 * A seller reads a reply otherwise than Odoo did: on the run's timeline, the email's reply
 * was read as "Not now" (the run is paused); the seller corrects it to "Interested" and
 * the run ends as replied. Checked in Python by test_reply_tours.TestReplyTour.
 */
registry.category("web_tour.tours").add("crm_sequence_reply_tour", {
    steps: () => [
        {
            content: "The run is paused by the reply",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains(Paused)",
        },
        {
            content: "The timeline shows how the reply was read",
            trigger: ".o_field_widget[name=touch_ids] .o_data_row td[name=reply_intent]:contains(Not now)",
        },
        {
            content: "Correct the reading",
            trigger: ".o_field_widget[name=touch_ids] .o_data_row button[name=action_open_reply]",
            run: "click",
        },
        {
            content: "The reply's reading, with the date it gave",
            trigger: ".modal .o_form_view .o_field_widget[name=reply_resume_date]:contains(2027)",
        },
        {
            content: "Read it as interested",
            trigger: ".modal .o_form_view .o_statusbar_buttons button:contains(Interested)",
            run: "click",
        },
        {
            content: "The run ended: the contact replied",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains(Removed)",
        },
        {
            content: "The timeline shows the corrected reading",
            trigger: ".o_field_widget[name=touch_ids] .o_data_row td[name=reply_intent]:contains(Interested)",
        },
    ],
});
