from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from classifier import selectors, services
from classifier.images import ACCEPTED_FORMATS
from edge.isolation import cross_origin_isolated
from edge.page_strings import STRINGS as EDGE_STRINGS
from edge.widget_data import urls_for as edge_urls
from eduai import classes
from ml_models.models import ModelVersion
from ml_models.selectors import serving_version

RECENT_ANALYSES = 12


@cross_origin_isolated
def analyze_page(request):
    """The analyzer: anonymous visitors see what it does and a log-in button."""
    user = request.user
    classroom = classes.current_class(user) if user.is_authenticated else None
    recent = selectors.analyses_of(user=user)[:RECENT_ANALYSES] if user.is_authenticated else []
    serving = serving_version(classroom=classroom)
    return render(request, "classifier/analyze.html", {
        "recent": recent,
        "classroom": classroom,
        "serving": serving,
        "threshold_note": threshold_origin(serving) if serving else "",
        "accept": ",".join(f"image/{fmt.lower()}" for fmt in ACCEPTED_FORMATS),
        "edge_model_info_url": edge_urls(classroom)["model_info_url"],  # the "In my browser" switch
        "edge_strings": EDGE_STRINGS,
        "js_strings": {
            "error": _("Something went wrong. Try again."),
            "not_image": _("That file is not an image."),
            "percent_unusual": _("Unusual score: %(score)s. From %(threshold)s (the unusual threshold) the answer is "
                                 "“unusual”."),
            "heatmap_caption": _("Which parts of the photo pushed the decision towards “%(what)s” rather than "
                                 "“%(against)s”, on a coarse %(rows)s × %(columns)s grid (each cell covers a large "
                                 "patch of the photo). Parts that pushed the other way are left transparent."),
            "heatmap_caption_unusual": _("The answer is “unusual”, so the map explains something else: which parts "
                                         "of the photo pushed the network towards “%(what)s” rather than "
                                         "“%(against)s”, on a coarse %(rows)s × %(columns)s grid. Parts that "
                                         "pushed the other way are left transparent."),
            "legend_fixed": _("%(value)s logits per cell or more"),
            "legend_photo": _("%(value)s logits per cell (this photo's strongest cell)"),
            "scale_fixed": _("The same scale for every photo: full red is a cell that adds %(full)s or more to the "
                             "log-odds of the answer, so a weak map stays faint."),
            "scale_photo": _("This photo's own scale: the map is divided by its strongest cell, so red marks this "
                             "photo's strongest evidence however weak it is. Compare photos on the other scale."),
            "ms": _("%(value)s ms"),
            "thanks_label": _("Thank you: your label is saved, and the picture goes to your classmates' queue."),
            "shared": _("Shared into %(class)s: your classmates and teachers can see it now (without its file name)."),
            "tags_disagree": _("The ImageNet network behind the tags leans towards “%(group)s”; the answer above "
                               "comes from %(model)s."),
            "deleted": _("Deleted."),
            "share_error": _("It could not be shared. Try again."),
            "cam": _("How the map is computed: the model's last feature maps (%(rows)s × %(columns)s cells) times the "
                     "final layer's weights give one map per class (Class Activation Map). The heatmap is the map of "
                     "“%(what)s” minus that of “%(against)s” (weighted by their probabilities when they are groups "
                     "of ImageNet classes), divided by the number of cells: each cell's share of the log-odds. Summed "
                     "over the cells: %(sum)s logits. With one class on each side that is their logit difference "
                     "without the final layer's biases; for groups of ImageNet classes, a first-order "
                     "approximation of it."),
            "confirm_delete": _("Delete this analysis? If you shared the photo into a class, the class keeps it."),
        },
    })


def threshold_origin(version: ModelVersion) -> str:
    """Where the version's unusual threshold was chosen (its signature's calibration), in the page's language."""
    calibration = version.signature.get("decision", {}).get("unusual", {}).get("calibration", {})
    if version.kind == ModelVersion.Kind.IMAGENET_ZERO_SHOT:
        return _("The threshold was chosen on the shared photos whose sha256 starts with 0-7 (cats, dogs and ImageNet "
                 "photos of other things), as the score that best tells them apart (maximum balanced accuracy); the "
                 "photos starting with 8-f check it. The check is optimistic: the network was trained on ImageNet.")
    if calibration.get("inherited"):
        return _("This version kept the pretrained model's threshold: its class had too few photos labelled neither "
                 "to choose its own.")
    return _("The threshold was chosen when this version was trained, on the class's photos whose sha256 ends in 0-7 "
             "(cats and dogs of its test split, and photos labelled neither), as the score that best tells them apart "
             "(maximum balanced accuracy); the photos ending in 8-f check it.")


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
