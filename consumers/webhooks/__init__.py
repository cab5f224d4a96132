"""webhooks: application events POSTed to subscribed endpoints, signed per Standard Webhooks.

Two consumer loops, run together by `mca webhooks`:

- fan-out (`fanout.py`): `mca.application.event` -> one delivery task per enabled, subscribed
  endpoint on `mca.webhook.delivery` (key endpoint_id); the event's offset is committed only after
  Kafka acknowledged every task.
- delivery (`worker.py`, `delivery.py`): POSTs each task, logs every attempt in
  `webhook_deliveries`, moves failed ones through the retry topics (exponential backoff with full
  jitter) and finally to `mca.webhook.dlq`; disables endpoints that keep failing.

What a receiver can rely on: `webhook-id` is `schemas.ids.delivery_id(event_id, endpoint_id)`, the
same on every attempt, and the body of one webhook-id never changes (it is built once, from the event
alone, by a pure function). A delivery recorded as succeeded is never sent again. A process killed
between a receiver's 2xx and the database record sends that delivery once more, with the same
webhook-id and body: receivers deduplicate on webhook-id, as the Standard Webhooks spec asks.
"""
