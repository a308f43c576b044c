"""App Factory over moto: the draft, publication refused with every finding, versions, rollback, immutable
published objects, the audit trail, delivery to apps with ETag/304, access, bad input and racing admins."""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from koban.app_config import service
from koban.settings import get_settings
from koban_local.metering import metered
from tests.api import ApiClient, Reply, staff_claims
from tests.integration.test_reports_intake import noise_report

BASE = "/v1/tenants/{tenant}/app-config"


def url(tenant: str, tail: str = "") -> str:
    return BASE.format(tenant=tenant) + tail


def admin(tenant: str) -> dict[str, str]:
    return staff_claims(tenant, "admin", subject=f"admin-of-{tenant}")


def read_draft(api: ApiClient, tenant: str) -> tuple[dict[str, Any], str]:
    reply = api.get(url(tenant, "/draft"), claims=admin(tenant))
    assert reply.status == 200, reply.body
    return reply.json(), reply.headers["ETag"]


def save(api: ApiClient, tenant: str, document: dict[str, Any], tag: str | None = None) -> Reply:
    headers = {"If-Match": tag} if tag is not None else {}
    return api.request("PUT", url(tenant, "/draft"), body=document, claims=admin(tenant), headers=headers)


def edit(api: ApiClient, tenant: str, change: Any) -> dict[str, Any]:
    """Read the draft, change its document, save it with its ETag; the saved draft."""
    draft, tag = read_draft(api, tenant)
    document = copy.deepcopy(draft["document"])
    change(document)
    reply = save(api, tenant, document, tag)
    assert reply.status == 200, reply.body
    saved: dict[str, Any] = reply.json()
    return saved


def publish(api: ApiClient, tenant: str, note: str | None = None) -> Reply:
    return api.post(url(tenant, "/publish"), body={"note": note} if note else None, claims=admin(tenant))


def public(api: ApiClient, tenant: str, **headers: str) -> Reply:
    return api.get(url(tenant), headers={name.replace("_", "-"): value for name, value in headers.items()})


def module(document: dict[str, Any], module_type: str) -> dict[str, Any]:
    return next(item for item in document["modules"] if item["type"] == module_type)


def noise(document: dict[str, Any]) -> dict[str, Any]:
    return next(c for c in module(document, "report")["settings"]["categories"] if c["code"] == "noise_night")


# Texts in every language a pilot enables (a language the app does not enable is simply not used).
CONDITIONAL = {
    "code": "music_ends",
    "type": "singlevaluelist",
    "label": {
        "en": "When does the music usually stop?",
        "nl": "Wanneer stopt de muziek meestal?",
        "pl": "Kiedy zwykle cichnie muzyka?",
        "fi": "Milloin musiikki yleensä loppuu?",
        "es": "¿Cuándo suele acabar la música?",
        "pt": "Quando costuma acabar a música?",
        "fr": "Quand la musique s'arrête-t-elle d'habitude ?",
        "de": "Wann hört die Musik meistens auf?",
    },
    "options": [
        {
            "code": "before_2",
            "label": {
                "en": "Before 2 am",
                "nl": "Voor 2 uur",
                "pl": "Przed 2:00",
                "fi": "Ennen klo 2",
                "es": "Antes de las 2",
                "pt": "Antes das 2h",
                "fr": "Avant 2 h",
                "de": "Vor 2 Uhr",
            },
        },
        {
            "code": "after_2",
            "label": {
                "en": "After 2 am",
                "nl": "Na 2 uur",
                "pl": "Po 2:00",
                "fi": "Klo 2 jälkeen",
                "es": "Después de las 2",
                "pt": "Depois das 2h",
                "fr": "Après 2 h",
                "de": "Nach 2 Uhr",
            },
        },
    ],
    "visible_if": {"==": [{"var": "answers.noise_source"}, "music"]},
    "required_if": {"==": [{"var": "answers.noise_source"}, "music"]},
}


def rebrand(colour: str) -> Any:
    def change(document: dict[str, Any]) -> None:
        document["theme"]["colours"]["primary"] = colour
        noise(document)["questions"] = [copy.deepcopy(CONDITIONAL)]

    return change


def s3_versions(tenant: str) -> list[dict[str, Any]]:
    bucket = get_settings().app_config_bucket
    listing = boto3.client("s3").list_object_versions(Bucket=bucket, Prefix=f"tenants/{tenant}/")
    return list(listing.get("Versions", []))


