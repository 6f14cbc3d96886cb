import { registry } from "@web/core/registry";

const scheduleDates = () =>
    [...document.querySelectorAll(".o_crm_sequence_schedule td.o_crm_sequence_schedule_date")].map((cell) =>
        cell.firstChild.textContent.trim()
    );

/**
 * Counting sending days (test_tours.TestCrmSequenceTours.test_sending_days_tour): seven
 * to-dos on days 1 to 7 counted in calendar days share a date around a weekend; switched
 * to sending days, the planned schedule gives each its own date.
 */
registry.category("web_tour.tours").add("crm_sequence_sending_days_tour", {
    steps: () => [
        {
            content: "Counting calendar days, two steps share the Monday after a weekend",
            trigger: ".o_crm_sequence_schedule:contains(days count calendar days)",
            run() {
                const dates = scheduleDates();
                if (dates.length !== 7 || new Set(dates).size === dates.length) {
                    throw new Error(`Expected a shared date in calendar days, got ${dates.join(" | ")}`);
                }
            },
        },
        {
            content: "Open the sending rules",
            trigger: ".o_notebook .nav-link:contains(Rules)",
            run: "click",
        },
        {
            content: "Count sending days",
            trigger: ".o_field_widget[name=day_mode] input[data-value=sending]",
            run: "click",
        },
        {
            content: "Back to the steps",
            trigger: ".o_notebook .nav-link:contains(Steps)",
            run: "click",
        },
        {
            content: "Every step has its own date",
            trigger: ".o_crm_sequence_schedule:contains(days count sending days)",
            run() {
                const dates = scheduleDates();
                if (dates.length !== 7 || new Set(dates).size !== dates.length) {
                    throw new Error(`Expected seven distinct dates, got ${dates.join(" | ")}`);
                }
            },
        },
        {
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            trigger: ".o_form_saved",
        },
    ],
});
