from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from classifier import selectors, services
from classifier.images import ACCEPTED_FORMATS
from eduai import classes
from ml_models.selectors import serving_version

RECENT_ANALYSES = 12


def analyze_page(request):
    """The analyzer: anonymous visitors see what it does and a log-in button."""
    user = request.user
    classroom = classes.current_class(user) if user.is_authenticated else None
    recent = selectors.analyses_of(user=user)[:RECENT_ANALYSES] if user.is_authenticated else []
    return render(request, "classifier/analyze.html", {
        "recent": recent,
        "classroom": classroom,
        "serving": serving_version(classroom=classroom),
        "accept": ",".join(f"image/{fmt.lower()}" for fmt in ACCEPTED_FORMATS),
        "js_strings": {
            "error": _("Something went wrong. Try again."),
            "not_image": _("That file is not an image."),
            "percent_unusual": _("%(score)s unusual (threshold %(threshold)s)"),
            "heatmap_for": _("Where the network saw evidence for: %(what)s"),
            "ms": _("%(value)s ms"),
            "thanks_label": _("Thank you: your label is saved, and the picture goes to your classmates' queue."),
            "shared": _("Shared into %(class)s: your classmates and teachers can see it now (without its file name)."),
            "tags_disagree": _("The ImageNet network behind the tags leans towards “%(group)s”; the answer above "
                               "comes from %(model)s."),
            "deleted": _("Deleted."),
            "share_error": _("It could not be shared. Try again."),
            "cam": _("The heatmap is a Class Activation Map: the model's last feature maps (%(rows)s × %(columns)s "
                     "cells) weighted by the final layer's weights for the answer."),
            "confirm_delete": _("Delete this analysis? If you shared the photo into a class, the class keeps it."),
        },
    })


@login_required
def analysis_image(request, pk: int):
    analysis = _own_analysis_or_404(request, pk)
    return FileResponse(analysis.image.file.open("rb"))


@login_required
def analysis_heatmap(request, pk: int):
    analysis = _own_analysis_or_404(request, pk)
    return FileResponse(analysis.heatmap.open("rb"), content_type="image/png")


@login_required
def analysis_heatmap_fixed(request, pk: int):
    """The heatmap on the fixed scale, drawn on request from the stored evidence grid (about 10 ms)."""
    png = services.fixed_scale_heatmap_png(analysis=_own_analysis_or_404(request, pk))
    if png is None:
        raise Http404
    return HttpResponse(png, content_type="image/png")


def _own_analysis_or_404(request, pk: int):
    analysis = selectors.analysis_of(user=request.user, pk=pk)
    if analysis is None:
        raise Http404
    return analysis
