"""Answers to a category's questions, checked against each question's type."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from koban.errors import FieldError
from koban.tenants.models import Category, Question, QuestionType


def _check(question: Question, value: Any) -> str | None:
    """Why `value` is not a valid answer to `question`, or None when it is."""
    kind = question.type
    if kind is QuestionType.BOOLEAN:
        return None if isinstance(value, bool) else "must be true or false"
    if kind in (QuestionType.NUMBER, QuestionType.INTEGER):
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            return "must be a number"
        if kind is QuestionType.INTEGER and not float(value).is_integer():
            return "must be a whole number"
        if question.minimum is not None and value < question.minimum:
            return f"must be at least {question.minimum:g}"
        if question.maximum is not None and value > question.maximum:
            return f"must be at most {question.maximum:g}"
        return None
    if kind in (QuestionType.STRING, QuestionType.TEXT):
        if not isinstance(value, str):
            return "must be text"
        if kind is QuestionType.STRING and "\n" in value:
            return "must be a single line"
        return f"must have at most {question.max_length} characters" if len(value) > question.max_length else None
    if kind is QuestionType.DATETIME:
        if not isinstance(value, str):
            return "must be an ISO 8601 date-time with offset"
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return "must be an ISO 8601 date-time with offset"
        return None if parsed.tzinfo is not None else "must include a UTC offset"
    if kind is QuestionType.SINGLE_CHOICE:
        if not isinstance(value, str) or value not in question.option_codes:
            return f"must be one of: {', '.join(sorted(question.option_codes))}"
        return None
    if not isinstance(value, list) or not value or not set(value) <= question.option_codes:
        return f"must be a non-empty list of: {', '.join(sorted(question.option_codes))}"
    return "must not repeat an option" if len(set(value)) != len(value) else None


def validate_answers(category: Category, answers: Mapping[str, Any]) -> list[FieldError]:
    errors = [
        FieldError(f"answers.{code}", f"'{category.code}' has no question '{code}'", "unknown_question")
        for code in answers
        if category.question(code) is None
    ]
    for question in category.questions:
        if question.code not in answers:
            if question.required:
                errors.append(FieldError(f"answers.{question.code}", "this question must be answered", "missing"))
            continue
        problem = _check(question, answers[question.code])
        if problem:
            errors.append(FieldError(f"answers.{question.code}", problem, "invalid_answer"))
    return errors
