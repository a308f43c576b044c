"""What each notification says, in its recipient's language, and the links it carries.

Links point at the citizen app (`/app/<tenant>/#...`) on the public origin, which also serves the API: the app
reads the fragment (`unsubscribe=`, `confirm=`+`code=`, `report=`, `alert=`+`receipt=`), so no secret in a
link ever reaches a server log. The one-click unsubscribe of RFC 8058 (`List-Unsubscribe-Post`) goes straight
to the API.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from koban.i18n import translate
from koban.notifications.models import Alert, NotificationChannel, PushTarget, Subscription
from koban.settings import get_settings

# An SMS of up to 3 segments of 153 GSM characters (fewer with other alphabets): keep alerts short there.
SMS_LIMIT = 450
PUSH_BODY_LIMIT = 240


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    url: str | None = None


def _base() -> str:
    return get_settings().public_base_url


def app_link(tenant: str, **fragment: str | None) -> str:
    parts = "&".join(f"{name}={quote(value, safe='')}" for name, value in fragment.items() if value)
    return f"{_base()}/app/{quote(tenant)}/#{parts}"


def unsubscribe_link(tenant: str, token: str) -> str:
    return app_link(tenant, unsubscribe=token)


def one_click_unsubscribe(tenant: str, token: str) -> str:
    """The URL a mail client POSTs `List-Unsubscribe=One-Click` to (RFC 8058)."""
    return f"{_base()}/v1/tenants/{quote(tenant)}/unsubscribe?token={quote(token, safe='')}"


def confirmation(subscription: Subscription, code: str) -> Rendered:
    language = subscription.language
    return Rendered(
        subject=translate("notify.confirm.subject", language),
        text=translate("notify.confirm.text", language, code=code),
        url=app_link(subscription.tenant, confirm=subscription.id, code=code),
    )


def report_update(
    subscription: Subscription,
    report_id: str,
    status_label: str,
    note: str | None,
    sensitive: bool,
    receipt: str | None = None,
) -> Rendered:
    """A status change. The officer's note goes along unless the category is sensitive: then the message only
    says there is news, and the reporter reads it with their tracking code."""
    language = subscription.language
    lines = [translate("notify.report_update.text", language, report=report_id, status=status_label)]
    if note and not sensitive:
        lines.append(translate("notify.report_update.note", language, note=note))
    else:
        lines.append(translate("notify.report_update.private", language))
    return Rendered(
        subject=translate("notify.report_update.subject", language),
        text="\n\n".join(lines),
        url=app_link(subscription.tenant, report=report_id, receipt=receipt),
    )


def thread_message(subscription: Subscription, report_id: str, receipt: str | None = None) -> Rendered:
    """Only that there is a message: its text stays behind the tracking code."""
    language = subscription.language
    return Rendered(
        subject=translate("notify.thread.subject", language),
        text=translate("notify.thread.text", language, report=report_id),
        url=app_link(subscription.tenant, report=report_id, receipt=receipt),
    )


def alert_language(alert: Alert, preferred: str, tenant_default: str) -> str:
    """The subscriber's language if the alert speaks it, else the tenant's, else the alert's first."""
    for language in (preferred, tenant_default):
        if language in alert.texts:
            return language
    return next(iter(alert.texts))


def alert_message(alert: Alert, language: str, receipt: str | None) -> Rendered:
    text = alert.texts[language]
    return Rendered(subject=text.title, text=text.body, url=app_link(alert.tenant, alert=alert.id, receipt=receipt))


def for_channel(channel: NotificationChannel, rendered: Rendered, language: str, unsubscribe_url: str | None) -> str:
    """The body as the channel carries it: e-mail in full with its links; SMS and push kept short."""
    more = translate("notify.alert.more", language, url=rendered.url) if rendered.url else ""
    stop = translate("notify.unsubscribe", language, url=unsubscribe_url) if unsubscribe_url else ""
    if channel is NotificationChannel.EMAIL:
        return "\n\n".join(part for part in (rendered.text, more, stop) if part)
    if channel is NotificationChannel.SMS:
        tail = "\n".join(part for part in (more, stop) if part)
        room = max(40, SMS_LIMIT - len(rendered.subject) - len(tail) - 4)
        return "\n".join(part for part in (rendered.subject, _shorten(rendered.text, room), tail) if part)
    return _shorten(rendered.text, PUSH_BODY_LIMIT)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def mask(channel: NotificationChannel, address: str | None, push: PushTarget | None) -> str:
    """The recipient as staff may see it in the outbox: enough to tell them apart, not to contact them."""
    if channel is NotificationChannel.PUSH:
        endpoint = push.endpoint if push else ""
        host = endpoint.split("/")[2] if endpoint.count("/") >= 2 else "?"
        return f"web push via {host}"
    address = address or ""
    if channel is NotificationChannel.EMAIL and "@" in address:
        local, _, domain = address.rpartition("@")
        return f"{local[:1]}***@{domain}"
    return f"{address[:3]}{'*' * max(0, len(address) - 6)}{address[-3:]}"
