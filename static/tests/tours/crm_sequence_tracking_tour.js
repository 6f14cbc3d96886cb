import { registry } from "@web/core/registry";

/**
 * Following the runs of sequences. The data (sequences, enrollments, executed
 * touches) is made by tests/test_tracking_tours.py, which checks the result.
 */

// The sequence form keeps five stat buttons (the rest are figures of its Enrollments tab).
const statButton = (label) => `.oe_stat_button:has(.o_stat_text:text(${label}))`;

/**
 * The manager reads the figures of a sequence: list columns, stat buttons, the
 * enrollments behind one of them, and the per-step results.
 * 3 leads enrolled, day 1 email and call done, one run terminated.
 */
registry.category("web_tour.tours").add("crm_sequence_manager_tour", {
    url: "/odoo/action-crm_sequence.crm_sequence_action",
    steps: () => [
        {
            content: "Switch to the list view",
            trigger: ".o_control_panel .o_switch_view.o_list",
            run: "click",
        },
        {
            content: "The row shows 3 enrolled",
            trigger:
                ".o_list_view .o_data_row:has(td[name=name]:text(Tour Manager Sequence)) td[name=enrolled_count]:text(3)",
        },
        {
            content: "... 2 running",
            trigger:
                ".o_list_view .o_data_row:has(td[name=name]:text(Tour Manager Sequence)) td[name=active_count]:text(2)",
        },
        {
            content: "... none completed",
            trigger:
                ".o_list_view .o_data_row:has(td[name=name]:text(Tour Manager Sequence)) td[name=completed_count]:text(0)",
        },
        {
            content: "... and 3 steps",
            trigger:
                ".o_list_view .o_data_row:has(td[name=name]:text(Tour Manager Sequence)) td[name=step_count]:text(3)",
        },
        {
            content: "Open the sequence",
            trigger: ".o_list_view .o_data_row td[name=name]:text(Tour Manager Sequence)",
            run: "click",
        },
        {
            content: "The form is open",
            trigger: ".o_form_view .o_field_widget[name=name] input:value(Tour Manager Sequence)",
        },
        {
            content: "Enrolled: 3",
            trigger: `${statButton("Enrolled")} .o_stat_value:text(3)`,
        },
        {
            content: "Running: 2",
            trigger: `${statButton("Running")} .o_stat_value:text(2)`,
        },
        {
            content: "Completed: 0",
            trigger: `${statButton("Completed")} .o_stat_value:text(0)`,
        },
        {
            content: "Terminated: 1",
            trigger: `${statButton("Terminated")} .o_stat_value:text(1)`,
        },
        {
            content: "Actions run are explained on the form (their count is checked in Python)",
            trigger: ".o_form_view:contains(Actions run):contains(One per step executed)",
        },
        {
            content: "Open the terminated enrollments",
            trigger: statButton("Terminated"),
            run: "click",
        },
        {
            content: "The enrollments are listed, opened from the sequence",
            trigger:
                ".o_breadcrumb:has(.breadcrumb-item:contains(Tour Manager Sequence)) .active:contains(Enrollments)",
        },
        {
            content: "Exactly one, the terminated run",
            trigger:
                ".o_list_view .o_data_row:count(1):has(td[name=state]:text(Terminated)):has(td[name=end_reason]:text(Terminated by a user))",
        },
        {
            content: "It is the run of Manager Lead C",
            trigger: ".o_list_view .o_data_row td[name=record_name]:text(Manager Lead C)",
        },
        {
            content: "Back to the sequence",
            trigger: ".o_breadcrumb .breadcrumb-item a:contains(Tour Manager Sequence)",
            run: "click",
        },
        {
            content: "Three steps are listed",
            trigger: ".o_form_view .o_field_widget[name=step_ids] .o_data_row:count(3)",
        },
        {
            content: "The email was sent 3 times",
            trigger:
                ".o_field_widget[name=step_ids] .o_data_row:has(td[name=step_type]:text(Automatic email)) td[name=sent_count]:text(3)",
        },
        {
            content: "Show the Done column",
            trigger: ".o_field_widget[name=step_ids] .o_optional_columns_dropdown button",
            run: "click",
        },
        {
            trigger: ".o-dropdown--menu input[name=done_count]:not(:checked)",
            run: "click",
        },
        {
            content: "The email step is done for the 3 records",
            trigger:
                ".o_field_widget[name=step_ids] .o_data_row:has(td[name=step_type]:text(Automatic email)) td[name=done_count]:text(3)",
        },
        {
            content: "The call step too",
            trigger:
                ".o_field_widget[name=step_ids] .o_data_row:has(td[name=step_type]:text(Call)) td[name=done_count]:text(3)",
        },
        {
            content: "The to-do of day 5 has not run yet",
            trigger:
                ".o_field_widget[name=step_ids] .o_data_row:has(td[name=step_type]:text(To-do)) td[name=done_count]:text(0)",
        },
    ],
});

