"""The glossary: one word per concept in Spanish and in English, and the short explanation a student
reads where they first meet the term (the "?" beside it) and on the glossary page.

`TERMS` is the single source: the glossary page, the "?" popovers (`{% explain "key" %}`) and the test
that scans the catalogues for forbidden variants all read it. docs/glossary.md says the same in prose.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Term:
    key: str  # the anchor on the glossary page: /glossary/#key
    en: str  # the one English word for the concept
    es: str  # the one Spanish word for the concept
    explanation: Promise  # one or two sentences, English msgid, translated in the catalogue
    avoid_es: tuple[str, ...] = field(default=())  # Spanish variants not to use for this concept

    @property
    def name(self) -> str:
        return self.es if (get_language() or "es").startswith("es") else self.en


TERMS: tuple[Term, ...] = (
    # --- the answer (analyze page)
    Term("probability", "probability", "probabilidad",
         _("How sure the model is of each answer, from 0 % to 100 %. The model's softmax spreads 100 % over "
           "cat and dog, so the two bars always add up to 100 %.")),
    Term("unusual-score", "unusual score", "puntuación de rareza",
         _("How little of the ImageNet network's probability falls on its cat and dog classes, from 0 to 1. "
           "A photo of a car scores near 1; a clear cat near 0.")),
    Term("unusual-threshold", "unusual threshold", "umbral de rareza",
         _("The unusual score from which the answer is \"unusual\" instead of cat or dog. It was chosen on "
           "photos the model was not trained on, so that only a few real cats and dogs are flagged.")),
    Term("heatmap", "heatmap", "mapa de calor",
         _("A Class Activation Map: for each cell of a 7×7 grid over the photo, how much that part pushed "
           "the decision towards the answer. It shows evidence for the answer, not where the network "
           "\"looked\", and it is coarse: each cell covers a large patch of the photo.")),
    Term("pretrained", "pretrained model", "modelo preentrenado",
         _("A network trained on ImageNet (1.3 million photos of 1000 classes, including 5 cat and 118 dog "
           "classes), not on our labels: its ImageNet classes are regrouped into cat and dog.")),
    # --- the analyzer (more terms of the analyze page go here)
    # --- labeling (queue, agreement, learning curve)
    # --- training (form and run page)
    # --- general words (label, tag, labeler, skip, class, split...)
)

BY_KEY = {term.key: term for term in TERMS}
