"""The assistant's build step: train the category classifier on the curated examples and precompute the
vectors of the seeded knowledge, so that neither happens at cold start.

    python -m koban_local.assistant_build            # writes both files below (about a minute)
    python -m koban_local.assistant_build --check    # exit 1 if either is out of date

The classifier learns from `assistant_data/examples/<language>.json` and from the examples the installed plugins
bring through `koban_assistant_examples` (the pilots' `assistant_examples/<lang>.json`, in their forces' words).

Outputs (committed): `shared/koban/assistant/data/classifier.npz` (the model the function loads),
`shared/koban/assistant/data/langid.npz` (py3langid's model cut to the detectable languages) and
`assistant_data/knowledge_vectors.npz` (passage vectors of the knowledge the installed plugins bring through
`koban_knowledge_items`, e.g. the pilots' `knowledge/<lang>.json`, and of the training modules, keyed by a hash of
the text, which the local seed uses instead of running the model). The held-out set in `assistant_data/eval/` is
never read here.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any, Final

import numpy as np

from koban.assistant.classifier import MODEL_FILE, Classifier, train
from koban.assistant.embeddings import MODEL_NAME, embed_passages, embed_queries
from koban.assistant.knowledge import embedding_text, split_passages
from koban.assistant.language import DETECTABLE_LANGUAGES, LANGID_FILE, write_model
from koban.assistant.models import KnowledgeItem, KnowledgeItemIn
from koban.tenants.models import AssistantGroup

DATA: Final = Path(__file__).with_name("assistant_data")
EXAMPLES: Final = DATA / "examples"
EVALUATION: Final = DATA / "eval"
# Training modules of the capability model (knowledge items of kind `training`, tagged with the dimensions and
# capabilities they build), in every pilot language; each pilot is seeded with those in its languages and English.
TRAINING: Final = DATA / "training.json"
VECTORS_FILE: Final = DATA / "knowledge_vectors.npz"
SEED_TIME: Final = datetime(2026, 11, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Example:
    language: str
    category: AssistantGroup
    text: str


def load_examples() -> list[Example]:
    """Training examples: the core's `examples/<language>.json` (a mapping of category to texts), then those the
    installed plugins bring for each tenant (`koban_assistant_examples`), each text of a language once."""
    examples: list[Example] = []
    for path in sorted(EXAMPLES.glob("*.json")):
        for category, texts in json.loads(path.read_text(encoding="utf-8")).items():
            examples.extend(Example(path.stem, AssistantGroup(category), text) for text in texts)
    seen = {(example.language, example.text.casefold()) for example in examples}
    for example in plugin_examples():
        if (example.language, example.text.casefold()) not in seen:
            seen.add((example.language, example.text.casefold()))
            examples.append(example)
    return examples


def plugin_examples() -> list[Example]:
    """The examples the installed plugins bring, tenant by tenant in id order (`koban_assistant_examples`)."""
    from koban.plugins.examples import plugin_examples as brought
    from koban.tenants.service import list_tenants

    return [
        Example(example.language, example.category, example.text)
        for tenant in sorted(list_tenants(), key=lambda tenant: tenant.id)
        for example in brought(tenant)
    ]


def load_evaluation() -> list[Example]:
    """The held-out set: `eval/<language>.json`, a list of {category, text}."""
    return [
        Example(path.stem, AssistantGroup(entry["category"]), entry["text"])
        for path in sorted(EVALUATION.glob("*.json"))
        for entry in json.loads(path.read_text(encoding="utf-8"))
    ]


def digest(texts: Sequence[str]) -> str:
    return hashlib.sha256("\x1e".join([MODEL_NAME, *texts]).encode()).hexdigest()


def examples_digest(examples: Sequence[Example]) -> str:
    return digest([f"{e.language}\x1f{e.category}\x1f{e.text}" for e in examples])


def build_classifier(examples: Sequence[Example]) -> Classifier:
    vectors = embed_queries([example.text for example in examples])
    return train(vectors, [example.category for example in examples], trained_on=examples_digest(examples))


# ---------------------------------------------------------------------------------------------- knowledge


def training_entries(tenant: str) -> list[dict[str, Any]]:
    """The training modules in the tenant's languages and English (`training.json`)."""
    from koban.tenants.service import get_tenant

    languages = {*get_tenant(tenant).languages, "en"}
    entries: list[dict[str, Any]] = json.loads(TRAINING.read_text(encoding="utf-8"))
    return [entry for entry in entries if entry["language"] in languages]


