"""Web push without a third-party service: RFC 8291 encryption (checked against the RFC's own example and by
decrypting as a browser would), RFC 8292 VAPID signatures, and what the adapter makes of push services' answers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import jwt
import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from koban.notifications import webpush
from koban.notifications.adapters import WebPushAdapter, push_endpoint_allowed
from koban.notifications.models import (
    DeliveryStatus,
    NotificationChannel,
    Outgoing,
    OutgoingKind,
    PushTarget,
)
from koban.settings import get_settings

# RFC 8291, section 5 (the example message).
RFC_PLAINTEXT = "V2hlbiBJIGdyb3cgdXAsIEkgd2FudCB0byBiZSBhIHdhdGVybWVsb24"
RFC_SERVER_PRIVATE = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"
RFC_UA_PUBLIC = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"
RFC_SALT = "DGv6ra1nlYgDCS1FRnbzlw"
RFC_AUTH = "BTBZMqHH6r4Tts7J_aSIgg"
RFC_MESSAGE = (
    "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl"
    "7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN"
)
ENDPOINT = "https://fcm.googleapis.com/fcm/send/abc123"


@pytest.fixture(autouse=True)
def vapid_key(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A known VAPID key and subject in the settings for each test."""
    monkeypatch.setenv("VAPID_PRIVATE_KEY", RFC_SERVER_PRIVATE)
    monkeypatch.setenv("VAPID_SUBJECT", "mailto:team@police.example")
    get_settings.cache_clear()
    webpush.vapid_key.cache_clear()
    yield
    get_settings.cache_clear()
    webpush.vapid_key.cache_clear()


class Browser:
    """A user agent's side of RFC 8291: its key pair and auth secret, and decryption."""

    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = b"0123456789abcdef"

    @property
    def p256dh(self) -> str:
        return webpush.b64url(webpush._public_bytes(self.key))

    def decrypt(self, body: bytes) -> bytes:
        salt, record_size, id_length = body[:16], int.from_bytes(body[16:20], "big"), body[20]
        server_public = body[21 : 21 + id_length]
        ciphertext = body[21 + id_length :]
        assert record_size == 4096
        shared = self.key.exchange(
            ec.ECDH(), ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), server_public)
        )
        info = webpush.KEY_INFO + webpush.unb64url(self.p256dh) + server_public
        ikm = webpush._hkdf(self.auth, shared, info, 32)
        key = webpush._hkdf(salt, ikm, webpush.CEK_INFO, 16)
        nonce = webpush._hkdf(salt, ikm, webpush.NONCE_INFO, 12)
        plain = AESGCM(key).decrypt(nonce, ciphertext, None)
        assert plain.endswith(b"\x02")  # the last (only) record's delimiter
        return plain[:-1]


def message(push: PushTarget, urgent: bool = False) -> Outgoing:
    return Outgoing(
        tenant="pilot-nl",
        kind=OutgoingKind.ALERT,
        source="alert:01m7zvp22xsw2dr83akx",
        subscription_id="01m7zvp283rh0ebpc92t",
        channel=NotificationChannel.PUSH,
        address=None,
        push=push,
        language="nl",
        subject="Oplichters aan de deur",
        text="Er doen zich oplichters voor als monteurs.",
        url="http://127.0.0.1:8000/app/pilot-nl/#alert=01m7zvp22xsw2dr83akx",
        receipt="alert:01m7zvp22xsw2dr83akx~01m7zvp283rh0ebpc92t~AAAAAAAAAAAAAAAAAAAAAA",
        urgent=urgent,
    )


def test_given_rfc_8291s_example_when_encrypted_with_its_keys_and_salt_then_the_message_is_byte_identical() -> None:
    encrypted = webpush.encrypt(
        webpush.unb64url(RFC_PLAINTEXT),
        RFC_UA_PUBLIC,
        RFC_AUTH,
        server_key=webpush.private_key_from(RFC_SERVER_PRIVATE),
        salt=webpush.unb64url(RFC_SALT),
    )

    assert webpush.b64url(encrypted.body) == RFC_MESSAGE
    assert encrypted.headers["Content-Encoding"] == "aes128gcm"


def test_given_a_browser_subscription_when_a_payload_is_encrypted_then_only_that_browser_reads_it() -> None:
    browser, stranger = Browser(), Browser()
    payload = "Straat afgesloten tot 18:00 — ‘ü’ 🚧".encode()

    first = webpush.encrypt(payload, browser.p256dh, webpush.b64url(browser.auth))
    second = webpush.encrypt(payload, browser.p256dh, webpush.b64url(browser.auth))

    assert browser.decrypt(first.body) == payload
    assert first.body != second.body  # a fresh key and salt every time
    with pytest.raises(InvalidTag):
        stranger.decrypt(first.body)


@pytest.mark.parametrize(
    ("p256dh", "auth"),
    [("AAAA", webpush.b64url(b"0123456789abcdef")), (RFC_UA_PUBLIC, "AAAA")],
)
def test_given_keys_of_the_wrong_size_when_encrypting_then_it_refuses(p256dh: str, auth: str) -> None:
    with pytest.raises(ValueError, match="not a browser push subscription"):
        webpush.encrypt(b"x", p256dh, auth)


