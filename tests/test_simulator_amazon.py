# Copyright 2026 Retail Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The simulator's Amazon mode answers as the Selling Partner API documents:
Login with Amazon's errors, access tokens that expire, orders that show no
total or address while Pending, one token bucket per operation answering
429 QuotaExceeded with its rate, and shipment confirmations it checks."""

import pytest
import requests
from simulator import Simulator

CREDENTIALS = {
    "client_id": "amzn1.application-oa2-client.sim",
    "client_secret": "sim-secret",
    "refresh_token": "Atzr|sim",
}
US = "ATVPDKIKX0DER"
ORDERS = "orders/v0/orders"


@pytest.fixture
def sim():
    with Simulator(platform="amazon", marketplace_id=US, **CREDENTIALS) as simulator:
        yield simulator


def _token(sim, **changes):
    form = {**CREDENTIALS, "grant_type": "refresh_token", **changes}
    return requests.post(f"{sim.url}/auth/o2/token", data=form, timeout=10)


def _get(sim, path, token, **params):
    return requests.get(
        f"{sim.url}/{path}",
        params=params,
        headers={"x-amz-access-token": token},
        timeout=10,
    )


def test_login_with_amazon_errors_and_expiry(sim):
    assert _token(sim, client_secret="wrong").json()["error"] == "invalid_client"
    assert _token(sim, refresh_token="Atzr|other").json()["error"] == "invalid_grant"
    assert _token(sim, grant_type="password").status_code == 400
    sim.configure(token_lifetime=0)
    answer = _token(sim).json()
    assert answer["token_type"] == "bearer"
    assert answer["access_token"].startswith("Atza|")
    expired = _get(sim, ORDERS + "/x", answer["access_token"])
    assert expired.status_code == 403
    assert "expired" in expired.json()["errors"][0]["details"]


def test_pending_order_shows_no_total_and_pages_by_next_token(sim):
    sim.configure(token_lifetime=60)
    token = _token(sim).json()["access_token"]
    pending = sim.create_order(status="Pending")
    assert "OrderTotal" not in pending and "ShippingAddress" not in pending
    sim.create_order()
    first = _get(
        sim,
        ORDERS,
        token,
        MarketplaceIds=US,
        LastUpdatedAfter="2020-01-01T00:00:00Z",
        MaxResultsPerPage=1,
    ).json()["payload"]
    assert first["Orders"][0]["AmazonOrderId"] == pending["AmazonOrderId"]
    following = _get(
        sim, ORDERS, token, MarketplaceIds=US, NextToken=first["NextToken"]
    ).json()["payload"]
    assert following["Orders"][0]["OrderTotal"]["CurrencyCode"] == "USD"
    assert "NextToken" not in following
    spent = _get(sim, ORDERS, token, MarketplaceIds=US, NextToken="x")
    assert spent.json()["errors"][0]["code"] == "InvalidInput"


def test_operation_bucket_answers_quota_exceeded(sim):
    sim.configure(token_lifetime=60, operation_limits={"getOrder": [0.5, 1]})
    token = _token(sim).json()["access_token"]
    order = sim.create_order()
    path = f"{ORDERS}/{order['AmazonOrderId']}"
    assert _get(sim, path, token).status_code == 200
    refused = _get(sim, path, token)
    assert refused.status_code == 429
    assert refused.json()["errors"][0]["code"] == "QuotaExceeded"
    assert refused.headers["x-amzn-RateLimit-Limit"] == "0.5"
    assert "Retry-After" not in refused.headers
    other = _get(sim, f"{path}/orderItems", token)
    assert other.status_code == 200, "each operation has its own bucket"


def test_shipment_confirmation_is_checked(sim):
    sim.configure(token_lifetime=60)
    token = _token(sim).json()["access_token"]
    order = sim.create_order(lines=[{"sku": "SKU-1", "quantity": 2}])
    afn = sim.create_order(fulfillment="AFN")
    item = sim.platform.orders[order["AmazonOrderId"]]["_items"][0]["OrderItemId"]

    def confirm(order_id, quantity, **package):
        body = {
            "marketplaceId": US,
            "packageDetail": {
                "packageReferenceId": "1",
                "carrierCode": "UPS",
                "trackingNumber": "1Z999",
                "shipDate": "2026-01-02T10:00:00Z",
                "orderItems": [{"orderItemId": item, "quantity": quantity}],
                **package,
            },
        }
        return requests.post(
            f"{sim.url}/{ORDERS}/{order_id}/shipmentConfirmation",
            json=body,
            headers={"x-amz-access-token": token},
            timeout=10,
        )

    assert confirm(order["AmazonOrderId"], 3).status_code == 400
    assert confirm(afn["AmazonOrderId"], 1).status_code == 400
    assert confirm(order["AmazonOrderId"], 1, carrierCode="Other").status_code == 400
    assert confirm(order["AmazonOrderId"], 1).status_code == 204
    assert sim.platform.orders[order["AmazonOrderId"]]["OrderStatus"] == (
        "PartiallyShipped"
    )
    assert confirm(order["AmazonOrderId"], 1).status_code == 204
    assert sim.platform.orders[order["AmazonOrderId"]]["OrderStatus"] == "Shipped"
    assert len(sim.stats()["shipment_confirmations"]) == 2


def _restricted(sim, token, resources):
    return requests.post(
        f"{sim.url}/tokens/2021-03-01/restrictedDataToken",
        json={"restrictedResources": resources},
        headers={"x-amz-access-token": token},
        timeout=10,
    )


def test_personal_data_only_with_a_restricted_data_token(sim):
    """The buyer's name, email, street, company and gift message come with
    a Restricted Data Token naming them only; the access token reads the
    city, postal code and country. An RDT opens only the resources it names
    and cannot ask for another."""
    sim.configure(token_lifetime=60)
    token = _token(sim).json()["access_token"]
    order = sim.create_order(
        business={"company": "Acme Inc", "vat": "US1"},
        lines=[{"sku": "SKU-1", "gift_message": "Happy birthday"}],
    )
    path = f"{ORDERS}/{order['AmazonOrderId']}"
    plain = _get(sim, path, token).json()["payload"]
    assert "BuyerInfo" not in plain
    assert set(plain["ShippingAddress"]) == {
        "City",
        "StateOrRegion",
        "PostalCode",
        "CountryCode",
    }
    items = _get(sim, f"{path}/orderItems", token).json()["payload"]["OrderItems"]
    assert "BuyerInfo" not in items[0]
    refused = _restricted(
        sim,
        token,
        [{"method": "GET", "path": "/orders/v0/orders", "dataElements": ["x"]}],
    )
    assert refused.status_code == 400
    answer = _restricted(
        sim,
        token,
        [
            {
                "method": "GET",
                "path": "/orders/v0/orders/{orderId}",
                "dataElements": ["buyerInfo", "shippingAddress"],
            }
        ],
    ).json()
    assert answer["expiresIn"] == 60
    rdt = answer["restrictedDataToken"]
    shown = _get(sim, path, rdt).json()["payload"]
    assert shown["BuyerInfo"]["BuyerEmail"].endswith("@marketplace.amazon.fr")
    assert "BuyerTaxInfo" not in shown["BuyerInfo"], "not asked for"
    assert shown["ShippingAddress"]["AddressLine1"] == "2201 Westlake Ave"
    assert _get(sim, f"{path}/orderItems", rdt).status_code == 403
    assert _get(sim, ORDERS, rdt, MarketplaceIds=US).status_code == 403
    again = _restricted(
        sim, rdt, [{"method": "GET", "path": ORDERS, "dataElements": ["buyerInfo"]}]
    )
    assert again.status_code == 403
    items_rdt = _restricted(
        sim,
        token,
        [
            {
                "method": "GET",
                "path": f"/{path}/orderItems",
                "dataElements": ["buyerInfo"],
            }
        ],
    ).json()["restrictedDataToken"]
    items = _get(sim, f"{path}/orderItems", items_rdt).json()["payload"]["OrderItems"]
    assert items[0]["BuyerInfo"] == {"GiftMessageText": "Happy birthday"}
    assert sim.stats()["restricted_tokens_issued"] == 2
