"""One file per platform. Each turns the platform's payloads into the shapes
of ``channel_model`` and back, and knows the platform's endpoints, in a
``MarketplaceAdapter`` (``common``) registered for the ``marketplace``
capability: ``@register("shopify", "marketplace")``. The models ask the
backend for it (``backend._adapter("marketplace")``) and call these methods
without knowing the platform:

Receiving
- ``event_kind(topic)``: ``"order"``, ``"refund"`` or None for topics the
  marketplace module does not handle.
- ``parse_order(payload)``: a ``ChannelOrder``; ValueError when malformed.
- ``complete_order(payload)``: the payload with what the platform serves
  apart from the order (Amazon: the order items), fetched before the import
  parses it; the payload itself where it holds everything (the default).
- ``parse_refund(payload)``: a ``ChannelRefund`` from a refund topic's payload.
- ``fetch_refunds(payload)``: the ``ChannelRefund`` list an order payload
  refers to (embedded, or fetched from the API when the payload only names
  them).
- ``poll_orders(since, limit)``: ``(payloads, checkpoint)``, order payloads
  changed at or after ``since`` (a string the adapter produced as a
  checkpoint, or None), oldest change first, and the checkpoint to resume from.
- ``poll_refunds(since, limit)``: ``(payloads, checkpoint)``, refund payloads
  (``parse_refund`` reads them) posted at or after ``since``, for platforms
  whose refunds come apart from orders (Amazon); none by default.
- ``reads_notifications`` and ``receive_notifications(limit)``:
  ``(notifications, acknowledge)``, the messages waiting on the backend's
  notification queue (Amazon's SQS queue of ORDER_CHANGE), each a dict of
  ``key`` (the platform's notification id), ``topic``, ``payload`` (None
  for one that books nothing) and ``subject``, and the function that takes
  them off the queue, called once they are stored.
- ``order_version(payload)``: the string that changes whenever the order does
  (its update date), used to dedupe polled copies.

Publishing
- ``push_stock(items, location_ref)``: send absolute quantities
  (``StockItem`` list) in the platform's bulk calls; return
  ``{stock_ref: error message}`` for items the platform refused.
- ``stock_ref_for(external_id)``: what the stock API addresses for a product
  the channel names ``external_id`` (Shopify: the variant's inventory item),
  for listings made from order lines.
- ``fetch_stock(items, location_ref)``: ``{stock_ref: quantity}`` as the
  channel has it.
- ``fetch_all_stock(items, location_ref)``: the same for a full
  reconciliation; ``fetch_stock`` unless the platform exports in bulk
  (Shopify: a bulk operation).
- ``fetch_all_stock_at(items, location_refs)``: ``{location_ref:
  {stock_ref: quantity}}``, the same at several locations (Shopify: one
  bulk operation for them all).
- ``push_prices(items)``: the regular price and promotion of listings
  (``PriceItem``), for adapters whose ``publishes_promotions`` is True;
  return ``{external_id: error message}`` for those refused. On adapters
  whose ``exports_catalog`` is False (Amazon) the prices flow sends the
  regular prices this way too, no product being exported.
- ``fetch_locations()``: the channel's stock locations
  (``ChannelLocation``), for the backend's *Channel location*; none by
  default.
- ``push_shipment(shipment)``: report a ``Shipment``; return the platform's
  fulfilment id.
- ``push_product(refs, data)``: create or update a product from
  ``ProductData``; ``refs`` is a dict with ``external_id``, ``parent_ref`` and
  ``stock_ref`` (all None for a product the channel does not have yet); return
  the refs as the platform now knows them.
- Adapters whose ``lists_variants`` is True (Shopify) list a product's
  variants under one product, sent together, instead:
  ``push_listing(listing)`` creates or updates a ``ProductListing`` (options,
  variants, images, status) and returns ``{"parent_ref", "variants":
  [{"external_id", "stock_ref"}]}`` in the listing's variant order;
  ``archive_listing(parent_ref)`` takes a product off sale, keeping it.

Order changes made in Odoo (adapters whose ``cancels_orders`` and
``refunds_orders`` are True; the others say what to do instead in
``changes_unsupported``)
- ``cancel_order(request)``: cancel a ``CancelRequest``'s order, once (an
  order the channel already cancelled is no error); return the channel's
  answer, for the order's chatter. A business error (a ``UserError``) when
  the channel refuses (the order shipped there).
- ``push_refund(request)``: refund a ``RefundRequest`` once per ``key`` and
  return the channel's refund id, which its own refund messages name.
- ``push_return(request)`` (adapters whose ``reports_returns`` is True):
  record a ``ReturnRequest`` once per ``key`` and return ``(the channel's
  return id, its answer for the order's chatter)``; a business error when
  the channel refuses (units it never shipped).

The parsing methods are the file's module functions (pure, tested on their
own). The others call the platform with ``self.request(method, path,
json_body=None, params=None)``, which returns the decoded JSON (raising the
connector's transient or business errors), and read ``self.api_version``,
the backend's pinned API version or the adapter's ``default_api_version``.

Platform facts are class attributes: ``default_api_version``,
``poll_always`` (WooCommerce: webhooks are never retried, so its backends
always poll), ``lists_variants`` (Shopify: a product's variants are sent
together) and ``channel_fulfilment`` (Amazon: "FBA", the channel ships
orders from its own stock, held in a warehouse of the backend's own). What
a new backend starts with (Shopify's rate limit, Amazon's regional
endpoint) is the adapter's ``backend_defaults``, which the base backend's
``create`` reads for every registered capability.
"""

from . import channel_model
from . import common
from . import generic
from . import shopify
from . import woocommerce
from . import amazon
