"""The assistant's use case: one resident message in, one grounded answer out, the conversation stored."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any, Final

from koban.assistant import classifier as classifier_module
from koban.assistant import embeddings
from koban.assistant.compose import Draft, compose, emergency_answer, emergency_languages
from koban.assistant.emergency import Assessment, assess, normalise
from koban.assistant.knowledge import Hit, tenant_index
from koban.assistant.language import Detection, detect_language, locale_language
from koban.assistant.models import (
    AssistantRoute,
    Conversation,
    ConversationOut,
    ConversationSpeaker,
    ConversationTurn,
    HandoffListOut,
    HandoffOut,
    KnowledgeSource,
    MessageIn,
    ReplyOut,
    ReportOffer,
)
from koban.assistant.storage import ConversationRepository
from koban.audit.models import AuditAction
from koban.audit.service import commit_with, staff_record
from koban.auth import READ_REPORTS, Principal, require_staff
from koban.errors import FieldError, NotFound, ValidationFailed
from koban.i18n import SUPPORTED_LANGUAGES, pick, translate
from koban.observability import logger
from koban.plugins.host import plugin_manager
from koban.privacy.redaction import redact
from koban.settings import get_settings
from koban.tenants.models import AssistantGroup, Category, Tenant
from koban.tenants.service import get_tenant, list_categories, tenant_rules

if TYPE_CHECKING:
    from koban.assistant.classifier import Prediction

# A conversation holds at most this many turns (a message and its answer are two); then a new one starts.
MAX_TURNS: Final = 200
# Below this classifier confidence (and with no knowledge found) the assistant asks the resident to say more.
UNSURE_BELOW: Final = 0.35
# Enquiries that are not offered as a report: emergencies go to 112, general questions are answered, and a
# request to talk to an officer is handed over (the handoff rule) rather than filed.
NOT_REPORTABLE: Final = frozenset(
    {AssistantGroup.EMERGENCY, AssistantGroup.GENERAL_INFO, AssistantGroup.CONTACT_OFFICER}
)
SUMMARY_CHARACTERS: Final = 300


@cache
def conversation_repository() -> ConversationRepository:
    return ConversationRepository(get_settings().conversations_table)


def warm_up() -> None:
    """Load the models and the tenants' taxonomies and rules in the init phase (every cold start, and before a
    SnapStart snapshot), so the first resident does not wait for them."""
    from koban import warmup
    from koban.assistant import language

    language.load()
    classifier_module.classifier().predict(embeddings.embed_query("warm-up"))
    warmup.warm_up(())


# ---------------------------------------------------------------------------------------------- understanding


# A message of at most this many words that is no emergency ("thanks!", "hello", "ok") says too little to
# classify: the assistant asks what happened instead of guessing a category or calling a person.
BRIEF_WORDS: Final = 2


@dataclass(frozen=True)
class Understanding:
    detection: Detection
    emergency: Assessment
    category: AssistantGroup
    confidence: float
    vector: Any  # the message's query vector, or None without an embedding engine
    brief: bool = False


def understand(text: str, locale: str | None, tenant_languages: tuple[str, ...] = ()) -> Understanding:
    """Language, emergency and category of a message: pure computation, no storage."""
    detection = detect_language(text, locale, tenant_languages)
    vector: Any = None
    prediction: Prediction | None = None
    try:
        vector = embeddings.embed_query(text)
        prediction = classifier_module.classifier().predict(vector)
    except embeddings.EmbeddingUnavailable:
        logger.warning("assistant: no embedding engine; emergency lexicon only, category general_info")
    brief = len(text.split()) <= BRIEF_WORDS
    probability = prediction.probability(AssistantGroup.EMERGENCY) if prediction else None
    # A word or two gives the embeddings too little to go on ("hallo" sat near "help"): there only the lexicon's
    # cries for help ("Pomocy!", "Fire!") make an emergency.
    assessment = assess(text, detection.language, None if brief else probability)
    if assessment.emergency:
        return Understanding(detection, assessment, AssistantGroup.EMERGENCY, max(probability or 0.0, 0.9), vector)
    if prediction is None or brief:
        return Understanding(detection, assessment, AssistantGroup.GENERAL_INFO, 0.0, vector, brief=True)
    category, confidence = prediction.best_except(AssistantGroup.EMERGENCY)
    return Understanding(detection, assessment, category, confidence, vector)


def answer_language(detection: Detection, locale: str | None, tenant: Tenant) -> str:
    """The language of the answer: the message's, if the templates exist in it; else the app's locale or the
    tenant's first language, if they do; else English."""
    for candidate in (detection.language, locale_language(locale), *tenant.languages):
        if candidate in SUPPORTED_LANGUAGES:
            return candidate
    return "en"


