"""The words each lesson widget's JavaScript module shows (static/js/widgets/NAME.js), by widget name.

The lesson page hands `STRINGS[name]`, translated, to the module as `context.strings` (flat: key -> text).
Wherever a page of the app already says the same thing, the same msgid is used, so both read alike.
"""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from edge.lab_strings import STRINGS as EDGE_LAB_STRINGS
from edge.page_strings import STRINGS as EDGE_PAGE_STRINGS
from inside.widget_strings import FAITHFULNESS as INSIDE_FAITHFULNESS
from inside.widget_strings import STRINGS as INSIDE_STRINGS
from labeling.views import KAPPA_WORDS, STATUS_NAMES
from ml_models.views import ARTIFACT_NAMES
from training.views import CURVE_VERDICTS, FAMILY_NAMES, TIME_MACHINE

COMMON = {"error": _("Something went wrong. Try again.")}
LABELS = {"label_cat": _("cat"), "label_dog": _("dog"), "label_neither": _("neither")}  # what people answer
UNUSUAL = {"answer_unusual": _("unusual")}  # the analyzer's third answer
ANSWER = {  # the analyzer's answer, worded as on the analyze page
    **LABELS, **UNUSUAL,
    "says": _("The network says:"),
    "model": _("Model"),
    "probability": _("Cat or dog? (probability)"),
    # xgettext:no-python-format
    "probability_note": _("The two bars compare only cat and dog, so they always add up to 100 %. Whether the "
                          "photo shows a cat or a dog at all is measured apart, by the unusual score below."),
    "unusual_title": _("How unusual is it?"),
    "unusual": _("Unusual score: %(score)s. From %(threshold)s (the unusual threshold) the answer is “unusual”."),
    "heatmap_title": _("Which parts of the photo pushed the answer?"),
    "heatmap_caption": _("Which parts of the photo pushed the decision towards “%(what)s” rather than "
                         "“%(against)s”, on a coarse %(rows)s × %(columns)s grid (each cell covers a large patch "
                         "of the photo). Parts that pushed the other way are left transparent."),
    "heatmap_caption_unusual": _("The answer is “unusual”, so the map explains something else: which parts of the "
                                 "photo pushed the network towards “%(what)s” rather than “%(against)s”, on a "
                                 "coarse %(rows)s × %(columns)s grid. Parts that pushed the other way are left "
                                 "transparent."),
    "heatmap_alt": _("Heatmap: warm colours mark the parts of the photo that pushed the decision towards the "
                     "answer"),
    "show_heatmap": _("Show heatmap"),
    "legend_fixed": _("%(value)s logits per cell or more"),
    "scale_fixed": _("The same scale for every photo: full red is a cell that adds %(full)s or more to the "
                     "log-odds of the answer, so a weak map stays faint."),
}
RUN = {  # one line about a training run
    "run_link": _("Training run #%(id)s"),
    "family_student_cnn": FAMILY_NAMES["student_cnn"], "family_lite0_transfer": FAMILY_NAMES["lite0_transfer"],
    "augmentation_on": _("data augmentation on"), "augmentation_off": _("data augmentation off"),
    "dropout": _("dropout %(value)s"),
}


