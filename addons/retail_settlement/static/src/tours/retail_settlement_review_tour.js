/* Copyright 2026 Retail Suite Authors
 * License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl). */
/*
 * A finance user reviews a payout: finds it by an order reference, writes off
 * the small difference of one order, posts the settlement and marks it
 * reviewed. The data comes from tests/test_settlement_tour.py: payout PO-7
 * settles ORD-1 (right) and ORD-2 (2.00 short); payout PO-6 settles ORD-3
 * only, and must be filtered out by the search.
 */
import {registry} from "@web/core/registry";
import {stepUtils} from "@web_tour/tour_service/tour_utils";

const FORM = ".o_form_view";
const DISCREPANCY =
    'div[name="discrepancy_line_ids"] .o_data_row:contains("differs by -2.00")';

const ONLY_PO_7 =
    ".o_list_view:not(:has(.o_data_row:contains(PO-6))) .o_data_row:contains(PO-7)";

function currentState(value) {
    return `${FORM} .o_statusbar_status button[data-value="${value}"][aria-checked="true"]`;
}

registry.category("web_tour.tours").add("retail_settlement_review", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("retail_connector_base.retail_root_menu", "Open Retail"),
        {
            content: "Open the Settlement menu",
            trigger: '.o-dropdown[data-menu-xmlid="retail_settlement.settlement_menu"]',
            run: "click",
        },
        {
            content: "Open the settlements",
            trigger:
                '.o-dropdown-item[data-menu-xmlid="retail_settlement.settlement_settlement_menu"]',
            run: "click",
        },
        {
            content: "Both payouts are listed to review",
            trigger: ".o_list_view .o_data_row:contains(PO-6)",
        },
        {
            trigger: ".o_list_view .o_data_row:contains(PO-7)",
        },
        {
            content: "Search the settlements by an order reference",
            trigger: ".o_searchview_input",
            run: "edit ORD-2",
        },
        {
            content: "Search in the order references",
            trigger: '.o_searchview_autocomplete .o_menu_item:contains("Order reference")',
            run: "click",
        },
        {
            content: "The search is applied",
            trigger: ".o_searchview_facet:contains(ORD-2)",
        },
        {
            content: "Only the payout settling ORD-2 is left: open it",
            trigger: `${ONLY_PO_7} .o_data_cell[name=name]`,
            run: "click",
        },
        {
            content: "The payout is to review, one discrepancy",
            trigger: currentState("to_review"),
        },
        {
            trigger: `${FORM} .o_field_widget[name=discrepancy_count]:contains(/^1$/)`,
        },
        {
            content: "Open the Discrepancies tab",
            trigger: `${FORM} .o_notebook .nav-link[name=discrepancies]`,
            run: "click",
        },
        {
            content: "The line says the amount differs",
            trigger: `${DISCREPANCY}:contains("Order ORD-2 expected 50.00, settled 48.00")`,
        },
        {
            content: "Write the difference off",
            trigger: `${DISCREPANCY} button[name=action_write_off]`,
            run: "click",
        },
        {
            content: "Confirm the write-off",
            trigger: '.modal:contains("write-off account") .modal-footer .btn-primary',
            run: "click",
        },
        {
            content: "No discrepancy left: the payout is matched",
            trigger: currentState("matched"),
        },
        {
            trigger: `${FORM} .o_field_widget[name=discrepancy_count]:contains(/^0$/)`,
        },
        {
            trigger: `${FORM} div[name=discrepancy_line_ids]:not(:has(.o_data_row))`,
        },
        {
            content: "Open the Matched tab",
            trigger: `${FORM} .o_notebook .nav-link[name=matched]`,
            run: "click",
        },
        {
            content: "The line is written off, saying by whom",
            trigger:
                `${FORM} div[name=matched_line_ids] ` +
                '.o_data_row:contains("ORD-2"):contains("Written off by Settlement Finance")',
        },
        {
            content: "Post the settlement",
            trigger: `${FORM} .o_statusbar_buttons button[name=action_post]`,
            run: "click",
        },
        {
            content: "Confirm the posting",
            trigger: '.modal:contains("Post the settlement?") .modal-footer .btn-primary',
            run: "click",
        },
        {
            content: "The settlement is posted with its journal entry",
            trigger: currentState("posted"),
        },
        {
            trigger: `${FORM} .o_field_widget[name=move_id]:contains(PPAY)`,
        },
        {
            content: "Mark the settlement reviewed",
            trigger: `${FORM} .o_statusbar_buttons button[name=action_mark_reviewed]`,
            run: "click",
        },
        {
            content: "The settlement is reviewed, by the finance user",
            trigger: currentState("reviewed"),
        },
        {
            trigger: `${FORM} .o_field_widget[name=reviewed_by_id]:contains("Settlement Finance")`,
        },
        {
            trigger: `${FORM}:not(:has(.o_statusbar_buttons button[name=action_mark_reviewed]))`,
        },
    ],
});
