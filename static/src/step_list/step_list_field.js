import { registry } from "@web/core/registry";
import { pick } from "@web/core/utils/objects";
import { X2ManyField, x2ManyField } from "@web/views/fields/x2many/x2many_field";
import { ListRenderer } from "@web/views/list/list_renderer";

/**
 * The builder's step list (the `step_ids` field of a sequence). Odoo's one2many lists answer "Please save your changes first"
 * when a row button (move up/down, duplicate, preview) is clicked on a step that is not
 * saved yet; here the sequence is saved first, by itself, and the button then runs on
 * the saved step (the same row: steps are listed by their position).
 */
export class StepListRenderer extends ListRenderer {
    static recordRowTemplate = "crm_sequence.StepListRenderer.RecordRow";

    async saveThenClick(record, button) {
        const index = this.props.list.records.indexOf(record);
        const root = this.props.list.model.root;
        const saved = await root.save();
        // saving a new sequence reloads it: its steps are a new list, in the same order
        const step = saved && root.data.step_ids.records[index];
        if (!step || step.isNew) {
            return;
        }
        await this.env.onClickViewButton({
            clickParams: button.clickParams,
            getResParams: () => pick(step, "context", "evalContext", "resModel", "resId", "resIds"),
        });
    }
}

export class StepListField extends X2ManyField {
    static components = { ...X2ManyField.components, ListRenderer: StepListRenderer };
}

registry.category("fields").add("crm_sequence_step_list", {
    ...x2ManyField,
    component: StepListField,
});
