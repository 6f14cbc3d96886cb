import { registry } from "@web/core/registry";
import { CharField, charField } from "@web/views/fields/char/char_field";

/**
 * The subject of an email step: typed with placeholders ({{ object.contact_name }}, the
 * magic button or "#"), read as the lists show it ("Hello {Contact Name}") wherever the
 * form is read-only, from the step's `subject_readable`.
 */
export class CrmSequenceSubjectField extends CharField {
    get formattedValue() {
        const readable = this.props.record.data.subject_readable;
        return this.props.readonly && readable ? readable : super.formattedValue;
    }
}

registry.category("fields").add("crm_sequence_subject", {
    ...charField,
    component: CrmSequenceSubjectField,
    fieldDependencies: [{ name: "subject_readable", type: "char" }],
});
