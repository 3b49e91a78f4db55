"""Exercises: tasks in the app (`::: exercise KIND`), checked from the class's data where the app can."""
from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lessons.directives import Directive, Problem
from lessons.options import Choice, Number, Option, parse_options

ON = Choice(("on", "off"), "")


@dataclass(frozen=True)
class Kind:
    title: Promise
    options: dict[str, Option] = field(default_factory=dict)
    checked: bool = True  # False: the student says it is done


def _training_options() -> dict[str, Option]:
    from training.pipeline.config import PRESETS

    return {"preset": Choice(tuple(sorted(PRESETS)), ""), "family": Choice(("student_cnn", "lite0_transfer"), ""),
            "augmentation": ON, "cross-validation": Choice(("on",), ""), "pruning": Choice(("on",), ""),
            "quantization": Choice(("on",), "")}


KINDS: dict[str, Kind] = {
    "label": Kind(gettext_lazy("Label pictures"), {"count": Number(1, 1000, 10)}),
    "analyze": Kind(gettext_lazy("Analyze photos"), {"count": Number(1, 100, 1)}),
    "share": Kind(gettext_lazy("Share photos with your class"), {"count": Number(1, 100, 1)}),
    "augmentation-preview": Kind(gettext_lazy("Make an augmentation preview")),
    "training-run": Kind(gettext_lazy("A training run of your class"), _training_options()),
    "learning-curve": Kind(gettext_lazy("A learning-curve simulation of your class")),
    "occlusion": Kind(gettext_lazy("Hide part of your photo until the answer changes")),
    "device-measurement": Kind(gettext_lazy("Measure your device and compare it with a classmate's")),
    "manual": Kind(gettext_lazy("Task"), checked=False),
}


@dataclass
class Exercise:
    id: str
    kind: str
    line: int
    options: dict
    text: str

    @property
    def checked(self) -> bool:
        return KINDS[self.kind].checked

    @property
    def title(self) -> str:
        return str(KINDS[self.kind].title)


def parse(directive: Directive, number: int) -> tuple[Exercise | None, list[Problem]]:
    kind = KINDS.get(directive.name)
    if kind is None:
        return None, [Problem(directive.line, _("unknown exercise “%(name)s”; exercises: %(known)s")
                              % {"name": directive.name, "known": ", ".join(KINDS)})]
    values, problems = parse_options(kind.options, directive.options)
    problems = [Problem(directive.line, problem) for problem in problems]
    if not directive.body:
        problems.append(Problem(directive.line, _("say what to do: write the task after the options")))
    return Exercise(f"e{number}", directive.name, directive.line, values, directive.body), problems


def is_done(exercise: Exercise, *, user, classroom) -> bool:
    """Whether the class's data shows the task done (False for manual tasks: the student ticks them)."""
    from classifier.models import Analysis
    from eduai.models import Job
    from labeling.models import ClassImage, Label
    from training.models import TrainingRun

    options = exercise.options
    if exercise.kind == "analyze":
        return Analysis.objects.filter(user=user).count() >= options["count"]
    if exercise.kind == "occlusion":
        from inside.models import OcclusionFlip

        return OcclusionFlip.objects.filter(analysis__user=user).exists()
    if exercise.kind == "manual" or classroom is None:
        return False
    if exercise.kind == "label":
        return Label.objects.filter(classroom=classroom, user=user).count() >= options["count"]
    if exercise.kind == "share":
        return ClassImage.objects.filter(classroom=classroom, shared_by=user).count() >= options["count"]
    if exercise.kind == "device-measurement":
        return device_measurement_done(user=user, classroom=classroom)
    if exercise.kind == "augmentation-preview":
        return Job.objects.filter(kind=Job.Kind.AUGMENTATION_PREVIEW, owner=user,
                                  status=Job.Status.SUCCEEDED).exists()
    if exercise.kind == "learning-curve":
        return Job.objects.filter(kind=Job.Kind.LEARNING_CURVE, classroom=classroom,
                                  status=Job.Status.SUCCEEDED).exists()
    runs = TrainingRun.objects.filter(classroom=classroom, job__status=Job.Status.SUCCEEDED)
    return any(run_matches(run.config, options) for run in runs.only("config"))


def device_measurement_done(*, user, classroom) -> bool:
    """The reader saved a measurement of their device in this class, and another member of the class saved
    one too: there is someone to compare with (a member who left the class no longer counts)."""
    from edge.models import DeviceMeasurement
    from eduai.models import Membership

    measurements = DeviceMeasurement.objects.filter(classroom=classroom)
    others = measurements.exclude(user=user).filter(
        user__in=Membership.objects.filter(classroom=classroom).values("user"))
    return measurements.filter(user=user).exists() and others.exists()


def run_matches(config: dict, options: dict) -> bool:
    """A run's stored configuration has what a `training-run` exercise asks for. A preset is matched by
    what defines it (family, dropout, early stopping, augmentation on or off), so a teacher may change the
    number of epochs and still count."""
    from training.pipeline.config import PRESETS, TrainingConfig

    try:
        run = TrainingConfig.from_dict(config)
    except (TypeError, ValueError):
        return False
    wanted = []
    if options.get("preset"):
        preset = PRESETS[options["preset"]]
        wanted += [run.family == preset.family, run.dropout == preset.dropout, run.patience == preset.patience,
                   run.augment.enabled == preset.augment.enabled]
    if options.get("family"):
        wanted.append(run.family == options["family"])
    if options.get("augmentation"):
        wanted.append(run.augment.enabled == (options["augmentation"] == "on"))
    if options.get("cross-validation"):
        wanted.append(run.cv_folds > 0)
    if options.get("pruning"):
        wanted.append(run.prune_sparsity > 0)
    if options.get("quantization"):
        wanted.append(run.quantize)
    return all(wanted)

