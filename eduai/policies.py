"""Who may see and do what, written once: pages, the API, exports and the admin all ask here.

- A class's members are its teachers and students; admins teach every class.
- An analysis and its photo belong to their owner. Classmates and teachers see a photo only once
  its owner shared it into their class, and never its original file name (teachers see the names
  of pictures uploaded into the class, which are not anyone's private photos).
- Labelers answer blind: a student sees other people's votes on a picture (and the model's answer)
  only once they have answered or skipped it themselves, or once it is settled; gold answers and
  how many gold pictures there are stay with the teachers.
- A job is seen by whoever started it and, for class work (training, learning curves, scoring),
  by the class; an augmentation preview shows a private photo, so only its owner sees it.
"""
from __future__ import annotations

from eduai.models import Job, Membership
from eduai.permissions import is_admin, is_teacher

TEACHER, STUDENT = Membership.Role.TEACHER, Membership.Role.STUDENT
PRIVATE_JOB_KINDS = {Job.Kind.AUGMENTATION_PREVIEW}


# ---------------------------------------------------------------------------------------- classes

def role_in(user, classroom) -> str | None:
    """"teacher", "student" or None (not a member); admins teach every class. Cached on the user."""
    if user is None or not user.is_authenticated or classroom is None:
        return None
    cache = user.__dict__.setdefault("_eduai_roles", {})
    if classroom.pk not in cache:
        if is_admin(user):
            cache[classroom.pk] = TEACHER
        else:
            cache[classroom.pk] = (Membership.objects.filter(classroom_id=classroom.pk, user=user)
                                   .values_list("role", flat=True).first())
    return cache[classroom.pk]


def forget_roles(user) -> None:
    """After a membership changed within the same request."""
    user.__dict__.pop("_eduai_roles", None)


def is_member(user, classroom) -> bool:
    return role_in(user, classroom) is not None


def can_teach(user, classroom) -> bool:
    """Adjudicate, mark gold, change settings, import labels, start and cancel runs, manage members."""
    return role_in(user, classroom) == TEACHER


def can_create_classes(user) -> bool:
    return is_teacher(user)


def can_manage_models(user) -> bool:
    """Activate and roll back versions (DESIGN.md: admins)."""
    return is_admin(user)


def can_see_version(user, version) -> bool:
    """The pretrained versions are everyone's; a trained one is its class's (its files hold what the
    class's photos taught it)."""
    if user is None or not user.is_authenticated:
        return False
    return version.classroom_id is None or is_member(user, version.classroom)


def can_run_version(user, version) -> bool:
    """Download a version's files and run it (the edge page): the pretrained versions hold nothing of any
    class, so anonymous visitors may run them too; a trained one stays its class's."""
    return version.classroom_id is None or can_see_version(user, version)


# ----------------------------------------------------------------------------------------- photos

def can_see_analysis(user, analysis) -> bool:
    """Only the owner, in the app (admins see analyses in Django admin only)."""
    return bool(user and user.is_authenticated and analysis.user_id == user.pk)


def can_see_picture(user, image) -> bool:
    """The photo file: its owners (through their analyses) and the members of a class it was shared into."""
    if user is None or not user.is_authenticated:
        return False
    if image.analyses.filter(user=user).exists():
        return True
    classes = image.class_images.values_list("classroom_id", flat=True)
    return is_admin(user) or Membership.objects.filter(user=user, classroom_id__in=classes).exists()


def sees_file_names(user, classroom) -> bool:
    """Original names of pictures uploaded into the class (never of shared photos: those have none)."""
    return can_teach(user, classroom)


# --------------------------------------------------------------------------------------- labeling

def sees_gold(user, classroom) -> bool:
    """Which pictures are gold, their answers and how many there are."""
    return can_teach(user, classroom)


def votes_visible(*, user, classroom, settled: bool, gold: bool, answered: bool) -> bool:
    """Other people's votes (and the model's answer) on one picture."""
    return can_teach(user, classroom) or answered or (settled and not gold)


def exports_everything(user, classroom) -> bool:
    """Teachers export every label of the class; a student exports only their own labels."""
    return can_teach(user, classroom)


# ------------------------------------------------------------------------------------------- jobs

def can_see_job(user, job) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if job.owner_id == user.pk:
        return True
    return job.kind not in PRIVATE_JOB_KINDS and job.classroom_id is not None and is_member(user, job.classroom)


def can_cancel_job(user, job) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return job.owner_id == user.pk or (job.classroom_id is not None and can_teach(user, job.classroom))


# ---------------------------------------------------------------------------------------- lessons
# Built-in lessons are published to every class; a teacher's lesson is read by the members of the classes it
# is published to; drafts only by their author (and admins). Built-in lessons are changed in the repository
# only: teachers copy them to adapt them.

def can_author_lessons(user) -> bool:
    return is_teacher(user)


def can_read_lesson(user, lesson) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if is_admin(user) or (lesson.author_id is not None and lesson.author_id == user.pk):
        return True
    if lesson.status != lesson.Status.PUBLISHED:
        return False
    return lesson.builtin or Membership.objects.filter(user=user, classroom__lessons=lesson).exists()


def can_edit_lesson(user, lesson) -> bool:
    if user is None or not user.is_authenticated or lesson.builtin:
        return False
    return is_admin(user) or (lesson.author_id is not None and lesson.author_id == user.pk)


def can_publish_to(user, classroom) -> bool:
    """A lesson goes only into classes its publisher teaches."""
    return can_teach(user, classroom)


def sees_class_progress(user, classroom) -> bool:
    return can_teach(user, classroom)
