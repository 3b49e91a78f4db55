"""The widget registry: one entry per widget a lesson can embed (`::: widget NAME`).

Each widget has a title, validated options, a JavaScript module (`static/js/widgets/NAME.js`, which exports
`mount(element, context)`) and, when it needs the class's data, a data function in `lessons.widget_data`
served at `/api/v1/classes/{id}/widgets/{name}/`. Every widget renders in the same frame template.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lessons.options import Flag, Name, NameOrId, Number, Option, parse_options

FRAME_TEMPLATE = "lessons/_widget.html"


@dataclass(frozen=True)
class Widget:
    name: str
    title: Promise
    options: dict[str, Option]
    has_data: bool = True  # False: the module calls the app's own API (analyze a photo)
    data: str = ""  # dotted path of the data function when it lives outside lessons.widget_data

    @property
    def module(self) -> str:
        return f"js/widgets/{self.name}.js"

    @property
    def data_function(self) -> str:
        """Dotted path of `function(*, classroom, user, options) -> dict`."""
        return self.data or f"lessons.widget_data.{self.name.replace('-', '_')}"


INSIDE_DATA = "inside.widget_data.analysis_context"
EDGE_DATA = "edge.widget_data.edge_context"
INSIDE_ANALYSIS = NameOrId(("latest",), "latest")

REGISTRY: dict[str, Widget] = {widget.name: widget for widget in [
    Widget("analyze", gettext_lazy("Analyze a photo"), {}, has_data=False),
    Widget("cam", gettext_lazy("What in the photo pushed the answer"),
           {"image": NameOrId(("cat", "dog", "mistake"), "cat")}),
    Widget("labeling-progress", gettext_lazy("Your class's labels"), {}),
    Widget("augmentation", gettext_lazy("Augmentation preview"), {
        "flip": Flag(True),
        "rotation": Number(0, 0.5, 0.05, integer=False),
        "zoom": Number(0, 0.9, 0.1, integer=False),
        "count": Number(1, 12, 8),
    }),
    Widget("curves", gettext_lazy("Learning curves of a run"), {"run": NameOrId(("latest",), "latest")}),
    Widget("cross-validation", gettext_lazy("Cross-validation folds"), {"run": NameOrId(("latest",), "latest")}),
    Widget("time-machine", gettext_lazy("Overfitting time machine"), {"run": NameOrId(("latest",), "latest")}),
    Widget("confusion", gettext_lazy("Confusion matrix and mistakes"), {"mistakes": Number(0, 24, 8)}),
    Widget("artifacts", gettext_lazy("Artifact comparison"), {"version": NameOrId(("active",), "active")}),
    Widget("learning-curve", gettext_lazy("Learning curve"), {}),
    # look inside the model that answered one of the reader's analyses in this class (inside/)
    Widget("architecture", gettext_lazy("The network, layer by layer"), {"analysis": INSIDE_ANALYSIS},
           data=INSIDE_DATA),
    Widget("feature-maps", gettext_lazy("Feature maps of one layer"),
           {"analysis": INSIDE_ANALYSIS, "layer": Name("auto")}, data=INSIDE_DATA),
    Widget("filters", gettext_lazy("First-layer filters"), {"analysis": INSIDE_ANALYSIS}, data=INSIDE_DATA),
    Widget("neuron", gettext_lazy("One neuron's arithmetic"), {"analysis": INSIDE_ANALYSIS}, data=INSIDE_DATA),
    Widget("occlusion", gettext_lazy("Hide part of the photo"), {"analysis": INSIDE_ANALYSIS}, data=INSIDE_DATA),
    Widget("sanity-check", gettext_lazy("Can this heatmap be trusted?"), {"analysis": INSIDE_ANALYSIS},
           data=INSIDE_DATA),
    # the class's model in the reader's own browser (edge/): FP32 against INT8 against the server, and the
    # class's table of devices
    Widget("edge-lab", gettext_lazy("The model in your browser: FP32, INT8 and the server"), {}, data=EDGE_DATA),
]}


def resolve(name: str, given: dict[str, str]) -> tuple[Widget | None, dict, list[str]]:
    """(the widget, its option values, problems) for a `::: widget` directive or a data request."""
    widget = REGISTRY.get(name)
    if widget is None:
        return None, {}, [_("unknown widget “%(name)s”; widgets: %(known)s") % {
            "name": name, "known": ", ".join(REGISTRY)}]
    values, problems = parse_options(widget.options, given)
    return widget, values, problems


def choices_help() -> list[dict]:
    """What the editor's cheat sheet lists: every widget with its options and defaults."""
    return [{"name": widget.name, "title": str(widget.title),
             "options": {key: option.default for key, option in widget.options.items()}}
            for widget in REGISTRY.values()]

