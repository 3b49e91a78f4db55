"""Roles are Django groups; demo accounts let a class start at once."""
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


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    password: str | None  # None when the account already existed (its password is left alone)


@transaction.atomic
def create_demo_accounts(*, password: str | None = None) -> list[DemoAccount]:
    """Create the role groups and the demo accounts that do not exist yet."""
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
    return accounts
