"""The knowledge repository: documents and FAQs per tenant and language, with audience, categories and tags.

Admins add, update and retire items; each write splits the item into passages, embeds them (`passage: ` e5
vectors) and stores them in the tenant's index beside the item, so the assistant never embeds knowledge at
cold start or per message: it reads the index (cached, revalidated with its ETag) and compares one query vector
with the passages' vectors. An FAQ's question and answer are embedded together (measured: 15-25 points better
retrieval than the question alone).
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any, Final

from koban.assistant.models import (
    KnowledgeItem,
    KnowledgeItemIn,
    KnowledgeItemOut,
    KnowledgeItemUpdate,
    KnowledgeListOut,
    KnowledgeStatus,
)
from koban.assistant.storage import KnowledgeRepository
from koban.auth import READ_REPORTS, Principal, Role, require_staff
from koban.errors import Conflict, FieldError, NotFound, ValidationFailed
from koban.i18n import SUPPORTED_LANGUAGES
from koban.ids import new_id
from koban.settings import get_settings
from koban.tenants.models import AssistantGroup, Tenant
from koban.tenants.service import get_tenant

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Array = npt.NDArray[np.float32]
else:
    Array = Any

MANAGE_KNOWLEDGE: Final = frozenset({Role.ADMIN})
PASSAGE_CHARACTERS: Final = 700
# e5's cosine similarities are compressed: a relevant passage of the seeded pilots scores ~0.85-0.91, but so
# does an unrelated one in the same language up to ~0.85. A passage is therefore quoted when it reaches
# MIN_SCORE and its item is tagged with the message's category, or on its own from STRONG_SCORE ...
MIN_SCORE: Final = 0.80
STRONG_SCORE: Final = 0.88
# ... and an item tagged with the message's category ranks this much higher.
CATEGORY_BONUS: Final = 0.03
# Further items are quoted only when they score within this margin of the best one.
RUNNER_UP_MARGIN: Final = 0.015

VectorsFor = Callable[[list[str]], Array]


@dataclass(frozen=True)
class Passage:
    item_id: str
    text: str


@dataclass(frozen=True)
class Hit:
    item: KnowledgeItem
    passage: str
    score: float


@dataclass(frozen=True)
class KnowledgeIndex:
    tenant: str
    items: dict[str, KnowledgeItem]
    passages: tuple[Passage, ...]
    vectors: Array  # (passages, dimension), float32

    @classmethod
    def empty(cls, tenant: str) -> KnowledgeIndex:
        import numpy as np

        from koban.assistant.embeddings import DIMENSION

        return cls(tenant, {}, (), np.zeros((0, DIMENSION), dtype=np.float32))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> KnowledgeIndex:
        import numpy as np

        from koban.assistant.embeddings import DIMENSION

        items = {item["id"]: KnowledgeItem.model_validate(item) for item in data.get("items", [])}
        passages = tuple(Passage(p["item"], p["text"]) for p in data.get("passages", []))
        vectors = np.stack(
            [np.frombuffer(base64.b64decode(p["vector"]), dtype=np.float16) for p in data.get("passages", [])]
            or [np.zeros(DIMENSION, dtype=np.float16)]
        ).astype(np.float32)[: len(passages)]
        return cls(str(data["tenant"]), items, passages, vectors)

    def to_json(self) -> dict[str, Any]:
        import numpy as np

        from koban.assistant.embeddings import MODEL_NAME

        return {
            "tenant": self.tenant,
            "model": MODEL_NAME,
            "updated_at": datetime.now(UTC).isoformat(),
            "items": [item.model_dump(mode="json") for item in self.items.values()],
            "passages": [
                {
                    "item": passage.item_id,
                    "text": passage.text,
                    "vector": base64.b64encode(vector.astype(np.float16).tobytes()).decode(),
                }
                for passage, vector in zip(self.passages, self.vectors, strict=True)
            ],
        }

    def with_items(self, changed: Sequence[KnowledgeItem], vectors_for: VectorsFor) -> KnowledgeIndex:
        """This index with `changed` items added or replaced; only their passages are embedded again."""
        import numpy as np

        changed_ids = {item.id for item in changed}
        keep = [i for i, passage in enumerate(self.passages) if passage.item_id not in changed_ids]
        new_passages: list[Passage] = []
        embed_texts: list[str] = []
        for item in changed:
            if item.status is not KnowledgeStatus.ACTIVE:
                continue
            for chunk in split_passages(item.body):
                new_passages.append(Passage(item.id, chunk))
                embed_texts.append(embedding_text(item, chunk))
        vectors = [self.vectors[keep]]
        if embed_texts:
            vectors.append(np.asarray(vectors_for(embed_texts), dtype=np.float32))
        items = {**self.items, **{item.id: item for item in changed}}
        return KnowledgeIndex(
            self.tenant, items, (*[self.passages[i] for i in keep], *new_passages), np.concatenate(vectors)
        )

    def search(
        self, vector: Array, languages: Sequence[str], category: AssistantGroup | None, limit: int = 2
    ) -> list[Hit]:
        """The best passages for residents in the first of `languages` that has any good enough (see
        `MIN_SCORE`), one per item, best first."""
        if not self.passages:
            return []
        scores = self.vectors @ vector
        for language in dict.fromkeys(languages):
            hits: dict[str, Hit] = {}
            for position, passage in enumerate(self.passages):
                item = self.items.get(passage.item_id)
                if item is None or item.language != language or not item.for_residents:
                    continue
                similarity = float(scores[position])
                tagged = category in item.categories
                if similarity < (MIN_SCORE if tagged else STRONG_SCORE):
                    continue
                score = similarity + (CATEGORY_BONUS if tagged else 0.0)
                if item.id not in hits or hits[item.id].score < score:
                    hits[item.id] = Hit(item, passage.text, score)
            if hits:
                ranked = sorted(hits.values(), key=lambda hit: -hit.score)
                best = ranked[0]
                # A second item only when it is about as close and about the same category: a passage on online
                # fraud does not belong in the answer about a lost wallet just because it is the next nearest.
                more = [
                    h for h in ranked[1:] if h.score >= best.score - RUNNER_UP_MARGIN and category in h.item.categories
                ]
                return [best, *more][:limit]
        return []


def split_passages(body: str) -> list[str]:
    """Paragraphs, joined while they fit in `PASSAGE_CHARACTERS` (a long paragraph stays whole)."""
    chunks: list[str] = []
    for paragraph in (part.strip() for part in body.split("\n\n")):
        if not paragraph:
            continue
        if chunks and len(chunks[-1]) + len(paragraph) + 2 <= PASSAGE_CHARACTERS:
            chunks[-1] = f"{chunks[-1]}\n\n{paragraph}"
        else:
            chunks.append(paragraph)
    return chunks


def embedding_text(item: KnowledgeItemIn, chunk: str) -> str:
    return "\n".join(part for part in (item.title, item.question, chunk) if part)


# ---------------------------------------------------------------------------------------------- reading


@cache
def knowledge_repository() -> KnowledgeRepository:
    return KnowledgeRepository(get_settings().knowledge_bucket)


class _IndexCache:
    """The tenants' indexes in this process, revalidated with If-None-Match every `knowledge_cache_seconds`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, str | None, KnowledgeIndex]] = {}

    def get(self, tenant: str) -> KnowledgeIndex:
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(tenant)
        if entry is not None and now - entry[0] < get_settings().knowledge_cache_seconds:
            return entry[2]
        data, etag = knowledge_repository().read_index(tenant, entry[1] if entry else None)
        if data is None and entry is not None and etag == entry[1] and etag is not None:
            index = entry[2]  # not modified
        else:
            index = KnowledgeIndex.from_json(data) if data is not None else KnowledgeIndex.empty(tenant)
        with self._lock:
            self._entries[tenant] = (now, etag, index)
        return index

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


