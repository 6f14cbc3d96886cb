import { registry } from "@web/core/registry";

/**
 * From the leads list: select two leads, "Add to sequence" in the Actions menu,
 * pick the sequence and enroll. The sequence and the leads are made by the test.
 */
registry.category("web_tour.tours").add("crm_sequence_enroll_tour", {
    url: "/odoo/action-crm.crm_lead_all_leads?view_type=list",
    steps: () => [
        {
            content: "Select the first lead",
            trigger: ".o_list_view .o_data_row:eq(0) td.o_list_record_selector input[type=checkbox]",
            run: "click",
        },
        {
            content: "Select the second lead",
            trigger: ".o_list_view .o_data_row:eq(1) td.o_list_record_selector input[type=checkbox]",
            run: "click",
        },
        {
            content: "Open the Actions menu",
            trigger: ".o_control_panel .o_cp_action_menus button",
            run: "click",
        },
        {
            content: "Add to sequence",
            trigger: ".o-dropdown--menu .o-dropdown-item:contains(Add to sequence)",
            run: "click",
        },
        {
            content: "Two records are selected",
            trigger: ".modal .o_field_widget[name=record_count]:contains(2)",
        },
        {
            content: "Search the sequence",
            trigger: ".modal .o_field_widget[name=sequence_id] input",
            run: "edit Tour Enroll",
        },
        {
            content: "Pick it",
            trigger: ".o-autocomplete--dropdown-item a:contains(Tour Enroll Sequence)",
            run: "click",
        },
        {
            content: "Enroll",
            trigger: ".modal footer button[name=action_enroll]",
            run: "click",
        },
        {
            content: "Told how many were enrolled",
            trigger: ".o_notification:contains(enrolled)",
        },
    ],
});
