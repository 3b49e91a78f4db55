"""The glossary: one word per concept in Spanish and in English, and the short explanation a student
reads where they first meet the term (the "?" beside it) and on the glossary page.

`TERMS` is the single source: the glossary page, the "?" popovers (`{% explain "key" %}`) and the test
that scans the catalogues for forbidden variants all read it. docs/glossary.md says the same in prose.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Avoid:
    """A variant not to use and what to write instead.

    `pattern` is a regular expression, matched case-insensitively as whole words. `unless` (a regular expression)
    allows the variant where the context matches: a catalogue entry's English msgid, or a course file's paragraph.
    """

    pattern: str
    use: str = ""  # what to write instead; empty: the term's own word
    unless: str = ""

    def found_in(self, text: str, *, context: str = "") -> str | None:
        """The offending words in `text`, or None."""
        if self.unless and re.search(self.unless, context, re.IGNORECASE):
            return None
        match = re.search(rf"(?<!\w)(?:{self.pattern})(?!\w)", text, re.IGNORECASE)
        return match.group(0) if match else None


@dataclass(frozen=True)
class Term:
    key: str  # the anchor on the glossary page: /glossary/#key
    en: str  # the one English word for the concept
    es: str  # the one Spanish word for the concept
    explanation: Promise  # one or two sentences, English msgid, translated in the catalogue
    avoid_es: tuple[str | Avoid, ...] = field(default=())  # Spanish variants not to use (regexes, whole words)
    avoid_en: tuple[str | Avoid, ...] = field(default=())  # English variants not to use in msgids and course files
    # Where an English msgid says `en_pattern`, its Spanish must say `es_pattern` (regexes). Empty: derived from
    # `en` and `es` (see `says`); en_pattern=None: no such rule (the English word has other meanings here).
    en_pattern: str | None = ""
    es_pattern: str = ""

    @property
    def name(self) -> str:
        return self.es if (get_language() or "es").startswith("es") else self.en


TERMS: tuple[Term, ...] = (
    # --- the answer (analyze page)
    Term("probability", "probability", "probabilidad",
         # xgettext:no-python-format
         _("How sure the model is of cat and of dog, from 0 % to 100 %. The bars compare only these two: "
           "P(cat) = probability on cat ÷ (probability on cat + on dog), so they add up to 100 % even for a photo "
           "of a car; whether it is a cat or a dog at all is what the unusual score measures.")),
    Term("unusual-score", "unusual score", "puntuación de rareza",
         # xgettext:no-python-format
         _("The share of the ImageNet network's probability that falls outside its 5 cat and 118 dog classes, "
           "from 0 % to 100 %. A photo of a car scores near 100 %; a clear cat near 0 %.")),
    Term("unusual-threshold", "unusual threshold", "umbral de rareza",
         _("The unusual score from which the answer is \"unusual\" instead of cat or dog. It is the score that "
           "best separated cats and dogs from other photos on a calibration split (the page says which); "
           "other photos check it.")),
    Term("heatmap", "heatmap", "mapa de calor",
         _("Built from Class Activation Maps: for each cell of a coarse grid over the photo (7×7 for "
           "EfficientNet-Lite0), how much that part pushed the decision towards the answer rather than the "
           "alternative. It shows evidence, not where the network \"looked\"; evidence against is not drawn.")),
    Term("pretrained", "pretrained model", "modelo preentrenado",
         _("A network trained on ImageNet (1.3 million photos of 1000 classes, including 5 domestic-cat and 118 "
           "dog classes), not on our labels: its ImageNet classes are regrouped into cat and dog.")),
    # --- the analyzer (more terms of the analyze page go here)
    Term("log-odds", "log-odds", "logaritmo de la razón de probabilidades",
         _("ln(P(answer) ÷ P(alternative)), in logits: 0 is 50/50 and each +0.7 doubles the odds (e^0.7 ≈ 2). "
           "The heatmap gives each cell's share of it (to first order, the biases left out).")),
    # --- labeling (queue, agreement, learning curve)
    Term("uncertainty-shares", "shares", "proporciones",
         # xgettext:no-python-format
         _("What the uncertainty orders rank: the model's cat-or-dog probabilities each times (1 − the unusual "
           "score), and the unusual score as the share of neither; the three add up to 100 %. They are not "
           "the model's answer, which says neither only from the unusual threshold on."),
         en_pattern=None),
    Term("least-confidence", "least confidence", "menor confianza",
         _("An uncertainty order: 1 − the largest of the three shares, highest first, so the pictures whose "
           "likeliest share is smallest come first.")),
    Term("margin", "margin", "margen",
         _("An uncertainty order: the gap between the two largest of the three shares; the pictures with the "
           "smallest gap, where the model hesitates between two answers, come first.")),
    Term("entropy", "entropy", "entropía",
         _("An uncertainty order: −Σ p ln p over the three shares, in nats; it is highest (ln 3 ≈ 1.10) when "
           "the three are equal, and those pictures come first."),
         en_pattern=r"\bentropy\b", es_pattern=r"entrop[ií]a"),
    Term("k-means", "k-means", "k-medias",
         _("A method that splits the pictures into k groups (here 8) whose embeddings lie close together; the "
           "diversity order shows the most typical picture of each group in turn.")),
    Term("uncertainty-sampling", "uncertainty sampling", "muestreo por incertidumbre",
         _("Labeling first the pictures the current model is least sure about, then training again: a kind of "
           "active learning (aprendizaje activo).")),
    Term("kappa", "kappa", "kappa",
         _("Agreement between labelers beyond what chance gives: 1 always the same label, 0 no better than "
           "chance, below 0 worse. On few shared pictures one picture moves it a lot, so it means little.")),
    Term("seed", "seed", "semilla",
         _("The number that fixes a run's random choices: the same seed gives the same run, and different "
           "seeds show how much a result depends on luck.")),
    Term("logarithmic-axis", "logarithmic axis", "eje logarítmico",
         _("An axis on which each step multiplies the value instead of adding to it: 10, 100 and 1000 are "
           "equally far apart, so small and large numbers of labels both fit.")),
    # --- training (form and run page)
    Term("overfitting", "overfitting", "sobreajuste",
         _("The model learns details of its training photos that do not hold for new ones: training loss keeps "
           "falling while validation loss trends up, and the gap between them grows.")),
    Term("dropout", "dropout", "desactivación aleatoria (dropout)",
         # xgettext:no-python-format
         _("During training, each input of the final layer is switched off at random with this probability "
           "(0.3 = 30 %), so the model cannot rely on a few features. It is off when the model answers.")),
    Term("l2", "L2 regularisation", "regularización L2",
         _("Adds L2 × the sum of the squared weights to the loss, so large weights cost more and the model stays "
           "simpler. It applies to the convolutions and the final layer of the small CNN, and to the new final layer "
           "in transfer learning.")),
    Term("patience", "patience", "paciencia",
         _("Early stopping: training stops once the validation loss has not improved for this many epochs, and "
           "the weights of the epoch with the lowest validation loss are kept. 0 switches it off.")),
    Term("fold", "fold", "pliegue",
         _("Cross-validation cuts the photos into k parts (folds). Each is held out once while a fresh model "
           "learns from the others: k accuracies, whose spread shows how much the result depends on the photos.")),
    Term("linear-probe", "linear probe", "sonda lineal",
         _("A logistic regression trained on the embeddings of a frozen pretrained network. Cross-validating it "
           "takes seconds and tells how good a new final layer on that network can be, not the fine-tuned model.")),
    Term("pruning", "pruning", "poda",
         _("Setting the smallest weights to exactly zero (the chosen fraction), then training a few epochs so the "
           "model recovers. The zeros are still stored: the file only shrinks when compressed.")),
    Term("int8", "INT8", "INT8 (enteros de 8 bits)",
         _("Storing numbers as 8-bit integers instead of 32-bit floats: the weights take about a quarter of the "
           "space, and the answers can change slightly, so each file's accuracy is measured again.")),
    Term("quantization-static", "static quantization", "cuantización estática",
         _("The weights and the values passed between layers are INT8. The range of those values is measured "
           "beforehand on up to 100 training photos (calibration). Here: ONNX INT8 and TFLite INT8.")),
    Term("quantization-dynamic", "dynamic-range quantization", "cuantización de rango dinámico",
         _("Only the weights are stored as INT8; the values between layers stay float and are converted on the fly "
           "for each photo where an integer kernel is used. It needs no calibration photos. Here: TFLite dynamic range.")),
    Term("precision", "precision", "precisión",
         _("Of the photos the model put in this class, the share that really belong to it.")),
    Term("recall", "recall", "exhaustividad",
         # xgettext:no-python-format
         _("Of the photos that really belong to this class, the share the model found. Answering \"cat\" to every "
           "photo gives 100 % recall for cat, so read it together with precision.")),
    Term("f1", "F1", "F1",
         _("The harmonic mean of precision and recall: high only when both are high.")),
    Term("roc-auc", "ROC AUC", "AUC ROC (área bajo la curva ROC)",
         _("The chance that a random photo of a class gets a higher probability for that class than a random photo "
           "of another class: 0.5 is guessing, 1 separates them perfectly. It does not depend on a threshold.")),
    Term("latency-p50", "latency p50", "latencia p50",
         _("The median time to answer one photo (batch of 1) on this server: half of the photos were faster, half "
           "slower. It varies with what else the server is doing.")),
    # --- the model in the browser (edge page, its lab, the course chapter "edge")
    Term("latency-p90", "latency p90", "latencia p90",
         # xgettext:no-python-format
         _("The time within which 90 % of the photos were answered: only one in ten took longer. Beside the "
           "median (p50), it shows the slow cases.")),
    Term("inference", "inference", "inferencia",
         _("Using a trained model to answer a photo: the weights stay as they are and nothing is learned. In "
           "EduAI it runs on the server or, in edge mode, in your own browser.")),
    Term("cold-start", "cold start", "arranque en frío",
         _("The time of the first answer after loading the model: reading the file, preparing the runtime and "
           "the first run. The answers after it are faster, so the two are measured apart.")),
    Term("execution-provider", "execution provider", "proveedor de ejecución",
         _("The part of ONNX Runtime that actually runs the model's operations on some hardware: wasm on the "
           "processor in a browser, webgpu on the graphics card. The edge page says which one ran.")),
    Term("thread", "thread", "hilo",
         _("One line of work a processor runs; several threads let one inference use several cores at once. In "
           "a browser, wasm threads need a cross-origin isolated page.")),
    # --- general words (label, tag, labeler, skip, class, split...)
    Term("label", "label", "etiqueta",
         _("A person's answer for a picture: cat, dog or neither. Only people give labels; what a model says "
           "is its answer, and what the ImageNet network adds are tags."),
         avoid_es=(Avoid(r"r[oó]tulos?"),),
         en_pattern=r"\blabel(s|led|ling)?\b", es_pattern=r"etiquet"),
    Term("tag", "tag", "descriptor",
         _("A word the ImageNet network finds in a photo on its own (one of its 1000 categories, such as "
           "\"tabby cat\"), with its confidence. Tags are automatic; labels come from people."),
         avoid_es=(Avoid(r"etiquetas? (autom[aá]ticas?|de ImageNet)"),),
         en_pattern=r"\btags?\b", es_pattern=r"descriptor"),
    Term("labeler", "labeler", "etiquetador",
         _("A person who labels the class's pictures: a student or a teacher."),
         avoid_es=(Avoid(r"quien(es)? (etiquet\w+|la puso)"), Avoid(r"qui[eé]n (etiquet\w+|la puso)"),
                   Avoid(r"anotador(es|as?)?")),
         en_pattern=r"\blabelers?\b", es_pattern=r"etiquetador"),
    Term("neither", "neither", "ninguno",
         _("The label for a picture that shows neither a cat nor a dog."),
         avoid_es=(Avoid(r"ninguna de las dos", use="ninguno"),),
         en_pattern=r"\bneither\b(?![^.]*\bnor\b)"),  # not the "neither ... nor" of a sentence
    Term("skip", "skip", "saltar",
         _("Pass over a picture in the queue without labeling it: the queue does not show it to you again, "
           "and Undo brings it back."),
         avoid_es=(Avoid(r"omit\w*", use="saltar / saltada (en la cola), «se ignora» (en una importación)"),),
         # "labels for other pictures are skipped" (an import) means ignored, not the queue's skip
         en_pattern=r"(?<!are )(?<!is )\bskip(s|ped|ping)?\b", es_pattern=r"salt"),
    Term("unusual", "unusual", "inusual",
         _("The third answer of the model: the photo seems to show neither a cat nor a dog, because its "
           "unusual score reaches the unusual threshold."),
         avoid_es=(Avoid(r"an[oó]mal[oa]s?"), Avoid(r"at[ií]pic[oa]s?"), Avoid(r"ins[oó]lit[oa]s?"),
                   Avoid(r"umbral de inusual", use="umbral de rareza"),
                   Avoid(r"puntuaci[oó]n (de )?inusual", use="puntuación de rareza")),
         es_pattern=r"inusual|rareza"),
    Term("class", "class", "clase",
         _("A group of students and teachers in EduAI: it shares its pictures, labels, training runs and "
           "models. In Spanish, \"clase\" always means this group; the model's classes are \"categorías\"."),
         avoid_es=(Avoid(r"aula", use="clase"),),
         en_pattern=None),
    Term("category", "output class", "categoría",
         _("One of the answers a classifier can give: cat and dog for our model, 1000 categories for the "
           "ImageNet network. In English both are \"class\"; in Spanish the model's classes are "
           "\"categorías\", so that \"clase\" is always a group of students."),
         avoid_es=(Avoid(r"clases? de ImageNet", use="categorías de ImageNet"),
                   Avoid(r"clases? (real|predicha|verdadera)s?", use="categoría real / predicha"),
                   Avoid(r"mapas? de activaci[oó]n de clase", use="mapa de activación (CAM, Class Activation Map)")),
         en_pattern=r"\b(ImageNet class(es)?|true class|predicted class|per class|each class needs)\b",
         es_pattern=r"categor[ií]as?"),
    Term("accuracy", "accuracy", "exactitud",
         _("The share of pictures the model gets right, out of all it answered (for example on the test "
           "split)."),
         avoid_es=(Avoid(r"precisi[oó]n(es)?", use="exactitud («precisión» solo para precision)",
                         unless=r"\bprecision\b|exhaustividad|verdaderos positivos"),
                   Avoid(r"tasa de aciertos?")),
         en_pattern=r"\baccuracy\b", es_pattern=r"exactitud"),
    Term("training-split", "training split", "conjunto de entrenamiento",
         # xgettext:no-python-format
         _("The labelled pictures the model learns from (70 % of them, chosen by the hash of their content)."),
         avoid_es=(Avoid(r"(set|partici[oó]n|divisi[oó]n) de entrenamiento"),)),
    Term("validation-split", "validation split", "conjunto de validación",
         # xgettext:no-python-format
         _("Labelled pictures kept apart from fitting (15 %): the weights are not fitted on them, but they "
           "decide when training stops and which epoch's weights are kept, and they show overfitting. Since "
           "choices are made with them, the final measure comes from the test split."),
         avoid_es=(Avoid(r"(set|partici[oó]n|divisi[oó]n) de validaci[oó]n"),)),
    Term("test-split", "test split", "conjunto de prueba",
         # xgettext:no-python-format
         _("Labelled pictures set apart (15 %, by the hash of their content): training never fits or stops "
           "on them, and the final accuracy is measured on them. For a trained version, half of its cats and "
           "dogs also choose the unusual threshold, which is then reported on the other half."),
         avoid_es=(Avoid(r"(set|conjunto|partici[oó]n|divisi[oó]n|datos) de test"), Avoid(r"test", use="prueba")),
         en_pattern=r"\btest split\b", es_pattern=r"conjunto de prueba"),
    Term("epoch", "epoch", "época",
         _("One pass of training over every picture of the training split."),
         en_pattern=r"\bepochs?\b", es_pattern=r"[ée]pocas?"),
    Term("loss", "loss", "pérdida",
         _("The number training makes smaller: how far the model's probabilities are from the labels "
           "(cross-entropy). Lower is better."),
         avoid_es=(Avoid(r"(funci[oó]n de )?(coste|costo)", use="pérdida"),),
         en_pattern=r"\bloss\b", es_pattern=r"p[ée]rdida"),
    Term("worker", "worker", "proceso de fondo",
         _("The program that runs long tasks (training runs, simulations, previews) apart from the web "
           "server, so that pages stay fast."),
         avoid_es=(Avoid(r"trabajador(es)?"), Avoid(r"procesos? en segundo plano")),
         en_pattern=r"\bworkers?\b", es_pattern=r"procesos? de fondo"),
    Term("job", "job", "tarea",
         _("One long piece of work the worker does, such as a training run or a simulation; its page shows "
           "its progress."),
         avoid_es=(Avoid(r"trabajos? (de fondo|en segundo plano)"),),
         en_pattern=r"\bjobs?\b", es_pattern=r"tareas?"),
    Term("embedding", "embedding", "vector de características",
         _("The list of numbers a network computes for a picture just before its last layer; similar "
           "pictures get nearby vectors."),
         avoid_es=(Avoid(r"incrustaci[oó]n(es)?"), Avoid(r"inmersi[oó]n(es)?")),
         en_pattern=r"\bembeddings?\b", es_pattern=r"vector(?:es)? de características"),
    Term("artifact", "artifact", "archivos del modelo",
         _("The files a training run exports for one model version (ONNX and other formats, its signature "
           "and its metrics), each checked by its sha256."),
         avoid_es=(Avoid(r"artefactos?"),),
         en_pattern=r"\bartifacts?\b", es_pattern=r"archivos del modelo"),
    Term("picture", "picture", "imagen",
         _("An image in a class's collection: what the class labels and trains on."),
         avoid_es=(Avoid(r"dibujos?", use="imagen"),)),
    Term("photo", "photo", "foto",
         _("A photograph you upload to be analyzed; once shared into a class it is one of its pictures."),
         avoid_es=(Avoid(r"fotograf[ií]as?", use="foto"),)),
    Term("standard-deviation", "standard deviation", "desviación estándar",
         _("How far values typically lie from their mean; here, how much runs with different seeds differ."),
         avoid_es=(Avoid(r"desviaci[oó]n t[ií]pica"),),
         en_pattern=r"\bstandard deviation\b", es_pattern=r"desviaci[oó]n est[aá]ndar"),
    Term("confidence-interval", "confidence interval", "intervalo de confianza",
         # xgettext:no-python-format
         _("A range around a measured number, such as an accuracy on the test split: a 95 % interval is "
           "computed so that, over many such test splits, 95 % of the intervals contain the true value. Few "
           "test pictures give a wide interval."),
         en_pattern=r"\bconfidence interval\b", es_pattern=r"intervalos? de confianza"),
    Term("float", "float", "coma flotante",
         _("Numbers stored in 32-bit floating-point format (float32): the format the model is "
           "trained in. INT8 versions store them as 8-bit integers instead."),
         en_pattern=r"\bfloat\b", es_pattern=r"coma flotante"),
    Term("hash", "hash", "huella digital",
         _("A short fingerprint computed from a file's bytes (sha256): the same file always gives the same "
           "one, so a picture is stored once and always falls in the same split."),
         en_pattern=r"\bhash\b", es_pattern=r"huella digital"),
    Term("dataset", "dataset", "conjunto de datos",
         _("A collection of labelled pictures, for example a folder of photos a teacher imports."),
         en_pattern=r"\bdatasets?\b", es_pattern=r"conjuntos? de datos"),
    Term("batch", "batch", "lote",
         _("A small group of pictures processed together; training updates the weights after each batch."),
         en_pattern=r"\bbatch(es)?\b", es_pattern=r"lotes?"),
    Term("checkpoint", "checkpoint", "punto de control",
         _("The model's weights saved during training, to resume it or to keep the best epoch."),
         en_pattern=r"\bcheckpoints?\b", es_pattern=r"puntos? de control"),
    Term("pipeline", "pipeline", "cadena de entrenamiento",
         _("The steps a training run takes in order: load the pictures, train, evaluate on the test split, "
           "export, calibrate the unusual threshold and register the version."),
         en_pattern=r"\bpipelines?\b", es_pattern=r"cadenas? de entrenamiento"),
    Term("notebook", "notebook", "cuaderno de Jupyter",
         _("A document that mixes code, results and notes (Jupyter); the exported labels can be read in one."),
         en_pattern=r"\bnotebooks?\b", es_pattern=r"cuadernos? de Jupyter"),
    Term("cnn", "CNN", "red convolucional",
         _("A neural network made of convolution layers, which slide small filters over the picture; "
           "EfficientNet-Lite0 and our small model trained from scratch are both CNNs."),
         en_pattern=r"\bCNNs?\b", es_pattern=r"red(es)? convolucional(es)?"),
)

BY_KEY = {term.key: term for term in TERMS}


# --- the scan: what tests/test_glossary.py checks in both catalogues and in the course files

SPANISH_RULES: tuple[Avoid, ...] = (
    # The register: "tú", one neutral Spanish understood from Madrid to Buenos Aires.
    Avoid(r"vosotr[oa]s|vuestr[oa]s?|(?!veintis[eé]is|dieciséis)\w+[áé]is", use="tú (no vosotros)"),
    Avoid(r"usted(es)?|int[eé]ntelo|haga clic|pulse|seleccione|introduzca|elija|compru[eé]belo",
          use="tú (inténtalo, haz clic, pulsa, elige)"),
    Avoid(r"sos|tenés|podés|querés|sabés|hacé|mirá|fijate|vení|decí", use="tú (no vos)"),
    Avoid(r"ordenador(es)?|computador(a|as|es)?", use="equipo"),
    Avoid(r"(?:^|(?<=[.!?¡¿] ))¡?vale[.,!]", use="de acuerdo / bien"),
    Avoid(r"cog(er|e|es|ió|ido|ida)|coj(a|as|o)", use="tomar"),
    Avoid(r"cap[oó]", use="por dentro"),
    Avoid(r"ficheros?", use="archivo"),
    Avoid(r"pinch(ar|a|e)", use="hacer clic"),
    Avoid(r"deprisa", use="más rápido"),
    Avoid(r"celular(es)?|m[oó]vil(es)? \(tel[eé]fono\)", use="teléfono"),
    Avoid(r"qu[eé] tan", use="hasta qué punto"),
    Avoid(r"chequ\w+|chec(ar|a|as)", use="comprobar"),
    Avoid(r"ahorita", use="ahora"),
    # Variants of terms of every area, seen in the catalogue or likely.
    Avoid(r"sensibilidad|recuperaci[oó]n", use="exhaustividad (recall)", unless=r"\brecover"),
    Avoid(r"partici[oó]n|particiones", use="pliegue (fold) o conjunto (split)"),
    Avoid(r"zero[- ]shot|sin entrenamiento",
          use="no entrenado con nuestras etiquetas: categorías de ImageNet reagrupadas en gato y perro"),
    Avoid(r"sobreentrenamiento|sobre-ajuste|sobreaprendizaje", use="sobreajuste"),
    Avoid(r"afinado|afinamiento|refinamiento", use="ajuste fino"),
    Avoid(r"cuantificaci[oó]n", use="cuantización"),
    Avoid(r"(ratio|velocidad|raz[oó]n) de aprendizaje", use="tasa de aprendizaje"),
    Avoid(r"aumentaci[oó]n", use="aumento de datos"),
    Avoid(r"mapas? de activaci[oó]n de clases?", use="mapa de activación (CAM, Class Activation Map)"),
)

ENGLISH_RULES: tuple[Avoid, ...] = (
    Avoid(r"zero[- ]shot", use="not trained on our labels: ImageNet classes regrouped into cat and dog"),
)

# English words without a Term of their own that may not stand bare in Spanish text: (English regex, Spanish).
# Every Term's English word is checked the same way (see `english_words`).
ENGLISH_WORDS: tuple[tuple[str, str], ...] = (
    (r"class activation maps?", "mapa de activación"),
    (r"early stopping", "parada temprana"),
    (r"fine[- ]tun(ing|ed)", "ajuste fino"),
    (r"feature maps?", "mapas de características"),
    (r"transfer learning", "aprendizaje por transferencia"),
    (r"active learning", "aprendizaje activo"),
    (r"(data )?augmentation", "aumento de datos"),
    (r"learning rate", "tasa de aprendizaje"),
    (r"cross[- ]validation", "validación cruzada"),
    (r"confusion matrix", "matriz de confusión"),
    (r"dropout", "desactivación aleatoria"),
    (r"seeds?", "semilla"),
    (r"zoom", "ampliación"),
    (r"gold", "imagen de control"),
    (r"scores?", "puntuación"),
    (r"thresholds?", "umbral"),
    (r"splits?", "conjunto"),
    (r"cats?|dogs?", "gato / perro"),
)

_SUFFIX = r"(?:s|es|ed|d|led|ling|ing|ped|ping)?"
_PLACEHOLDER = re.compile(r"%\(\w+\)[-+ #0]*[\d.]*[sdfr]|%[sdf]|\{\w*\}")
_CODE = re.compile(r"`[^`]*`|<code>.*?</code>|\b(?:make|celery|manage\.py)(?: +[-\w.:/]+)+"
                   r"|[^\s`]+\.(?:py|zip|onnx|json|csv|md|ipynb|ya?ml)\b")  # a file name, never swallowing a code span's backtick
# where a Markdown link points and bare addresses: read by the browser, not by the reader
_ADDRESS = re.compile(r"(?<=\])\([^()\s]*\)|\bhttps?://\S+")
_LITERAL = re.compile(r"«[a-z_]+»")  # a value written in a file or typed as is, such as «neither»
_STOPWORDS = {
    "es": {"el", "la", "los", "las", "que", "del", "una", "con", "por", "para", "es", "se", "y", "no", "lo"},
    "en": {"the", "and", "of", "to", "is", "that", "with", "for", "it", "this", "are", "not", "you"},
}


def _fold(text: str) -> str:
    """Lower case without accents, so that "Sáltala" matches "salta"."""
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)).lower()


def _main(word: str) -> str:
    """The word without its parenthesised explanation: "INT8 (enteros de 8 bits)" -> "INT8"."""
    return re.sub(r"\s*\(.*?\)", "", word).strip()


def _english_regex(word: str) -> str:
    parts = [re.escape(part) for part in _main(word).split()]
    return r"\b" + r"[\s-]+".join(parts[:-1] + [parts[-1] + _SUFFIX]) + r"\b"


def _spanish_regex(word: str) -> str:
    """Each word as a stem (its last letter dropped when long), matched on folded text."""
    parts = [re.escape(part[:-1] if len(part) > 4 else part) + r"\w*" for part in _fold(_main(word)).split()]
    return r"\b" + r"\W+".join(parts)


def sort_key(term: Term) -> str:
    """Alphabetical order of the term's name in the current language, accents ignored."""
    return _fold(term.name)


