from __future__ import annotations

from typing import Any

from django import forms

from .models import Question
from .selectors import ShownQuestion


def field_name(question_id: int) -> str:
    return f"q_{question_id}"


class AnswersForm(forms.Form):
    """One field per question of the attempt, offering only the options the attempt showed.

    Options are sent to the browser by their position in this attempt's shuffled order, never by
    their database id (ids follow the order the key was written in, and would give it away).
    Every field is optional: a learner may save part of their answers and come back, and an
    unanswered question is simply not right.
    """

    def __init__(self, *args: Any, questions: list[ShownQuestion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for shown in questions:
            choices = [(str(index), option.text) for index, option in enumerate(shown.options)]
            field: forms.Field
            if shown.question.kind == Question.Kind.MULTIPLE:
                field = forms.TypedMultipleChoiceField(choices=choices, coerce=int, required=False)
            else:
                field = forms.TypedChoiceField(choices=choices, coerce=int, required=False, empty_value=None)
            self.fields[field_name(shown.question.pk)] = field

    def answers(self) -> dict[str, list[int]]:
        """Option ids keyed by question id, as services.attempt_submit takes them; a question
        left blank maps to [] (so clearing an answer clears it)."""
        result = {}
        for shown in self.questions:
            value = self.cleaned_data.get(field_name(shown.question.pk))
            positions = value if isinstance(value, list) else ([] if value is None else [value])
            result[str(shown.question.pk)] = [shown.options[i].pk for i in positions if 0 <= i < len(shown.options)]
        return result
