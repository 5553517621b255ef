/* Copyright 2026 Retail Suite Authors
 * License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl). */
/*
 * A connector user opens every dashboard under Retail > Dashboards: the
 * channels (kanban), traffic and lag per backend (graphs), events by state
 * and the sync exceptions by owner. Any error in the browser fails the tour.
 * It needs no data of its own: an empty graph shows a sample.
 */
import {registry} from "@web/core/registry";
import {stepUtils} from "@web_tour/tour_service/tour_utils";

function openDashboard(xmlid, name, viewSelector) {
    return [
        {
            content: "Open the Dashboards menu",
            trigger: '.o-dropdown[data-menu-xmlid="retail_connector_base.retail_dashboards_menu"]',
            run: "click",
        },
        {
            content: `Open ${name}`,
            trigger: `.o-dropdown-item[data-menu-xmlid="retail_connector_base.${xmlid}"]`,
            run: "click",
        },
        {
            content: `${name} is shown`,
            trigger: `.o_breadcrumb:contains("${name}")`,
        },
        {
            trigger: viewSelector,
        },
    ];
}

registry.category("web_tour.tours").add("retail_dashboards", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("retail_connector_base.retail_root_menu", "Open Retail"),
        ...openDashboard(
            "retail_dashboards_channels_menu",
            "Channels Dashboard",
            ".o_kanban_view .o_kanban_record"
        ),
        ...openDashboard(
            "retail_dashboards_traffic_menu",
            "Traffic per Backend",
            ".o_graph_view .o_graph_renderer canvas"
        ),
        ...openDashboard(
            "retail_dashboards_lag_menu",
            "Lag per Backend",
            ".o_graph_view .o_graph_renderer canvas"
        ),
        ...openDashboard(
            "retail_dashboards_state_menu",
            "Events by State",
            ".o_graph_view .o_graph_renderer canvas"
        ),
        ...openDashboard(
            "retail_dashboards_exception_menu",
            "Sync Exceptions by Owner",
            ".o_list_view"
        ),
    ],
});