# ---------------------------------------------------------------------------------------------- the story


def test_before_anything_is_published_apps_get_a_problem_and_admins_a_working_default_draft(api: ApiClient) -> None:
    reply = public(api, "pilot-pt")

    assert reply.status == 404
    assert reply.headers["Content-Type"] == "application/problem+json"
    assert reply.json()["type"].endswith("/app_config_not_published")
    draft, tag = read_draft(api, "pilot-pt")
    assert tag == '"r0"'
    assert (draft["revision"], draft["live_version"], draft["publishable"], draft["findings"]) == (0, None, True, [])
    assert draft["unpublished_changes"] is True
    assert draft["document"]["languages"] == {"default": "pt", "enabled": ["pt", "en"]}


def test_an_admin_rebrands_adds_a_conditional_question_publishes_and_rolls_back(api: ApiClient) -> None:
    """Given pilot-nl's default published as version 1, when an admin changes the primary colour and adds a
    question shown only for music, publishes (version 2), and rolls back to version 1, then apps get each
    version in turn, rollback publishes version 1's content as version 3, and the draft follows it."""
    tenant = "pilot-nl"
    assert publish(api, tenant, "Default").status == 201
    first = public(api, tenant, Accept_Language="en").json()

    saved = edit(api, tenant, rebrand("#7a1f5c"))
    second = publish(api, tenant, "Purple, and when the music stops")
    apps = public(api, tenant, Accept_Language="en").json()

    assert (saved["revision"], saved["findings"], saved["unpublished_changes"]) == (1, [], True)
    assert second.status == 201
    assert second.headers["Location"] == url(tenant, "/versions/2")
    assert second.json()["version"] | {"published_at": None, "etag": None} == {
        "version": 2,
        "live": True,
        "etag": None,
        "size": second.json()["version"]["size"],
        "published_at": None,
        "published_by": "admin-of-pilot-nl",
        "source": "publish",
        "restored_version": None,
        "draft_revision": 1,
        "note": "Purple, and when the music stops",
    }
    assert apps["version"] == 2
    assert apps["theme"]["colours"]["primary"] == "#7a1f5c"
    questions = noise(apps)["questions"]
    assert questions[-1] == {
        "code": "music_ends",
        "type": "singlevaluelist",
        "label": "When does the music usually stop?",
        "help": None,
        "required": False,
        "options": [{"code": "before_2", "label": "Before 2 am"}, {"code": "after_2", "label": "After 2 am"}],
        "minimum": None,
        "maximum": None,
        "max_length": 500,
        "visible_if": CONDITIONAL["visible_if"],
        "required_if": CONDITIONAL["required_if"],
    }
    assert questions[0]["code"] == "noise_source"  # the taxonomy's questions come first

    rolled = api.post(url(tenant, "/rollback"), body={"version": 1}, claims=admin(tenant))
    restored = public(api, tenant, Accept_Language="en").json()
    draft, tag = read_draft(api, tenant)

    assert rolled.status == 201, rolled.body
    assert rolled.json()["version"]["version"] == 3
    assert (rolled.json()["version"]["source"], rolled.json()["version"]["restored_version"]) == ("rollback", 1)
    assert restored["version"] == 3
    assert {k: v for k, v in restored.items() if k not in ("version", "published_at")} == {
        k: v for k, v in first.items() if k not in ("version", "published_at")
    }
    assert (draft["revision"], tag, draft["unpublished_changes"]) == (2, '"r2"', False)
    assert draft["document"]["theme"]["colours"]["primary"] == "#0b4f9c"

    versions = api.get(url(tenant, "/versions"), claims=staff_claims(tenant, "supervisor")).json()
    assert versions["live_version"] == 3
    assert [(v["version"], v["source"], v["live"]) for v in versions["items"]] == [
        (3, "rollback", True),
        (2, "publish", False),
        (1, "publish", False),
    ]
    assert versions["items"][0]["etag"] == versions["items"][2]["etag"]

    audit = api.get(url(tenant, "/audit"), claims=admin(tenant)).json()["items"]
    assert [(entry["action"], entry["version"], entry["draft_revision"]) for entry in audit] == [
        ("rolled_back", 3, 2),
        ("published", 2, 1),
        ("draft_saved", None, 1),
        ("published", 1, 0),
    ]
    assert {entry["actor"] for entry in audit} == {"admin-of-pilot-nl"}
    assert audit[0]["note"] == "Rollback to version 1"


