import { Component } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { _t } from "@web/core/l10n/translation";
import { standardFieldProps } from "@web/views/fields/standard_field_props";

/**
 * The planned schedule of a sequence: the lines its `planned_schedule` JSON field
 * computes (day, step, planned date in the sequence's time zone, and why a step
 * moved, e.g. "Saturday → Monday") and its condition ("if “Intro” clicked"), shown as a table.
 */
export class ScheduleField extends Component {
    static template = "crm_sequence.ScheduleField";
    static props = { ...standardFieldProps };

    get schedule() {
        return this.props.record.data[this.props.name] || { lines: [] };
    }
}

export const scheduleField = {
    component: ScheduleField,
    displayName: _t("Planned schedule"),
    supportedTypes: ["json"],
};

registry.category("fields").add("crm_sequence_schedule", scheduleField);
