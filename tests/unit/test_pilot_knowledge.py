"""What the pilots bring beyond their taxonomy and rules: the assistant's knowledge items in every language of the
tenant (hook `koban_knowledge_items`, `knowledge/<lang>.json`), and their notification senders
(`koban_notification_adapters`, `notifications.json`)."""

from __future__ import annotations

import importlib
from collections import defaultdict
from email.header import decode_header
from pathlib import Path
from typing import Any

import pluggy
import pytest

from koban import aws
from koban.notifications.adapters import SesEmailAdapter, SnsSmsAdapter
from koban.notifications.models import NotificationChannel, Outgoing, OutgoingKind
from koban.plugins import PluginConfigurationError, hookimpl, host
from koban.plugins.checks import knowledge_problems, translation_problems
from koban.plugins.knowledge import KnowledgeSeed, plugin_knowledge
from koban.plugins.package import DataPlugin
from koban.tenants.service import get_tenant
from koban_local.assistant_build import seed_items, seed_tenants
from tests.unit.test_pilot_plugin_package import TENANT, write
from tests.unit.test_plugin_host import use_manager  # noqa: F401 - a fresh manager the tenant service uses

PILOTS = ("pilot-be", "pilot-es", "pilot-fi", "pilot-nl", "pilot-pl", "pilot-pt")
TOPICS = ("online-fraud", "senior-safety", "neighbourhood-officer", "lost-property", "when-112")
ITEM = {"title": "Oplichting online", "body": "Bel eerst je bank.", "categories": ["cybercrime"]}


def _plugin(tenant_id: str) -> DataPlugin:
    plugin: DataPlugin = importlib.import_module("koban_pilot_" + tenant_id.removeprefix("pilot-")).plugin
    return plugin


def _by_topic(tenant_id: str) -> dict[str, set[str]]:
    languages: dict[str, set[str]] = defaultdict(set)
    for seed in plugin_knowledge(get_tenant(tenant_id)):
        assert seed.topic is not None
        languages[seed.topic.split("-", 1)[1]].add(seed.language)
    return languages


# ---------------------------------------------------------------------------------------------- knowledge


@pytest.mark.parametrize("tenant_id", PILOTS)
def test_given_a_pilot_then_it_brings_the_five_topics_in_every_language_of_its_tenant(tenant_id: str) -> None:
    """Given a pilot, then the knowledge its plugin brings covers the five topics, each in every language the
    tenant serves (community languages included) and in no other, and the check finds nothing."""
    tenant = get_tenant(tenant_id)

    by_topic = _by_topic(tenant_id)

    assert sorted(by_topic) == sorted(TOPICS)
    assert all(languages == set(tenant.languages) for languages in by_topic.values()), by_topic
    assert knowledge_problems(tenant) == []


@pytest.mark.parametrize(("tenant_id", "language"), [("pilot-fi", "sv"), ("pilot-pl", "uk")])
def test_given_the_community_languages_then_their_items_are_seeded_in_them(tenant_id: str, language: str) -> None:
    """Given Finland's Swedish and Poland's Ukrainian, then the local home's seed holds the five items in that
    language, as stored items of the tenant, alongside the training modules."""
    items = seed_items(tenant_id)

    ours = [item for item in items if item.language == language and item.kind == "faq"]

    assert tenant_id in seed_tenants()
    assert len(ours) == 5
    assert {item.tenant for item in items} == {tenant_id}
    assert all(item.id.endswith(f"-{language}") and item.body.strip() for item in ours)


