"""The assistant over moto: answers in eight languages from the seeded knowledge, emergencies first, the
conversation stored (redacted, expiring), the officers' handoff queue, the knowledge admin endpoints, and bad
input refused with nothing written."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import boto3
import pytest

from koban.audit.service import audit_log
from koban.audit.storage import seq_of
from koban_local.assistant_seed import seed_knowledge
from tests.api import ApiClient, staff_claims

# (tenant, language, message, expected category, a seeded item the answer should quote or None)
MESSAGES = [
    (
        "pilot-nl",
        "en",
        "I paid for a bike on a website and never received it, I think it was fake",
        "cybercrime",
        "nl-online-fraud-en",
    ),
    (
        "pilot-nl",
        "nl",
        "Hoe kom ik in contact met de wijkagent in mijn buurt?",
        "contact_officer",
        "nl-neighbourhood-officer-nl",
    ),
    ("pilot-pl", "pl", "Zgubiłam klucze w autobusie, gdzie mam pytać?", "lost_found", "pl-lost-property-pl"),
    ("pilot-fi", "fi", "Milloin hätänumeroon pitää soittaa?", "general_info", "fi-when-112-fi"),
    (
        "pilot-es",
        "es",
        "¿Cómo puedo proteger a mi abuela de los timos en la puerta?",
        "general_info",
        "es-senior-safety-es",
    ),
    ("pilot-pt", "pt", "Burlaram-me numa loja online falsa, o que faço?", "cybercrime", "pt-online-fraud-pt"),
    ("pilot-be", "fr", "J'ai trouvé un portefeuille dans la rue, où le déposer ?", "lost_found", "be-lost-property-fr"),
    (
        "pilot-be",
        "de",
        "Wie finde ich den Viertelpolizisten für meine Straße?",
        "contact_officer",
        "be-neighbourhood-officer-de",
    ),
]


@pytest.fixture(scope="module")
def knowledge(moto_home: dict[str, str]) -> dict[str, int]:
    return seed_knowledge()


@pytest.fixture(scope="module")
def assistant(api: ApiClient, knowledge: dict[str, int]) -> ApiClient:
    return api


def ask(api: ApiClient, tenant: str, text: str, **fields: Any) -> dict[str, Any]:
    reply = api.post(f"/v1/tenants/{tenant}/assistant/messages", body={"text": text, **fields})
    assert reply.status == 200, reply.body
    answer: dict[str, Any] = reply.json()
    return answer


def conversation_items(moto_home: dict[str, str]) -> list[dict[str, Any]]:
    """Every item of the conversations table (a test-only Scan, to prove what was or was not written)."""
    client = boto3.client("dynamodb")
    items: list[dict[str, Any]] = client.scan(TableName=moto_home["ConversationsTable"])["Items"]
    return items


@pytest.mark.parametrize(("tenant", "language", "text", "category", "source"), MESSAGES)
def test_given_a_question_in_a_language_when_asked_then_the_answer_is_in_it_with_sources_and_a_route(
    assistant: ApiClient, tenant: str, language: str, text: str, category: str, source: str
) -> None:
    """Given a pilot's seeded knowledge, when a resident asks in one of the eight languages, then the reply is
    in that language, in the right category, quotes the force's item on it, and routes to one of its units."""
    reply = ask(assistant, tenant, text)
    tenant_units = {unit["code"] for unit in assistant.get(f"/v1/tenants/{tenant}").json()["units"]}

    assert reply["language"] == reply["answer_language"] == language
    assert reply["emergency"] is False
    assert reply["category"] == category
    assert source in [item["id"] for item in reply["sources"]]
    assert reply["answer"].count("\n") >= 2
    assert reply["sources"][0]["title"] in reply["answer"]
    assert reply["route"]["unit"] in tenant_units
    assert reply["route"]["reason"]
    assert reply["engine"] == "offline"
    assert len(reply["conversation_id"]) >= 22


@pytest.mark.parametrize(
    ("tenant", "text", "language"),
    [
        ("pilot-nl", "Help, er staat een man met een mes in mijn tuin en hij probeert binnen te komen", "nl"),
        ("pilot-pl", "Mój mąż upadł i nie oddycha", "pl"),
        ("pilot-es", "Hay fuego en la cocina del vecino y sale mucho humo", "es"),
        ("pilot-be", "Quelqu'un est en train de frapper un homme devant la gare", "fr"),
        ("pilot-fi", "Поруч зараз б'ють людину ножем, допоможіть", "uk"),
    ],
)
def test_given_an_emergency_happening_now_when_asked_then_112_comes_first_and_a_person_is_told(
    assistant: ApiClient, tenant: str, text: str, language: str
) -> None:
    reply = ask(assistant, tenant, text)

    assert reply["emergency"] is True
    assert reply["category"] == "emergency"
    assert reply["language"] == reply["answer_language"] == language
    assert "112" in reply["answer"].split("\n")[0]
    assert reply["handoff"] is True
    assert reply["report_offer"] is None


