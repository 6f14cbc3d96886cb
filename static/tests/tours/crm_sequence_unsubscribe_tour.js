import { registry } from "@web/core/registry";

/**
 * A contact follows the unsubscribe link of a sequence email (public page, no session):
 * the page names their address, nothing changes until they confirm.
 * Checked in Python by test_unsubscribe.TestUnsubscribe.test_unsubscribe_page_tour.
 */
registry.category("web_tour.tours").add("crm_sequence_unsubscribe_tour", {
    steps: () => [
        {
            content: "The page asks to confirm, naming the address of the link",
            trigger: ".o_crm_sequence_unsubscribe:contains(Stop receiving these emails at rita@example.org)",
        },
        {
            content: "Confirm",
            trigger: ".o_crm_sequence_unsubscribe button[type=submit]:contains(Unsubscribe)",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The address is unsubscribed",
            trigger: ".o_crm_sequence_unsubscribe:contains(You are unsubscribed)",
        },
    ],
});
