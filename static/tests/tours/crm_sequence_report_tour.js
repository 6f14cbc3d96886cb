import { registry } from "@web/core/registry";

/**
 * Step results as a sales manager reads them (test_report.TestStepResultsTour): the pivot
 * lists the steps of the sequence with their sent, opened and replied emails.
 */
registry.category("web_tour.tours").add("crm_sequence_report_tour", {
    steps: () => [
        {
            content: "The graph opens first: emails per step, by what the contact did",
            trigger: ".o_graph_view .o_graph_renderer canvas",
        },
        {
            content: "Switch to the pivot",
            trigger: ".o_control_panel .o_switch_view.o_pivot",
            run: "click",
        },
        {
            content: "Replies are a measure",
            trigger: ".o_pivot thead th:contains(Replied)",
        },
        {
            content: "First email: 3 sent, 2 opened, 1 replied (columns: sent, opened, clicked, replied)",
            trigger:
                ".o_pivot tbody tr:has(th:contains(Report first email)):has(td:eq(0):contains(3)):has(td:eq(1):contains(2)):has(td:eq(3):contains(1))",
        },
        {
            content: "Second email: 2 sent, 2 replied",
            trigger:
                ".o_pivot tbody tr:has(th:contains(Report second email)):has(td:eq(0):contains(2)):has(td:eq(3):contains(2))",
        },
    ],
});