/**
 * From a lead, open its run in a sequence, read the timeline, pause then terminate it.
 * Started on the lead's form (its id is only known to the test).
 */
registry.category("web_tour.tours").add("crm_sequence_timeline_tour", {
    steps: () => [
        {
            content: "The lead is open",
            trigger: ".o_form_view .o_field_widget[name=name] textarea:value(Timeline Lead)",
        },
        {
            content: "Open its sequences (1)",
            trigger:
                ".o_form_view .oe_stat_button[name=action_view_crm_sequence_enrollments]:has(.o_stat_value:text(1))",
            run: "click",
        },
        {
            content: "Its one run is listed",
            trigger:
                ".o_list_view .o_data_row:count(1) td[name=sequence_id]:contains(Tour Timeline Sequence)",
            run: "click",
        },
        {
            content: "The run is running",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains(Running)",
        },
        {
            content: "The timeline shows two touches",
            trigger: ".o_field_widget[name=touch_ids] .o_data_row:count(2)",
        },
        {
            content: "The email of day 1 is done",
            trigger:
                ".o_field_widget[name=touch_ids] .o_data_row:has(td[name=step_day]:text(1)):has(td[name=title]:contains(Automatic email)) td[name=state]:text(Done)",
        },
        {
            content: "The call of day 3 is scheduled",
            trigger:
                ".o_field_widget[name=touch_ids] .o_data_row:has(td[name=step_day]:text(3)):has(td[name=title]:contains(Timeline call)) td[name=state]:text(Scheduled)",
        },
        {
            content: "Pause the run",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_pause]",
            run: "click",
        },
        {
            content: "The run is paused",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains(Paused)",
        },
        {
            content: "It can be resumed",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_resume]",
        },
        {
            content: "Terminate it",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_terminate]",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal:contains(What it still had to do is canceled) .modal-footer button.btn-primary",
            run: "click",
        },
        {
            content: "The run is terminated",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains(Terminated)",
        },
        {
            content: "Terminated by a user",
            trigger: ".o_form_view .o_field_widget[name=end_reason]:contains(Terminated by a user)",
        },
        {
            content: "The call will not happen",
            trigger:
                ".o_field_widget[name=touch_ids] .o_data_row:has(td[name=title]:contains(Timeline call)) td[name=state]:text(Canceled)",
        },
        {
            content: "The email stays done",
            trigger:
                ".o_field_widget[name=touch_ids] .o_data_row:has(td[name=title]:contains(Automatic email)) td[name=state]:text(Done)",
        },
        {
            content: "Nothing is left to pause or terminate",
            trigger:
                ".o_form_view:has(.o_statusbar_status):not(:has(button[name=action_pause])):not(:has(button[name=action_terminate])):not(:has(button[name=action_resume]))",
        },
    ],
});

/**
 * A seller finds their tasks from sequences among the activities they may see,
 * then groups them by sequence. Theirs: 2 sequence calls and 1 plain to-do; they
 * also see the call of an unassigned lead, planned for the sequence's owner.
 */
