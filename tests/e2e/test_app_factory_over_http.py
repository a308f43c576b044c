"""App Factory as a police admin and a citizen app use it, over HTTP through the local gateway (`koban serve`
publishes every pilot's default configuration at start): the admin changes the colours and adds a question
with a condition, publishes, the app sees it; poor contrast is refused with its findings; rollback restores;
apps get 304 while nothing they see changed."""

from __future__ import annotations

import copy
from typing import Any

import requests

from koban.rules import evaluate
from tests.e2e.conftest import bearer

TENANT = "pilot-nl"
SEEN_BY_APP = {"Accept-Language": "en"}

WHEN_MUSIC = {"==": [{"var": "answers.noise_source"}, "music"]}
MUSIC_ENDS = {
    "code": "music_ends",
    "type": "singlevaluelist",
    "label": {"nl": "Wanneer stopt de muziek meestal?", "en": "When does the music usually stop?"},
    "options": [
        {"code": "before_2", "label": {"nl": "Voor 2 uur", "en": "Before 2 am"}},
        {"code": "after_2", "label": {"nl": "Na 2 uur", "en": "After 2 am"}},
    ],
    "visible_if": WHEN_MUSIC,
    "required_if": WHEN_MUSIC,
}


def _url(base_url: str, tail: str = "") -> str:
    return f"{base_url}/v1/tenants/{TENANT}/app-config{tail}"


def _noise(document: dict[str, Any]) -> dict[str, Any]:
    report = next(module for module in document["modules"] if module["type"] == "report")
    categories = report["settings"]["categories"]
    return next(category for category in categories if category["code"] == "noise_night")


def _save(http: requests.Session, base_url: str, change: Any) -> requests.Response:
    admin = bearer(TENANT, "admin")
    draft = http.get(_url(base_url, "/draft"), headers=admin, timeout=10)
    assert draft.status_code == 200, draft.text
    document = copy.deepcopy(draft.json()["document"])
    change(document)
    headers = {**admin, "If-Match": draft.headers["ETag"]}
    saved = http.put(_url(base_url, "/draft"), json=document, headers=headers, timeout=10)
    assert saved.status_code == 200, saved.text
    return saved


