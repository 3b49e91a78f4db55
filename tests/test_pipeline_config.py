"""training/pipeline/config.py: validated, reproducible configurations."""
import pytest

from training.pipeline.config import PRESETS, AugmentConfig, TrainingConfig, preset


def test_defaults_and_presets_are_valid():
    assert TrainingConfig().errors() == []
    for config in PRESETS.values():
        assert config.errors() == []


def test_round_trip_through_plain_data():
    config = preset("student-cnn", epochs=7, augment=AugmentConfig(flip=False, zoom=0.2))
    assert TrainingConfig.from_dict(config.to_dict()) == config


@pytest.mark.parametrize("change, message", [
    ({"family": "resnet"}, "family"),
    ({"epochs": 0}, "epochs"),
    ({"dropout": 1.0}, "dropout"),
    ({"learning_rate": 0}, "learning_rate"),
    ({"cv_folds": 1}, "cv_folds"),
    ({"class_names": ["cat", "cat"]}, "class_names"),
    ({"family": "lite0_transfer", "image_size": 128}, "224"),
    ({"augment": {"zoom": 2.0}}, "augment.zoom"),
    ({"prune_schedule": "cubic"}, "prune_schedule"),
    ({"prune_sparsity": 0.99}, "prune_sparsity"),
])
def test_invalid_settings_are_named(change, message):
    with pytest.raises(ValueError, match=message):
        TrainingConfig.from_dict({**TrainingConfig().to_dict(), **change})


def test_unknown_settings_are_refused_not_ignored():
    with pytest.raises(ValueError, match="unknown settings: epoch"):
        TrainingConfig.from_dict({"epoch": 3})
    with pytest.raises(ValueError, match="unknown preset"):
        preset("huge")