def plain(text: str) -> str:
    """Text as a reader sees it: without placeholders, HTML tags, code or commands."""
    text = _PLACEHOLDER.sub(" ", text)
    text = _ADDRESS.sub(" ", text)
    text = _CODE.sub(" ", text)
    return re.sub(r"<[^>]+>", " ", text)


def says(term: Term) -> tuple[str, str] | None:
    """(English regex, Spanish regex on folded text): where a msgid says the first, its Spanish must say the second."""
    if term.en_pattern is None:
        return None
    spanish = _fold(term.es_pattern) if term.es_pattern else _spanish_regex(term.es)
    return term.en_pattern or _english_regex(term.en), spanish


def english_words() -> list[tuple[str, str]]:
    """(English regex, Spanish word) for every English word that may not stand bare in Spanish text, longest first."""
    words = [(len(_main(term.en)), _english_regex(term.en), _main(term.es))
             for term in TERMS if _fold(_main(term.en)) not in _fold(term.es)]
    words += [(len(pattern), rf"\b(?:{pattern})\b", spanish) for pattern, spanish in ENGLISH_WORDS]
    return [(english, spanish) for _length, english, spanish in sorted(words, key=lambda word: -word[0])]


def _without_explained(text: str, english: str, spanish: str) -> str:
    """Removes "spanish (english)" and "english (spanish)": a term kept in English beside its explanation."""
    folded = _fold(text)
    spanish_pattern = _spanish_regex(spanish)
    folded = re.sub(rf"{spanish_pattern}[^()]{{0,40}}\([^()]*?{english}[^()]*\)", " ", folded, flags=re.IGNORECASE)
    return re.sub(rf"{english}[^()]{{0,3}}\([^()]*?{spanish_pattern}[^()]*\)", " ", folded, flags=re.IGNORECASE)


