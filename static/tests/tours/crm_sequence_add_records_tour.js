import { registry } from "@web/core/registry";

/**
 * From an active sequence's form: "Add records" opens the board's list in a dialog,
 * search two leads, select them and enroll; the report names the one already running.
 * The sequence and the leads are made by the test (test_tours.py).
 */
registry.category("web_tour.tours").add("crm_sequence_add_records_tour", {
    steps: () => [
        {
            content: "Add records from the sequence",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_add_records]",
            run: "click",
        },
        {
            content: "The board's list opens in a dialog",
            trigger: ".modal .o_list_view",
        },
        {
            content: "Search the tour's leads",
            trigger: ".modal .o_searchview_input",
            run: "edit Add tour",
        },
        {
            content: "Search",
            trigger: ".modal .o_searchview_input",
            run: "press Enter",
        },
        {
            content: "Only the tour's leads are listed",
            trigger: ".modal .o_list_view:not(:has(.o_data_row:eq(3))) .o_data_row:eq(2)",
        },
        {
            content: "Select all of them",
            trigger: ".modal .o_list_view thead .o_list_record_selector input[type=checkbox]",
            run: "click",
        },
        {
            content: "Select",
            trigger: ".modal footer .o_select_button:enabled",
            run: "click",
        },
        {
            content: "The report names the lead already running",
            trigger: ".o_notification:contains(2 enrolled):contains(Add tour lead C)",
        },
        {
            content: "The form shows the new runs",
            trigger: ".o_form_view .oe_stat_button:contains(Enrolled):contains(3)",
        },
    ],
});
