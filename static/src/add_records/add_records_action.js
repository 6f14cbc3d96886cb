import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { SelectCreateDialog } from "@web/views/view_dialogs/select_create_dialog";

/**
 * "Add records" of an active sequence: the board's list in a dialog (search, filters,
 * multi-selection), then `crm.sequence.enroll_records` on the selection; its report
 * (enrolled, skipped with the records' names) shows as a notification and the form
 * reloads with its new figures.
 */
function addRecordsAction(env, action) {
    const { sequence_id: sequenceId, res_model: resModel, title } = action.params;
    env.services.dialog.add(SelectCreateDialog, {
        resModel,
        title,
        multiSelect: true,
        noCreate: true,
        context: action.context || {},
        onSelected: async (resIds) => {
            if (!resIds.length) {
                return;
            }
            const report = await env.services.orm.call("crm.sequence", "enroll_records", [[sequenceId], resIds]);
            const sticky = Boolean(Object.keys(report.skipped).length || report.missing);
            env.services.notification.add(report.message, {
                title: _t("Added to the sequence"),
                type: report.enrolled ? "success" : "warning",
                sticky,
            });
            await env.services.action.doAction({ type: "ir.actions.client", tag: "soft_reload" });
        },
    });
}

registry.category("actions").add("crm_sequence_add_records", addRecordsAction);
