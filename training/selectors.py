"""Reads of training runs for the pages, the API and the lesson widgets (no TensorFlow, no side effects)."""
from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from eduai import policies
from eduai.models import Job
from labeling import selectors as labeling_selectors
from labeling.models import GoldImage
from training.models import TimeMachine, TrainingRun
from training.pipeline.evaluate import read_curves

CURVE_FIELDS = ("stage", "epoch", "loss", "val_loss", "accuracy", "val_accuracy")


def curves_of(run: TrainingRun) -> dict:
    """What the learning curves say (evaluate.read_curves): stored with a finished run; read from the epochs
    so far while it trains, and for runs stored before it existed."""
    stored = (run.results or {}).get("curves")
    return stored or read_curves(run.history or [], restores_best=bool(run.config.get("patience")))


def curve_rows(run: TrainingRun) -> list[dict]:
    """The run's per-epoch losses and accuracies (its history, the only copy), one row per epoch."""
    return [{name: row.get(name) for name in CURVE_FIELDS} for row in run.history or []]


def turning_epoch(rows: list[dict]) -> int | None:
    """The epoch after which validation loss rises: the epoch of the lowest validation loss, when a later epoch's
    is higher (None while it is still falling, or without validation loss)."""
    rows = [row for row in rows if row.get("val_loss") is not None]
    if not rows:
        return None
    lowest = min(range(len(rows)), key=lambda index: rows[index]["val_loss"])
    rises = any(row["val_loss"] > rows[lowest]["val_loss"] for row in rows[lowest + 1:])
    return rows[lowest]["epoch"] if rises else None


def time_machine_of(run: TrainingRun) -> TimeMachine | None:
    return TimeMachine.objects.filter(run=run).first()


def runs_with_time_machine(classroom) -> set[int]:
    """Ids of the class's runs that recorded a time machine."""
    return set(TimeMachine.objects.filter(run__classroom=classroom).values_list("run_id", flat=True))


def no_time_machine_message(run: TrainingRun) -> str:
    """Why this run shows no time machine, in the reader's language."""
    values = {"id": run.pk}
    if run.job.status in (Job.Status.QUEUED, Job.Status.RUNNING):
        return _("Training run #%(id)s is still training: its time machine appears here once it has "
                 "finished.") % values
    if run.job.status != Job.Status.SUCCEEDED:
        return _("Training run #%(id)s did not finish, so it has no time machine.") % values
    return _("Training run #%(id)s was trained before the time machine existed: a new run records it.") % values


def _visible_probes(run: TrainingRun, probes: list[dict], user) -> dict[int, int]:
    """{probe position: picture id} of the probes `user` may see: pictures still in the run's class and, for
    students, never a gold picture (its label is the teachers' answer) and only those whose model answer the
    labeling rule shows them (labelers answer blind: labeling.selectors.model_answers_shown)."""
    classroom = run.classroom
    ids = {item["sha256"]: item["image_id"] for item in run.dataset or []}
    in_class = set(labeling_selectors.image_ids(classroom).filter(image_id__in=list(ids.values())))
    found = {index: ids[probe["sha256"]] for index, probe in enumerate(probes)
             if ids.get(probe["sha256"]) in in_class}
    if not policies.sees_gold(user, classroom):
        gold = set(GoldImage.objects.filter(classroom=classroom, image_id__in=list(found.values()))
                   .values_list("image_id", flat=True))
        found = {index: image_id for index, image_id in found.items() if image_id not in gold}
    shown = set(labeling_selectors.model_answers_shown(classroom, user, list(found.values())))
    return {index: image_id for index, image_id in found.items() if image_id in shown}


def time_machine(*, run: TrainingRun, user) -> dict | None:
    """The run's probe photos as `user` may see them, each one's answer and heatmap after every epoch, the
    turning epoch and the curves to read them against; None when the run recorded no time machine."""
    record = time_machine_of(run)
    if record is None:
        return None
    visible = _visible_probes(run, record.probes, user)
    classroom_id = run.classroom_id
    probes = [{"image_id": image_id, "split": record.probes[index]["split"], "label": record.probes[index]["label"],
               "url": reverse("labeling:image-file", kwargs={"class_id": classroom_id, "pk": image_id})}
              for index, image_id in visible.items()]
    epochs = [{"epoch": entry["epoch"], "stage": entry["stage"],
               "answers": [entry["answers"][index] for index in visible]} for entry in record.epochs]
    rows = curve_rows(run)
    return {"run": run.pk, "family": run.config.get("family"), "probes": probes,
            "hidden": len(record.probes) - len(probes), "epochs": epochs, "turning_epoch": turning_epoch(rows),
            "curves": curves_of(run), "history": rows}