def test_published_versions_are_immutable_objects_read_back_exactly(api: ApiClient) -> None:
    """Given two publications of pilot-es, then each is its own S3 object with a single object version,
    version 1 reads back as published, and a later overwrite of its object (say, by hand in the console) does
    not change what version 1 is: the API reads the object version it recorded."""
    tenant = "pilot-es"
    assert publish(api, tenant).status == 201
    edit(api, tenant, rebrand("#004d40"))
    assert publish(api, tenant).status == 201

    objects = s3_versions(tenant)
    first = api.get(url(tenant, "/versions/1"), claims=admin(tenant)).json()
    [original] = [item for item in objects if item["Key"].split("/")[-1].startswith("0000000001-")]
    s3 = boto3.client("s3")
    bucket = get_settings().app_config_bucket
    stored = json.loads(
        s3.get_object(Bucket=bucket, Key=original["Key"], VersionId=original["VersionId"])["Body"].read()
    )
    s3.put_object(Bucket=bucket, Key=original["Key"], Body=b'{"document": {"name": "forged"}}')
    service.clear_caches()
    again = api.get(url(tenant, "/versions/1"), claims=admin(tenant)).json()

    assert len(objects) == 2
    assert len({item["Key"] for item in objects}) == 2  # a new object per version
    assert all(item["IsLatest"] for item in objects)  # each written once
    assert (stored["tenant"], stored["version"], stored["source"]) == (tenant, 1, "publish")
    assert stored["document"] == first["document"]
    assert first["document"]["theme"]["colours"]["primary"] == "#0b4f9c"
    assert again == first
    assert len(s3_versions(tenant)) == 3  # the overwrite is a new object version; the published one remains


def test_apps_get_304_until_something_they_see_changes(api: ApiClient) -> None:
    tenant = "pilot-fi"
    assert publish(api, tenant).status == 201
    first = public(api, tenant, Accept_Language="fi")
    tag = first.headers["ETag"]

    unchanged = public(api, tenant, Accept_Language="fi", If_None_Match=tag)
    weak = public(api, tenant, Accept_Language="fi", If_None_Match=f'"other", W/{tag}')
    english = public(api, tenant, Accept_Language="en", If_None_Match=tag)
    ios = api.get(url(tenant), query={"platform": "ios"}, headers={"Accept-Language": "fi", "If-None-Match": tag})
    edit(api, tenant, rebrand("#003580"))
    assert publish(api, tenant).status == 201
    changed = public(api, tenant, Accept_Language="fi", If_None_Match=tag)

    assert first.status == 200
    assert first.headers["Cache-Control"] == "public, max-age=60"
    assert (first.headers["Content-Language"], first.headers["Vary"]) == ("fi", "Accept-Language")
    assert first.json()["strings"]["report.submit"] == "Lähetä ilmoitus"
    assert (unchanged.status, unchanged.body, unchanged.headers["ETag"]) == (304, "", tag)
    assert unchanged.headers["Cache-Control"] == "public, max-age=60"
    assert weak.status == 304
    assert (english.status, english.headers["Content-Language"]) == (200, "en")
    assert ios.status == 200
    assert ios.headers["ETag"] != tag
    assert changed.status == 200
    assert changed.headers["ETag"] != tag
    assert changed.json()["theme"]["colours"]["primary"] == "#003580"


def test_the_locale_parameter_wins_and_a_language_the_app_lacks_gets_the_default(api: ApiClient) -> None:
    tenant = "pilot-be"
    assert publish(api, tenant).status == 201

    dutch = api.get(url(tenant), query={"locale": "nl-BE"}, headers={"Accept-Language": "de"})
    german = public(api, tenant, Accept_Language="de-DE,de;q=0.9")
    japanese = public(api, tenant, Accept_Language="ja")

    assert (dutch.json()["locale"], dutch.headers["Content-Language"]) == ("nl", "nl")
    assert german.json()["locale"] == "de"
    assert german.json()["strings"]["report.submit"] == "Meldung senden"
    assert japanese.json()["locale"] == "fr"
    assert japanese.json()["languages"] == ["fr", "nl", "de", "en"]


