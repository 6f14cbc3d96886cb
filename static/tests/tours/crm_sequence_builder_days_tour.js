import { registry } from "@web/core/registry";

const stepRow = (text) => `.o_field_widget[name=step_ids] .o_data_row:has(td[name=title]:contains(${text}))`;
const stepRowAt = (index, text) =>
    `.o_field_widget[name=step_ids] .o_data_row:eq(${index}):has(td[name=title]:contains(${text}))`;

/**
 * The builder's days mean what they say (test_tours.TestCrmSequenceTours.test_builder_days_tour):
 * titles without raw placeholders, a step moved with its content, duplicate after a move,
 * a refused move that names the steps as the list numbers them, the planned schedule
 * explaining a moved day.
 */
registry.category("web_tour.tours").add("crm_sequence_builder_days_tour", {
    steps: () => [
        {
            content: "Titles read as text, not as raw placeholders",
            trigger: stepRowAt(0, "Hello {Contact Name}"),
        },
        {
            trigger: ".o_field_widget[name=step_ids]:not(:contains({{))",
        },
        {
            content: "Move the to-do up, above the delay that pushed it",
            trigger: `${stepRow("Follow up")} button[name=action_move_up]`,
            run: "click",
        },
        {
            content: "The to-do moved with its content, on the day it no longer waits for",
            trigger: `${stepRowAt(2, "Follow up")}:has(td[name=day]:text(2))`,
        },
        {
            content: "Duplicate the call after the move",
            trigger: `${stepRow("Call them")} button[name=action_duplicate]`,
            run: "click",
        },
        {
            content: "The copy is right after the call",
            trigger: stepRowAt(2, "Call them"),
        },
        {
            trigger: ".o_field_widget[name=step_ids] .o_data_row:eq(5)",
        },
        {
            content: "The planned schedule explains the moved day",
            trigger: ".o_crm_sequence_schedule .badge:contains(Saturday → Monday)",
        },
        {
            content: "Move the first email below the call: its day 1 cannot come after day 2",
            trigger: `${stepRowAt(0, "Hello")} button[name=action_move_down]`,
            run: "click",
        },
        {
            content: "The refusal names the steps as the list numbers them",
            trigger:
                ".modal:contains(Step 1 (Automatic email, day 1) cannot move below Step 2 (Call, day 2))",
        },
        {
            content: "Close the message",
            trigger: ".modal .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "Nothing moved",
            trigger: `body:not(:has(.modal)) ${stepRowAt(0, "Hello {Contact Name}")}`,
        },
    ],
});

/**
 * Every end state on the kanban card; up, down and duplicate on a sequence that is not
 * saved yet: the list saves it first.
 */
registry.category("web_tour.tours").add("crm_sequence_builder_unsaved_tour", {
    url: "/odoo/action-crm_sequence.crm_sequence_action",
    steps: () => [
        {
            content: "The kanban card shows terminated runs too",
            trigger: ".o_kanban_record:contains(Kanban tour):contains(1 terminated):contains(1 running)",
        },
        {
            content: "Create a sequence",
            trigger: ".o_control_panel_main_buttons .o-kanban-button-new",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=name] input",
            run: "edit Unsaved tour",
        },
        {
            content: "Add a call",
            trigger: ".o_field_widget[name=step_ids] .o_field_x2many_list_row_add a:contains(Add call)",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=summary] input",
            run: "edit First call",
        },
        {
            trigger: ".modal .o_form_button_save",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
        {
            content: "Add a to-do",
            trigger: ".o_field_widget[name=step_ids] .o_field_x2many_list_row_add a:contains(Add to-do)",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=summary] input",
            run: "edit Second task",
        },
        {
            trigger: ".modal .o_form_button_save",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
        {
            content: "Move the unsaved to-do up",
            trigger: `${stepRowAt(1, "Second task")} button[name=action_move_up]`,
            run: "click",
        },
        {
            content: "The sequence was saved and the to-do moved",
            trigger: `.o_form_saved ${stepRowAt(0, "Second task")}`,
        },
        {
            content: "Duplicate it",
            trigger: `${stepRowAt(0, "Second task")} button[name=action_duplicate]`,
            run: "click",
        },
        {
            content: "Three steps",
            trigger: stepRowAt(1, "Second task"),
        },
        {
            trigger: stepRowAt(2, "First call"),
        },
    ],
});
