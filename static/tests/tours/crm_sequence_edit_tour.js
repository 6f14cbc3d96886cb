import { registry } from "@web/core/registry";

/**
 * Changing the steps of a sequence that records are running through. The data
 * (active sequence: email day 1 done, call day 3 scheduled, 2 leads enrolled) is
 * made by tests/test_edit_tours.py, which checks the result. Both tours move the
 * call to day 2; they differ by the choice made in the "Edit running sequence"
 * wizard (keep the runs, or terminate them).
 */
function editRunningSteps(modeLabel, pendingLabel) {
    return [
        {
            content: "The sequence is open",
            trigger: ".o_form_view .o_field_widget[name=name] input:value(Tour Edit Sequence)",
        },
        {
            content: "The lock note explains why the steps cannot change",
            trigger: ".o_form_view .o_notebook div.text-muted:has(i.fa-lock):contains(Steps and sending rules are locked)",
        },
        {
            content: "The two steps are listed",
            trigger: ".o_form_view .o_field_widget[name=step_ids] .o_data_row:count(2)",
        },
        {
            content: "... read-only: no control to add a step, no move buttons",
            trigger:
                ".o_form_view .o_field_widget[name=step_ids]:not(:has(.o_field_x2many_list_row_add)):not(:has(button[name=action_move_up]))",
        },
        {
            content: "No pending edit yet",
            trigger: ".o_form_view:not(:has(.alert-info:contains(The next save applies)))",
        },
        {
            content: "Edit the running sequence",
            trigger: ".o_form_view .o_statusbar_buttons button:contains(Edit running sequence)",
            run: "click",
        },
        {
            content: "The wizard counts the 2 running enrollments",
            trigger: ".modal .o_field_widget[name=running_count]:text(2)",
        },
        {
            content: `Choose: ${modeLabel}`,
            trigger: `.modal .o_field_widget[name=mode] .o_radio_item:has(label:text(${modeLabel})) input`,
            run: "click",
        },
        {
            trigger: `.modal .o_field_widget[name=mode] .o_radio_item:has(label:text(${modeLabel})) input:checked`,
        },
        {
            content: "Confirm",
            trigger: ".modal .modal-footer button[name=action_confirm]",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
        {
            content: "The form tells what the next save will do",
            trigger: `.o_form_view .alert-info:contains(The next save applies) .o_field_widget[name=pending_edit_mode]:contains(${pendingLabel})`,
        },
        {
            content: "The lock note is gone",
            trigger: ".o_form_view:not(:has(.fa-lock))",
        },
        {
            content: "The steps can be changed now",
            trigger: ".o_form_view .o_field_widget[name=step_ids] .o_field_x2many_list_row_add a:contains(Add call)",
        },
        {
            content: "Open the call of day 3",
            trigger:
                ".o_field_widget[name=step_ids] .o_data_row:has(td[name=day]:text(3)) td[name=title]:contains(First call)",
            run: "click",
        },
        {
            content: "The step opens in a dialog",
            trigger: ".modal .o_field_widget[name=summary] input:value(First call)",
        },
        {
            content: "Move it to day 2",
            trigger: ".modal .o_field_widget[name=day] input",
            run: "edit 2",
        },
        {
            content: "Save the step",
            trigger: ".modal .o_form_button_save",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
        {
            content: "The call is listed on day 2",
            trigger:
                ".o_field_widget[name=step_ids] .o_data_row:has(td[name=title]:contains(First call)) td[name=day]:text(2)",
        },
        {
            content: "Save the sequence",
            trigger: ".o_form_view .o_form_button_save",
            run: "click",
        },
        {
            content: "Saved",
            trigger: ".o_form_view .o_form_saved",
        },
        {
            content: "The choice is used up: the steps are locked again",
            trigger: ".o_form_view:not(:has(.alert-info:contains(The next save applies)))",
        },
    ];
}

registry.category("web_tour.tours").add("crm_sequence_edit_running_tour", {
    steps: () => [
        ...editRunningSteps("Keep them: apply the new steps to what remains", "Keep them on the new steps"),
        {
            content: "The 2 runs go on: the steps are locked again",
            trigger: ".o_form_view .o_notebook div.text-muted:has(i.fa-lock):contains(Steps and sending rules are locked)",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=step_ids]:not(:has(.o_field_x2many_list_row_add))",
        },
    ],
});

registry.category("web_tour.tours").add("crm_sequence_edit_terminate_tour", {
    steps: () => [
        ...editRunningSteps("Terminate their runs", "Terminate running enrollments"),
        {
            content: "No run is left: the steps stay editable, no lock note",
            trigger:
                ".o_form_view:not(:has(.fa-lock)) .o_field_widget[name=step_ids] .o_field_x2many_list_row_add a:contains(Add call)",
        },
    ],
});
