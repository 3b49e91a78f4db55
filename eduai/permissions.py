"""Roles (Django groups), checked in one place for the API and the pages."""
from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from rest_framework.permissions import SAFE_METHODS, BasePermission

from eduai.roles import ADMIN, TEACHER


def is_admin(user) -> bool:
    return bool(user and user.is_authenticated and (user.is_superuser or user.groups.filter(name=ADMIN).exists()))


def is_teacher(user) -> bool:
    """Teachers and admins."""
    return is_admin(user) or bool(user and user.is_authenticated and user.groups.filter(name=TEACHER).exists())


class ReadOrTeacher(BasePermission):
    """Anyone logged in reads; teachers and admins change."""

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS:
            return bool(request.user and request.user.is_authenticated)
        return is_teacher(request.user)


class ReadOrAdmin(BasePermission):
    """Anyone logged in reads; only admins change."""

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS:
            return bool(request.user and request.user.is_authenticated)
        return is_admin(request.user)


class IsTeacher(BasePermission):
    """Teachers and admins only, for reading too (adjudication queue, gold scores)."""

    def has_permission(self, request, view):
        return is_teacher(request.user)


class TeacherRequiredMixin(LoginRequiredMixin, UserPassesTestMixin):
    """Pages for teachers and admins: others are sent to log in, or get 403 when logged in."""

    def test_func(self):
        return is_teacher(self.request.user)