def test_given_a_past_theft_when_asked_then_no_emergency_and_a_prefilled_report_the_app_can_post(
    assistant: ApiClient,
) -> None:
    """Given 'my bike was stolen yesterday', then no emergency, a report offer of the tenant's own category with
    the resident's text, which the reports endpoint accepts as it is."""
    text = "Mijn fiets is gisteren gestolen bij het station"
    reply = ask(assistant, "pilot-nl", text)
    offer = reply["report_offer"]

    assert reply["emergency"] is False
    assert reply["category"] == "crime_report"
    assert offer["category"] == "bike_theft"
    assert offer["description"] == text
    assert offer["category_name"] in reply["answer"]
    categories = assistant.get("/v1/tenants/pilot-nl/categories").json()["items"]
    questions = next(c for c in categories if c["code"] == offer["category"])["questions"]
    required = [question for question in questions if question["required"]]
    assert offer["required_questions"] == [question["code"] for question in required]
    answers = {question["code"]: question["options"][0]["code"] for question in required}
    report = assistant.post(
        "/v1/tenants/pilot-nl/reports",
        body={
            "category": offer["category"],
            "description": offer["description"],
            "answers": answers,
            "location": {"lat": 52.37, "lon": 4.89},
        },
    )
    assert report.status == 201, report.body


def test_given_a_conversation_when_continued_then_it_is_stored_redacted_and_expiring(
    assistant: ApiClient, moto_home: dict[str, str]
) -> None:
    """Given two messages in one conversation, the second with a phone number and an e-mail address, then the
    transcript (staff) holds four turns in order with both redacted, and every item expires in 30 days."""
    first = ask(assistant, "pilot-fi", "Naapurit pitävät kovaa meteliä joka yö")
    second = ask(
        assistant,
        "pilot-fi",
        "Voitteko soittaa minulle numeroon 040 123 4567 tai lähettää sähköpostia matti@example.fi?",
        conversation_id=first["conversation_id"],
    )
    chain_before = audit_log().head("pilot-fi")
    transcript = assistant.get(
        f"/v1/tenants/pilot-fi/assistant/conversations/{first['conversation_id']}", claims=staff_claims("pilot-fi")
    )

    assert second["conversation_id"] == first["conversation_id"]
    assert transcript.status == 200, transcript.body
    turns = transcript.json()["turns"]
    assert [(turn["position"], turn["speaker"]) for turn in turns] == [
        (1, "resident"),
        (2, "assistant"),
        (3, "resident"),
        (4, "assistant"),
    ]
    assert "[phone]" in turns[2]["text"]
    assert "[e-mail]" in turns[2]["text"]
    assert "4567" not in transcript.body
    assert "matti@" not in transcript.body
    # The staff read of the resident's words is one entry of the tenant's audit log
    [entry], _ = audit_log().page("pilot-fi", 1, None)
    assert chain_before is not None
    assert seq_of(entry) == chain_before.seq + 1
    assert (entry["action"], entry["target"]) == ("conversation_viewed", f"conversation/{first['conversation_id']}")
    mine = [item for item in conversation_items(moto_home) if first["conversation_id"] in item["pk"]["S"]]
    assert len(mine) == 5  # the conversation and its four turns
    for item in mine:
        assert abs(int(item["expires_at"]["N"]) - (time.time() + 30 * 86400)) < 600


def test_given_an_unknown_or_another_tenants_conversation_when_continued_then_404_and_nothing_written(
    assistant: ApiClient, moto_home: dict[str, str]
) -> None:
    mine = ask(assistant, "pilot-pt", "Perdi a minha carteira no autocarro")
    before = len(conversation_items(moto_home))

    other = assistant.post(
        "/v1/tenants/pilot-es/assistant/messages", body={"text": "Hola", "conversation_id": mine["conversation_id"]}
    )
    unknown = assistant.post(
        "/v1/tenants/pilot-pt/assistant/messages", body={"text": "Olá", "conversation_id": "A" * 22}
    )

    assert other.status == unknown.status == 404
    assert other.json()["type"].endswith("/conversation_not_found")
    assert len(conversation_items(moto_home)) == before