index_cache = _IndexCache()


def tenant_index(tenant: str) -> KnowledgeIndex:
    return index_cache.get(tenant)


# ---------------------------------------------------------------------------------------------- writing


def _default_vectors(texts: list[str]) -> Array:
    from koban.assistant.embeddings import embed_passages

    return embed_passages(texts)


def _check_language(tenant: Tenant, language: str) -> None:
    if language not in tenant.languages and language not in SUPPORTED_LANGUAGES:
        allowed = ", ".join(dict.fromkeys((*tenant.languages, *SUPPORTED_LANGUAGES)))
        raise ValidationFailed([FieldError("language", f"'{language}' is not served here; one of: {allowed}")])


def save_items(tenant_id: str, items: Sequence[KnowledgeItem], vectors_for: VectorsFor = _default_vectors) -> None:
    """Write `items` (new or changed) into the tenant's item files and index: one conditional index write.

    The index is what the assistant and the admin routes read, so writing it is the commit and comes last: when
    an item file cannot be written the change is refused with nothing served, and a retry cannot add it twice."""
    repository = knowledge_repository()
    data, etag = repository.read_index(tenant_id)
    current = KnowledgeIndex.from_json(data) if data is not None else KnowledgeIndex.empty(tenant_id)
    updated = current.with_items(items, vectors_for)
    for item in items:
        repository.write_item(item)
    repository.write_index(tenant_id, updated.to_json(), etag)
    index_cache.clear()


