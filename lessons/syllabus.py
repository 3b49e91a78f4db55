"""The syllabus: every topic a lesson can be about, in the order the course follows."""
from django.utils.translation import gettext_lazy as _

TOPICS = {
    "intro": _("What AI, machine learning and deep learning are"),
    "labeling": _("Labels and agreement"),
    "augmentation": _("Data augmentation"),
    "overfitting": _("Overfitting and generalisation"),
    "cross-validation": _("Cross-validation"),
    "fine-tuning": _("Transfer learning and fine-tuning"),
    "pruning": _("Pruning"),
    "quantization": _("Quantization"),
    "onnx": _("Model formats and ONNX"),
    "ci": _("Continuous integration"),
    "cloud": _("Training in the cloud"),
    "cnn": _("Convolutional networks"),
    "backprop": _("Backpropagation"),
    "edge": _("Inference on the device"),
    "paradigms": _("Supervised, unsupervised and reinforcement learning"),
    "other": _("Other"),
}
TOPIC_CHOICES = list(TOPICS.items())