def test_given_handed_over_conversations_when_staff_list_them_then_newest_first_paged_and_tenant_bound(
    assistant: ApiClient,
) -> None:
    """Given a hate incident and a request for an officer (both handed over by the default rule), then officers
    of that tenant see both newest first a page at a time, with the redacted message; others are refused."""
    hate = ask(assistant, "pilot-pt", "Fui insultado por ser cigano e o homem disse o meu número 912 345 678 a todos")
    contact = ask(assistant, "pilot-pt", "Quero falar com um agente do bairro sobre um problema")
    officer = staff_claims("pilot-pt")

    first_page = assistant.get("/v1/tenants/pilot-pt/assistant/handoffs", query={"limit": "1"}, claims=officer)
    second_page = assistant.get(
        "/v1/tenants/pilot-pt/assistant/handoffs",
        query={"limit": "1", "cursor": first_page.json()["next_cursor"]},
        claims=officer,
    )

    assert hate["handoff"] is contact["handoff"] is True
    assert [item["conversation_id"] for item in first_page.json()["items"]] == [contact["conversation_id"]]
    assert [item["conversation_id"] for item in second_page.json()["items"]] == [hate["conversation_id"]]
    assert second_page.json()["items"][0]["category"] == "hate_crime"
    assert "[phone]" in second_page.json()["items"][0]["summary"]
    assert assistant.get("/v1/tenants/pilot-pt/assistant/handoffs").status == 401
    assert assistant.get("/v1/tenants/pilot-pt/assistant/handoffs", claims=staff_claims("pilot-es")).status == 403
    bad_cursor = assistant.get("/v1/tenants/pilot-pt/assistant/handoffs", query={"cursor": "bm9wZQ"}, claims=officer)
    assert bad_cursor.status == 422
    assert bad_cursor.json()["errors"][0]["field"] == "query.cursor"


def test_given_a_conversation_when_read_by_another_tenants_staff_then_403(assistant: ApiClient) -> None:
    reply = ask(assistant, "pilot-nl", "Ik wil een compliment geven aan de agenten van gisteren")
    path = f"/v1/tenants/pilot-nl/assistant/conversations/{reply['conversation_id']}"

    assert assistant.get(path, claims=staff_claims("pilot-be")).status == 403
    assert assistant.get(path).status == 401
    assert assistant.get(path.replace("pilot-nl", "pilot-be"), claims=staff_claims("pilot-be")).status == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": "   "}, "text"),
        ({"text": "x" * 2001}, "text"),
        ({"text": "hello\u202eolleh"}, "text"),
        ({"text": 42}, "text"),
        ({}, "text"),
        ({"text": "hello", "role": "admin"}, "role"),
        ({"text": "hello", "locale": "english"}, "locale"),
        ({"text": "hello", "conversation_id": "../../etc/passwd"}, "conversation_id"),
        ({"text": "hello", "conversation_id": "'; DROP TABLE x; --"}, "conversation_id"),
    ],
)
def test_given_bad_input_when_posted_then_422_names_the_field_and_nothing_is_written(
    assistant: ApiClient, moto_home: dict[str, str], body: dict[str, Any], field: str
) -> None:
    before = len(conversation_items(moto_home))

    reply = assistant.post("/v1/tenants/pilot-nl/assistant/messages", body=body)

    assert reply.status == 422, reply.body
    assert reply.headers["Content-Type"] == "application/problem+json"
    assert field in [error["field"] for error in reply.json()["errors"]]
    assert len(conversation_items(moto_home)) == before


def test_given_non_json_or_an_unknown_tenant_when_posted_then_4xx_problem(assistant: ApiClient) -> None:
    not_json = assistant.post("/v1/tenants/pilot-nl/assistant/messages", raw_body="text=hello")
    unknown = assistant.post("/v1/tenants/pilot-xx/assistant/messages", body={"text": "hello"})

    assert not_json.status == 400
    assert unknown.status == 404
    assert unknown.json()["type"].endswith("/tenant_not_found")


# ---------------------------------------------------------------------------------------------- knowledge admin

NEW_ITEM = {
    "language": "en",
    "kind": "faq",
    "title": "Bicycle engraving day",
    "question": "Where can I get my bicycle engraved against theft?",
    "body": "Every first Saturday of the month the neighbourhood team engraves bicycles for free at the town hall.",
    "categories": ["crime_report", "general_info"],
    "audience": ["residents"],
    "tags": ["bicycle", "prevention"],
    "url": "https://www.politie.nl",
}


