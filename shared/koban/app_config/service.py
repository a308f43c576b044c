"""App Factory logic: read and save the draft, validate, publish, list versions, roll back, audit, and deliver
the published configuration to apps. Handlers call exactly one function of this module per route.

Who may do what: supervisors and admins of the tenant read the draft, versions and audit trail and validate
(reviewing before an admin publishes); only admins save the draft, publish and roll back. Apps read the
published configuration without signing in.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache, lru_cache
from typing import Any

from pydantic import ValidationError

from koban.app_config.checks import document_findings
from koban.app_config.defaults import default_document
from koban.app_config.delivery import choose_language, entity_tags, none_match, render, representation_tag
from koban.app_config.findings import Finding, blocking, schema_findings
from koban.app_config.json_schema import document_schema
from koban.app_config.models import AppConfigBase, AppPlatform, ModuleTypes, document_model
from koban.app_config.modules import AppQuestion, ReportSettings
from koban.app_config.records import AppConfigAction, AppConfigSource, AuditEntry, Draft, PublishedVersion
from koban.app_config.registry import clear_caches as clear_registry
from koban.app_config.registry import module_types
from koban.app_config.schemas import (
    AppConfigAuditEntryOut,
    AppConfigAuditOut,
    AppConfigDraftOut,
    AppConfigFindingOut,
    AppConfigPublishIn,
    AppConfigPublishOut,
    AppConfigRollbackIn,
    AppConfigValidationOut,
    AppConfigVersionDocumentOut,
    AppConfigVersionListOut,
    AppConfigVersionOut,
    PublishedAppOut,
)
from koban.app_config.storage import AppConfigRepository, PublishedObjects
from koban.auth import Principal, Role, require_staff
from koban.dynamo import encode_json
from koban.errors import (
    Conflict,
    FieldError,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    StorageError,
    ValidationFailed,
)
from koban.observability import logger
from koban.settings import get_settings
from koban.tenants.models import Category, Option, Question, Tenant
from koban.tenants.service import get_tenant, list_categories

READ_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})
WRITE_ROLES = frozenset({Role.ADMIN})
PUBLISHED_DOCUMENTS_CACHED = 64
RENDERINGS_CACHED = 256


@cache
def app_config_repository() -> AppConfigRepository:
    return AppConfigRepository(get_settings().app_config_table)


@cache
def published_objects() -> PublishedObjects:
    return PublishedObjects(get_settings().app_config_bucket)


@dataclass(frozen=True)
class _Scope:
    """A tenant with what its documents are checked against."""

    tenant: Tenant
    categories: Mapping[str, Category]
    types: ModuleTypes

    @property
    def model(self) -> type[AppConfigBase]:
        return document_model(self.types)


def _scope(tenant_id: str) -> _Scope:
    tenant = get_tenant(tenant_id)
    categories = {category.code: category for category in list_categories(tenant)}
    return _Scope(tenant, categories, module_types(tenant))


def _now() -> datetime:
    return datetime.now(UTC)


def content_etag(document: Mapping[str, Any]) -> str:
    """SHA-256 of a document's canonical JSON (sorted keys, no spaces): equal content, equal tag."""
    return hashlib.sha256(encode_json(document).encode("utf-8")).hexdigest()


def draft_tag(revision: int) -> str:
    return f'"r{revision}"'


def _findings_out(findings: Sequence[Finding]) -> list[AppConfigFindingOut]:
    return [AppConfigFindingOut(**finding.as_dict()) for finding in findings]


def _check(scope: _Scope, raw: Any) -> tuple[AppConfigBase | None, list[Finding]]:
    """The validated document and every finding; no document when it breaks its schema."""
    try:
        document = scope.model.model_validate(raw)
    except ValidationError as error:
        return None, schema_findings(error, scope.types)
    return document, document_findings(document, scope.tenant, scope.categories, scope.types)


def _refusal(findings: Sequence[Finding], what: str, code: str) -> ValidationFailed:
    """The 422 that lists every finding: `errors` (the API's contract) and `findings` (with severity, pointer)."""
    stopping = blocking(findings)
    counts: dict[str, int] = {}
    for finding in stopping:
        counts[finding.code] = counts.get(finding.code, 0) + 1
    summary = ", ".join(f"{count} × {name}" for name, count in sorted(counts.items()))
    return ValidationFailed(
        [finding.as_field_error() for finding in stopping],
        f"{what}: {len(stopping)} finding(s) stop it ({summary}).",
        code=code,
        extra={"findings": [finding.as_dict() for finding in findings]},
    )


