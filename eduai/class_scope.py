"""Views under /classes/{class_id}/ (pages) and /api/v1/classes/{class_id}/ (API): the class comes from
the URL, and someone outside it gets a 404, so nobody learns which classes exist."""
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission

from eduai import classes, policies


class InClass(BasePermission):
    """API: members of the class in the URL (sets `view.classroom`)."""

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        view.classroom = classes.class_for(request.user, view.kwargs["class_id"])
        return True


class ClassTeacher(InClass):
    """API: the class's teachers only, for reading too (disputes, gold scores, import)."""

    def has_permission(self, request, view):
        return super().has_permission(request, view) and policies.can_teach(request.user, view.classroom)


class ClassTeacherWrites(InClass):
    """API: the class's members read, its teachers change."""

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        return request.method in SAFE_METHODS or policies.can_teach(request.user, view.classroom)


class ClassPage(LoginRequiredMixin):
    """Pages of one class: members only (404 for others); sets `self.classroom` and `self.teaching`."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.classroom = classes.class_for(request.user, kwargs["class_id"])
        self.teaching = policies.can_teach(request.user, self.classroom)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "classroom": self.classroom, "is_teacher": self.teaching}


class ClassTeacherPage(ClassPage):
    """Pages and page actions for the class's teachers (403 for its students)."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.classroom = classes.class_for(request.user, kwargs["class_id"])
        if not policies.can_teach(request.user, self.classroom):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)
