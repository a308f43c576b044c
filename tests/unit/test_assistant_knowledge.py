"""The knowledge index: passages, vectors kept across edits, retrieval by language, audience and category, and
the answer composed only from templates and passages."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest

from koban.assistant.compose import Draft, compose, emergency_answer, emergency_languages, knowledge_part
from koban.assistant.knowledge import (
    MIN_SCORE,
    PASSAGE_CHARACTERS,
    KnowledgeIndex,
    split_passages,
)
from koban.assistant.models import KnowledgeAudience, KnowledgeItem, KnowledgeStatus
from koban.tenants.models import AssistantGroup

NOW = datetime(2026, 11, 1, tzinfo=UTC)
AXES = {"fraud": 0, "lost": 1, "officer": 2}


def item(item_id: str, language: str, topic: str, **changes: Any) -> KnowledgeItem:
    fields: dict[str, Any] = {
        "tenant": "pilot-nl",
        "id": item_id,
        "language": language,
        "title": f"{topic} ({language})",
        "body": f"About {topic}.\n\nMore about {topic}.",
        "categories": [AssistantGroup.CYBERCRIME if topic == "fraud" else AssistantGroup.LOST_FOUND],
        "created_at": NOW,
        "updated_at": NOW,
        "updated_by": "test",
        **changes,
    }
    return KnowledgeItem.model_validate(fields)


def topic_vectors(texts: list[str]) -> np.ndarray:
    """A stand-in for the embedding model: one axis per topic named in the text."""
    vectors = np.zeros((len(texts), 384), dtype=np.float32)
    for row, text in enumerate(texts):
        for topic, axis in AXES.items():
            if topic in text:
                vectors[row, axis] = 1.0
    return vectors


def query(topic: str) -> np.ndarray:
    vector: np.ndarray = topic_vectors([topic])[0]
    return vector


@pytest.fixture
def index() -> KnowledgeIndex:
    items = [item("fraud-nl", "nl", "fraud"), item("fraud-en", "en", "fraud"), item("lost-en", "en", "lost")]
    return KnowledgeIndex.empty("pilot-nl").with_items(items, topic_vectors)


def test_given_a_body_when_split_then_paragraphs_are_joined_up_to_the_passage_size() -> None:
    short = "First.\n\nSecond.\n\n\n\nThird."
    long = "\n\n".join(["x" * (PASSAGE_CHARACTERS - 10)] * 2)

    assert split_passages(short) == ["First.\n\nSecond.\n\nThird."]
    assert len(split_passages(long)) == 2
    assert split_passages("  \n\n ") == []


def test_given_items_when_indexed_then_each_passage_has_a_vector_and_json_round_trips(index: KnowledgeIndex) -> None:
    restored = KnowledgeIndex.from_json(index.to_json())

    assert len(index.passages) == 3 == index.vectors.shape[0]
    assert restored.passages == index.passages
    assert restored.items == index.items
    assert np.allclose(restored.vectors, index.vectors, atol=1e-3)  # float16 on disk


def test_given_an_edit_when_reindexed_then_only_the_changed_item_is_embedded_again(index: KnowledgeIndex) -> None:
    embedded: list[str] = []

    def counting(texts: list[str]) -> np.ndarray:
        embedded.extend(texts)
        return topic_vectors(texts)

    changed = index.items["lost-en"].model_copy(update={"body": "Lost keys: ask the municipality.", "version": 2})
    updated = index.with_items([changed], counting)

    assert len(embedded) == 1
    assert "lost" in embedded[0]
    assert len(updated.passages) == 3
    assert updated.items["lost-en"].version == 2


def test_given_a_query_when_searched_then_the_first_language_with_a_match_answers(index: KnowledgeIndex) -> None:
    dutch = index.search(query("fraud"), ["nl", "en"], AssistantGroup.CYBERCRIME)
    german = index.search(query("fraud"), ["de", "en"], AssistantGroup.CYBERCRIME)
    lost = index.search(query("lost"), ["nl", "en"], AssistantGroup.LOST_FOUND)

    assert [hit.item.id for hit in dutch] == ["fraud-nl"]
    assert [hit.item.id for hit in german] == ["fraud-en"]
    assert [hit.item.id for hit in lost] == ["lost-en"]  # no Dutch item about it: English
    assert dutch[0].score >= MIN_SCORE


def test_given_unrelated_text_when_searched_then_nothing_is_quoted(index: KnowledgeIndex) -> None:
    assert index.search(query("officer"), ["nl", "en"], AssistantGroup.CONTACT_OFFICER) == []


def test_given_retired_or_staff_only_items_when_searched_then_residents_never_see_them(index: KnowledgeIndex) -> None:
    retired = index.items["fraud-nl"].model_copy(update={"status": KnowledgeStatus.RETIRED})
    police_only = index.items["fraud-en"].model_copy(update={"audience": [KnowledgeAudience.POLICE]})

    updated = index.with_items([retired, police_only], topic_vectors)

    assert updated.search(query("fraud"), ["nl", "en"], AssistantGroup.CYBERCRIME) == []
    assert updated.items["fraud-nl"].status is KnowledgeStatus.RETIRED  # kept for the record


def test_given_hits_when_composed_then_the_answer_quotes_them_and_names_the_other_language(
    index: KnowledgeIndex,
) -> None:
    hits = index.search(query("fraud"), ["de", "en"], AssistantGroup.CYBERCRIME)
    draft = Draft("Politie", "Team Cybercrime", tuple(hits), "Online oplichting", handoff=True, unsure=False)

    answer = compose(draft, "de")

    assert answer.startswith("Das sagt Politie dazu:")
    assert hits[0].passage in answer
    assert "(Diese Information gibt es in: English.)" in answer
    assert "Online oplichting" in answer
    assert "Team Cybercrime" in answer


def test_given_no_hit_when_composed_then_the_answer_says_so_or_asks_for_more() -> None:
    unsure = compose(Draft("Politie", "Wijkteam", (), None, handoff=False, unsure=True), "nl")
    unknown = compose(Draft("Politie", "Wijkteam", (), None, handoff=False, unsure=False), "en")

    assert unsure.startswith("Ik weet niet zeker")
    assert unknown == "I have no information about this in the knowledge base of Politie."


def test_given_a_hit_with_a_url_when_quoted_then_the_link_follows() -> None:
    hit_item = item("fraud-en", "en", "fraud", url="https://www.politie.nl")
    index = KnowledgeIndex.empty("pilot-nl").with_items([hit_item], topic_vectors)

    part = knowledge_part(index.search(query("fraud"), ["en"], None)[0], "en")

    assert part.endswith("More: https://www.politie.nl")


@pytest.mark.parametrize("language", ["en", "nl", "pl", "fi", "es", "pt", "fr", "de", "uk", "sv", "ar", "tr"])
def test_given_an_emergency_when_answered_then_it_says_112_in_the_residents_language(language: str) -> None:
    answer = emergency_answer(language)

    assert "112" in answer
    assert language in emergency_languages()
    assert language == "en" or answer != emergency_answer("en")


def test_given_a_language_without_an_emergency_text_when_answered_then_english_says_112() -> None:
    assert emergency_answer("ja") == emergency_answer("en")


def test_given_a_moderately_similar_passage_then_it_is_quoted_only_for_a_message_of_its_category(
    index: KnowledgeIndex,
) -> None:
    """Given a query at cosine 0.85 to the fraud items (e5 scores unrelated same-language text that high), then
    they answer a cybercrime message but not a nuisance one; at 0.95 they answer any message."""
    moderate = np.zeros(384, dtype=np.float32)
    moderate[AXES["fraud"]], moderate[10] = 0.85, float(np.sqrt(1 - 0.85**2))
    close = np.zeros(384, dtype=np.float32)
    close[AXES["fraud"]], close[10] = 0.95, float(np.sqrt(1 - 0.95**2))

    assert [hit.item.id for hit in index.search(moderate, ["en"], AssistantGroup.CYBERCRIME)] == ["fraud-en"]
    assert index.search(moderate, ["en"], AssistantGroup.NUISANCE) == []
    assert [hit.item.id for hit in index.search(close, ["en"], AssistantGroup.NUISANCE)] == ["fraud-en"]