def test_an_admin_rebrands_adds_a_conditional_question_and_rolls_back_while_apps_follow(
    http: requests.Session, base_url: str
) -> None:
    admin = bearer(TENANT, "admin")
    # Given the app's published configuration, fetched without signing in, and fetched again unchanged
    before = http.get(_url(base_url), headers=SEEN_BY_APP, timeout=10)
    assert before.status_code == 200, before.text
    tag = before.headers["ETag"]
    assert before.headers["Cache-Control"].startswith("public, max-age=")
    again = http.get(_url(base_url), headers={**SEEN_BY_APP, "If-None-Match": tag}, timeout=10)
    assert (again.status_code, again.content) == (304, b"")
    original = before.json()

    # When an admin gives the app new colours and a question shown only when the noise is music, and publishes
    def rebrand(document: dict[str, Any]) -> None:
        document["theme"]["colours"].update(primary="#5b2a86", accent="#ffd23f")
        _noise(document)["questions"] = [MUSIC_ENDS]

    saved = _save(http, base_url, rebrand)
    published = http.post(_url(base_url, "/publish"), json={"note": "New colours"}, headers=admin, timeout=10)

    # Then the publication is a new version, and the app (with its old ETag) gets it
    assert saved.json()["findings"] == []
    assert published.status_code == 201, published.text
    version = published.json()["version"]["version"]
    assert version == original["version"] + 1
    after = http.get(_url(base_url), headers={**SEEN_BY_APP, "If-None-Match": tag}, timeout=10)
    assert after.status_code == 200
    assert after.headers["ETag"] != tag
    app = after.json()
    assert app["version"] == version
    assert (app["theme"]["colours"]["primary"], app["theme"]["colours"]["accent"]) == ("#5b2a86", "#ffd23f")
    question = _noise(app)["questions"][-1]
    assert (question["code"], question["label"], question["visible_if"]) == (
        "music_ends",
        "When does the music usually stop?",
        WHEN_MUSIC,
    )
    # And the condition the app evaluates holds for music only (evaluated here by the server's engine)
    assert evaluate(question["visible_if"], {"answers": {"noise_source": "music"}}) is True
    assert evaluate(question["visible_if"], {"answers": {"noise_source": "party"}}) is False
    assert (
        http.get(
            _url(base_url), headers={**SEEN_BY_APP, "If-None-Match": after.headers["ETag"]}, timeout=10
        ).status_code
        == 304
    )

    # When the admin then tries pale grey text and publishes
    _save(http, base_url, lambda document: document["theme"]["colours"].update(text="#b0b0b0"))
    refused = http.post(_url(base_url, "/publish"), headers=admin, timeout=10)

    # Then publishing is refused with the finding, and apps keep what they had
    assert refused.status_code == 422
    assert refused.headers["Content-Type"] == "application/problem+json"
    findings = refused.json()["findings"]
    assert [(f["code"], f["path"]) for f in findings] == [("contrast_too_low", "theme.colours.text")]
    assert "WCAG AA needs 4.5:1" in findings[0]["message"]
    unchanged = http.get(_url(base_url), headers={**SEEN_BY_APP, "If-None-Match": after.headers["ETag"]}, timeout=10)
    assert unchanged.status_code == 304

    # When the admin rolls back to the version before the new colours
    rolled = http.post(_url(base_url, "/rollback"), json={"version": original["version"]}, headers=admin, timeout=10)

    # Then the app gets the original configuration again, as a new version, and the draft is that too
    assert rolled.status_code == 201, rolled.text
    restored = http.get(_url(base_url), headers=SEEN_BY_APP, timeout=10).json()
    assert restored["version"] == version + 1
    assert restored["theme"] == original["theme"]
    assert _noise(restored)["questions"] == _noise(original)["questions"]
    draft = http.get(_url(base_url, "/draft"), headers=admin, timeout=10).json()
    assert (draft["unpublished_changes"], draft["publishable"]) == (False, True)
    versions = http.get(_url(base_url, "/versions"), headers=bearer(TENANT, "supervisor"), timeout=10).json()
    assert [(item["version"], item["source"]) for item in versions["items"][:2]] == [
        (version + 1, "rollback"),
        (version, "publish"),
    ]


def test_apps_read_without_signing_in_but_only_admins_change_the_configuration(
    http: requests.Session, base_url: str
) -> None:
    anonymous = http.put(_url(base_url, "/draft"), json={}, headers={"If-Match": "*"}, timeout=10)
    officer = http.post(_url(base_url, "/publish"), headers=bearer(TENANT, "officer"), timeout=10)
    other_force = http.post(_url(base_url, "/publish"), headers=bearer("pilot-be", "admin"), timeout=10)
    schema = http.get(_url(base_url, "/schema"), timeout=10)

    assert anonymous.status_code == 401
    assert officer.status_code == 403
    assert other_force.status_code == 403
    assert schema.status_code == 200
    assert schema.json()["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_every_pilot_app_is_served_in_its_own_language_at_start(http: requests.Session, base_url: str) -> None:
    expected = {
        "pilot-nl": "nl",
        "pilot-pl": "pl",
        "pilot-fi": "fi",
        "pilot-es": "es",
        "pilot-pt": "pt",
        "pilot-be": "fr",
    }
    for tenant, language in expected.items():
        reply = http.get(f"{base_url}/v1/tenants/{tenant}/app-config", params={"platform": "android"}, timeout=10)
        assert reply.status_code == 200, (tenant, reply.text)
        assert (reply.json()["locale"], reply.headers["Content-Language"]) == (language, language)
        assert reply.json()["modules"][0]["settings"]["number"] == "112"
