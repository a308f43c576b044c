"""Process-wide caches (settings, clients, plugins, repositories), and one switch to forget them all.

In Lambda they live as long as the execution environment. Tests and the local home, which change the
environment within one process, call `reset_process_caches()` after doing so.
"""

from __future__ import annotations


def reset_process_caches() -> None:
    from koban import aws
    from koban.aggregation import service as aggregation
    from koban.api_keys import service as api_keys
    from koban.app_config import service as app_config
    from koban.assistant import knowledge as assistant_knowledge
    from koban.assistant import service as assistant
    from koban.attachments import service as attachments
    from koban.audit import service as audit
    from koban.capability import registry as capability_registry
    from koban.capability import service as capability
    from koban.notifications import stores as notifications
    from koban.plugins import host
    from koban.priorities import service as priorities
    from koban.privacy import stores as privacy
    from koban.problems import service as problems
    from koban.ratelimit import service as ratelimit
    from koban.reports import idempotency, service
    from koban.settings import get_settings

    get_settings.cache_clear()
    aws.reset_clients()
    host.reset_plugin_manager()
    service.reports_repository.cache_clear()
    service.personal_data_repository.cache_clear()
    attachments.attachment_repository.cache_clear()
    idempotency.reset()
    api_keys.api_key_repository.cache_clear()
    aggregation.aggregate_repository.cache_clear()
    problems.problem_repository.cache_clear()
    ratelimit.rate_limit_repository.cache_clear()
    priorities.priority_repository.cache_clear()
    app_config.clear_caches()
    capability.capability_repository.cache_clear()
    capability_registry.clear_caches()
    notifications.reset()
    privacy.privacy_repository.cache_clear()
    audit.audit_log.cache_clear()
    audit.anchor_store.cache_clear()
    assistant.conversation_repository.cache_clear()
    assistant_knowledge.knowledge_repository.cache_clear()
    assistant_knowledge.index_cache.clear()
