"""The one Celery task behind every background job (see eduai/jobs.py)."""
from celery import shared_task


@shared_task(bind=True, name="eduai.run_job")
def run_job(task, job_id: int) -> str:
    """Run a queued job in this worker; TensorFlow, when a job needs it, is imported here, never in
    the web process."""
    from eduai import jobs

    return jobs.execute(job_id, worker=task.request.hostname or "worker").status