def _avoided(rules, text: str, context: str, default: str = "") -> list[str]:
    problems = []
    for rule in rules:
        rule = rule if isinstance(rule, Avoid) else Avoid(rule)
        hit = rule.found_in(text, context=context)
        if hit:
            problems.append(f"“{hit}”: write “{rule.use or default}”")
    return problems


def spanish_problems(text: str, *, context: str = "") -> list[str]:
    """What in a Spanish text breaks the glossary; `context` (the English msgid, or the paragraph) allows exceptions."""
    text = plain(text)
    problems = []
    for term in TERMS:
        problems += [f"{problem} ({term.key})" for problem in _avoided(term.avoid_es, text, context, term.es)]
    problems += _avoided(SPANISH_RULES, text, context)
    unquoted = _LITERAL.sub(" ", text)
    remaining = unquoted
    # Longest first, and an explained term is removed before the next: "mapa de activación (CAM, Class Activation
    # Map)" explains "Class Activation Map", so its "Class" is not a bare "class".
    for english, spanish in english_words():
        remaining = _without_explained(remaining, english, spanish)
        if re.search(english, remaining, re.IGNORECASE):
            word = re.search(english, unquoted, re.IGNORECASE).group(0)
            problems.append(f"English “{word}” in Spanish text: write “{spanish}” "
                            f"(or “{spanish} ({word})” where the English term helps)")
    return list(dict.fromkeys(problems))


