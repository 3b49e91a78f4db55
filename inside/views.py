"""The look-inside page: the model that answered one of your analyses, layer by layer, on your photo."""
from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy

from classifier.selectors import analyses_of
from edge.isolation import cross_origin_isolated
from eduai.errors import not_found
from inside.widget_data import RECENT, context_for
from lessons import widgets
from lessons.views import lesson_strings, widget_strings

PAGE_WIDGETS = ("architecture", "filters", "neuron", "occlusion", "sanity-check")
INTROS = {
    "architecture": gettext_lazy("Every layer with its output's shape and its parameters; click one to see its "
                                 "feature maps for your photo."),
    "filters": gettext_lazy("The small patterns the first layer looks for, and where it finds them in your photo."),
    "neuron": gettext_lazy("How one number of a feature map is computed, step by step, with the real numbers."),
    "occlusion": gettext_lazy("Paint over the photo or let a patch slide over it, and see what the answer needs."),
    "sanity-check": gettext_lazy("Destroy the model's weights layer by layer and watch whether the heatmap "
                                 "changes."),
}


def _frame(name: str, data: dict) -> str:
    widget = widgets.REGISTRY[name]
    return render_to_string(widgets.FRAME_TEMPLATE, {
        "widget": widget, "options_json": json.dumps({key: option.default for key, option in widget.options.items()}),
        "inline_json": json.dumps(data), "needs_class": False})


@cross_origin_isolated
@login_required
def inside_page(request):
    recent = list(analyses_of(user=request.user)[:RECENT])
    chosen = request.GET.get("analysis", "")
    analysis = recent[0] if recent else None
    if chosen:
        analysis = analyses_of(user=request.user).filter(pk=int(chosen)).first() if chosen.isdigit() else None
        if analysis is None:
            raise not_found()
    data = context_for(analysis, recent) if analysis else None
    return render(request, "inside/page.html", {
        "analysis": analysis, "analyses": recent,
        "sections": [{"name": name, "title": widgets.REGISTRY[name].title, "intro": INTROS[name],
                      "html": _frame(name, data)} for name in PAGE_WIDGETS] if data else [],
        "widget_strings": widget_strings(PAGE_WIDGETS), "page_strings": lesson_strings(),
    })