def _parse(scope: _Scope, raw: Any) -> AppConfigBase:
    """A document that must be schema-valid to be stored; else a 422 naming every bad field."""
    try:
        return scope.model.model_validate(raw)
    except ValidationError as error:
        raise _refusal(
            schema_findings(error, scope.types), "The configuration is invalid", "validation_failed"
        ) from error


def _default_draft(scope: _Scope) -> Draft:
    document = scope.model.model_validate(
        default_document(scope.tenant, list(scope.categories.values()), scope.types)
    ).model_dump(mode="json")
    return Draft(tenant=scope.tenant.id, revision=0, document=document, etag=content_etag(document))


def _current_draft(scope: _Scope) -> Draft:
    return app_config_repository().draft(scope.tenant.id) or _default_draft(scope)


def _next_draft(current: Draft, document: Mapping[str, Any], etag: str, now: datetime, actor: str) -> Draft:
    return Draft(
        tenant=current.tenant,
        revision=current.revision + 1,
        document=dict(document),
        etag=etag,
        updated_at=now,
        updated_by=actor,
    )


def _draft_out(scope: _Scope, draft: Draft, live: PublishedVersion | None) -> AppConfigDraftOut:
    _, findings = _check(scope, draft.document)
    return AppConfigDraftOut(
        tenant=scope.tenant.id,
        revision=draft.revision,
        updated_at=draft.updated_at,
        updated_by=draft.updated_by,
        live_version=live.version if live else None,
        unpublished_changes=live is None or live.etag != draft.etag,
        publishable=not blocking(findings),
        findings=_findings_out(findings),
        document=draft.document,
    )


def _version_out(record: PublishedVersion, live: PublishedVersion | None) -> AppConfigVersionOut:
    fields = record.model_dump(exclude={"tenant", "key", "object_version"})
    return AppConfigVersionOut(**fields, live=live is not None and live.version == record.version)


# ---------------------------------------------------------------------------------------------- draft


def read_draft(tenant_id: str, principal: Principal | None) -> AppConfigDraftOut:
    require_staff(principal, tenant_id, READ_ROLES)
    scope = _scope(tenant_id)
    return _draft_out(scope, _current_draft(scope), app_config_repository().live(scope.tenant.id))


def _require_draft_match(if_match: str | None, revision: int) -> None:
    if if_match is None:
        raise PreconditionRequired(
            f"Send If-Match with the draft's ETag ({draft_tag(revision)} from GET …/app-config/draft), so that "
            "nobody's changes are overwritten unseen; If-Match: * overwrites whatever is there."
        )
    parsed = entity_tags(if_match)
    if parsed is None:
        raise ValidationFailed([FieldError("header.If-Match", "is not a list of entity tags", "invalid")])
    tags, any_tag = parsed
    if not any_tag and not any(not weak and f'"{opaque}"' == draft_tag(revision) for weak, opaque in tags):
        raise PreconditionFailed(
            f"The draft is at revision {revision} ({draft_tag(revision)}): someone saved it meanwhile. "
            "Reload it, merge your changes and save again."
        )


def save_draft(
    tenant_id: str, principal: Principal | None, raw: dict[str, Any], if_match: str | None
) -> AppConfigDraftOut:
    """Replace the draft with `raw` (a complete document). Findings do not stop saving (work in progress);
    a schema error does, and nothing is stored."""
    actor = require_staff(principal, tenant_id, WRITE_ROLES)
    scope = _scope(tenant_id)
    document = _parse(scope, raw).model_dump(mode="json")
    repository = app_config_repository()
    current = _current_draft(scope)
    _require_draft_match(if_match, current.revision)
    live = repository.live(scope.tenant.id)
    etag = content_etag(document)
    if current.revision and etag == current.etag:
        return _draft_out(scope, current, live)  # nothing changed: no new revision, no audit entry
    now = _now()
    saved = _next_draft(current, document, etag, now, actor.subject)
    audit = AuditEntry(
        tenant=scope.tenant.id,
        at=now,
        actor=actor.subject,
        action=AppConfigAction.DRAFT_SAVED,
        draft_revision=saved.revision,
        etag=etag,
    )
    try:
        repository.save_draft(saved, current.revision, audit)
    except Conflict as exc:
        raise PreconditionFailed(f"{exc.detail} (it was at revision {current.revision})") from exc
    return _draft_out(scope, saved, live)


def validate(tenant_id: str, principal: Principal | None, raw: dict[str, Any] | None) -> AppConfigValidationOut:
    """Every finding of `raw`, or of the stored draft when no document is sent. Nothing is stored."""
    require_staff(principal, tenant_id, READ_ROLES)
    scope = _scope(tenant_id)
    _, findings = _check(scope, raw if raw is not None else _current_draft(scope).document)
    return AppConfigValidationOut(publishable=not blocking(findings), findings=_findings_out(findings))