def test_given_an_admin_when_an_item_is_added_updated_and_retired_then_answers_follow_each_step(
    assistant: ApiClient,
) -> None:
    """Given an admin of pilot-nl, when they add an item, the assistant quotes it; when they update it on its
    version, the new text is quoted (a stale version is refused); when they retire it, it is never quoted again
    but stays listed as retired."""
    admin = staff_claims("pilot-nl", "admin")
    question = "Where can I have my bike engraved so thieves cannot sell it?"
    added = assistant.post("/v1/tenants/pilot-nl/knowledge", body=NEW_ITEM, claims=admin)
    assert added.status == 201, added.body
    item = added.json()
    assert added.headers["Location"] == f"/v1/tenants/pilot-nl/knowledge/{item['id']}"
    assert item["id"] in [source["id"] for source in ask(assistant, "pilot-nl", question)["sources"]]

    path = f"/v1/tenants/pilot-nl/knowledge/{item['id']}"
    changed = {**NEW_ITEM, "body": "Engraving moved: every second Saturday, at the library.", "version": 1}
    updated = assistant.request("PUT", path, body=changed, claims=admin)
    stale = assistant.request("PUT", path, body=changed, claims=admin)
    assert updated.status == 200, updated.body
    assert updated.json()["version"] == 2
    assert stale.status == 409
    assert "second Saturday" in ask(assistant, "pilot-nl", question)["answer"]

    retired = assistant.request("DELETE", path, claims=admin)
    assert retired.status == 200
    assert retired.json()["status"] == "retired"
    assert item["id"] not in [source["id"] for source in ask(assistant, "pilot-nl", question)["sources"]]
    listed = assistant.get("/v1/tenants/pilot-nl/knowledge", query={"status": "retired"}, claims=admin).json()
    assert [entry["id"] for entry in listed["items"]] == [item["id"]]
    assert assistant.get(path, claims=staff_claims("pilot-nl")).json()["version"] == 3


def test_given_seeded_knowledge_when_staff_list_it_then_items_by_language(assistant: ApiClient) -> None:
    listed = assistant.get("/v1/tenants/pilot-be/knowledge", query={"language": "de"}, claims=staff_claims("pilot-be"))

    assert listed.status == 200
    assert {item["language"] for item in listed.json()["items"]} == {"de"}
    kinds = Counter(item["kind"] for item in listed.json()["items"])
    assert kinds["training"] == 12  # the capability model's training modules: six dimensions, two audiences
    assert sum(kinds.values()) - kinds["training"] == 5


@pytest.mark.parametrize(
    ("claims", "status"),
    [(None, 401), (staff_claims("pilot-nl", "officer"), 403), (staff_claims("pilot-pl", "admin"), 403)],
)
def test_given_someone_not_an_admin_of_the_tenant_when_adding_knowledge_then_refused(
    assistant: ApiClient, claims: dict[str, str] | None, status: int
) -> None:
    reply = assistant.post("/v1/tenants/pilot-nl/knowledge", body=NEW_ITEM, claims=claims)

    assert reply.status == status


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"language": "xx"}, "language"),
        ({"language": "english"}, "language"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"categories": ["not_a_category"]}, "categories.0"),
        ({"audience": []}, "audience"),
        ({"body": "x" * 8001}, "body"),
        ({"title": "two\nlines"}, "title"),
        ({"question": None, "title": ""}, "title"),
    ],
)
def test_given_a_bad_item_when_added_then_422_names_the_field(
    assistant: ApiClient, change: dict[str, Any], field: str
) -> None:
    reply = assistant.post(
        "/v1/tenants/pilot-nl/knowledge", body={**NEW_ITEM, **change}, claims=staff_claims("pilot-nl", "admin")
    )

    assert reply.status == 422, reply.body
    assert field in [error["field"] for error in reply.json()["errors"]]


def test_given_an_unknown_item_when_read_updated_or_retired_then_404(assistant: ApiClient) -> None:
    admin = staff_claims("pilot-nl", "admin")
    path = "/v1/tenants/pilot-nl/knowledge/no-such-item"

    assert assistant.get(path, claims=admin).status == 404
    assert assistant.request("PUT", path, body={**NEW_ITEM, "version": 1}, claims=admin).status == 404
    assert assistant.request("DELETE", path, claims=admin).status == 404


@pytest.mark.parametrize("text", ["Thanks!", "hallo", "ok"])
def test_given_a_greeting_or_thanks_when_asked_then_the_assistant_asks_for_more_and_calls_nobody(
    assistant: ApiClient, text: str
) -> None:
    """Given a message of a word or two that is no emergency, then no guessed category, no report offer, no
    knowledge quoted and no handoff: the resident is asked what happened."""
    reply = ask(assistant, "pilot-nl", text, locale="en-GB")

    assert reply["emergency"] is False
    assert reply["category"] == "general_info"
    assert reply["handoff"] is False
    assert reply["report_offer"] is None
    assert reply["sources"] == []
    assert reply["answer"].startswith("I am not sure I understood")


def test_given_a_cry_for_help_alone_when_asked_then_it_is_treated_as_an_emergency(assistant: ApiClient) -> None:
    reply = ask(assistant, "pilot-pl", "Pomocy!")

    assert reply["emergency"] is True
    assert reply["answer_language"] == "pl"
