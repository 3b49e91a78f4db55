"""Training configuration: frozen dataclasses with defaults, validated once, saved with the run."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

FAMILIES = ("student_cnn", "lite0_transfer")


@dataclass(frozen=True)
class AugmentConfig:
    """Keras preprocessing layers; 0 switches one off. Rotation is a fraction of a full turn."""

    flip: bool = True
    rotation: float = 0.05
    zoom: float = 0.1
    translation: float = 0.1
    contrast: float = 0.1
    brightness: float = 0.1

    def errors(self) -> list[str]:
        limits = {"rotation": 0.5, "zoom": 0.9, "translation": 0.5, "contrast": 1.0, "brightness": 1.0}
        return [f"augment.{name} must be between 0 and {top}" for name, top in limits.items()
                if not 0 <= getattr(self, name) <= top]

    @property
    def enabled(self) -> bool:
        return self.flip or any(getattr(self, name) for name in ("rotation", "zoom", "translation", "contrast", "brightness"))


@dataclass(frozen=True)
class TrainingConfig:
    family: str = "lite0_transfer"
    class_names: tuple[str, ...] = ("cat", "dog")
    image_size: int = 224
    epochs: int = 4  # head-only epochs for lite0_transfer, all epochs for student_cnn
    learning_rate: float = 1e-3
    fine_tune_epochs: int = 2  # lite0_transfer only: then the top of the backbone is unfrozen
    fine_tune_fraction: float = 0.2  # share of the backbone's blocks unfrozen for fine-tuning
    fine_tune_learning_rate: float = 1e-5
    batch_size: int = 32
    dropout: float = 0.2
    l2: float = 0.0
    patience: int = 2  # early stopping on validation loss; 0 = off
    validation_fraction: float = 0.15
    test_fraction: float = 0.15
    cv_folds: int = 5  # 0 = off; lite0_transfer: a linear probe on frozen embeddings; student_cnn: the CNN per fold
    prune_sparsity: float = 0.0  # 0 = no pruning; else the fraction of conv/dense weights set to zero
    prune_epochs: int = 2  # recovery fine-tuning while pruning
    prune_schedule: str = "polynomial"  # "polynomial": sparsity grows to the target; "constant": target at once
    quantize: bool = True  # also export INT8 (ONNX, TFLite) and TFLite float/dynamic-range artifacts
    augment: AugmentConfig = field(default_factory=AugmentConfig)
    seed: int = 0

    def errors(self) -> list[str]:
        """Every problem with this configuration, in words (empty when it is valid)."""
        problems = []
        if self.family not in FAMILIES:
            problems.append(f"family must be one of {', '.join(FAMILIES)}")
        if len(set(self.class_names)) != len(self.class_names) or not {"cat", "dog"} <= set(self.class_names):
            # the version answers cat, dog or unusual (the model contract), so those two are its classes
            problems.append("class_names must hold cat and dog, each once")
        if self.family == "lite0_transfer" and self.image_size != 224:
            problems.append("lite0_transfer works on 224x224 images")
        if not 32 <= self.image_size <= 512:
            problems.append("image_size must be between 32 and 512")
        for name in ("epochs", "batch_size"):
            if getattr(self, name) < 1:
                problems.append(f"{name} must be at least 1")
        for name in ("fine_tune_epochs", "patience", "seed"):
            if getattr(self, name) < 0:
                problems.append(f"{name} cannot be negative")
        for name in ("learning_rate", "fine_tune_learning_rate"):
            if not 0 < getattr(self, name) <= 1:
                problems.append(f"{name} must be in (0, 1]")
        if not 0 <= self.dropout < 1:
            problems.append("dropout must be in [0, 1)")
        if self.l2 < 0:
            problems.append("l2 cannot be negative")
        if not 0 <= self.fine_tune_fraction <= 1:
            problems.append("fine_tune_fraction must be in [0, 1]")
        if not (0 < self.validation_fraction < 0.5 and 0 < self.test_fraction < 0.5):
            problems.append("validation_fraction and test_fraction must be in (0, 0.5)")
        if not 0 <= self.prune_sparsity <= 0.95:
            problems.append("prune_sparsity must be between 0 (off) and 0.95")
        if self.prune_schedule not in ("polynomial", "constant"):
            problems.append("prune_schedule must be polynomial or constant")
        if self.prune_sparsity and self.prune_epochs < 1:
            problems.append("prune_epochs must be at least 1 when pruning")
        if self.cv_folds == 1 or not 0 <= self.cv_folds <= 10:
            problems.append("cv_folds must be 0 (off) or between 2 and 10")
        return problems + self.augment.errors()

    def validated(self) -> "TrainingConfig":
        problems = self.errors()
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def to_dict(self) -> dict:
        data = asdict(self)
        data["class_names"] = list(self.class_names)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "TrainingConfig":
        """Build and validate from plain data (JSON); unknown keys are an error, not ignored."""
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown settings: {', '.join(sorted(unknown))}")
        values = dict(data)
        if "augment" in values and not isinstance(values["augment"], AugmentConfig):
            augment = values["augment"]
            unknown = set(augment) - {f.name for f in fields(AugmentConfig)}
            if unknown:
                raise ValueError(f"unknown augment settings: {', '.join(sorted(unknown))}")
            values["augment"] = AugmentConfig(**augment)
        if "class_names" in values:
            values["class_names"] = tuple(values["class_names"])
        return cls(**values).validated()


PRESETS: dict[str, TrainingConfig] = {
    "lite0-finetune": TrainingConfig(),
    "student-cnn": TrainingConfig(
        family="student_cnn", image_size=128, epochs=30, learning_rate=1e-3, patience=5, dropout=0.3, cv_folds=0,
    ),
    # lesson "overfitting": no augmentation, no dropout, no early stopping, so the curves part on purpose
    "overfit": TrainingConfig(
        family="student_cnn", image_size=128, epochs=30, learning_rate=1e-3, patience=0, dropout=0.0, cv_folds=0,
        augment=AugmentConfig(flip=False, rotation=0.0, zoom=0.0, translation=0.0, contrast=0.0, brightness=0.0),
    ),
    "smoke": TrainingConfig(  # seconds, for tests and a first look
        family="student_cnn", image_size=64, epochs=2, batch_size=16, patience=0, cv_folds=0, quantize=False,
    ),
}


def preset(name: str, **overrides) -> TrainingConfig:
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
    # through plain data, so JSON overrides (an "augment" dict, a class_names list) are checked like a config file
    return TrainingConfig.from_dict({**PRESETS[name].to_dict(), **overrides})
