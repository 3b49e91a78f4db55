from celery import shared_task


@shared_task
def execute_training_run(run_id: int) -> str:
    """Run a queued training run in this worker (TensorFlow is imported here, never in the web process)."""
    from training.services import execute_run

    return execute_run(run_id).status


PREVIEW_SIZE = 160  # px, the side of each augmented picture shown


@shared_task
def augmentation_preview(image_id: int, augment: dict, count: int = 8, seed: int = 0) -> list[str]:
    """`count` augmented versions of a stored image as PNG data URLs (the Keras layers need TensorFlow,
    so this runs in the worker)."""
    import base64
    import io

    from django.conf import settings
    from PIL import Image

    from classifier.models import StoredImage
    from ml_models.preprocess import load_rgb, to_model_input
    from training.pipeline.augment import preview
    from training.pipeline.config import AugmentConfig

    stored = StoredImage.objects.get(pk=image_id)
    picture = to_model_input(load_rgb(settings.MEDIA_ROOT / stored.file.name), (PREVIEW_SIZE, PREVIEW_SIZE))
    urls = []
    for varied in preview(picture, AugmentConfig(**augment), count=count, seed=seed):
        buffer = io.BytesIO()
        Image.fromarray(varied).save(buffer, format="PNG")
        urls.append("data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode())
    return urls
