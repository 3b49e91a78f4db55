"""What every look-inside widget starts from: one of the reader's own analyses (never anyone else's) and
where the look-inside API answers about it."""
from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from classifier.models import Analysis
from classifier.selectors import analyses_of
from edge.widget_data import urls_for as edge_urls_for
from eduai.errors import not_found

RECENT = 12


def analysis_summary(analysis: Analysis) -> dict:
    return {"id": analysis.pk, "image_url": reverse("classifier:analysis-image", kwargs={"pk": analysis.pk}),
            "label": analysis.label, "model": analysis.model_version_id,
            "created_at": analysis.created_at.isoformat()}


def context_for(analysis: Analysis, recent) -> dict:
    return {
        "analysis": analysis_summary(analysis),
        "analyses": [analysis_summary(other) for other in recent],
        "architecture_url": reverse("api:api-model-architecture", kwargs={"pk": analysis.model_version_id}),
        "api": reverse("api:api-analysis-detail", kwargs={"pk": analysis.pk}),
        "inside_url": reverse("inside:page") + f"?analysis={analysis.pk}",
        # the model the painted occlusion runs on in the browser (the analysis's class's, as on /edge/)
        "edge_model_url": edge_urls_for(analysis.classroom)["model_info_url"],
    }


def analysis_context(*, classroom, user, options: dict) -> dict:
    """The reader's latest analysis made in this class (or the one `analysis: ID` names, if it is theirs)."""
    recent = list(analyses_of(user=user).filter(classroom=classroom)[:RECENT])
    choice = options.get("analysis", "latest")
    if choice == "latest":
        if not recent:
            return {"empty": _("Analyze a photo of your own in this class first (Analyze): these views look "
                               "inside the model while it answers your photo.")}
        return context_for(recent[0], recent)
    analysis = analyses_of(user=user).filter(pk=choice).first()
    if analysis is None:
        raise not_found(_("That analysis does not exist or is not yours."))
    return context_for(analysis, recent)
