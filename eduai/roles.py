"""Roles are Django groups; demo accounts, in a Demo class, let a class start at once."""
from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

STUDENT, TEACHER, ADMIN = "student", "teacher", "admin"
ROLES = (STUDENT, TEACHER, ADMIN)
DEMO_ACCOUNTS = {  # three students, so that agreement between labelers can be shown
    "admin": ADMIN, "teacher": TEACHER, "student": STUDENT, "student2": STUDENT, "student3": STUDENT,
}
DEMO_CLASS = "Demo"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    password: str | None  # None when the account already existed (its password is left alone)


@transaction.atomic
def create_demo_accounts(*, password: str | None = None) -> list[DemoAccount]:
    """Create the role groups, the demo accounts that do not exist yet, and the Demo class they are in
    (the teacher and the admin teach it)."""
    from eduai.models import Classroom, Membership, Profile

    for role in ROLES:
        Group.objects.get_or_create(name=role)
    users = get_user_model()
    accounts = []
    for username, role in DEMO_ACCOUNTS.items():
        if users.objects.filter(username=username).exists():
            accounts.append(DemoAccount(username, role, None))
            continue
        new_password = password or secrets.token_urlsafe(9)
        user = users.objects.create_user(
            username=username, password=new_password, is_staff=role == ADMIN, is_superuser=role == ADMIN
        )
        user.groups.add(Group.objects.get(name=role))
        accounts.append(DemoAccount(username, role, new_password))
    demo = Classroom.objects.filter(name=DEMO_CLASS).order_by("id").first() or Classroom.objects.create(name=DEMO_CLASS)
    for account in accounts:
        user = users.objects.get(username=account.username)
        role = Membership.Role.STUDENT if account.role == STUDENT else Membership.Role.TEACHER
        Membership.objects.get_or_create(classroom=demo, user=user, defaults={"role": role})
        Profile.objects.get_or_create(user=user, defaults={"current_class": demo})
    return accounts
