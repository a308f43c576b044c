"""Channel adapters: how a rendered message leaves KOBAN. Plugins choose them (`koban_notification_adapters`).

- `OutboxAdapter`: stores the message in the outbox (readable through the API) instead of sending it. The
  embedded default uses it for every channel, and so does a deployment until it is set to `providers`.
- `SesEmailAdapter` (Amazon SES v2), `SnsSmsAdapter` (Amazon SNS SMS), `WebPushAdapter` (RFC 8291/8292).

An adapter never raises for a refusal: it reports `sent`, `delivered`, `retry` (transient: the job is retried)
or `failed` (permanent), with `gone` when the address no longer exists (the subscription is then removed).
Addresses are never logged.
"""

from __future__ import annotations

import json
import secrets
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from email.utils import formataddr, parseaddr
from typing import Protocol
from urllib.parse import urlsplit

from botocore.exceptions import BotoCoreError, ClientError

from koban import aws
from koban.errors import Unavailable
from koban.notifications import messages, stores, webpush
from koban.notifications.models import DeliveryStatus, NotificationChannel, OutboxEntry, Outgoing, SendResult
from koban.settings import get_settings

OUTBOX_RETENTION = timedelta(days=30)
PUSH_TTL_SECONDS = 24 * 3600
# Provider error codes that mean "later" rather than "never".
_TRANSIENT = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "Throttled",
        "TooManyRequestsException",
        "LimitExceededException",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "InternalFailure",
        "InternalError",
        "InternalServerError",
        "KMSThrottlingException",
        "SendingPausedException",
        "AccountSuspendedException",
    }
)


class NotificationAdapter(Protocol):
    """Sends one message on one channel."""

    channel: NotificationChannel

    def send(self, message: Outgoing) -> SendResult: ...


def _from_client_error(error: ClientError) -> SendResult:
    code = str(error.response.get("Error", {}).get("Code", "Unknown"))
    if code in _TRANSIENT:
        return SendResult(status=DeliveryStatus.RETRY, error=code)
    text = str(error.response.get("Error", {}).get("Message", "")).lower()
    return SendResult(status=DeliveryStatus.FAILED, error=code, gone="opted out" in text)


class OutboxAdapter:
    """Keeps what would have been sent, with the recipient masked: the local stand-in for every provider."""

    def __init__(self, channel: NotificationChannel) -> None:
        self.channel = channel

    def send(self, message: Outgoing) -> SendResult:
        now = datetime.now(UTC)
        entry = OutboxEntry(
            tenant=message.tenant,
            id=secrets.token_hex(8),
            at=now,
            kind=message.kind,
            channel=message.channel,
            to=messages.mask(message.channel, message.address, message.push),
            language=message.language,
            subject=message.subject,
            text=message.text,
            url=message.url,
            unsubscribe_url=message.unsubscribe_url,
            receipt=message.receipt,
            source=message.source,
            subscription_id=message.subscription_id,
            report_id=message.report_id,
            alert_id=message.alert_id,
        )
        stores.notifications().add_outbox(entry, now + OUTBOX_RETENTION)
        return SendResult(status=DeliveryStatus.DELIVERED, provider_id=f"outbox:{entry.id}")


class SesEmailAdapter:
    """E-mail through Amazon SES v2, with RFC 8058 one-click unsubscribe headers. The sender is `senders` for the
    message's language (a city writing from another address per language), else `NOTIFICATION_EMAIL_FROM`."""

    channel = NotificationChannel.EMAIL

    def __init__(self, senders: Mapping[str, str] | None = None) -> None:
        # SES wants a display name that is not ASCII as a MIME encoded word.
        self.senders = {
            language: formataddr(parseaddr(address), "utf-8") for language, address in dict(senders or {}).items()
        }

    def send(self, message: Outgoing) -> SendResult:
        headers = []
        if message.one_click_url:
            headers = [
                {"Name": "List-Unsubscribe", "Value": f"<{message.one_click_url}>"},
                {"Name": "List-Unsubscribe-Post", "Value": "List-Unsubscribe=One-Click"},
            ]
        content = {
            "Simple": {
                "Subject": {"Data": message.subject, "Charset": "UTF-8"},
                "Body": {"Text": {"Data": message.text, "Charset": "UTF-8"}},
                "Headers": headers,
            }
        }
        try:
            response = aws.client("sesv2").send_email(
                FromEmailAddress=self.senders.get(message.language) or get_settings().notification_email_from,
                Destination={"ToAddresses": [message.address or ""]},
                Content=content,
                EmailTags=[{"Name": "kind", "Value": message.kind.value}],
            )
        except ClientError as exc:
            return _from_client_error(exc)
        except BotoCoreError as exc:
            return SendResult(status=DeliveryStatus.RETRY, error=type(exc).__name__)
        return SendResult(status=DeliveryStatus.SENT, provider_id=str(response.get("MessageId", "")))


