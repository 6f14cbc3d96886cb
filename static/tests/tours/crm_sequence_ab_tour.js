import { registry } from "@web/core/registry";

const variants = ".modal .o_field_widget[name=variant_ids]";
const variantDialog = ".modal:has(.o_field_widget[name=body_html]):not(:has(.o_field_widget[name=variant_ids]))";

/**
 * A two-variant step built in the builder: the step's email, a second version added on
 * its A/B test tab (the first becomes variant A), the "no winner yet" message, then
 * "Decide now" on the saved step. Checked in Python by
 * test_ab_tours.TestAbTours.test_ab_tour.
 */
registry.category("web_tour.tours").add("crm_sequence_ab_tour", {
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
            run: "edit A/B tour",
        },
        {
            content: "Add an automatic email",
            trigger:
                ".o_field_widget[name=step_ids] .o_field_x2many_list_row_add a:contains(Add automatic email)",
            run: "click",
        },
        {
            content: "Write its subject",
            trigger: ".modal .o_field_widget[name=subject] input",
            run: "edit Hello {{ object.contact_name ||| there}}",
        },
        {
            content: "Write its body",
            trigger: ".modal .o_field_widget[name=body_html] .odoo-editor-editable",
            run: "editor Nice to meet you, let us talk about your project.",
        },
        {
            trigger: ".modal .o_field_widget[name=body_html] .odoo-editor-editable:contains(let us talk)",
        },
        {
            content: "Open the A/B test tab",
            trigger: ".modal .o_notebook a.nav-link[name=ab_test]",
            run: "click",
        },
        {
            content: "It explains what a variant does",
            trigger: ".modal .o_notebook:contains(This email becomes variant A)",
        },
        {
            content: "Add a variant",
            trigger: `${variants} .o_field_x2many_list_row_add a:contains(Add a variant)`,
            run: "click",
        },
        {
            content: "Write the second version's subject",
            trigger: `${variantDialog} .o_field_widget[name=subject] input`,
            run: "edit A quick question",
        },
        {
            content: "Write its body",
            trigger: `${variantDialog} .o_field_widget[name=body_html] .odoo-editor-editable`,
            run: "editor Can we talk this week?",
        },
        {
            trigger: `${variantDialog} .o_field_widget[name=body_html] .odoo-editor-editable:contains(this week)`,
        },
        {
            content: "Save the variant",
            trigger: `${variantDialog} .o_form_button_save`,
            run: "click",
        },
        {
            content: "The step's own email became variant A",
            trigger: `${variants} .o_data_row:eq(0):contains(A):contains(Hello)`,
        },
        {
            content: "The new one is variant B",
            trigger: `${variants} .o_data_row:eq(1):contains(B):contains(A quick question)`,
        },
        {
            content: "No winner yet: each variant needs its sample",
            trigger: ".modal .o_crm_sequence_ab_status:contains(No winner yet: 200 more sends needed)",
        },
        {
            content: "Save the step",
            trigger: ".modal .o_form_button_save",
            run: "click",
        },
        {
            content: "The builder lists an A/B-tested step",
            trigger:
                "body:not(:has(.modal)) .o_field_widget[name=step_ids] .o_data_row:contains(A/B test: 2 variants)",
        },
        {
            content: "Save the sequence",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            trigger: ".o_form_saved",
        },
        {
            content: "Open the saved step",
            trigger: ".o_field_widget[name=step_ids] .o_data_row:contains(A/B test) td[name=title]",
            run: "click",
        },
        {
            content: "Its A/B test tab",
            trigger: ".modal .o_notebook a.nav-link[name=ab_test]",
            run: "click",
        },
        {
            content: "Decide now",
            trigger: ".modal button[name=action_ab_decide]",
            run: "click",
        },
        {
            content: "Still no winner: nothing was sent",
            trigger: ".modal .o_crm_sequence_ab_status:contains(No winner yet: 200 more sends needed)",
        },
        {
            content: "Both variants are still in the test",
            trigger: `${variants} .o_data_row:eq(1):contains(A quick question) button[name=action_pick_winner]`,
        },
    ],
});