def choose_report_category(tenant: Tenant, group: AssistantGroup, text: str, language: str) -> Category | None:
    """The tenant's report category of `group` whose keywords and name the message shares most words with
    (the first of the group on a tie); None when the tenant has none in that group."""
    candidates = [category for category in list_categories(tenant) if category.group is group]
    if not candidates:
        return None
    words = set(normalise(text).replace(",", " ").replace(".", " ").split())

    def overlap(category: Category) -> int:
        terms = " ".join(
            value
            for texts in (category.keywords, category.name)
            for key, value in texts.items()
            if key in (language, "en")
        )
        return sum(1 for term in normalise(terms).replace(",", " ").split() if term in words)

    return max(candidates, key=lambda category: (overlap(category), -candidates.index(category)))


# ---------------------------------------------------------------------------------------------- routing


def rule_facts(
    tenant: Tenant,
    understanding: Understanding,
    report_category: Category | None,
    now: datetime,
) -> dict[str, Any]:
    """What routing and handoff rules see for a message (documented in the default plugin's README)."""
    local = now.astimezone(tenant.zone)
    return {
        "tenant": tenant.id,
        "source": "assistant",
        "category": report_category.code if report_category else "",
        "group": str(understanding.category),
        "sensitive": bool(report_category and report_category.sensitive),
        "answers": {},
        "channel": "assistant",
        "language": understanding.detection.language,
        "emergency": understanding.emergency.emergency,
        "confidence": round(understanding.confidence, 3),
        "hour": local.hour,
        "weekday": local.isoweekday(),
        "deadline_hours": report_category.deadline_hours if report_category else 72,
    }


def route(tenant: Tenant, facts: dict[str, Any], report_category: Category | None) -> str:
    """The unit through the tenant's hooks and rules (as for a report), then the category's default unit, then
    the tenant's first unit."""
    hooks = plugin_manager().hook
    rules = tenant_rules(tenant)
    priority = hooks.koban_triage(tenant=tenant, facts=facts, rules=rules)
    facts["priority"] = "urgent" if facts["emergency"] else (priority or "normal")
    unit = hooks.koban_route(tenant=tenant, facts=facts, rules=rules)
    if not unit or tenant.unit(unit) is None:
        default = report_category.default_unit if report_category else None
        unit = default if default and tenant.unit(default) else tenant.units[0].code
    facts["unit"] = unit
    return str(unit)


def needs_handoff(tenant: Tenant, facts: dict[str, Any]) -> bool:
    decided = plugin_manager().hook.koban_assistant_handoff(tenant=tenant, facts=facts, rules=tenant_rules(tenant))
    return bool(facts["emergency"]) if decided is None else bool(decided)


def plugin_answer(tenant: Tenant, question: dict[str, Any]) -> tuple[str, str] | None:
    """(answer, plugin name) from the first answer plugin that gives one; a failing plugin is logged and
    skipped, so the offline answer always remains."""
    hook = plugin_manager().hook.koban_assistant_answer
    for implementation in reversed(hook.get_hookimpls()):
        try:
            answer = implementation.function(tenant=tenant, question=question)
        except Exception:  # a plugin's failure must never cost the resident the answer
            logger.exception("assistant: answer plugin failed", extra={"plugin": implementation.plugin_name})
            continue
        if isinstance(answer, str) and answer.strip():
            return answer.strip(), implementation.plugin_name
    return None