# ---------------------------------------------------------------------------------------------- publish


def _publish(
    scope: _Scope,
    actor: str,
    document: Mapping[str, Any],
    source: AppConfigSource,
    note: str | None,
    *,
    draft_revision: int | None = None,
    restored_version: int | None = None,
    restore_draft: bool = False,
) -> tuple[PublishedVersion, bool]:
    """Publish `document` (already checked) as the next version; (the live version, whether it is new)."""
    repository = app_config_repository()
    tenant_id = scope.tenant.id
    live = repository.live(tenant_id)
    etag = content_etag(document)
    if live is not None and live.etag == etag:
        if source is AppConfigSource.ROLLBACK:
            raise ValidationFailed(
                [
                    FieldError(
                        "version", f"its content is what apps receive now (version {live.version})", "already_live"
                    )
                ]
            )
        return live, False
    version = (live.version if live else 0) + 1
    now = _now()
    body = encode_json(
        {
            "tenant": tenant_id,
            "version": version,
            "etag": etag,
            "published_at": now.isoformat(),
            "published_by": actor,
            "source": str(source),
            "restored_version": restored_version,
            "document": document,
        }
    ).encode("utf-8")
    key, object_version = published_objects().write(
        tenant_id, version, body, {"version": str(version), "etag": etag, "source": str(source)}
    )
    record = PublishedVersion(
        tenant=tenant_id,
        version=version,
        etag=etag,
        key=key,
        object_version=object_version,
        size=len(body),
        published_at=now,
        published_by=actor,
        source=source,
        restored_version=restored_version,
        draft_revision=draft_revision,
        note=note,
    )
    action = AppConfigAction.ROLLED_BACK if source is AppConfigSource.ROLLBACK else AppConfigAction.PUBLISHED
    restored: tuple[Draft, int] | None = None
    if restore_draft:
        current = _current_draft(scope)
        restored = (_next_draft(current, document, etag, now, actor), current.revision)
    audit = AuditEntry(
        tenant=tenant_id,
        at=now,
        actor=actor,
        action=action,
        version=version,
        draft_revision=restored[0].revision if restored else draft_revision,
        etag=etag,
        note=note,
    )
    repository.publish(record, live, audit, restored)
    forget_live(tenant_id)
    logger.info("app configuration published", extra={"tenant": tenant_id, "version": version, "source": str(source)})
    return record, True


def publish(
    tenant_id: str, principal: Principal | None, if_match: str | None, request: AppConfigPublishIn | None
) -> AppConfigPublishOut:
    """Publish the draft as the next version, unless a finding stops it (422 listing every finding). When the
    draft is what apps receive already, nothing is published (`published` false)."""
    actor = require_staff(principal, tenant_id, WRITE_ROLES)
    scope = _scope(tenant_id)
    draft = _current_draft(scope)
    if if_match is not None:
        _require_draft_match(if_match, draft.revision)
    document, findings = _check(scope, draft.document)
    if document is None or blocking(findings):
        raise _refusal(findings, "Publishing is refused", "app_config_not_publishable")
    record, created = _publish(
        scope,
        actor.subject,
        document.model_dump(mode="json"),
        AppConfigSource.PUBLISH,
        request.note if request else None,
        draft_revision=draft.revision,
    )
    return AppConfigPublishOut(published=created, version=_version_out(record, record))


def rollback(tenant_id: str, principal: Principal | None, request: AppConfigRollbackIn) -> AppConfigPublishOut:
    """Publish an earlier version's content again, as a new version (audited); by default it also becomes the
    draft. It is checked like any publication: a category the tenant has dropped since stops it."""
    actor = require_staff(principal, tenant_id, WRITE_ROLES)
    scope = _scope(tenant_id)
    target = app_config_repository().version(scope.tenant.id, request.version)
    if target is None:
        raise ValidationFailed(
            [FieldError("version", f"{scope.tenant.id} has no version {request.version}", "unknown")]
        )
    document, findings = _check(scope, _published_json(target))
    if document is None or blocking(findings):
        raise _refusal(findings, f"Version {target.version} cannot be published again", "app_config_not_publishable")
    note = request.note or f"Rollback to version {target.version}"
    record, _ = _publish(
        scope,
        actor.subject,
        document.model_dump(mode="json"),
        AppConfigSource.ROLLBACK,
        note,
        restored_version=target.version,
        restore_draft=request.restore_draft,
    )
    return AppConfigPublishOut(published=True, version=_version_out(record, record))


