"""Two-way communication: reporters hear back, officers and reporters talk privately, areas get alerts.

- `subscriptions`: residents subscribe, without an account, to a report (with its tracking token alone) or to an
  area (H3 cells or a drawn polygon), a language and audiences, by e-mail, SMS or web push. E-mail and SMS are
  confirmed by a code sent through the channel (double opt-in); every message carries a signed one-click
  unsubscribe link.
- `thread`: a private thread per report between the neighbourhood team and the (still anonymous) reporter.
- `alerts`: officers draft area alerts, a supervisor other than the author approves, the fan-out goes through SQS.
- `delivery`: the SQS consumer that renders each message in its recipient's language and hands it to the channel's
  adapter (plugin hook `koban_notification_adapters`), idempotent per (message source, subscription), paced,
  retried and counted.
- `report_updates`: turns the reports' lifecycle events (from the table stream) into notification jobs.

Contact data (addresses, phone numbers, push endpoints) lives only in SubscriptionsTable (customer-managed key,
TTL) and is never logged, returned to partners or put on the queue.
"""