def test_reports_from_the_app_may_answer_the_questions_it_adds(api: ApiClient) -> None:
    """Given pilot-pl's app asking when the music stops (a question the taxonomy does not have), then a report
    answering it is taken, a wrong answer is refused naming it, and before publication it is unknown."""
    tenant = "pilot-pl"
    reports = f"/v1/tenants/{tenant}/reports"
    answers = {"ongoing": True, "noise_source": "music", "music_ends": "after_2"}
    before = api.post(reports, body=noise_report(tenant, answers=answers))
    edit(api, tenant, rebrand("#0d47a1"))
    assert publish(api, tenant).status == 201

    taken = api.post(reports, body=noise_report(tenant, answers=answers))
    wrong = api.post(reports, body=noise_report(tenant, answers={**answers, "music_ends": "at_dawn"}))
    without = api.post(reports, body=noise_report(tenant))  # the server never requires the app's questions

    assert before.status == 422
    assert [(e["field"], e["code"]) for e in before.json()["errors"]] == [("answers.music_ends", "unknown_question")]
    assert taken.status == 201, taken.body
    staff_view = api.get(f"{reports}/{taken.json()['id']}", claims=staff_claims(tenant)).json()
    assert staff_view["answers"]["music_ends"] == "after_2"
    assert [(e["field"], e["code"]) for e in wrong.json()["errors"]] == [("answers.music_ends", "invalid_answer")]
    assert without.status == 201


# ---------------------------------------------------------------------------------------------- refused


def test_publishing_is_refused_with_every_finding_and_nothing_is_written(api: ApiClient) -> None:
    """Given a draft with poor contrast, a category the tenant lacks, a condition over an unknown answer and
    Finnish enabled without texts, when published, then 422 problem+json lists every finding (each in
    `errors` and, with severity and pointer, in `findings`), and no version, object or audit entry appears."""
    tenant = "pilot-nl"
    versions_draft = read_draft(api, tenant)[0]["document"]
    versions_before = api.get(url(tenant, "/versions"), claims=admin(tenant)).json()
    objects_before = len(s3_versions(tenant))

    def break_it(document: dict[str, Any]) -> None:
        document["theme"]["colours"]["text"] = "#aaaaaa"
        module(document, "report")["settings"]["categories"].append({"code": "ufo_sighting"})
        noise(document)["questions"] = [{**CONDITIONAL, "visible_if": {"==": [{"var": "answers.volume"}, 11]}}]
        document["languages"]["enabled"].append("fi")

    saved = edit(api, tenant, break_it)
    audit_before = api.get(url(tenant, "/audit"), claims=admin(tenant)).json()["items"]
    refused = publish(api, tenant)

    assert saved["publishable"] is False
    assert refused.status == 422
    assert refused.headers["Content-Type"] == "application/problem+json"
    problem = refused.json()
    assert problem["type"].endswith("/app_config_not_publishable")
    codes = {finding["code"] for finding in problem["findings"]}
    assert codes == {"contrast_too_low", "unknown_category", "rule_unknown_field", "translation_missing"}
    assert {(e["code"], e["field"]) for e in problem["errors"]} == {
        (f["code"], f["path"]) for f in problem["findings"] if f["severity"] == "error"
    }
    assert len(problem["errors"]) == len(saved["findings"]) > 4
    assert "theme.colours.text" in [error["field"] for error in problem["errors"]]
    contrast = next(f for f in problem["findings"] if f["code"] == "contrast_too_low")
    assert contrast["pointer"] == "/theme/colours/text"
    assert "2.32:1" in contrast["message"]
    assert api.get(url(tenant, "/versions"), claims=admin(tenant)).json() == versions_before
    assert len(s3_versions(tenant)) == objects_before
    assert api.get(url(tenant, "/audit"), claims=admin(tenant)).json()["items"] == audit_before

    checked = api.post(url(tenant, "/validate"), claims=staff_claims(tenant, "supervisor"))
    assert checked.status == 200
    assert checked.json()["publishable"] is False
    assert checked.json()["findings"] == saved["findings"]
    assert save(api, tenant, versions_draft, "*").status == 200  # leave the draft as it was


