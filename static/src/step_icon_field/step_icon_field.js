import { Component } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { _t } from "@web/core/l10n/translation";
import { standardFieldProps } from "@web/views/fields/standard_field_props";

/**
 * Shows a step's Font Awesome icon (its `icon` char field, e.g. "fa-phone"),
 * so the builder's step list reads at a glance: email, call, to-do, delay.
 */
export class StepIconField extends Component {
    static template = "crm_sequence.StepIconField";
    static props = { ...standardFieldProps };

    get iconClass() {
        return this.props.record.data[this.props.name] || "fa-circle-o";
    }
}

export const stepIconField = {
    component: StepIconField,
    displayName: _t("Step icon"),
    supportedTypes: ["char"],
};

registry.category("fields").add("crm_sequence_step_icon", stepIconField);
