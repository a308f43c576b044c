"""The assistant tried as a new user would, over HTTP against the local home (`koban serve`): a question in
each of the eight languages, an emergency, a conversation continued, and the officers' queue with a token."""

from __future__ import annotations

import pytest
import requests

from tests.e2e.conftest import bearer

# tenant, language, a resident's first question, the category expected
QUESTIONS = [
    ("pilot-nl", "nl", "Ik ben opgelicht door een nepwebwinkel, wat moet ik doen?", "cybercrime"),
    ("pilot-nl", "en", "How do I get in touch with my neighbourhood officer?", "contact_officer"),
    ("pilot-pl", "pl", "Jak chronić babcię przed oszustami, którzy dzwonią do drzwi?", "general_info"),
    ("pilot-fi", "fi", "Löysin lompakon puistosta, minne vien sen?", "lost_found"),
    ("pilot-es", "es", "¿Cuándo debo llamar al 112?", "general_info"),
    ("pilot-pt", "pt", "Os vizinhos fazem barulho todas as noites até às quatro da manhã", "nuisance"),
    ("pilot-be", "fr", "Des voitures sont garées tous les jours sur la piste cyclable devant l'école", "traffic"),
    ("pilot-be", "de", "Wie melde ich einen Betrug beim Online-Kauf?", "cybercrime"),
]


@pytest.mark.parametrize(("tenant", "language", "text", "category"), QUESTIONS)
def test_given_a_resident_when_they_ask_over_http_then_they_get_an_answer_in_their_language(
    base_url: str, http: requests.Session, tenant: str, language: str, text: str, category: str
) -> None:
    reply = http.post(f"{base_url}/v1/tenants/{tenant}/assistant/messages", json={"text": text}, timeout=30)

    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["language"] == body["answer_language"] == language
    assert body["category"] == category
    assert body["emergency"] is False
    assert body["answer"]
    assert body["route"]["unit_name"] in body["route"]["reason"]
    for source in body["sources"]:
        assert source["title"] in body["answer"]


def test_given_an_emergency_over_http_then_112_first_and_the_officers_see_it_in_their_queue(
    base_url: str, http: requests.Session
) -> None:
    """Given a burglary in progress, then 112 first; an officer of the tenant then finds the conversation at the
    top of the handoff queue and reads it; an officer of another tenant cannot."""
    text = "Er is nu iemand aan het inbreken bij de buren, ik hoor glas breken"
    reply = http.post(
        f"{base_url}/v1/tenants/pilot-nl/assistant/messages", json={"text": text, "locale": "nl-NL"}, timeout=30
    ).json()

    assert reply["emergency"] is True
    assert reply["answer"].startswith("Dit klinkt als een noodsituatie. Bel nu 112")
    queue = http.get(f"{base_url}/v1/tenants/pilot-nl/assistant/handoffs", headers=bearer("pilot-nl"), timeout=30)
    assert queue.status_code == 200, queue.text
    top = queue.json()["items"][0]
    assert (top["conversation_id"], top["emergency"], top["category"]) == (reply["conversation_id"], True, "emergency")
    path = f"{base_url}/v1/tenants/pilot-nl/assistant/conversations/{reply['conversation_id']}"
    assert http.get(path, headers=bearer("pilot-nl"), timeout=30).json()["turns"][0]["text"] == text
    assert http.get(path, headers=bearer("pilot-be"), timeout=30).status_code == 403


def test_given_a_short_follow_up_with_the_apps_locale_then_the_conversation_goes_on_in_that_language(
    base_url: str, http: requests.Session
) -> None:
    url = f"{base_url}/v1/tenants/pilot-pt/assistant/messages"
    first = http.post(url, json={"text": "Perdi o meu telemóvel no metro ontem", "locale": "pt-PT"}, timeout=30).json()

    follow = http.post(
        url, json={"text": "Obrigado!", "conversation_id": first["conversation_id"], "locale": "pt-PT"}, timeout=30
    )

    assert first["category"] == "lost_found"
    assert follow.status_code == 200
    assert follow.json()["conversation_id"] == first["conversation_id"]
    assert follow.json()["answer_language"] == "pt"


def test_given_a_browser_when_it_preflights_the_assistant_then_cors_allows_the_post(
    base_url: str, http: requests.Session
) -> None:
    reply = http.options(
        f"{base_url}/v1/tenants/pilot-fi/assistant/messages",
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "POST"},
        timeout=30,
    )

    assert reply.status_code in (200, 204)
    assert reply.headers["Access-Control-Allow-Origin"] == "*"


def test_given_an_admin_over_http_when_they_add_knowledge_then_residents_get_it_at_once(
    base_url: str, http: requests.Session
) -> None:
    item = {
        "language": "fi",
        "title": "Pyöränmerkintäpäivä",
        "question": "Missä voin merkitä polkupyöräni varkauksien varalta?",
        "body": "Lähipoliisi merkitsee polkupyöriä maksutta kirjaston edessä joka kuun ensimmäisenä lauantaina.",
        "categories": ["general_info", "crime_report"],
    }
    added = http.post(
        f"{base_url}/v1/tenants/pilot-fi/knowledge", json=item, headers=bearer("pilot-fi", "admin"), timeout=60
    )
    assert added.status_code == 201, added.text

    reply = http.post(
        f"{base_url}/v1/tenants/pilot-fi/assistant/messages",
        json={"text": "Voiko polkupyörän merkitä jossain varkauksien varalta?"},
        timeout=30,
    ).json()

    assert added.json()["id"] in [source["id"] for source in reply["sources"]]
    assert "kirjaston edessä" in reply["answer"]