# ---------------------------------------------------------------------------------------------- versions


def list_versions(
    tenant_id: str, principal: Principal | None, limit: int, cursor: str | None
) -> AppConfigVersionListOut:
    require_staff(principal, tenant_id, READ_ROLES)
    tenant = get_tenant(tenant_id)
    repository = app_config_repository()
    items, next_cursor = repository.versions(tenant.id, limit, cursor)
    live = repository.live(tenant.id)
    return AppConfigVersionListOut(
        tenant=tenant.id,
        live_version=live.version if live else None,
        items=[_version_out(item, live) for item in items],
        next_cursor=next_cursor,
    )


def read_version(tenant_id: str, principal: Principal | None, version: int) -> AppConfigVersionDocumentOut:
    require_staff(principal, tenant_id, READ_ROLES)
    tenant = get_tenant(tenant_id)
    repository = app_config_repository()
    record = repository.version(tenant.id, version)
    if record is None:
        raise NotFound(f"{tenant.id} has no version {version}.", code="app_config_version_not_found")
    summary = _version_out(record, repository.live(tenant.id))
    return AppConfigVersionDocumentOut(**summary.model_dump(), document=_published_json(record))


def audit_trail(tenant_id: str, principal: Principal | None, limit: int, cursor: str | None) -> AppConfigAuditOut:
    require_staff(principal, tenant_id, READ_ROLES)
    tenant = get_tenant(tenant_id)
    entries, next_cursor = app_config_repository().audit(tenant.id, limit, cursor)
    items = [AppConfigAuditEntryOut(**entry.model_dump(exclude={"tenant"})) for entry in entries]
    return AppConfigAuditOut(tenant=tenant.id, items=items, next_cursor=next_cursor)


@lru_cache(maxsize=PUBLISHED_DOCUMENTS_CACHED)
def _published_bytes_checked(key: str, object_version: str | None, etag: str) -> str:
    """A published document's canonical JSON, read once per process (published content never changes), after
    checking it is the content that was published (its SHA-256)."""
    wrapper = json.loads(published_objects().read(key, object_version))
    text = encode_json(wrapper["document"])
    if hashlib.sha256(text.encode("utf-8")).hexdigest() != etag:
        logger.error("published app configuration does not match its etag", extra={"key": key})
        raise StorageError("A published configuration failed its integrity check; it is not served.")
    return text


def _published_json(record: PublishedVersion) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(_published_bytes_checked(record.key, record.object_version, record.etag))
    return document


# ---------------------------------------------------------------------------------------------- delivery

_live_cache: dict[str, tuple[float, PublishedVersion | None]] = {}
_live_lock = threading.Lock()


def _live_for_delivery(tenant_id: str) -> PublishedVersion | None:
    """Which version is live: one small read, kept for `app_config_pointer_ttl_seconds` in this process."""
    ttl = get_settings().app_config_pointer_ttl_seconds
    now = time.monotonic()
    with _live_lock:
        cached = _live_cache.get(tenant_id) if ttl > 0 else None
    if cached is not None and now < cached[0]:
        return cached[1]
    live = app_config_repository().live(tenant_id, consistent=False)
    if ttl > 0:
        with _live_lock:
            _live_cache[tenant_id] = (now + ttl, live)
    return live


def forget_live(tenant_id: str | None = None) -> None:
    with _live_lock:
        if tenant_id is None:
            _live_cache.clear()
        else:
            _live_cache.pop(tenant_id, None)


@lru_cache(maxsize=RENDERINGS_CACHED)
def _rendering(record: PublishedVersion, platform: AppPlatform, language: str) -> PublishedAppOut:
    scope = _scope(record.tenant)
    document = scope.model.model_validate(_published_json(record))
    rendered = render(document, record, scope.tenant, scope.categories, scope.types, platform, language)
    return PublishedAppOut.model_validate(rendered)


@lru_cache(maxsize=RENDERINGS_CACHED)
def _languages_of(record: PublishedVersion) -> tuple[str, tuple[str, ...]]:
    languages = _published_json(record)["languages"]
    return str(languages["default"]), tuple(languages["enabled"])


@dataclass(frozen=True)
class Delivery:
    """What the public GET answers: the configuration (None: 304, the client has it), its tag and caching."""

    body: PublishedAppOut | None
    tag: str
    language: str
    cache_control: str