STRINGS: dict[str, dict] = {
    "analyze": {
        **COMMON, **ANSWER, **INSIDE_FAITHFULNESS,
        "look_inside": _("Look inside"),
        "drop": _("Drag a photo here"),
        "choose": _("or click to choose a file (JPEG, PNG, GIF, WebP or BMP, up to 10 MB)"),
        "analyzing": _("Analyzing…"),
        "not_image": _("That file is not an image."),
        "private": _("Your photo stays private: only you see it, until you share it into your class on the "
                     "Analyze page."),
    },
    "cam": {
        **COMMON, **ANSWER, **INSIDE_FAITHFULNESS,
        "picture_label": _("Its label in your class: %(label)s."),
        "picture_unsettled": _("Its label in your class is not settled yet."),
        "mistake": _("The model gets this picture wrong: it is labelled %(label)s."),
        "picture_alt": _("A picture of your class"),
    },
    "labeling-progress": {
        **COMMON, **LABELS,
        **{f"status_{key}": name for key, name in STATUS_NAMES.items()},
        **{f"kappa_{key}": words for key, words in KAPPA_WORDS.items()},
        "settled": _("%(settled)s of %(total)s pictures are settled: their label is decided, so they can be "
                     "training data."),
        "per_category": _("settled pictures per category"),
        "pictures": _("pictures"),
        "labelers": _("Labelers: %(labelers)s · labels given: %(votes)s · labels needed per picture: %(needed)s."),
        "kappa": _("Fleiss' kappa for the class: %(kappa)s (%(meaning)s), on %(pictures)s pictures with two or "
                   "more labels."),
        "kappa_none": _("Fleiss' kappa needs pictures with two or more labels: none has them yet."),
        "agreement_link": _("Do the labelers agree?"),
    },
    "augmentation": {
        **COMMON, **LABELS, **UNUSUAL,
        "picture": _("Picture"),
        "show": _("Show %(count)s augmented copies"),
        "working": _("The background process is preparing the pictures…"),
        "failed": _("It did not work. Try again."),
        "waiting": _("No background process is running, so what you start here waits in the queue. Start one "
                     "with make run (or: celery -A eduai worker)."),
        "settings": _("Mirror left-right: %(flip)s · rotation up to %(rotation)s of a turn either way · zoom in "
                      "or out by up to %(zoom)s"),
        "yes": _("yes"), "no": _("no"),
        "original_alt": _("Your photo"),
        "copy_alt": _("Augmented copy %(number)s"),
    },
    "curves": {
        **COMMON, **RUN,
        "not_finished": _("This run has not finished: what it shows may still change."),
        "loss_axis": _("loss (cross-entropy, lower is better)"), "accuracy_axis": _("accuracy (%)"),
        "epoch": _("epoch"), "train": _("training"), "validation": _("validation"),
        "loss_chart": _("loss per epoch"), "accuracy_chart": _("accuracy per epoch"),
        **CURVE_VERDICTS,
        "no_overfitting": _("No overfitting detected: after the lowest validation loss, the validation loss did "
                            "not trend up significantly while the training loss fell."),
        "stage_train": _("training"), "stage_head": _("new final layer"), "stage_fine_tune": _("fine-tuning"),
    },
    "cross-validation": {
        **COMMON, **RUN,
        "fold": _("fold"), "accuracy_axis": _("accuracy (%)"),
        "chart": _("accuracy of each fold"),
        "summary": _("%(folds)s folds: mean accuracy %(mean)s ± %(std)s (standard deviation)."),
        # by the method a run stored, worded as on the run page
        "cv_linear_probe": _("What was cross-validated: a linear probe, a logistic regression on the embeddings "
                             "of the frozen pretrained EfficientNet-Lite0 (before this run trained anything), "
                             "not the fine-tuned model. It estimates how good a new final layer on that "
                             "network can be."),
        "cv_head_on_embeddings": _("What was cross-validated: a linear probe, a logistic regression on the "
                                   "embeddings of the frozen pretrained EfficientNet-Lite0, not the fine-tuned "
                                   "model. This older run did not give the probe its L2."),
        "cv_student_cnn": _("What was cross-validated: the small CNN itself, trained from scratch on each fold "
                            "with the run's settings (dropout, L2, augmentation, epochs and early stopping)."),
        "cv_student_from_scratch": _("What was cross-validated: the small CNN trained from scratch on each fold, "
                                     "without augmentation or early stopping (an older run)."),
    },
    "time-machine": {
        **COMMON, **LABELS, **RUN, **TIME_MACHINE,
        "loss_axis": _("loss (cross-entropy, lower is better)"), "accuracy_axis": _("accuracy (%)"),
        "epoch": _("epoch"), "train": _("training"), "validation": _("validation"),
        "loss_chart": _("loss per epoch"), "accuracy_chart": _("accuracy per epoch"),
        "stage_train": _("training"), "stage_head": _("new final layer"), "stage_fine_tune": _("fine-tuning"),
    },
    "confusion": {
        **COMMON, **LABELS,
        "title": _("Confusion matrix (rows: true class, columns: predicted)"),
        "truth": _("true label"), "answer": _("model's answer"),
        "accuracy": _("Accuracy: %(accuracy)s, %(correct)s right out of %(count)s."),
        "test_split": _("%(version)s, on its test split: the pictures set aside before it was trained."),
        "pretrained": _("%(version)s is the pretrained model, never trained on your class's labels: it is "
                        "measured on every settled picture of the class."),
        "neither_note": _("An answer “neither” means the model found the picture unusual: for a picture labelled "
                          "cat or dog it counts as wrong."),
        "not_scored": _("Pictures the model has not answered yet: %(count)s. The background process answers "
                        "them, and they count once it has."),
        "mistakes": _("Pictures it gets wrong"),
        "mistakes_shown": _("Shown: %(shown)s of %(wrong)s."),
        "no_mistakes": _("It gets every one of these pictures right."),
        "mistake_caption": _("label: %(truth)s · model: %(answer)s"),
    },
    "artifacts": {
        **COMMON,
        **{f"artifact_{kind}": name for kind, name in ARTIFACT_NAMES.items()},
        "file": _("file"), "size": _("size (MB)"), "latency": _("latency p50 (ms)"),
        "test_accuracy": _("test accuracy (%)"),
        "size_chart": _("size of each version"), "latency_chart": _("latency of each version"),
        "measured": _("Every file of %(version)s measured the same way: its size, the median time to analyze one "
                      "image on this server (p50), and its accuracy on the %(count)s pictures of its test split."),
        "compressed": _("compressed (gzip): %(size)s MB"),
        "pruning": _("Pruning: up to %(target)s of the weights, the smallest, set to zero while training went on "
                     "(measured: %(measured)s; recovery epochs: %(epochs)s)."),
        "speed_note": _("Smaller is not always faster. A dynamic-range file converts values between float and INT8 "
                        "for every photo, which can cost more time than it saves. A pruned file still stores and "
                        "multiplies its zeros: ONNX Runtime on this server has no kernels that skip them, so it "
                        "runs at about the float file's speed. The times also vary with what else the server is "
                        "doing."),
    },
    "learning-curve": {
        **COMMON,
        "accuracy": _("test accuracy (%)"), "labels": _("number of labels (logarithmic axis)"),
        "random": _("random sampling"), "uncertainty": _("uncertainty sampling"),
        "spread": _("± one standard deviation across seeds"),
        "chart": _("accuracy against the number of labels"),
        "summary": _("Random sampling reaches %(accuracy)s with %(reference)s labels; uncertainty sampling gets "
                     "there with %(needed)s labels (%(percent)s of them)."),
        "summary_never": _("Random sampling reaches %(accuracy)s with %(reference)s labels; uncertainty sampling "
                           "did not get there in this simulation."),
        "summary_noise": _("From %(from)s labels on, random and uncertainty sampling are within their spread (± "
                           "one standard deviation across seeds): this simulation cannot tell which of them needs "
                           "fewer labels there."),
        "summary_all_noise": _("At every number of labels simulated, random and uncertainty sampling are within "
                               "their spread (± one standard deviation across seeds): this simulation does not "
                               "show that either needs fewer labels."),
        "summary_apart": _("Further apart than their spread: %(sizes)s."),
        "apart_item": _("at %(labels)s labels, %(leader)s ahead by %(gap)s points"),
        "measured_on": _("Measured on %(test)s test pictures of your class, %(seeds)s seeds."),
        "page_link": _("Open the learning curve page"),
    },
}

STRINGS.update(INSIDE_STRINGS)
# the edge lab widget says what the edge page says (edge/page_strings.py), plus the lab's own words
STRINGS["edge-lab"] = {**COMMON, **EDGE_PAGE_STRINGS, **EDGE_LAB_STRINGS}
