"""One file per platform. Each turns the platform's payloads into the shapes
of ``channel_model`` and back, and knows the platform's endpoints. Every
platform file offers the same functions, so the models call them without
knowing the platform (``retail.backend._get_marketplace_adapter``):

Receiving
- ``event_kind(topic)``: ``"order"``, ``"refund"`` or None for topics the
  marketplace module does not handle.
- ``parse_order(payload)``: a ``ChannelOrder``; ValueError when malformed.
- ``parse_refund(payload)``: a ``ChannelRefund`` from a refund topic's payload.
- ``fetch_refunds(client, payload)``: the ``ChannelRefund`` list an order
  payload refers to (embedded, or fetched from the API when the payload only
  names them).
- ``poll_orders(client, since, limit)``: ``(payloads, checkpoint)``, order
  payloads changed at or after ``since`` (a string the adapter produced as a
  checkpoint, or None), oldest change first, and the checkpoint to resume from.
- ``order_version(payload)``: the string that changes whenever the order does
  (its update date), used to dedupe polled copies.

Publishing
- ``push_stock(client, items, location_ref)``: send absolute quantities
  (``StockItem`` list) in the platform's bulk calls; return
  ``{stock_ref: error message}`` for items the platform refused.
- ``stock_ref_for(client, external_id)``: what the stock API addresses for
  a product the channel names ``external_id`` (Shopify: the variant's
  inventory item), for listings made from order lines.
- ``fetch_stock(client, items, location_ref)``: ``{stock_ref: quantity}`` as
  the channel has it, for the reconciliation.
- ``push_shipment(client, shipment)``: report a ``Shipment``; return the
  platform's fulfilment id.
- ``push_product(client, refs, data)``: create or update a product from
  ``ProductData``; ``refs`` is a dict with ``external_id``, ``parent_ref`` and
  ``stock_ref`` (all None for a product the channel does not have yet); return
  the refs as the platform now knows them.

``client`` is the backend's ``ChannelClient``: ``client.request(method,
path, json_body=None, params=None)`` returns the decoded JSON (raising the
connector's transient or business errors), and ``client.api_version`` is the
backend's pinned API version.
"""

from . import channel_model
from . import generic
from . import shopify
from . import woocommerce
