import { registry } from "@web/core/registry";

/**
 * A contact follows the unsubscribe link of a sequence email (public page, no session):
 * the page names the company they leave (name and logo) and their address, nothing changes
 * until they confirm.
 * Checked in Python by test_unsubscribe.TestUnsubscribe.test_unsubscribe_page_tour.
 */
registry.category("web_tour.tours").add("crm_sequence_unsubscribe_tour", {
    steps: () => [
        {
            content: "The page asks to confirm, naming the address of the link",
            trigger: ".o_crm_sequence_unsubscribe:contains(Stop receiving emails from):contains(at rita@example.org)",
        },
        {
            content: "The company's logo tells who sends",
            trigger: ".o_crm_sequence_unsubscribe_company img[src^='/logo.png?company=']",
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