def plugin_entries(tenant: str) -> list[dict[str, Any]]:
    """The knowledge items the tenant's plugins bring (`koban_knowledge_items`), as seed entries."""
    from koban.plugins.knowledge import plugin_knowledge
    from koban.tenants.service import get_tenant

    return [seed.model_dump(mode="json", exclude={"topic"}) for seed in plugin_knowledge(get_tenant(tenant))]


def seed_items(tenant: str) -> list[KnowledgeItem]:
    """The knowledge the tenant's plugins bring and its training modules, as stored items ([] for a tenant whose
    plugins bring no knowledge)."""
    brought = plugin_entries(tenant)
    if not brought:
        return []
    items = []
    for entry in [*brought, *training_entries(tenant)]:
        fields = dict(entry)
        item_id = fields.pop("id")
        request = KnowledgeItemIn.model_validate(fields)
        items.append(
            KnowledgeItem(
                **request.model_dump(),
                tenant=tenant,
                id=item_id,
                created_at=SEED_TIME,
                updated_at=SEED_TIME,
                updated_by="koban-seed",
            )
        )
    return items


def seed_tenants() -> list[str]:
    """The tenants whose plugins bring knowledge."""
    from koban.tenants.service import list_tenants

    return sorted(tenant.id for tenant in list_tenants() if plugin_entries(tenant.id))


def passage_texts(items: Sequence[KnowledgeItem]) -> list[str]:
    return [embedding_text(item, chunk) for item in items for chunk in split_passages(item.body)]


def text_key(text: str) -> str:
    return digest([text])[:32]


@cache
def _cached_vectors() -> dict[str, Any]:
    if not VECTORS_FILE.is_file():
        return {}
    with np.load(VECTORS_FILE, allow_pickle=False) as data:
        return dict(zip((str(key) for key in data["keys"]), data["vectors"], strict=True))


def seed_vectors(texts: list[str]) -> Any:
    """Passage vectors from the committed file; texts not in it (edited seed data) are embedded now."""
    cached = _cached_vectors()
    missing = [text for text in texts if text_key(text) not in cached]
    computed = dict(zip(missing, embed_passages(missing), strict=True)) if missing else {}
    return np.stack([cached[text_key(t)] if t not in computed else computed[t] for t in texts]).astype(np.float32)


def build_knowledge_vectors() -> tuple[list[str], Any]:
    texts = sorted({text for tenant in seed_tenants() for text in passage_texts(seed_items(tenant))})
    return [text_key(text) for text in texts], embed_passages(texts).astype(np.float16)


# ---------------------------------------------------------------------------------------------- command


def stale() -> list[str]:
    """What the build would change: the classifier's examples or the seeded knowledge's passages."""
    problems = []
    if Classifier.load(MODEL_FILE).trained_on != examples_digest(load_examples()):
        problems.append(f"{MODEL_FILE} was not trained on the current examples")
    wanted = {text_key(t) for tenant in seed_tenants() for t in passage_texts(seed_items(tenant))}
    if wanted != set(_cached_vectors()):
        problems.append(f"{VECTORS_FILE} does not hold exactly the seeded knowledge's passages")
    with np.load(LANGID_FILE, allow_pickle=False) as data:
        if set(map(str, data["classes"])) != set(DETECTABLE_LANGUAGES):
            problems.append(f"{LANGID_FILE} is not cut to the detectable languages")
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Train the assistant's classifier; embed the seeded knowledge.")
    parser.add_argument("--check", action="store_true", help="only check that the committed files are current")
    arguments = parser.parse_args(argv)
    if arguments.check:
        problems = stale()
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1 if problems else 0
    write_model(LANGID_FILE)
    print(f"language model: {len(DETECTABLE_LANGUAGES)} languages -> {LANGID_FILE}")
    examples = load_examples()
    build_classifier(examples).save(MODEL_FILE)
    print(f"classifier: {len(examples)} examples -> {MODEL_FILE}")
    keys, vectors = build_knowledge_vectors()
    np.savez_compressed(VECTORS_FILE, keys=np.array(keys), vectors=vectors)
    print(f"knowledge: {len(keys)} passages -> {VECTORS_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
