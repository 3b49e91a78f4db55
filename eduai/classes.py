"""Classes: create, join with a code, choose the current one, manage members."""
from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from eduai import policies
from eduai.errors import AppError, not_found
from eduai.models import Classroom, Membership, Profile, new_join_code
from eduai.permissions import is_admin

MAX_NAME = 100


def _clean_name(name) -> str:
    name = " ".join(str(name or "").split())
    if not name:
        raise AppError("invalid_name", _("Give the class a name."))
    if len(name) > MAX_NAME:
        raise AppError("invalid_name", _("The class name can have at most %(limit)d characters.") % {"limit": MAX_NAME})
    return name


@transaction.atomic
def create_class(*, name: str, teacher) -> Classroom:
    """A new class taught by `teacher` (a teacher or admin), with a fresh join code; it becomes their
    current class."""
    if not policies.can_create_classes(teacher):
        raise AppError("permission_denied", _("Only teachers and admins create classes."), 403)
    classroom = Classroom.objects.create(name=_clean_name(name), created_by=teacher)
    Membership.objects.create(classroom=classroom, user=teacher, role=Membership.Role.TEACHER)
    set_current_class(user=teacher, classroom=classroom)
    return classroom


def normalise_code(code) -> str:
    """Join codes are typed by students: case, spaces and dashes do not matter."""
    return "".join(ch for ch in str(code or "").upper() if ch.isalnum())


def join_class(*, user, join_code: str) -> Classroom:
    """Join the class with this code as a student (a member already keeps their role); it becomes the
    current class."""
    code = normalise_code(join_code)
    classroom = Classroom.objects.filter(join_code=code).first() if code else None
    if classroom is None:
        raise AppError("invalid_join_code", _("No class has this join code. Check it with your teacher."))
    try:
        with transaction.atomic():
            Membership.objects.get_or_create(classroom=classroom, user=user,
                                             defaults={"role": Membership.Role.STUDENT})
    except IntegrityError:  # joined twice at the same moment
        pass
    policies.forget_roles(user)
    set_current_class(user=user, classroom=classroom)
    return classroom


def classes_of(user) -> QuerySet:
    """The user's classes (every class for admins), by name."""
    if is_admin(user):
        return Classroom.objects.all()
    return Classroom.objects.filter(memberships__user=user).distinct()


def class_for(user, class_id) -> Classroom:
    """The class with this id if the user belongs to it (or is an admin); a 404 otherwise, so nobody
    outside a class learns whether it exists."""
    try:
        classroom = Classroom.objects.filter(pk=int(class_id)).first()
    except (TypeError, ValueError):
        classroom = None
    if classroom is None or not policies.is_member(user, classroom):
        raise not_found(_("That class does not exist or you are not in it."))
    return classroom


def current_class(user) -> Classroom | None:
    """The class the user chose in the navigation bar; their first class if they never chose or left it."""
    if user is None or not user.is_authenticated:
        return None
    cached = user.__dict__.get("_eduai_current_class", False)
    if cached is not False:
        return cached
    profile = Profile.objects.filter(user=user).select_related("current_class").first()
    chosen = profile.current_class if profile else None
    if chosen is None or not policies.is_member(user, chosen):
        chosen = classes_of(user).order_by("memberships__joined_at", "id").first()
        if chosen is not None:
            set_current_class(user=user, classroom=chosen)
    user.__dict__["_eduai_current_class"] = chosen
    return chosen


def set_current_class(*, user, classroom: Classroom) -> None:
    if not policies.is_member(user, classroom):
        raise not_found(_("That class does not exist or you are not in it."))
    Profile.objects.update_or_create(user=user, defaults={"current_class": classroom})
    user.__dict__["_eduai_current_class"] = classroom


def for_command(value: str | None) -> Classroom:
    """The class a management command names with --class (its id or exact name); without it, the only
    class there is. ValueError with the reason otherwise."""
    if value:
        found = Classroom.objects.filter(pk=int(value)) if value.isdigit() else Classroom.objects.filter(name=value)
        if found.count() != 1:
            raise ValueError(f"no single class is called or numbered {value!r}")
        return found.get()
    if Classroom.objects.count() != 1:
        names = ", ".join(f"{c.pk}: {c.name}" for c in Classroom.objects.all()[:20]) or "none yet"
        raise ValueError(f"say which class with --class (classes: {names})")
    return Classroom.objects.get()


def rename_class(*, classroom: Classroom, name: str) -> Classroom:
    classroom.name = _clean_name(name)
    classroom.save(update_fields=["name"])
    return classroom


def new_code_for(*, classroom: Classroom) -> Classroom:
    """A fresh join code (the old one stops working): when a code leaked outside the class."""
    while True:
        code = new_join_code()
        if not Classroom.objects.filter(join_code=code).exists():
            break
    classroom.join_code = code
    classroom.save(update_fields=["join_code"])
    return classroom


def members_of(classroom: Classroom) -> QuerySet:
    return Membership.objects.filter(classroom=classroom).select_related("user").order_by("role", "user__username")


def set_member_role(*, classroom: Classroom, membership: Membership, role: str) -> Membership:
    if role not in Membership.Role.values:
        raise AppError("invalid_role", _("The role must be teacher or student."))
    if membership.role == Membership.Role.TEACHER and role != membership.role:
        _keep_a_teacher(classroom, leaving=membership)
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


def remove_member(*, classroom: Classroom, membership: Membership) -> None:
    """Take someone out of the class; their labels stay (they are the class's work), they lose access."""
    if membership.role == Membership.Role.TEACHER:
        _keep_a_teacher(classroom, leaving=membership)
    membership.delete()


def _keep_a_teacher(classroom: Classroom, *, leaving: Membership) -> None:
    others = Membership.objects.filter(classroom=classroom, role=Membership.Role.TEACHER).exclude(pk=leaving.pk)
    if not others.exists():
        raise AppError("last_teacher", _("A class needs at least one teacher."), 409)