# ---------------------------------------------------------------------------------------------- the use case


def new_conversation_id() -> str:
    """128 bits of randomness: the id is the only key to a conversation a resident holds."""
    return secrets.token_urlsafe(16)


def _load_conversation(tenant: Tenant, conversation_id: str | None) -> Conversation | None:
    if conversation_id is None:
        return None
    conversation = conversation_repository().get(tenant.id, conversation_id)
    if conversation is None:
        raise NotFound(
            "There is no such conversation here (it may have expired); start a new one without conversation_id.",
            code="conversation_not_found",
        )
    if conversation.turns + 2 > MAX_TURNS:
        raise ValidationFailed([FieldError("conversation_id", "this conversation is full; start a new one")])
    return conversation


def handle_message(tenant_id: str, request: MessageIn) -> ReplyOut:
    tenant = get_tenant(tenant_id)
    before = _load_conversation(tenant, request.conversation_id)
    now = datetime.now(UTC)
    understanding = understand(request.text, request.locale, tenant.languages)
    language = understanding.detection.language
    emergency = understanding.emergency.emergency
    reply_language = answer_language(understanding.detection, request.locale, tenant)
    report_category = choose_report_category(tenant, understanding.category, request.text, language)
    facts = rule_facts(tenant, understanding, report_category, now)
    unit_code = route(tenant, facts, report_category)
    handoff = False if understanding.brief else needs_handoff(tenant, facts)
    unit = tenant.unit(unit_code)
    unit_name = pick(unit.name, [reply_language, *tenant.languages]) if unit else unit_code
    category_name = pick(report_category.name, [reply_language, *tenant.languages]) if report_category else ""

    hits: list[Hit] = []
    engine = "offline"
    offer: ReportOffer | None = None
    if emergency:
        if language in emergency_languages():
            reply_language = language
        answer = emergency_answer(reply_language)
        if handoff:
            answer += "\n\n" + translate("assistant.handoff", reply_language, unit=unit_name)
        reason = translate("assistant.route_emergency", reply_language, unit=unit_name)
    else:
        if understanding.vector is not None and not understanding.brief:
            # After the resident's own language, English (read by most) before the tenant's other languages.
            languages = [reply_language, language, "en", *tenant.languages]
            hits = tenant_index(tenant.id).search(understanding.vector, languages, understanding.category)
        if report_category is not None and understanding.category not in NOT_REPORTABLE:
            offer = ReportOffer(
                category=report_category.code,
                category_name=category_name,
                description=request.text,
                required_questions=[question.code for question in report_category.questions if question.required],
            )
        draft = Draft(
            force=tenant.name,
            unit_name=unit_name,
            hits=tuple(hits),
            report_category_name=category_name if offer else None,
            handoff=handoff,
            unsure=understanding.confidence < UNSURE_BELOW,
        )
        answer = compose(draft, reply_language)
        rephrased = plugin_answer(tenant, _question(request.text, reply_language, understanding, hits, answer))
        if rephrased is not None:
            answer, engine = rephrased
        reason = (
            translate("assistant.route_reason", reply_language, unit=unit_name, category=category_name)
            if report_category
            else translate("assistant.route_general", reply_language, unit=unit_name)
        )

    sources = [
        KnowledgeSource(id=hit.item.id, title=hit.item.title, language=hit.item.language, url=hit.item.url)
        for hit in hits
    ]
    conversation_id = before.id if before else new_conversation_id()
    _store(tenant, before, conversation_id, now, request.text, answer, understanding, sources, handoff, unit_code)
    return ReplyOut(
        conversation_id=conversation_id,
        language=language,
        answer_language=reply_language,
        emergency=emergency,
        category=understanding.category,
        confidence=round(understanding.confidence, 3),
        answer=answer,
        sources=sources,
        route=AssistantRoute(unit=unit_code, unit_name=unit_name, reason=reason),
        handoff=handoff,
        report_offer=offer,
        engine=engine,
    )


