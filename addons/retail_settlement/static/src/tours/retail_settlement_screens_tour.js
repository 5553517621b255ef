/* Copyright 2026 Retail Suite Authors
 * License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl). */
/*
 * The settlement review screen, as the demo shows it: the list of payouts,
 * then one payout to review with its discrepancy. The data comes from
 * tests/test_settlement_screens_tour.py: payout PO-8 settles ORD-1 right and
 * ORD-2 2.00 short.
 */
import {registry} from "@web/core/registry";
import {stepUtils} from "@web_tour/tour_service/tour_utils";

const FORM = ".o_form_view";

registry.category("web_tour.tours").add("retail_settlement_screens", {
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
            content: "Open the payout to review",
            trigger: ".o_list_view .o_data_row:contains(PO-8) .o_data_cell[name=name]",
            run: "click",
        },
        {
            content: "The payout is to review",
            trigger: `${FORM} .o_statusbar_status button[data-value="to_review"][aria-checked="true"]`,
        },
        {
            content: "Open the Discrepancies tab",
            trigger: `${FORM} .o_notebook .nav-link[name=discrepancies]`,
            run: "click",
        },
        {
            content: "The short order is listed",
            trigger: `${FORM} div[name="discrepancy_line_ids"] .o_data_row:contains("ORD-2")`,
        },
    ],
});