def test_given_a_data_plugin_then_ids_come_from_topic_and_file_and_only_its_tenants_get_them(tmp_path: Path) -> None:
    plugin = DataPlugin(write(tmp_path, {"tenant.json": TENANT, "knowledge/nl.json": {"gent-fraud": ITEM}}))

    seeds = plugin.koban_knowledge_items(tenant=plugin.tenants[0])

    assert seeds is not None
    assert [(seed.id, seed.topic, seed.language) for seed in seeds] == [("gent-fraud-nl", "gent-fraud", "nl")]
    assert plugin.koban_knowledge_items(tenant=get_tenant("pilot-nl")) is None


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"knowledge/nl.json": {"gent-fraud": {**ITEM, "title": ""}}}, "knowledge/nl.json: gent-fraud.title"),
        ({"knowledge/nl.json": {"gent-fraud": {**ITEM, "language": "fr"}}}, "language come from the topic"),
        ({"knowledge/nl.json": {"Gent Fraud!": ITEM}}, "knowledge/nl.json: Gent Fraud!"),
        ({"knowledge/nl.json": {"gent-fraud": {**ITEM, "audience": ["martians"]}}}, "gent-fraud.audience"),
        ({"knowledge/dutch.json": {"gent-fraud": ITEM}}, "must be a language code"),
        ({"knowledge/nl.json": "[not json"}, "cannot read it"),
    ],
)
def test_given_a_broken_knowledge_file_then_loading_names_file_and_place(
    tmp_path: Path, files: dict[str, Any], message: str
) -> None:
    with pytest.raises(PluginConfigurationError, match="plugin 'gent'") as raised:
        DataPlugin(write(tmp_path, {"tenant.json": TENANT, **files}), name="gent")

    assert message in raised.value.detail


@pytest.fixture
def manager(use_manager: pluggy.PluginManager, monkeypatch: pytest.MonkeyPatch) -> pluggy.PluginManager:  # noqa: F811
    """The fresh manager, also for the knowledge the plugins bring."""
    monkeypatch.setattr(host, "plugin_manager", lambda: use_manager)
    return use_manager


def _register(manager: pluggy.PluginManager, seeds: list[Any]) -> None:
    class Extra:
        @hookimpl
        def koban_knowledge_items(self, tenant: Any) -> list[Any] | None:
            return seeds if tenant.id == "pilot-nl" else None

    manager.register(Extra(), name="extra")


def test_given_a_topic_missing_in_a_language_or_a_foreign_language_then_the_check_names_them(
    manager: pluggy.PluginManager,
) -> None:
    """Given a plugin giving pilot-nl a topic only in English and an item in Polish, then the check (and so
    `koban plugins --check`) names the missing Dutch and the foreign Polish."""
    seed = {"language": "en", "title": "Bikes", "body": "Lock it.", "id": "nl-bikes-en", "topic": "nl-bikes"}
    _register(manager, [KnowledgeSeed.model_validate(seed), {**seed, "id": "nl-bikes-pl", "language": "pl"}])
    tenant = get_tenant("pilot-nl")

    problems = [str(problem) for problem in translation_problems(tenant)]

    assert "pilot-nl knowledge nl-bikes: missing in nl" in problems
    assert "pilot-nl knowledge nl-bikes-pl: in pl, which is not a language of the tenant" in problems


@pytest.mark.parametrize(
    ("seeds", "message"),
    [
        ([{"language": "nl", "title": "x", "body": "y", "id": "nl-online-fraud-nl"}], "'nl-online-fraud-nl' twice"),
        ([{"language": "nl", "title": "x", "body": "y", "id": "Bad Id"}], "invalid item"),
    ],
)
def test_given_an_id_twice_or_an_invalid_item_then_knowledge_is_refused(
    manager: pluggy.PluginManager,
    seeds: list[Any],
    message: str,
) -> None:
    _register(manager, seeds)
    tenant = get_tenant("pilot-nl")

    with pytest.raises(PluginConfigurationError, match=message):
        plugin_knowledge(tenant)
    assert [problem.where for problem in knowledge_problems(tenant)] == ["pilot-nl knowledge"]


# ------------------------------------------------------------------------------------------ notifications