def english_problems(text: str, *, context: str = "") -> list[str]:
    """What in an English text breaks the glossary."""
    text = plain(text)
    problems = []
    for term in TERMS:
        problems += [f"{problem} ({term.key})" for problem in _avoided(term.avoid_en, text, context or text, term.en)]
    return problems + _avoided(ENGLISH_RULES, text, context or text)


def translation_problems(msgid: str, msgstr: str) -> list[str]:
    """What in one catalogue entry breaks the glossary: its English, its Spanish, and the words they must share."""
    english, spanish = plain(msgid), plain(msgstr)
    problems = [f"in the English msgid, {problem}" for problem in english_problems(msgid)]
    problems += spanish_problems(msgstr, context=english)
    # Longest English words first, each consumed once: "unusual threshold" is not also "unusual".
    for term in sorted(TERMS, key=lambda term: -len(term.en)):
        rule = says(term)
        match = rule and re.search(rule[0], english, re.IGNORECASE)
        if not match:
            continue
        english = english[:match.start()] + " " + english[match.end():]
        if not re.search(rule[1], _fold(spanish)):
            problems.append(f"the English says “{match.group(0)}”: the Spanish must say “{_main(term.es)}” "
                            f"({term.key})")
    return list(dict.fromkeys(problems))


def language_of(paragraph: str) -> str | None:
    """"es" or "en" by their commonest short words, or None when the paragraph has too few to tell."""
    words = re.findall(r"\w+", paragraph.lower())
    counts = {language: sum(word in stopwords for word in words) for language, stopwords in _STOPWORDS.items()}
    best = max(counts, key=counts.get)
    return best if counts[best] >= 2 and counts[best] > 2 * min(counts.values()) else None