class SnsSmsAdapter:
    """SMS through Amazon SNS (transactional). SNS keeps the opt-out list: a number that replied STOP is gone.
    `sender_id` is the alphanumeric sender a city registered (shown instead of a number where the country allows)."""

    channel = NotificationChannel.SMS

    def __init__(self, sender_id: str | None = None) -> None:
        self.sender_id = sender_id

    def send(self, message: Outgoing) -> SendResult:
        try:
            response = aws.client("sns").publish(
                PhoneNumber=message.address or "",
                Message=message.text,
                MessageAttributes=self._attributes(),
            )
        except ClientError as exc:
            return _from_client_error(exc)
        except BotoCoreError as exc:
            return SendResult(status=DeliveryStatus.RETRY, error=type(exc).__name__)
        return SendResult(status=DeliveryStatus.SENT, provider_id=str(response.get("MessageId", "")))

    def _attributes(self) -> dict[str, dict[str, str]]:
        attributes = {"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}}
        if self.sender_id:
            attributes["AWS.SNS.SMS.SenderID"] = {"DataType": "String", "StringValue": self.sender_id}
        return attributes


# (url, body, headers, timeout) -> (HTTP status, response text)
Poster = Callable[[str, bytes, dict[str, str], float], tuple[int, str]]


def _post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int, str]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - https checked
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return int(response.status), response.read(2000).decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return int(error.code), error.read(2000).decode("utf-8", "replace")


def push_endpoint_allowed(endpoint: str) -> bool:
    """Only https endpoints of the configured push services: KOBAN never POSTs where the public points it."""
    parts = urlsplit(endpoint)
    host = (parts.hostname or "").lower()
    allowed = get_settings().push_service_hosts
    return parts.scheme == "https" and any(host == suffix or host.endswith("." + suffix) for suffix in allowed)


class WebPushAdapter:
    """Web push to the citizen app: the payload encrypted for the browser (RFC 8291), the request signed with
    the VAPID key (RFC 8292), POSTed straight to the browser's push service."""

    channel = NotificationChannel.PUSH

    def __init__(self, post: Poster = _post, timeout: float = 5.0) -> None:
        self.post = post
        self.timeout = timeout

    def send(self, message: Outgoing) -> SendResult:
        target = message.push
        if target is None or not push_endpoint_allowed(target.endpoint):
            return SendResult(status=DeliveryStatus.FAILED, error="push service not allowed", gone=True)
        payload = {
            "title": message.subject,
            "body": message.text,
            "url": message.url,
            "receipt": message.receipt,
            "kind": message.kind.value,
            "tag": message.source,
        }
        try:
            encrypted = webpush.encrypt(
                json.dumps(payload, ensure_ascii=False).encode("utf-8"), target.p256dh, target.auth
            )
            headers = {
                **encrypted.headers,
                **webpush.vapid_headers(target.endpoint),
                "TTL": str(PUSH_TTL_SECONDS),
                "Urgency": "high" if message.urgent else "normal",
            }
        except Unavailable as exc:
            return SendResult(status=DeliveryStatus.RETRY, error=exc.code)
        except ValueError as exc:
            return SendResult(status=DeliveryStatus.FAILED, error=str(exc)[:200], gone=True)
        try:
            status, text = self.post(target.endpoint, encrypted.body, headers, self.timeout)
        except OSError as exc:  # network trouble: try again later
            return SendResult(status=DeliveryStatus.RETRY, error=type(exc).__name__)
        if status in (200, 201, 202):
            return SendResult(status=DeliveryStatus.SENT)
        if status in (404, 410):  # the browser unsubscribed or the subscription expired
            return SendResult(status=DeliveryStatus.FAILED, error=f"push service {status}", gone=True)
        if status == 429 or status >= 500:
            return SendResult(status=DeliveryStatus.RETRY, error=f"push service {status}")
        return SendResult(status=DeliveryStatus.FAILED, error=f"push service {status}: {text[:150]}")


def default_adapters(delivery: str) -> dict[NotificationChannel, NotificationAdapter]:
    """The built-in choice: the outbox for every channel, or the providers (SES, SNS, web push)."""
    if delivery == "providers":
        return {
            NotificationChannel.EMAIL: SesEmailAdapter(),
            NotificationChannel.SMS: SnsSmsAdapter(),
            NotificationChannel.PUSH: WebPushAdapter(),
        }
    return {channel: OutboxAdapter(channel) for channel in NotificationChannel}
