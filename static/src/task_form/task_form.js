import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { formView } from "@web/views/form/form_view";
import { FormController } from "@web/views/form/form_controller";

const QUEUE_BUTTONS = ["action_crm_sequence_done_next", "action_crm_sequence_skip"];

/**
 * The work form of "My tasks": "Done & next" and "Later" load the next task in the same
 * form (one breadcrumb however many tasks are worked), and the pager counts the queue
 * ("2 / 5") from the ids the server sends with each task (`crm_sequence_queue_ids`).
 */
export class CrmSequenceTaskFormController extends FormController {
    setup() {
        super.setup();
        this.notification = useService("notification");
    }

    get modelParams() {
        const params = super.modelParams;
        const queue = this.props.context?.crm_sequence_queue_ids;
        if (queue?.length && params.config.resId && queue.includes(params.config.resId)) {
            params.config.resIds = queue;
        }
        return params;
    }

    async beforeExecuteActionButton(clickParams) {
        if (!QUEUE_BUTTONS.includes(clickParams.name)) {
            return super.beforeExecuteActionButton(clickParams);
        }
        const record = this.model.root;
        if ((await record.save()) === false) {
            return false;
        }
        const action = await this.orm.call("mail.activity", clickParams.name, [[record.resId]], {
            context: this.props.context,
        });
        if (action.type === "ir.actions.act_window" && action.res_model === "mail.activity") {
            await this.model.load({ resId: action.res_id, resIds: action.context.crm_sequence_queue_ids });
        } else {
            await this.leaveQueue(action);
        }
        return false;
    }

    /** Nothing left: say so and go back to the queue the user came from. */
    async leaveQueue(action) {
        const params = action.params || {};
        this.notification.add(params.message || _t("No sequence task is due any more today."), {
            title: params.title,
            type: params.type || "success",
        });
        const breadcrumbs = this.env.config.breadcrumbs || [];
        if (breadcrumbs.length > 1) {
            await breadcrumbs.at(-2).onSelected();
        } else if (params.next) {
            await this.actionService.doAction(params.next, { clearBreadcrumbs: true });
        }
    }
}

registry.category("views").add("crm_sequence_task_form", {
    ...formView,
    Controller: CrmSequenceTaskFormController,
});