def test_given_the_vapid_key_when_a_push_service_checks_the_header_then_the_jwt_verifies_for_its_origin() -> None:
    now = datetime(2026, 11, 21, 12, tzinfo=UTC).timestamp()

    headers = webpush.vapid_headers(ENDPOINT, now=now)

    token = headers["Authorization"].removeprefix("vapid t=").split(", k=")[0]
    public_key = headers["Authorization"].split(", k=")[1]
    assert public_key == webpush.application_server_key()
    verifying_key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), webpush.unb64url(public_key))
    claims = jwt.decode(
        token, verifying_key, algorithms=["ES256"], audience="https://fcm.googleapis.com", options={"verify_exp": False}
    )
    assert claims == {
        "aud": "https://fcm.googleapis.com",
        "exp": int(now) + 12 * 3600,
        "sub": "mailto:team@police.example",
    }


def test_given_a_pem_key_when_loaded_then_it_is_the_same_key_as_its_raw_form() -> None:
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

    key = webpush.private_key_from(RFC_SERVER_PRIVATE)
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode()

    assert webpush.private_key_text(webpush.private_key_from(pem)) == RFC_SERVER_PRIVATE


@pytest.mark.parametrize(
    ("endpoint", "allowed"),
    [
        (ENDPOINT, True),
        ("https://updates.push.services.mozilla.com/wpush/v2/x", True),
        ("https://web.push.apple.com/QX", True),
        ("http://fcm.googleapis.com/fcm/send/x", False),
        ("https://fcm.googleapis.com.evil.example/x", False),
        ("https://169.254.169.254/latest/meta-data", False),
        ("https://evilfcm.googleapis.com@attacker.example/x", False),
    ],
)
def test_given_an_endpoint_from_the_public_when_checked_then_only_known_push_services_are_posted_to(
    endpoint: str, allowed: bool
) -> None:
    assert push_endpoint_allowed(endpoint) is allowed


class FakePushService:
    """Answers like a push service and keeps what it was sent."""

    def __init__(self, status: int) -> None:
        self.status = status
        self.requests: list[tuple[str, bytes, dict[str, str]]] = []

    def __call__(self, url: str, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int, str]:
        self.requests.append((url, body, headers))
        return self.status, ""


def test_given_a_subscribed_browser_when_the_adapter_pushes_then_it_gets_the_message_signed_and_encrypted() -> None:
    browser, service = Browser(), FakePushService(201)
    target = PushTarget(endpoint=ENDPOINT, p256dh=browser.p256dh, auth=webpush.b64url(browser.auth))

    result = WebPushAdapter(post=service).send(message(target, urgent=True))

    assert result.status is DeliveryStatus.SENT
    url, body, headers = service.requests[0]
    assert url == ENDPOINT
    assert headers["Urgency"] == "high"
    assert headers["TTL"] == "86400"
    assert headers["Authorization"].startswith("vapid t=")
    payload: dict[str, Any] = json.loads(browser.decrypt(body))
    assert payload["title"] == "Oplichters aan de deur"
    assert payload["receipt"].startswith("alert:")
    assert payload["url"].endswith("#alert=01m7zvp22xsw2dr83akx")


@pytest.mark.parametrize(
    ("status", "expected", "gone"),
    [
        (202, DeliveryStatus.SENT, False),
        (404, DeliveryStatus.FAILED, True),
        (410, DeliveryStatus.FAILED, True),
        (429, DeliveryStatus.RETRY, False),
        (503, DeliveryStatus.RETRY, False),
        (400, DeliveryStatus.FAILED, False),
    ],
)
def test_given_a_push_service_answer_when_sent_then_the_adapter_reports_it(
    status: int, expected: DeliveryStatus, gone: bool
) -> None:
    browser = Browser()
    target = PushTarget(endpoint=ENDPOINT, p256dh=browser.p256dh, auth=webpush.b64url(browser.auth))

    result = WebPushAdapter(post=FakePushService(status)).send(message(target))

    assert (result.status, result.gone) == (expected, gone)


def test_given_an_endpoint_outside_the_push_services_when_sent_then_nothing_is_posted() -> None:
    browser, service = Browser(), FakePushService(201)
    target = PushTarget(endpoint="https://attacker.example/x", p256dh=browser.p256dh, auth=webpush.b64url(browser.auth))

    result = WebPushAdapter(post=service).send(message(target))

    assert result.status is DeliveryStatus.FAILED
    assert result.gone
    assert service.requests == []


def test_given_a_network_error_when_pushing_then_it_is_retried_later() -> None:
    browser = Browser()
    target = PushTarget(endpoint=ENDPOINT, p256dh=browser.p256dh, auth=webpush.b64url(browser.auth))

    def unreachable(url: str, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int, str]:
        raise TimeoutError("push service did not answer")

    assert WebPushAdapter(post=unreachable).send(message(target)).status is DeliveryStatus.RETRY