class FakeProviders:
    """Stands in for the SES and SNS clients: records what would be sent."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def send_email(self, **params: Any) -> dict[str, str]:
        self.calls.append(("email", params))
        return {"MessageId": "m-1"}

    def publish(self, **params: Any) -> dict[str, str]:
        self.calls.append(("sms", params))
        return {"MessageId": "m-2"}


@pytest.fixture
def providers(monkeypatch: pytest.MonkeyPatch) -> FakeProviders:
    fake = FakeProviders()
    monkeypatch.setattr(aws, "client", lambda service: fake)
    return fake


def _message(channel: NotificationChannel, language: str) -> Outgoing:
    return Outgoing(
        tenant="pilot-be",
        kind=OutgoingKind.ALERT,
        source="alert:a1",
        subscription_id="s1",
        channel=channel,
        address="resident@example.org" if channel is NotificationChannel.EMAIL else "+48600100200",
        push=None,
        language=language,
        subject="Alerte",
        text="Texte",
    )


def test_given_outbox_delivery_then_the_pilots_leave_every_channel_to_the_outbox() -> None:
    for tenant_id in PILOTS:
        assert _plugin(tenant_id).koban_notification_adapters(tenant=get_tenant(tenant_id), delivery="outbox") is None


def test_given_pilot_be_then_its_mail_comes_from_the_sender_of_the_messages_language(providers: FakeProviders) -> None:
    """Given providers delivery, then pilot-be's e-mail is sent from its address in the message's language (a
    German display name MIME-encoded as SES wants), a language it has none for falling back to the setting; SMS
    stays the default's."""
    chosen = _plugin("pilot-be").koban_notification_adapters(tenant=get_tenant("pilot-be"), delivery="providers")
    assert chosen is not None
    assert set(chosen) == {"email"}
    email = chosen["email"]
    assert isinstance(email, SesEmailAdapter)

    for language in ("nl", "de", "es"):
        assert email.send(_message(NotificationChannel.EMAIL, language)).status == "sent"

    senders = [params["FromEmailAddress"] for _, params in providers.calls]
    assert senders[0] == "Politie Brussel-Hoofdstad Elsene <bericht@pilot-be.koban.example>"
    name, charset = decode_header(senders[1].split(" <")[0])[0]
    assert (name, charset) == ("Polizei Brüssel-Hauptstadt Ixelles".encode(), "utf-8")
    assert senders[1].endswith("<mitteilung@pilot-be.koban.example>")
    assert senders[2] == "no-reply@example.org"


def test_given_pilot_pl_then_its_sms_carry_its_sender_id(providers: FakeProviders) -> None:
    chosen = _plugin("pilot-pl").koban_notification_adapters(tenant=get_tenant("pilot-pl"), delivery="providers")
    assert chosen is not None
    sms = chosen["sms"]
    assert isinstance(sms, SnsSmsAdapter)

    result = sms.send(_message(NotificationChannel.SMS, "uk"))

    attributes = providers.calls[0][1]["MessageAttributes"]
    assert result.status == "sent"
    assert attributes["AWS.SNS.SMS.SenderID"] == {"DataType": "String", "StringValue": "KSPWarszawa"}
    assert attributes["AWS.SNS.SMS.SMSType"]["StringValue"] == "Transactional"
    assert _plugin("pilot-pl").koban_notification_adapters(tenant=get_tenant("pilot-be"), delivery="providers") is None


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"sms_sender_id": "Police Warsaw"}, "sms_sender_id"),
        ({"sms_sender_id": "123456"}, "sms_sender_id"),
        ({"sms_sender_id": "KSPWarszawa1"}, "sms_sender_id"),
        ({"email_from": {"nl": "Gent\r\nBcc: x@y.z <a@b.c>"}}, "email_from.nl"),
        ({"email_from": {"dutch": "a@b.c"}}, "email_from.dutch"),
        ({"fax": "0"}, "fax"),
    ],
)
def test_given_a_bad_notifications_file_then_loading_names_the_field(
    tmp_path: Path, settings: dict[str, Any], field: str
) -> None:
    with pytest.raises(PluginConfigurationError, match=f"notifications.json: {field}"):
        DataPlugin(write(tmp_path, {"tenant.json": TENANT, "notifications.json": settings}), name="gent")