def deliver(
    tenant_id: str,
    platform: AppPlatform,
    locale: str | None,
    accept_language: Sequence[str],
    if_none_match: str | None,
) -> Delivery:
    """The live configuration for `platform` in the best language for `locale` / `accept_language`."""
    tenant = get_tenant(tenant_id)
    live = _live_for_delivery(tenant.id)
    if live is None:
        raise NotFound(f"{tenant.id} has not published an app configuration yet.", code="app_config_not_published")
    default, enabled = _languages_of(live)
    preferred = [locale.split("-")[0].lower()] if locale else []
    language = choose_language(default, enabled, [*preferred, *accept_language])
    tag = representation_tag(live, platform, language)
    cache_control = f"public, max-age={get_settings().app_config_max_age_seconds}"
    if none_match(if_none_match, tag):
        return Delivery(None, tag, language, cache_control)
    return Delivery(_rendering(live, platform, language), tag, language, cache_control)


@lru_cache(maxsize=64)
def _schema_text(tenant_id: str) -> str:
    return json.dumps(document_schema(_scope(tenant_id).model), ensure_ascii=False)


def app_config_schema(tenant_id: str) -> dict[str, Any]:
    """The JSON Schema of the tenant's documents (its plugins' module types included)."""
    schema: dict[str, Any] = json.loads(_schema_text(get_tenant(tenant_id).id))
    return schema


# ---------------------------------------------------------------------------------------------- report intake


def published_questions(tenant: Tenant, category_code: str) -> tuple[Question, ...]:
    """The questions the tenant's live app configuration adds to a report category beyond its taxonomy, so that
    report intake accepts (and type-checks) their answers. The server never requires them: the app enforces
    `required`, `visible_if` and `required_if`, and other channels do not ask them. () when nothing is published
    or the configuration cannot be read (intake goes on without them)."""
    try:
        live = _live_for_delivery(tenant.id)
        return _added_questions(live).get(category_code, ()) if live is not None else ()
    except (StorageError, ValidationError):
        logger.warning("app configuration unreadable; report intake goes on without its questions", exc_info=True)
        return ()


@lru_cache(maxsize=PUBLISHED_DOCUMENTS_CACHED)
def _added_questions(record: PublishedVersion) -> dict[str, tuple[Question, ...]]:
    scope = _scope(record.tenant)
    document = scope.model.model_validate(_published_json(record))
    added: dict[str, dict[str, Question]] = {}
    for module in document.modules:
        if not module.enabled or not isinstance(module.settings, ReportSettings):
            continue
        for app_category in module.settings.categories:
            category = scope.categories.get(app_category.code)
            taxonomy = {question.code for question in category.questions} if category is not None else set()
            for question in app_category.questions:
                if question.code not in taxonomy:
                    added.setdefault(app_category.code, {}).setdefault(question.code, _intake_question(question))
    return {code: tuple(questions.values()) for code, questions in added.items()}


def _intake_question(question: AppQuestion) -> Question:
    return Question(
        code=question.code,
        type=question.type,
        label=dict(question.label.root),
        required=False,
        options=tuple(Option(code=option.code, label=dict(option.label.root)) for option in question.options),
        minimum=question.minimum,
        maximum=question.maximum,
        max_length=question.max_length,
    )


# ---------------------------------------------------------------------------------------------- seeding


def publish_default_if_none(tenant_id: str, actor: str) -> PublishedVersion | None:
    """Publish the tenant's default configuration as its first version when nothing is published yet; None
    when a version is live already. For the embedded default (`koban serve`): every pilot's app works at once.
    The draft is left as it is."""
    scope = _scope(tenant_id)
    if app_config_repository().live(scope.tenant.id) is not None:
        return None
    default = _default_draft(scope)
    document, findings = _check(scope, default.document)
    if document is None or blocking(findings):
        raise _refusal(findings, f"The default configuration of {tenant_id} cannot be published", "app_config_invalid")
    record, _ = _publish(
        scope, actor, document.model_dump(mode="json"), AppConfigSource.PUBLISH, "Default configuration"
    )
    return record


def warm_up() -> None:
    """Build every tenant's document model and default draft before a SnapStart snapshot (the costly part of a
    first request)."""
    from koban.tenants.service import list_tenants

    for tenant in list_tenants():
        _default_draft(_scope(tenant.id))


def clear_caches() -> None:
    """Forget module types, schemas, published documents and renderings (tests, plugin reloads)."""
    clear_registry()
    forget_live()
    _published_bytes_checked.cache_clear()
    _rendering.cache_clear()
    _languages_of.cache_clear()
    _added_questions.cache_clear()
    _schema_text.cache_clear()
    app_config_repository.cache_clear()
    published_objects.cache_clear()