def test_validate_checks_a_document_without_storing_it_and_reports_schema_errors_as_findings(
    api: ApiClient,
) -> None:
    tenant = "pilot-pl"
    draft, _ = read_draft(api, tenant)
    document = copy.deepcopy(draft["document"])
    document["theme"]["colours"]["on_danger"] = document["theme"]["colours"]["danger"]
    broken = copy.deepcopy(document)
    broken["theme"]["colours"]["text"] = "black"

    poor = api.post(url(tenant, "/validate"), body=document, claims=admin(tenant)).json()
    invalid = api.post(url(tenant, "/validate"), body=broken, claims=admin(tenant)).json()

    assert [(f["code"], f["path"]) for f in poor["findings"]] == [("contrast_too_low", "theme.colours.on_danger")]
    assert [(f["code"], f["path"]) for f in invalid["findings"]] == [
        ("schema.string_pattern_mismatch", "theme.colours.text")
    ]
    assert read_draft(api, tenant)[0]["revision"] == draft["revision"]


def test_rollback_refuses_unknown_and_live_versions_naming_the_field(api: ApiClient) -> None:
    tenant = "pilot-pt"
    assert publish(api, tenant).status == 201
    live = api.get(url(tenant, "/versions"), claims=admin(tenant)).json()["live_version"]

    unknown = api.post(url(tenant, "/rollback"), body={"version": 999}, claims=admin(tenant))
    current = api.post(url(tenant, "/rollback"), body={"version": live}, claims=admin(tenant))
    zero = api.post(url(tenant, "/rollback"), body={"version": 0}, claims=admin(tenant))

    for reply, code in ((unknown, "unknown"), (current, "already_live"), (zero, "greater_than_equal")):
        assert reply.status == 422, reply.body
        assert [(e["field"], e["code"]) for e in reply.json()["errors"]] == [("version", code)]
    assert api.get(url(tenant, "/versions"), claims=admin(tenant)).json()["live_version"] == live


def test_publishing_unchanged_content_publishes_nothing(api: ApiClient) -> None:
    tenant = "pilot-pt"
    assert publish(api, tenant).status in (200, 201)  # the draft is live now, whatever ran before
    live = api.get(url(tenant, "/versions"), claims=admin(tenant)).json()["live_version"]

    again = publish(api, tenant)

    assert again.status == 200
    assert again.json()["published"] is False
    assert again.json()["version"]["version"] == live
    assert api.get(url(tenant, "/versions"), claims=admin(tenant)).json()["live_version"] == live


# ---------------------------------------------------------------------------------------------- racing admins


def test_a_save_over_someone_elses_save_is_refused_and_saving_needs_if_match(api: ApiClient) -> None:
    tenant = "pilot-pl"
    draft, tag = read_draft(api, tenant)
    document = draft["document"]

    missing = save(api, tenant, document)
    first = save(api, tenant, {**document, "short_name": {"pl": "KOBAN WAW", "en": "KOBAN WAW"}}, tag)
    second = save(api, tenant, {**document, "short_name": {"pl": "Inna", "en": "Other"}}, tag)
    forced = save(api, tenant, {**document, "short_name": {"pl": "Wymuszona", "en": "Forced"}}, "*")
    malformed = save(api, tenant, document, "r7")

    assert missing.status == 428
    assert missing.json()["type"].endswith("/precondition_required")
    assert first.status == 200
    assert first.headers["ETag"] != tag
    assert second.status == 412
    assert second.json()["type"].endswith("/precondition_failed")
    assert forced.status == 200
    assert [error["field"] for error in malformed.json()["errors"]] == ["header.If-Match"]
    final, _ = read_draft(api, tenant)
    assert final["document"]["short_name"] == {"pl": "Wymuszona", "en": "Forced"}
    assert publish_with(api, tenant, tag).status == 412


def publish_with(api: ApiClient, tenant: str, tag: str) -> Reply:
    return api.post(url(tenant, "/publish"), claims=admin(tenant), headers={"If-Match": tag})


