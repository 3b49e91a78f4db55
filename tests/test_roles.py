"""Demo accounts: a class can start at once, with enough students to show agreement between labelers."""
from django.contrib.auth import get_user_model

from eduai.permissions import is_admin, is_teacher
from eduai.roles import create_demo_accounts


def test_demo_accounts_include_three_students_a_teacher_and_an_admin(db):
    accounts = create_demo_accounts(password="demo-pass-123")
    users = {user.username: user for user in get_user_model().objects.all()}
    students = [name for name, user in users.items() if user.groups.filter(name="student").exists()]
    assert len(students) >= 3
    assert is_teacher(users["teacher"]) and not is_admin(users["teacher"])
    assert is_admin(users["admin"]) and users["admin"].is_superuser
    assert not any(is_teacher(users[name]) for name in students)
    assert all(users[a.username].check_password("demo-pass-123") for a in accounts)


def test_creating_demo_accounts_again_keeps_their_passwords(db):
    create_demo_accounts(password="first-pass-123")
    again = create_demo_accounts(password="other-pass-456")
    assert all(account.password is None for account in again)
    assert get_user_model().objects.get(username="student3").check_password("first-pass-123")
