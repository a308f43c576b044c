"""The category classifier: softmax regression trained at build time, and the committed model kept current."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from koban.assistant.classifier import MODEL_FILE, Classifier, Prediction, train
from koban.tenants.models import AssistantGroup
from koban_local.assistant_build import (
    EVALUATION,
    load_evaluation,
    load_examples,
    stale,
)

CRIME, NUISANCE, EMERGENCY = AssistantGroup.CRIME_REPORT, AssistantGroup.NUISANCE, AssistantGroup.EMERGENCY


def _clusters(seed: int = 7) -> tuple[np.ndarray, list[AssistantGroup]]:
    """Three well-separated clusters of unit vectors in 16 dimensions."""
    rng = np.random.default_rng(seed)
    centres = np.eye(16, dtype=np.float32)[:3]
    vectors, labels = [], []
    for centre, label in zip(centres, (CRIME, NUISANCE, EMERGENCY), strict=True):
        points = centre + 0.15 * rng.standard_normal((20, 16)).astype(np.float32)
        vectors.append(points / np.linalg.norm(points, axis=1, keepdims=True))
        labels += [label] * 20
    return np.concatenate(vectors), labels


def test_given_separable_examples_when_trained_then_new_points_near_a_cluster_get_its_category() -> None:
    vectors, labels = _clusters()
    model = train(vectors, labels, epochs=200)
    probe = np.zeros(16, dtype=np.float32)
    probe[1] = 1.0

    prediction = model.predict(probe)

    assert prediction.category is NUISANCE
    assert prediction.confidence > 0.8
    assert sum(p for _, p in prediction.ranked) == pytest.approx(1.0, abs=1e-5)
    assert model.categories == (EMERGENCY, CRIME, NUISANCE)  # the 14's declared order, not first-seen order


def test_given_the_same_examples_when_trained_twice_then_the_models_are_identical() -> None:
    vectors, labels = _clusters()

    first, second = train(vectors, labels, epochs=50), train(vectors, labels, epochs=50)

    assert np.array_equal(first.weights, second.weights)
    assert np.array_equal(first.bias, second.bias)


def test_given_a_model_when_saved_and_loaded_then_it_predicts_the_same(tmp_path: Path) -> None:
    vectors, labels = _clusters()
    model = train(vectors, labels, epochs=50, trained_on="abc")
    path = tmp_path / "model.npz"

    model.save(path)
    loaded = Classifier.load(path)

    assert loaded.trained_on == "abc"
    assert loaded.categories == model.categories
    before, after = model.predict(vectors[5]).ranked, loaded.predict(vectors[5]).ranked
    assert [category for category, _ in after] == [category for category, _ in before]
    assert [p for _, p in after] == pytest.approx([p for _, p in before])


def test_given_a_prediction_when_the_emergency_is_excluded_then_the_rest_is_renormalised() -> None:
    prediction = Prediction(((EMERGENCY, 0.6), (CRIME, 0.3), (NUISANCE, 0.1)))

    category, probability = prediction.best_except(EMERGENCY)

    assert category is CRIME
    assert probability == pytest.approx(0.75)
    assert prediction.probability(AssistantGroup.MUNICIPAL) == 0.0


def test_given_the_committed_model_then_it_knows_all_14_categories_in_384_dimensions() -> None:
    model = Classifier.load(MODEL_FILE)

    assert set(model.categories) == set(AssistantGroup)
    assert model.weights.shape == (384, 14)
    assert model.mean.shape == model.scale.shape == (384,)


def test_given_the_examples_and_the_seeded_knowledge_then_the_committed_build_outputs_are_current() -> None:
    """Given the examples and seed files as committed, then the classifier and the knowledge vectors were built
    from exactly them (run `python -m koban_local.assistant_build` after editing either)."""
    assert stale() == []


def test_given_the_held_out_set_then_it_is_separate_from_training_and_large_enough() -> None:
    """Given the evaluation set, then it has >= 15 messages in each of the eight languages, covers every category,
    and shares no message with the training examples."""
    evaluation = load_evaluation()
    training = {example.text.casefold() for example in load_examples()}
    per_language: dict[str, int] = {}
    for example in evaluation:
        per_language[example.language] = per_language.get(example.language, 0) + 1

    assert EVALUATION.is_dir()
    assert set(per_language) == {"en", "nl", "pl", "fi", "es", "pt", "fr", "de"}
    assert min(per_language.values()) >= 15
    assert {example.category for example in evaluation} == set(AssistantGroup)
    assert not {example.text.casefold() for example in evaluation} & training
