from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from classifier import selectors
from classifier.images import ACCEPTED_FORMATS
from ml_models.selectors import active_version

RECENT_ANALYSES = 12


def analyze_page(request):
    """The analyzer: anonymous visitors see what it does and a log-in button."""
    recent = selectors.analyses_of(user=request.user)[:RECENT_ANALYSES] if request.user.is_authenticated else []
    return render(request, "classifier/analyze.html", {
        "recent": recent,
        "model_ready": active_version() is not None,
        "accept": ",".join(f"image/{fmt.lower()}" for fmt in ACCEPTED_FORMATS),
        "js_strings": {
            "error": _("Something went wrong. Try again."),
            "not_image": _("That file is not an image."),
            "percent_unusual": _("%(score)s unusual (threshold %(threshold)s)"),
            "heatmap_for": _("Where the network saw evidence for: %(what)s"),
            "ms": _("%(value)s ms"),
            "thanks_label": _("Thank you: your label is saved, and the picture goes to your classmates' queue."),
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


def _own_analysis_or_404(request, pk: int):
    analysis = selectors.analysis_of(user=request.user, pk=pk)
    if analysis is None:
        raise Http404
    return analysis