def _question(text: str, language: str, understanding: Understanding, hits: list[Hit], draft: str) -> dict[str, Any]:
    """What an answer plugin sees: the message with personal data redacted, and only the retrieved passages."""
    return {
        "text": redact(text),
        "language": language,
        "category": str(understanding.category),
        "passages": [
            {"id": h.item.id, "title": h.item.title, "text": h.passage, "language": h.item.language, "url": h.item.url}
            for h in hits
        ],
        "draft": draft,
    }


def _store(
    tenant: Tenant,
    before: Conversation | None,
    conversation_id: str,
    now: datetime,
    text: str,
    answer: str,
    understanding: Understanding,
    sources: list[KnowledgeSource],
    handoff: bool,
    unit: str,
) -> None:
    expires_at = int((now + timedelta(days=get_settings().conversation_retention_days)).timestamp())
    position = before.turns if before else 0
    category = understanding.category
    emergency = understanding.emergency.emergency
    redacted = redact(text)
    turns = [
        ConversationTurn(
            position=position + 1,
            speaker=ConversationSpeaker.RESIDENT,
            text=redacted,
            at=now,
            category=category,
            emergency=emergency,
        ),
        ConversationTurn(
            position=position + 2,
            speaker=ConversationSpeaker.ASSISTANT,
            text=answer,
            at=now,
            category=category,
            emergency=emergency,
            sources=tuple(source.id for source in sources),
        ),
    ]
    first_handoff = handoff and not (before and before.handoff)
    after = Conversation(
        tenant=tenant.id,
        id=conversation_id,
        created_at=before.created_at if before else now,
        updated_at=now,
        language=understanding.detection.language,
        turns=position + 2,
        category=category,
        emergency=emergency or bool(before and before.emergency),
        handoff=handoff or bool(before and before.handoff),
        handoff_at=now if first_handoff else (before.handoff_at if before else None),
        unit=unit,
        expires_at=expires_at,
    )
    queued = (
        HandoffOut(
            conversation_id=conversation_id,
            handed_off_at=now,
            language=understanding.detection.language,
            category=category,
            emergency=emergency,
            unit=unit,
            summary=redacted[:SUMMARY_CHARACTERS],
        )
        if first_handoff
        else None
    )
    conversation_repository().record(before, after, turns, queued)


# ---------------------------------------------------------------------------------------------- staff


def list_handoffs(tenant_id: str, principal: Principal | None, limit: int, cursor: str | None) -> HandoffListOut:
    require_staff(principal, tenant_id, READ_REPORTS)
    tenant = get_tenant(tenant_id)
    items, next_cursor = conversation_repository().handoffs(tenant.id, limit, cursor)
    return HandoffListOut(tenant=tenant.id, items=items, next_cursor=next_cursor)


def read_conversation(tenant_id: str, conversation_id: str, principal: Principal | None) -> ConversationOut:
    """A resident's transcript for staff; their words are personal data, so the read is audited before it is
    answered."""
    principal = require_staff(principal, tenant_id, READ_REPORTS)
    tenant = get_tenant(tenant_id)
    found = conversation_repository().transcript(tenant.id, conversation_id)
    if found is None:
        raise NotFound(f"There is no conversation '{conversation_id}' in {tenant.id}.", code="conversation_not_found")
    conversation, turns = found
    record = staff_record(principal, AuditAction.CONVERSATION_VIEWED, f"conversation/{conversation.id}")
    commit_with(record, (), operation="audit conversation read")
    return ConversationOut(
        **conversation.model_dump(include={"id", "created_at", "updated_at", "language", "category", "emergency"}),
        handoff=conversation.handoff,
        unit=conversation.unit,
        turns=turns,
    )
