from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Value(models.TextChoices):
    CAT = "cat", _("cat")
    DOG = "dog", _("dog")
    NEITHER = "neither", _("neither")


class Strategy(models.TextChoices):
    """How the image came to be labelled: the queue's ordering, or another way in."""

    RANDOM = "random", _("random")
    # The uncertainty orders rank the three shares of a score (ImageScore.probabilities: cat·(1−u),
    # dog·(1−u), neither = u, u the unusual score), not the model's answer; their names say what they rank.
    LEAST_CONFIDENCE = "least_confidence", _("uncertainty: least confidence (1 − the largest share)")
    MARGIN = "margin", _("uncertainty: margin (smallest gap between the two largest shares)")
    ENTROPY = "entropy", _("uncertainty: entropy of the three shares")
    DIVERSITY = "diversity", _("diversity (k-means on the embeddings)")
    MODEL_WRONG = "model_wrong", _("“the model is wrong”")
    DATASET = "dataset", _("dataset folder")


QUEUE_STRATEGIES = (Strategy.RANDOM, Strategy.LEAST_CONFIDENCE, Strategy.MARGIN, Strategy.ENTROPY, Strategy.DIVERSITY)
UNCERTAINTY_STRATEGIES = (Strategy.LEAST_CONFIDENCE, Strategy.MARGIN, Strategy.ENTROPY)
DATASET_LABELER = "(dataset)"  # not a valid username, so it never collides with a person


class ClassImage(models.Model):
    """A picture in a class's dataset: shared from an analysis by its owner, or uploaded into the class.

    Classmates and teachers see shared pictures without their file name; a bulk upload keeps the
    name it came with, for the class's teachers only (eduai/policies.py).
    """

    classroom = models.ForeignKey("eduai.Classroom", verbose_name=_("class"), on_delete=models.CASCADE,
                                  related_name="images")
    image = models.ForeignKey("classifier.StoredImage", verbose_name=_("image"), on_delete=models.PROTECT,
                              related_name="class_images")
    shared_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("shared by"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    original_name = models.CharField(_("original file name"), max_length=255, blank=True,
                                     help_text=_("Only for pictures uploaded into the class; teachers see it."))
    added_at = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        verbose_name = _("class picture")
        verbose_name_plural = _("class pictures")
        constraints = [models.UniqueConstraint(fields=["classroom", "image"], name="one_picture_per_class")]


class Label(models.Model):
    """What one labeler (a person here, a person in an imported file, or a dataset folder) says an image shows."""

    classroom = models.ForeignKey("eduai.Classroom", verbose_name=_("class"), on_delete=models.CASCADE,
                                  related_name="labels")
    image = models.ForeignKey(
        "classifier.StoredImage", verbose_name=_("image"), on_delete=models.CASCADE, related_name="labels"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, blank=True, on_delete=models.SET_NULL
    )
    labeler = models.CharField(_("labeler"), max_length=150, help_text=_("User name, kept if the user goes."))
    value = models.CharField(_("label"), max_length=10, choices=Value.choices)
    strategy = models.CharField(_("strategy"), max_length=20, choices=Strategy.choices)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("label")
        verbose_name_plural = _("labels")
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["classroom", "image", "labeler"],
                                               name="one_label_per_class_image_and_labeler")]

    def __str__(self) -> str:
        return f"{self.image} = {self.value} ({self.labeler})"


class Skip(models.Model):
    """A labeler passed on an image; it is not shown to them again (unless they undo)."""

    classroom = models.ForeignKey("eduai.Classroom", verbose_name=_("class"), on_delete=models.CASCADE, related_name="+")
    image = models.ForeignKey("classifier.StoredImage", on_delete=models.CASCADE, related_name="skips")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["classroom", "image", "user"], name="one_skip_per_class_image_and_user")]


class Assignment(models.Model):
    """The image a labeler is looking at now: held for them so that no more people than needed see it."""

    classroom = models.ForeignKey("eduai.Classroom", verbose_name=_("class"), on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    image = models.ForeignKey("classifier.StoredImage", on_delete=models.CASCADE, related_name="assignments")
    strategy = models.CharField(max_length=20, choices=Strategy.choices)
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["classroom", "user"], name="one_held_picture_per_class_and_user")]


class Adjudication(models.Model):
    """A teacher's final answer for an image the labelers did not agree on."""

    classroom = models.ForeignKey("eduai.Classroom", verbose_name=_("class"), on_delete=models.CASCADE,
                                  related_name="+")
    image = models.ForeignKey("classifier.StoredImage", verbose_name=_("image"), on_delete=models.CASCADE,
                              related_name="adjudications")
    value = models.CharField(_("label"), max_length=10, choices=Value.choices)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("adjudication")
        verbose_name_plural = _("adjudications")
        constraints = [models.UniqueConstraint(fields=["classroom", "image"], name="one_adjudication_per_class_image")]


class GoldImage(models.Model):
    """An image whose answer the teacher knows: every student labels it, and is scored on it."""

    classroom = models.ForeignKey("eduai.Classroom", verbose_name=_("class"), on_delete=models.CASCADE,
                                  related_name="+")
    image = models.ForeignKey("classifier.StoredImage", verbose_name=_("image"), on_delete=models.CASCADE,
                              related_name="golds")
    value = models.CharField(_("known answer"), max_length=10, choices=Value.choices)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("marked by"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("gold image")
        verbose_name_plural = _("gold images")
        constraints = [models.UniqueConstraint(fields=["classroom", "image"], name="one_gold_answer_per_class_image")]


class LabelingSettings(models.Model):
    """A class's labeling rules (one row per class, created when first asked for)."""

    classroom = models.OneToOneField("eduai.Classroom", verbose_name=_("class"), on_delete=models.CASCADE,
                                     related_name="labeling_settings")

    class Suggestion(models.TextChoices):
        AFTER_ANSWER = "after_answer", _("after the student answers")
        ALWAYS = "always", _("before the student answers")
        NEVER = "never", _("never")

    labels_per_image = models.PositiveSmallIntegerField(
        _("labels needed per image"), default=2, validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text=_("Consensus is the label more than half of them chose; otherwise the teacher decides."),
    )
    suggestion = models.CharField(_("show the model's answer"), max_length=20, choices=Suggestion.choices,
                                  default=Suggestion.AFTER_ANSWER)
    default_strategy = models.CharField(_("default order"), max_length=20, default=Strategy.RANDOM,
                                        choices=[(s.value, s.label) for s in QUEUE_STRATEGIES])

    class Meta:
        verbose_name = _("labeling settings")
        verbose_name_plural = _("labeling settings")

    @classmethod
    def of(cls, classroom) -> "LabelingSettings":
        return cls.objects.get_or_create(classroom=classroom)[0]


class ImageScore(models.Model):
    """One model version's answer and embedding for one image, kept so the queue can rank images quickly."""

    image = models.ForeignKey("classifier.StoredImage", on_delete=models.CASCADE, related_name="scores")
    model_version = models.ForeignKey("ml_models.ModelVersion", on_delete=models.CASCADE, related_name="+")
    # The shares the uncertainty orders rank (Verdict.distribution): {"cat": P(cat | cat or dog)·(1−u),
    # "dog": ...·(1−u), "neither": u}, u the unusual score; they sum to 1. Not the answer: see `answer`.
    probabilities = models.JSONField()
    answer = models.CharField(max_length=10, choices=Value.choices,
                              help_text="the version's verdict as a label: neither when it finds the picture unusual")
    embedding = models.BinaryField()  # float16 vector
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["image", "model_version"], name="one_score_per_image_and_version")]