def markdown_problems(text: str) -> list[tuple[int, str]]:
    """(line, problem) for every paragraph of a Markdown course file, checked in the paragraph's language."""
    problems, paragraph, start, in_code = [], [], 1, False
    for number, line in enumerate([*text.splitlines(), ""], start=1):
        if line.lstrip().startswith("```"):
            in_code = not in_code
            continue
        if in_code:
            continue
        if line.strip():
            if not paragraph:
                start = number
            paragraph.append(line)
            continue
        block = " ".join(paragraph)
        paragraph = []
        language = language_of(block)
        if language == "es":
            problems += [(start, problem) for problem in spanish_problems(block, context=block)]
        elif language == "en":
            problems += [(start, problem) for problem in english_problems(block)]
    return problems


def markdown_table() -> str:
    """The table of docs/glossary.md: English | Spanish | meaning | not to use in Spanish."""
    from django.utils import translation

    def cell(text: str) -> str:
        return str(text).replace("|", "\\|").replace("\n", " ")

    rows = ["| English | Spanish | Meaning | Not to use in Spanish |", "|---|---|---|---|"]
    with translation.override("en"):
        for term in sorted(TERMS, key=lambda term: _fold(term.en)):
            avoid = ", ".join(f"`{cell(rule.pattern if isinstance(rule, Avoid) else rule)}`" for rule in term.avoid_es)
            rows.append(f"| {cell(term.en)} | {cell(term.es)} | {cell(term.explanation)} | {avoid} |")
    return "\n".join(rows)