def test_two_admins_publishing_at_once_give_one_version_and_a_conflict(
    api: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given admin A between storing the published object and recording it, when admin B publishes in that
    moment, then B's version is live, A gets 409 and must reload, and A's object stays unreferenced."""
    tenant = "pilot-fi"
    service.publish_default_if_none(tenant, "test")
    edit(api, tenant, rebrand("#123456"))
    objects = service.published_objects()
    original_write = objects.write
    outcome: dict[str, Reply] = {}

    def write_then_b_publishes(*args: Any, **kwargs: Any) -> tuple[str, str | None]:
        written = original_write(*args, **kwargs)
        monkeypatch.setattr(objects, "write", original_write)
        edit(api, tenant, rebrand("#654321"))
        outcome["b"] = publish(api, tenant, "B")
        return written

    live_before = api.get(url(tenant, "/versions"), claims=admin(tenant)).json()["live_version"]
    monkeypatch.setattr(objects, "write", write_then_b_publishes)
    a = publish(api, tenant, "A")
    versions = api.get(url(tenant, "/versions"), claims=admin(tenant)).json()

    assert outcome["b"].status == 201
    assert a.status == 409
    assert versions["live_version"] == live_before + 1
    assert [item["note"] for item in versions["items"] if item["version"] > live_before] == ["B"]
    assert public(api, tenant).json()["theme"]["colours"]["primary"] == "#654321"
    assert len(s3_versions(tenant)) == versions["live_version"] + 1  # A's object, written but never recorded


# ---------------------------------------------------------------------------------------------- who may


@pytest.mark.parametrize(
    ("method", "tail", "claims", "status"),
    [
        ("GET", "/draft", None, 401),
        ("GET", "/draft", staff_claims("pilot-nl", "officer"), 403),
        ("GET", "/draft", staff_claims("pilot-nl", "partner"), 403),
        ("GET", "/draft", staff_claims("pilot-be", "admin"), 403),
        ("GET", "/draft", staff_claims("pilot-nl", "supervisor"), 200),
        ("PUT", "/draft", staff_claims("pilot-nl", "supervisor"), 403),
        ("POST", "/publish", staff_claims("pilot-nl", "supervisor"), 403),
        ("POST", "/publish", staff_claims("pilot-be", "admin"), 403),
        ("POST", "/rollback", staff_claims("pilot-nl", "supervisor"), 403),
        ("POST", "/validate", staff_claims("pilot-nl", "officer"), 403),
        ("GET", "/versions", None, 401),
        ("GET", "/audit", staff_claims("pilot-nl", "officer"), 403),
        ("GET", "/schema", None, 200),
        ("GET", "", None, 200),
    ],
)
def test_who_may_read_and_change_the_configuration(
    api: ApiClient, method: str, tail: str, claims: dict[str, str] | None, status: int
) -> None:
    service.publish_default_if_none("pilot-nl", "test")
    body = {"version": 1} if tail == "/rollback" else ({} if method != "GET" else None)
    headers = {"If-Match": "*"} if method == "PUT" else None

    reply = api.request(method, url("pilot-nl", tail), body=body, claims=claims, headers=headers)

    assert reply.status == status, reply.body


# ---------------------------------------------------------------------------------------------- bad input


def test_bad_documents_are_refused_naming_the_field_and_nothing_is_saved(api: ApiClient) -> None:
    tenant = "pilot-be"
    draft, tag = read_draft(api, tenant)
    document = draft["document"]
    bad_colour = copy.deepcopy(document)
    bad_colour["theme"]["colours"]["primary"] = "javascript:alert(1)"
    bidi = copy.deepcopy(document)
    bidi["name"]["fr"] = "KOBAN \u202egnissalB"
    too_many = copy.deepcopy(document)
    too_many["modules"] = [copy.deepcopy(document["modules"][2]) for _ in range(31)]

    replies = {
        "theme.colours.primary": save(api, tenant, bad_colour, tag),
        "name.fr": save(api, tenant, bidi, tag),
        "modules": save(api, tenant, too_many, tag),
        "body": api.request(
            "PUT", url(tenant, "/draft"), raw_body="[1, 2]", claims=admin(tenant), headers={"If-Match": tag}
        ),
        "schema_version": save(api, tenant, {**document, "schema_version": 2}, tag),
    }

    for field, reply in replies.items():
        assert reply.status == 422, (field, reply.body)
        assert field in [error["field"] for error in reply.json()["errors"]], (field, reply.body)
        assert "javascript" not in reply.body or field != "theme.colours.primary"  # input is never echoed
    assert read_draft(api, tenant) == (draft, tag)


def test_huge_and_deep_bodies_are_refused_before_parsing(api: ApiClient) -> None:
    tenant = "pilot-be"
    huge = json.dumps({"name": {"fr": "x" * (300 * 1024)}})
    deep = '{"a":' * 40 + "1" + "}" * 40

    too_large = api.request(
        "PUT", url(tenant, "/draft"), raw_body=huge, claims=admin(tenant), headers={"If-Match": "*"}
    )
    too_deep = api.post(url(tenant, "/validate"), raw_body=deep, claims=admin(tenant))

    assert too_large.status == 413
    assert too_deep.status == 400
    assert too_deep.json()["type"].endswith("/json_too_deep")


def test_markup_in_texts_is_stored_and_delivered_as_data(api: ApiClient) -> None:
    tenant = "pilot-es"
    markup = '<img src=x onerror=alert(1)> "; DROP TABLE reports; -- {{7*7}} ${jndi:ldap://x}'
    saved = edit(api, tenant, lambda document: document["name"].update(es=markup))
    assert publish(api, tenant).status == 201

    delivered = public(api, tenant, Accept_Language="es")

    assert saved["document"]["name"]["es"] == markup
    assert delivered.headers["Content-Type"] == "application/json"
    assert delivered.json()["name"] == markup


@pytest.mark.parametrize(
    ("path", "status", "field"),
    [
        ("/v1/tenants/pilot-xx/app-config", 404, None),
        ("/v1/tenants/Pilot_NL/app-config", 422, "tenant"),
        ("/v1/tenants/pilot-nl/app-config/versions/0", 422, "version"),
        ("/v1/tenants/pilot-nl/app-config/versions/99999", 404, None),
    ],
)
def test_unknown_tenants_and_versions_are_4xx(api: ApiClient, path: str, status: int, field: str | None) -> None:
    reply = api.get(path, claims=admin("pilot-nl"))

    assert reply.status == status, reply.body
    if field:
        assert any(error["field"].endswith(field) for error in reply.json()["errors"])


def test_a_foreign_cursor_and_a_bad_platform_are_refused_naming_the_query_parameter(api: ApiClient) -> None:
    cursor = api.get(url("pilot-nl", "/versions"), query={"cursor": "bm90LWEtY3Vyc29y"}, claims=admin("pilot-nl"))
    platform = api.get(url("pilot-nl"), query={"platform": "windows-phone"})

    assert [e["field"] for e in cursor.json()["errors"]] == ["query.cursor"]
    assert [e["field"] for e in platform.json()["errors"]] == ["query.platform"]


def test_versions_and_audit_are_paged_newest_first(api: ApiClient) -> None:
    tenant = "pilot-nl"
    service.publish_default_if_none(tenant, "test")
    edit(
        api,
        tenant,
        lambda document: document.update(short_name=dict.fromkeys(("nl", "en"), f"KOBAN {uuid.uuid4().hex[:6]}")),
    )
    assert publish(api, tenant).status == 201
    everything = api.get(url(tenant, "/versions"), claims=admin(tenant)).json()["items"]

    first = api.get(url(tenant, "/versions"), query={"limit": "1"}, claims=admin(tenant)).json()
    second = api.get(
        url(tenant, "/versions"), query={"limit": "1", "cursor": first["next_cursor"]}, claims=admin(tenant)
    )

    assert len(everything) >= 2
    assert first["items"] == everything[:1]
    assert second.json()["items"] == everything[1:2]


# ---------------------------------------------------------------------------------------------- cost


@pytest.fixture
def pointer_read_every_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("APP_CONFIG_POINTER_TTL_SECONDS", "0")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


def test_an_app_request_costs_one_small_read_and_no_scan(api: ApiClient, pointer_read_every_time: None) -> None:
    """Given the pointer cache off (every request asks which version is live), then a warm request reads one
    DynamoDB item and nothing from S3, a 304 the same, and no App Factory route ever Scans."""
    tenant = "pilot-nl"
    service.publish_default_if_none(tenant, "test")
    tag = public(api, tenant).headers["ETag"]

    with metered() as warm:
        assert public(api, tenant).status == 200
    with metered() as not_modified:
        assert public(api, tenant, If_None_Match=tag).status == 304
    with metered() as everything:
        read_draft(api, tenant)
        api.post(url(tenant, "/validate"), claims=admin(tenant))
        api.get(url(tenant, "/versions"), claims=admin(tenant))
        api.get(url(tenant, "/versions/1"), claims=admin(tenant))
        api.get(url(tenant, "/audit"), claims=admin(tenant))
        api.get(url(tenant, "/schema"))

    assert dict(warm.calls) == {"dynamodb.GetItem": 1}
    assert warm.items_read == 1
    assert dict(not_modified.calls) == {"dynamodb.GetItem": 1}
    assert not any(name.endswith("Scan") for name in everything.calls)