def _out(item: KnowledgeItem) -> KnowledgeItemOut:
    return KnowledgeItemOut(**item.model_dump(exclude={"tenant"}))


def _stored_item(tenant_id: str, item_id: str) -> KnowledgeItem:
    data, _ = knowledge_repository().read_index(tenant_id)
    index = KnowledgeIndex.from_json(data) if data is not None else KnowledgeIndex.empty(tenant_id)
    item = index.items.get(item_id)
    if item is None:
        raise NotFound(f"There is no knowledge item '{item_id}' in {tenant_id}.", code="knowledge_item_not_found")
    return item


def add_item(
    tenant_id: str, principal: Principal | None, request: KnowledgeItemIn, vectors_for: VectorsFor = _default_vectors
) -> KnowledgeItemOut:
    principal = require_staff(principal, tenant_id, MANAGE_KNOWLEDGE)
    tenant = get_tenant(tenant_id)
    _check_language(tenant, request.language)
    now = datetime.now(UTC)
    item = KnowledgeItem(
        **request.model_dump(),
        tenant=tenant.id,
        id=new_id(),
        created_at=now,
        updated_at=now,
        updated_by=principal.subject,
    )
    save_items(tenant.id, [item], vectors_for)
    return _out(item)


def update_item(
    tenant_id: str,
    item_id: str,
    principal: Principal | None,
    request: KnowledgeItemUpdate,
    vectors_for: VectorsFor = _default_vectors,
) -> KnowledgeItemOut:
    principal = require_staff(principal, tenant_id, MANAGE_KNOWLEDGE)
    tenant = get_tenant(tenant_id)
    _check_language(tenant, request.language)
    before = _stored_item(tenant.id, item_id)
    if request.version != before.version:
        raise Conflict(f"The item is at version {before.version}, not {request.version}; reload it.")
    after = before.model_copy(
        update={
            **request.model_dump(exclude={"version"}),
            "status": KnowledgeStatus.ACTIVE,
            "version": before.version + 1,
            "updated_at": datetime.now(UTC),
            "updated_by": principal.subject,
        }
    )
    save_items(tenant.id, [KnowledgeItem.model_validate(after.model_dump())], vectors_for)
    return _out(after)


def retire_item(tenant_id: str, item_id: str, principal: Principal | None) -> KnowledgeItemOut:
    """The item stays (for the record) but is never used again; retiring twice changes nothing."""
    principal = require_staff(principal, tenant_id, MANAGE_KNOWLEDGE)
    tenant = get_tenant(tenant_id)
    before = _stored_item(tenant.id, item_id)
    if before.status is KnowledgeStatus.RETIRED:
        return _out(before)
    after = before.model_copy(
        update={
            "status": KnowledgeStatus.RETIRED,
            "version": before.version + 1,
            "updated_at": datetime.now(UTC),
            "updated_by": principal.subject,
        }
    )
    save_items(tenant.id, [after])
    return _out(after)


def list_items(
    tenant_id: str, principal: Principal | None, language: str | None, status: KnowledgeStatus | None
) -> KnowledgeListOut:
    require_staff(principal, tenant_id, READ_REPORTS)
    tenant = get_tenant(tenant_id)
    data, _ = knowledge_repository().read_index(tenant.id)
    items: Iterable[KnowledgeItem] = KnowledgeIndex.from_json(data).items.values() if data is not None else ()
    chosen = [
        item
        for item in items
        if (language is None or item.language == language) and (status is None or item.status is status)
    ]
    return KnowledgeListOut(tenant=tenant.id, items=[_out(item) for item in sorted(chosen, key=lambda i: i.id)])


def get_item(tenant_id: str, item_id: str, principal: Principal | None) -> KnowledgeItemOut:
    require_staff(principal, tenant_id, READ_REPORTS)
    return _out(_stored_item(get_tenant(tenant_id).id, item_id))
