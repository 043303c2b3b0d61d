from __future__ import annotations

from django import forms

from .models import Question
from .selectors import ShownQuestion


def field_name(question_id: int) -> str:
    return f"q_{question_id}"


class AnswersForm(forms.Form):
    """One field per question of the attempt, offering only the options the attempt showed.

    Every field is optional: a learner may save part of their answers and come back, and an
    unanswered question is simply not right.
    """

    def __init__(self, *args: object, questions: list[ShownQuestion], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        for shown in questions:
            choices = [(str(option.pk), option.text) for option in shown.options]
            if shown.question.kind == Question.Kind.MULTIPLE:
                field = forms.TypedMultipleChoiceField(choices=choices, coerce=int, required=False)
            else:
                field = forms.TypedChoiceField(choices=choices, coerce=int, required=False, empty_value=None)
            self.fields[field_name(shown.question.pk)] = field

    def answers(self) -> dict[str, list[int]]:
        """Answers keyed by question id, as services.attempt_submit takes them."""
        result = {}
        for name, value in self.cleaned_data.items():
            question_id = name.removeprefix("q_")
            if value in (None, []):
                continue
            result[question_id] = value if isinstance(value, list) else [value]
        return result
