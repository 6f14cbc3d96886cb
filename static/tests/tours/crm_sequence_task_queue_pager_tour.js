import { registry } from "@web/core/registry";

/**
 * Four calls due today (test_tours.TestCrmSequenceTours.test_task_queue_pager_tour):
 * "Done & next" three times stays in one form under one breadcrumb ("My tasks"), the
 * pager counting the queue; the fourth brings the seller back to the empty queue.
 */
function doneAndNext(remaining, contact) {
    return [
        {
            content: `Pager: 1 of ${remaining}`,
            trigger: `.o_pager_counter:has(.o_pager_value:contains(/^1$/)):has(.o_pager_limit:contains(/^${remaining}$/))`,
        },
        {
            content: `One breadcrumb: My tasks (calling ${contact})`,
            trigger: `.o_control_panel .breadcrumb:not(:has(.breadcrumb-item:eq(1))) .breadcrumb-item:contains(My tasks)`,
        },
        {
            trigger: `.o_form_view .o_field_widget[name=res_name]:contains(${contact})`,
        },
        {
            content: "No script for this call: no empty heading",
            trigger: ".o_form_view:not(:has(.o_horizontal_separator:contains(Script)))",
        },
        {
            content: "Done, next task",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_crm_sequence_done_next]:visible",
            run: "click",
        },
    ];
}

registry.category("web_tour.tours").add("crm_sequence_task_queue_pager_tour", {
    steps: () => [
        {
            content: "Four tasks are due today",
            trigger: ".o_list_view .o_data_row:eq(3)",
        },
        {
            content: "Start working them",
            trigger: ".o_control_panel button:contains(Start)",
            run: "click",
        },
        ...doneAndNext(4, "Pager lead 1"),
        ...doneAndNext(3, "Pager lead 2"),
        ...doneAndNext(2, "Pager lead 3"),
        ...doneAndNext(1, "Pager lead 4"),
        {
            content: "All done: back to the empty queue",
            trigger: ".o_notification:contains(No sequence task is due any more today)",
        },
        {
            trigger: ".o_list_view:not(:has(.o_data_row))",
        },
    ],
});
