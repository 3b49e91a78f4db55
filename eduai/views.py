"""Pages for classes: my classes (join with a code, create one), a class's page (its join code to
project, its members), choosing the current class, and the old section URLs that follow it."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from eduai import classes, policies
from eduai.class_scope import ClassPage, ClassTeacherPage
from eduai.errors import AppError, not_found
from eduai.forms import CreateClassForm, JoinClassForm
from eduai.glossary import TERMS


class ClassesPage(LoginRequiredMixin, TemplateView):
    template_name = "eduai/classes.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        return {
            **super().get_context_data(**kwargs),
            "classes": [(classroom, policies.role_in(user, classroom)) for classroom in classes.classes_of(user)],
            "join_form": kwargs.get("join_form") or JoinClassForm(),
            "create_form": kwargs.get("create_form") or (CreateClassForm() if policies.can_create_classes(user) else None),
        }

    def post(self, request):
        if "join_code" in request.POST:
            form = JoinClassForm(request.POST)
            if form.is_valid():
                try:
                    classroom = classes.join_class(user=request.user, join_code=form.cleaned_data["join_code"])
                except AppError as error:
                    form.add_error("join_code", error.detail)
                else:
                    messages.success(request, _("You are in %(class)s now.") % {"class": classroom})
                    return redirect("classes:detail", classroom.pk)
            return self.render_to_response(self.get_context_data(join_form=form))
        form = CreateClassForm(request.POST)
        if not policies.can_create_classes(request.user):
            raise AppError("permission_denied", _("Only teachers and admins create classes."), 403)
        if form.is_valid():
            classroom = classes.create_class(name=form.cleaned_data["name"], teacher=request.user)
            messages.success(request, _("Class created. Share its join code with your students."))
            return redirect("classes:detail", classroom.pk)
        return self.render_to_response(self.get_context_data(create_form=form))


class ClassDetailPage(ClassPage, TemplateView):
    template_name = "eduai/class.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs),
                "members": classes.members_of(self.classroom) if self.teaching else None}


class ClassAction(ClassTeacherPage, View):
    """POST from a class's page (teachers): a new join code, rename, a member's role, remove a member."""

    def post(self, request, class_id: int, action: str):
        try:
            if action == "new-code":
                classes.new_code_for(classroom=self.classroom)
                messages.success(request, _("New join code: the old one no longer works."))
            elif action == "rename":
                classes.rename_class(classroom=self.classroom, name=request.POST.get("name", ""))
                messages.success(request, _("Saved."))
            elif action in ("make-teacher", "make-student", "remove"):
                membership = classes.members_of(self.classroom).filter(user_id=request.POST.get("user") or 0).first()
                if membership is None:
                    raise not_found()
                if action == "remove":
                    classes.remove_member(classroom=self.classroom, membership=membership)
                    messages.info(request, _("%(user)s is no longer in the class.") % {"user": membership.user})
                else:
                    classes.set_member_role(classroom=self.classroom, membership=membership, role=action[5:])
                    messages.success(request, _("Saved."))
            else:
                raise not_found()
        except AppError as error:
            messages.error(request, error.detail)
        return redirect("classes:detail", self.classroom.pk)


@login_required
@require_POST
def choose_class(request):
    """The navigation bar's class chooser: the current class changes, and the page follows it."""
    classroom = classes.class_for(request.user, request.POST.get("class"))
    classes.set_current_class(user=request.user, classroom=classroom)
    back = request.POST.get("next", "")
    section = request.POST.get("section", "")
    if section in SECTIONS:
        return redirect(SECTIONS[section], classroom.pk)
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("classifier:analyze")
    return redirect(back)


SECTIONS = {"labeling": "labeling:overview", "training": "training:runs", "models": "ml_models:models",
            "class": "classes:detail"}


@login_required
def current_class_section(request, section: str):
    """/labeling/, /training/, /models/: the section of the current class, or the classes page to join one."""
    classroom = classes.current_class(request.user)
    if classroom is None:
        messages.info(request, _("Join a class first (ask your teacher for its code), or create one."))
        return redirect("classes:list")
    return redirect(SECTIONS[section], classroom.pk)




class GlossaryPage(TemplateView):
    """Every term of the glossary, in the reader's language with the other language beside it."""

    template_name = "eduai/glossary.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "terms": sorted(TERMS, key=lambda term: term.name.casefold())}
