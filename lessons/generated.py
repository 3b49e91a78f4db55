"""Questions made from the class's own data, instantiated once per student and kept until they answer."""
from __future__ import annotations

import random
from dataclasses import asdict

from django.urls import reverse
from django.utils.translation import gettext as _

from lessons.models import GeneratedQuestion
from lessons.quiz import ChoiceOption, Question

CHOICES = 4


def questions_for(*, user, lesson, classroom, parsed, create: bool = True) -> dict[str, Question | None]:
    """The reader's instance of every generated question of the lesson (None: no data for it yet).
    `create=False` (grading): only the instances their page was shown."""
    wanted = [question for question in parsed.questions if question.generated]
    if not wanted or classroom is None or user is None or not user.is_authenticated:
        return {question.id: None for question in wanted}
    from ml_models.selectors import serving_version

    version = serving_version(classroom=classroom)
    kept = {row.question_id: row for row in GeneratedQuestion.objects.filter(
        user=user, lesson=lesson, classroom=classroom, question_id__in=[question.id for question in wanted])}
    result = {}
    for template in wanted:
        row = kept.get(template.id)
        if row is not None and row.model_version_id == (version.pk if version else None) \
                and row.question.get("kind") == template.kind:
            result[template.id] = _from_json(row.question)
            continue
        if not create:
            result[template.id] = None
            continue
        question = _make(template, classroom=classroom)
        result[template.id] = question
        if question is not None:
            GeneratedQuestion.objects.update_or_create(
                user=user, lesson=lesson, classroom=classroom, question_id=template.id,
                defaults={"model_version": version, "question": asdict(question)})
        elif row is not None:
            row.delete()
    return result


def forget(*, user, lesson, classroom) -> None:
    """After an attempt: the next one gets new photos."""
    GeneratedQuestion.objects.filter(user=user, lesson=lesson, classroom=classroom).delete()


def _from_json(data: dict) -> Question:
    return Question(**{**data, "choices": [ChoiceOption(**choice) for choice in data["choices"]]})


def _make(template: Question, *, classroom) -> Question | None:
    from lessons import widget_data

    if template.kind == "model-mistake":
        return _which_photo(template, classroom)
    if template.kind == "test-accuracy":
        measured = widget_data.active_model_test_accuracy(classroom)
        if measured is None:
            return None
        accuracy, count = measured
        return Question(template.id, template.kind, template.line, tolerance=template.tolerance,
                        answer=round(100 * accuracy, 1),
                        text=_("What is the accuracy of your class's active model on its %(count)s test pictures, "
                               "in %%? Read it in the confusion matrix.") % {"count": count})
    count = widget_data.settled_count(classroom)
    if not count:
        return None
    return Question(template.id, template.kind, template.line, tolerance=template.tolerance, answer=float(count),
                    text=_("How many pictures of your class are settled (their label is decided)?"))


def _which_photo(template: Question, classroom) -> Question | None:
    """One picture the active model gets wrong among three it gets right, in a random order."""
    from lessons import widget_data

    mistakes = [pk for pk, _truth, _answer in widget_data.active_model_mistakes(classroom)]
    right = widget_data.active_model_right_answers(classroom)
    if not mistakes or len(right) < CHOICES - 1:
        return None
    chooser = random.SystemRandom()
    wrong_pick = chooser.choice(mistakes)
    picks = [(wrong_pick, True), *((pk, False) for pk in chooser.sample(right, CHOICES - 1))]
    chooser.shuffle(picks)
    urls = [reverse("labeling:image-file", kwargs={"class_id": classroom.pk, "pk": pk}) for pk, _wrong in picks]
    return Question(template.id, template.kind, template.line,
                    text=_("Which of these four photos does your class's active model get wrong?"),
                    choices=[ChoiceOption(_("Photo %(number)s") % {"number": index + 1}, wrong)
                             for index, (_pk, wrong) in enumerate(picks)],
                    images=urls)
