import { registry } from "@web/core/registry";

const stepRow = (text) => `.o_field_widget[name=step_ids] .o_data_row:has(td[name=title]:contains(${text}))`;

/**
 * A branch in the builder (test_condition_tours.TestConditionTours.test_branch_tour): on day 3,
 * "Intro clicked → a call" and "Intro not clicked → another email"; the step list and the
 * planned schedule say each step's condition.
 */
registry.category("web_tour.tours").add("crm_sequence_branch_tour", {
    steps: () => [
        {
            content: "The sequence has its intro email",
            trigger: stepRow("Intro"),
        },
        {
            content: "Add a call",
            trigger: ".o_field_widget[name=step_ids] .o_field_x2many_list_row_add a:contains(Add call)",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=summary] input",
            run: "edit Call the clicker",
        },
        {
            trigger: ".modal .o_field_widget[name=day] input",
            run: "edit 3",
        },
        {
            content: "Only when the intro was clicked",
            trigger: ".modal .o_field_widget[name=condition] input",
            run: "click",
        },
        {
            trigger: ".o_select_menu_item:contains(Link clicked):not(:contains(No))",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=condition_step_id] input",
            run: "edit Intro",
        },
        {
            trigger: ".o-autocomplete--dropdown-item a:contains(Intro)",
            run: "click",
        },
        {
            trigger: ".modal .o_form_button_save",
            run: "click",
        },
        {
            content: "The call says its condition in the list",
            trigger: `body:not(:has(.modal)) ${stepRow("Call the clicker")}:has(td[name=condition_summary]:contains(if “Intro” clicked))`,
        },
        {
            content: "Add an automatic email on the same day",
            trigger: ".o_field_widget[name=step_ids] .o_field_x2many_list_row_add a:contains(Add automatic email)",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=subject] input",
            run: "edit Another look",
        },
        {
            trigger: ".modal .o_field_widget[name=day] input",
            run: "edit 3",
        },
        {
            content: "Only when the intro was not clicked: the other branch",
            trigger: ".modal .o_field_widget[name=condition] input",
            run: "click",
        },
        {
            trigger: ".o_select_menu_item:contains(No link clicked)",
            run: "click",
        },
        {
            content: "Only emails are offered for a click condition",
            trigger: ".modal .o_field_widget[name=condition_step_id] input",
            run: "edit i",
        },
        {
            trigger: ".o-autocomplete--dropdown-menu:contains(Intro):not(:contains(Call the clicker))",
        },
        {
            trigger: ".o-autocomplete--dropdown-item a:contains(Intro)",
            run: "click",
        },
        {
            trigger: ".modal .o_form_button_save",
            run: "click",
        },
        {
            trigger: `body:not(:has(.modal)) ${stepRow("Another look")}:has(td[name=condition_summary]:contains(if “Intro” not clicked))`,
        },
        {
            content: "Save the sequence",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "The planned schedule shows the branch",
            trigger: ".o_crm_sequence_schedule tr:has(.o_crm_sequence_schedule_condition:contains(if “Intro” clicked)):contains(Day 3)",
        },
        {
            trigger: ".o_crm_sequence_schedule tr:has(.o_crm_sequence_schedule_condition:contains(if “Intro” not clicked)):contains(Day 3)",
        },
        {
            trigger: ".o_form_saved",
        },
    ],
});