registry.category("web_tour.tours").add("crm_sequence_activities_tour", {
    url: "/odoo/action-mail.mail_activity_action",
    steps: () => [
        {
            content: "The seller sees 4 activities (none of the leads of others)",
            trigger: ".o_list_view .o_data_row:count(4)",
        },
        {
            trigger: ".o_list_view:not(:has(.o_data_row td[name=res_name]:text(Other Lead)))",
        },
        {
            trigger: ".o_list_view .o_data_row:has(td[name=res_name]:text(Unassigned Lead)) td[name=summary]:text(Sequence call)",
        },
        {
            content: "Open the search options",
            trigger: ".o_control_panel .o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: "My Activities",
            trigger: ".o_filter_menu .o_menu_item:text(My Activities)",
            run: "click",
        },
        {
            trigger: ".o_searchview .o_facet_value:text(My Activities)",
        },
        {
            content: "Their 3 activities are left, the plain to-do among them",
            trigger:
                ".o_list_view:not(:has(.o_data_row td[name=res_name]:text(Unassigned Lead))) .o_data_row:count(3)",
        },
        {
            trigger: ".o_list_view .o_data_row td[name=summary]:text(Plain seller to-do)",
        },
        {
            content: "From sequences",
            trigger: ".o_filter_menu .o_menu_item:text(From sequences)",
            run: "click",
        },
        {
            trigger: ".o_searchview .o_facet_value:text(From sequences)",
        },
        {
            content: "Only the two sequence calls are left",
            trigger:
                ".o_list_view:not(:has(.o_data_row td[name=summary]:text(Plain seller to-do))) .o_data_row:count(2)",
        },
        {
            trigger: ".o_list_view .o_data_row:has(td[name=res_name]:text(Seller Lead A)) td[name=summary]:text(Sequence call)",
        },
        {
            trigger: ".o_list_view .o_data_row:has(td[name=res_name]:text(Seller Lead B)) td[name=summary]:text(Sequence call)",
        },
        {
            content: "Group by sequence",
            trigger: ".o_group_by_menu .o_menu_item:text(Sequence)",
            run: "click",
        },
        {
            content: "One group, named after the sequence, with the 2 calls",
            trigger: ".o_list_view .o_group_header:count(1) .o_group_name:contains(Tour Activities Sequence (2))",
        },
    ],
});

/**
 * A run's timeline tells a person's signals from a mail scanner's, and the step's click
 * rate counts people only. Data from tests/test_tracking_tours.py (test_signals_tour):
 * the first email opened and clicked by a person, the second opened by Apple's proxy only;
 * the other lead did nothing.
 */
registry.category("web_tour.tours").add("crm_sequence_signals_tour", {
    steps: () => [
        {
            content: "Open the lead's sequences",
            trigger:
                ".o_form_view .oe_stat_button[name=action_view_crm_sequence_enrollments]:has(.o_stat_value:text(1))",
            run: "click",
        },
        {
            content: "Open its run",
            trigger: ".o_list_view .o_data_row td[name=sequence_id]:contains(Tour Signals Sequence)",
            run: "click",
        },
        {
            content: "The first email: clicked by a person",
            trigger:
                ".o_field_widget[name=touch_ids] .o_data_row:has(td[name=title]:contains(Prices)) td[name=engagement]:text(Clicked)",
        },
        {
            content: "The second email: opened by a mail scanner, not counted",
            trigger:
                ".o_field_widget[name=touch_ids] .o_data_row:has(td[name=title]:contains(Case studies)) td[name=engagement]:text(Opened by a mail scanner (not counted))",
        },
        {
            content: "Open the sequence from the run",
            trigger: ".o_form_view .o_field_widget[name=sequence_id] a.o_form_uri",
            run: "click",
        },
        {
            content: "The sequence form is open",
            trigger: ".o_form_view .o_field_widget[name=name] input:value(Tour Signals Sequence)",
        },
        {
            content: "The first email's click rate: one person of two",
            trigger:
                ".o_field_widget[name=step_ids] .o_data_row:has(td[name=title]:contains(Prices)) td[name=click_rate]:contains(50)",
        },
        {
            content: "The second email: no click, its scanner open is apart",
            trigger:
                ".o_field_widget[name=step_ids] .o_data_row:has(td[name=title]:contains(Case studies)) td[name=click_rate]:contains(0)",
        },
    ],
});
