"""The capability model as a pilot's admin and a community partner use it, over HTTP through the local gateway:
the admin opens a round and completes an assessment, a partner gives theirs, residents' reports arrive, and the
admin opens the scorecard: each dimension's score beside its live indicators, and the training recommended for the
weakest dimension in the admin's language; the CSV and PDF downloads are valid files."""

from __future__ import annotations

import csv
import io
from typing import Any

import requests

from koban_local.home import LocalHome
from tests.e2e.conftest import bearer

TENANT = "pilot-pt"
IN_PORTUGUESE = {"Accept-Language": "pt-PT,pt;q=0.9"}
# The admin's ratings: the six dimensions well along, organisational transformation only starting.
LEVELS = {
    "plain_language": 4,
    "listening_to_residents": 3,
    "feedback_to_reporters": 4,
    "information_sharing": 4,
    "response_standards": 4,
    "public_reporting": 3,
    "inclusive_access": 4,
    "less_heard_groups": 3,
    "joint_problem_solving": 4,
    "resident_participation": 4,
    "proactive_problem_solving": 1,
    "learning_from_evidence": 1,
}


def _url(base_url: str, tail: str) -> str:
    return f"{base_url}/v1/tenants/{TENANT}/capability{tail}"


def _report(http: requests.Session, base_url: str, **extra: Any) -> None:
    body = {
        "category": "noise_night",
        "description": "Música alta todas as noites depois da meia-noite.",
        "location": {"lat": 38.7223, "lon": -9.1393},
        "answers": {"ongoing": True, "noise_source": "music"},
        "locale": "pt",
        **extra,
    }
    headers = bearer(TENANT) if "channel" in extra else {}
    reply = http.post(f"{base_url}/v1/tenants/{TENANT}/reports", json=body, headers=headers, timeout=10)
    assert reply.status_code == 201, reply.text


def test_an_admin_assesses_opens_the_scorecard_and_downloads_it(
    http: requests.Session, base_url: str, home: LocalHome
) -> None:
    admin, partner = bearer(TENANT, "admin"), bearer(TENANT, "partner")
    # Given residents' reports, one of them taken by phone, counted by the stream consumer
    _report(http, base_url)
    _report(http, base_url, channel="phone")
    _report(http, base_url, locale="en")
    home.poller.drain(timeout=60)

    # And the model, read in Portuguese, with what each level means
    model = http.get(_url(base_url, "/model"), headers={**admin, **IN_PORTUGUESE}, timeout=10)
    assert model.status_code == 200, model.text
    assert model.json()["language"] == "pt"
    capabilities = [c["id"] for d in model.json()["dimensions"] for c in d["capabilities"]]
    assert sorted(capabilities) == sorted(LEVELS)

    # When the admin opens a round and rates every capability, with evidence for one of them
    opened = http.post(_url(base_url, "/rounds"), json={"title": "Primavera 2027"}, headers=admin, timeout=10)
    assert opened.status_code == 201, opened.text
    mine = _url(base_url, f"/rounds/{opened.json()['id']}/assessments/mine")
    ratings = [{"capability": capability, "level": level} for capability, level in LEVELS.items()]
    ratings[0]["evidence"] = "Folhetos em português e inglês; intérpretes nas reuniões."
    assert http.put(mine, json={"ratings": ratings}, headers=admin, timeout=10).status_code == 200
    # and a community partner gives their own view of two capabilities
    partner_view = [{"capability": "plain_language", "level": 2}, {"capability": "joint_problem_solving", "level": 3}]
    assert http.put(mine, json={"ratings": partner_view}, headers=partner, timeout=10).json()["view"] == "partners"

    # Then the scorecard shows, per dimension, both views beside its live indicators, each with its definition
    card = http.get(_url(base_url, "/scorecard"), headers={**admin, **IN_PORTUGUESE}, timeout=30)
    assert card.status_code == 200, card.text
    scorecard = card.json()
    assert scorecard["round"]["title"] == "Primavera 2027"
    dimensions = {d["id"]: d for d in scorecard["dimensions"]}
    assert len(dimensions) == 6
    assert dimensions["trust"]["name"] == "Confiança e linguagem comum"
    assert (dimensions["trust"]["police"], dimensions["trust"]["partners"]) == (3.5, 2.0)
    for dimension in dimensions.values():
        assert dimension["police"] is not None
        assert dimension["indicators"], dimension["id"]
        for item in dimension["indicators"]:
            assert item["definition"]
            assert item["display"]
    assisted = next(i for i in dimensions["cohesion"]["indicators"] if i["id"] == "assisted_channel_share")
    assert assisted["basis"]["reports"] >= 3
    assert assisted["basis"]["assisted"] >= 1
    # And the weakest dimension is named, with training for it in Portuguese, police modules first
    lowest = min(d["score"] for d in dimensions.values() if d["score"] is not None)
    assert scorecard["weakest"] == [d["id"] for d in dimensions.values() if d["score"] == lowest]
    assert "transformation" in scorecard["weakest"]
    training = [r for r in scorecard["recommendations"] if r["dimension"] == "transformation"]
    assert [r["kind"] for r in training] == ["training", "training"]
    assert {r["language"] for r in training} == {"pt"}
    assert training[0]["audience"] == ["police"]
    assert training[0]["title"].startswith("Das chamadas às causas")

    # And the CSV and the PDF download as files in the reader's language
    csv_reply = http.get(
        _url(base_url, "/scorecard/export"), params={"format": "csv", "lang": "pt"}, headers=admin, timeout=30
    )
    assert csv_reply.status_code == 200, csv_reply.text
    assert csv_reply.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in csv_reply.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(csv_reply.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Dimensão", "Tipo", "Nome"]
    assert any(row[2] == "Das chamadas às causas: resolução proativa de problemas e avaliação" for row in rows)
    pdf_headers = {**admin, "Accept": "application/pdf"}
    pdf_reply = http.get(
        _url(base_url, "/scorecard/export"), params={"format": "pdf", "lang": "pt"}, headers=pdf_headers
    )
    assert pdf_reply.status_code == 200
    assert pdf_reply.headers["Content-Type"] == "application/pdf"
    assert pdf_reply.content.startswith(b"%PDF-")
    assert pdf_reply.content.rstrip().endswith(b"%%EOF")


def test_a_partner_reads_the_scorecard_but_may_not_open_rounds_and_another_force_sees_nothing(
    http: requests.Session, base_url: str
) -> None:
    partner = bearer(TENANT, "partner")
    assert http.get(_url(base_url, "/scorecard"), headers=partner, timeout=30).status_code == 200
    refused = http.post(_url(base_url, "/rounds"), json={"title": "Mine"}, headers=partner, timeout=10)
    assert refused.status_code == 403
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert http.get(_url(base_url, "/scorecard"), headers=bearer("pilot-nl", "admin"), timeout=10).status_code == 403
    assert http.get(_url(base_url, "/model"), timeout=10).status_code == 401
