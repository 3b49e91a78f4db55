from celery import shared_task


@shared_task
def execute_training_run(run_id: int) -> str:
    """Run a queued training run in this worker (TensorFlow is imported here, never in the web process)."""
    from training.services import execute_run

    return execute_run(run_id).status
