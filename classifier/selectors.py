from classifier.models import Analysis


def analyses_of(*, user):
    """The user's own analyses, newest first (policies.can_see_analysis: nobody else's)."""
    return Analysis.objects.filter(user=user).select_related("image", "model_version")


def analysis_of(*, user, pk: int) -> Analysis | None:
    return analyses_of(user=user).filter(pk=pk).first()
