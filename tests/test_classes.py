"""Classes: teachers create them and share a join code, students join with it, everyone picks the
current class; the API shapes of the issue are a contract."""
import pytest
from django.test import Client
from rest_framework.test import APIClient

from eduai import classes
from eduai.models import Classroom, Membership
from eduai.roles import DEMO_ACCOUNTS, create_demo_accounts


def api_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_a_teacher_creates_a_class_and_gets_exactly_its_id_name_and_join_code(teacher):
    response = api_for(teacher).post("/api/v1/classes/", {"name": "  1º Bach   B "}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "name", "join_code"}
    assert body["name"] == "1º Bach B" and len(body["join_code"]) == 8
    assert not set(body["join_code"]) & set("01OIL")  # nothing a student could misread
    classroom = Classroom.objects.get(pk=body["id"])
    assert classes.members_of(classroom).get().role == "teacher"
    assert classes.current_class(teacher) == classroom


@pytest.mark.parametrize("name, code", [("", "blank"), ("   ", "blank"), ("x" * 101, "max_length")])
def test_a_class_needs_a_name_said_in_spanish(teacher, name, code):
    response = api_for(teacher).post("/api/v1/classes/", {"name": name}, format="json")
    assert response.status_code == 400 and response.json()["code"] == code
    assert response.json()["detail"] and not Classroom.objects.exists()


def test_students_and_visitors_cannot_create_classes(student):
    assert api_for(student).post("/api/v1/classes/", {"name": "Mía"}, format="json").status_code == 403
    assert api_for(None).post("/api/v1/classes/", {"name": "Mía"}, format="json").status_code == 401
    assert not Classroom.objects.exists()


def test_a_student_joins_with_the_code_however_they_type_it(classroom, make_user):
    bea = make_user("bea")
    code = classroom.join_code
    typed = f" {code[:4].lower()}-{code[4:]} "
    response = api_for(bea).post("/api/v1/classes/join/", {"join_code": typed}, format="json")
    assert response.status_code == 200
    assert response.json() == {"id": classroom.pk, "name": classroom.name, "join_code": code, "role": "student"}
    assert api_for(bea).post("/api/v1/classes/join/", {"join_code": code}, format="json").status_code == 200
    assert Membership.objects.filter(user=bea).count() == 1
    assert classes.current_class(bea) == classroom


def test_a_wrong_code_is_refused_and_joins_nothing(make_user, classroom):
    bea = make_user("bea")
    response = api_for(bea).post("/api/v1/classes/join/", {"join_code": "ZZZZ-ZZZZ"}, format="json",
                                 HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 400 and response.json()["code"] == "invalid_join_code"
    assert "código" in response.json()["detail"] and not Membership.objects.filter(user=bea).exists()


def test_a_new_join_code_replaces_the_old_one(classroom, teacher, make_user):
    old = classroom.join_code
    fresh = api_for(teacher).post(f"/api/v1/classes/{classroom.pk}/join-code/").json()["join_code"]
    assert fresh != old
    late = make_user("late")
    assert api_for(late).post("/api/v1/classes/join/", {"join_code": old}, format="json").status_code == 400
    assert api_for(late).post("/api/v1/classes/join/", {"join_code": fresh}, format="json").status_code == 200


def test_the_list_holds_the_callers_classes_and_admins_see_them_all(classroom, student, make_user):
    other = classes.create_class(name="Otra", teacher=make_user("olga", "teacher"))
    assert [item["id"] for item in api_for(student).get("/api/v1/classes/").json()] == [classroom.pk]
    admin = make_user("root", "admin")
    assert {item["id"] for item in api_for(admin).get("/api/v1/classes/").json()} == {classroom.pk, other.pk}
    assert api_for(None).get("/api/v1/classes/").status_code == 401


def test_me_says_who_you_are_and_changes_the_current_class(classroom, student, make_user, join):
    second = classes.create_class(name="Club de IA", teacher=make_user("olga", "teacher"))
    join(student, second)
    me = api_for(student).get("/api/v1/me/").json()
    assert (me["username"], me["role"], me["current_class"]) == ("ana", "student", second.pk)
    assert {item["id"] for item in me["classes"]} == {classroom.pk, second.pk}
    changed = api_for(student).patch("/api/v1/me/", {"current_class": classroom.pk}, format="json")
    assert changed.status_code == 200 and changed.json()["current_class"] == classroom.pk
    assert classes.current_class(type(student).objects.get(pk=student.pk)) == classroom


def test_me_refuses_a_class_you_are_not_in(student, make_user):
    elsewhere = classes.create_class(name="Ajena", teacher=make_user("olga", "teacher"))
    assert api_for(student).patch("/api/v1/me/", {"current_class": elsewhere.pk}, format="json").status_code == 404
    assert api_for(student).patch("/api/v1/me/", {"current_class": "primero"}, format="json").status_code == 400
    assert api_for(student).get("/api/v1/me/").json()["current_class"] is None


def test_someone_outside_a_class_gets_404_on_its_endpoints(classroom, make_user):
    outsider = api_for(make_user("olga", "teacher"))
    for path in ("", "members/", "images/", "labeling/next/", "labeling/agreement/", "labeling/settings/",
                 "labeling/export/csv/", "labeling/learning-curves/", "training-runs/", "models/"):
        assert outsider.get(f"/api/v1/classes/{classroom.pk}/{path}").status_code == 404, path
    assert outsider.get("/api/v1/classes/999999/images/").status_code == 404  # nothing tells them which exist


def test_teachers_manage_members_and_a_class_keeps_a_teacher(classroom, teacher, student):
    client = api_for(teacher)
    members = client.get(f"/api/v1/classes/{classroom.pk}/members/").json()
    assert {(m["username"], m["role"]) for m in members} == {("tere", "teacher"), ("ana", "student")}
    assert api_for(student).get(f"/api/v1/classes/{classroom.pk}/members/").status_code == 403
    assert client.patch(f"/api/v1/classes/{classroom.pk}/members/{student.pk}/", {"role": "teacher"},
                        format="json").json()["role"] == "teacher"
    assert client.delete(f"/api/v1/classes/{classroom.pk}/members/{student.pk}/").status_code == 204
    last = client.delete(f"/api/v1/classes/{classroom.pk}/members/{teacher.pk}/")
    assert last.status_code == 409 and last.json()["code"] == "last_teacher"
    ana_again = type(student).objects.get(pk=student.pk)  # her next request
    assert api_for(ana_again).get(f"/api/v1/classes/{classroom.pk}/images/").status_code == 404  # ana is out


def test_analyses_answer_with_the_current_class_by_default(active_model, classroom, api):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests import images

    body = api.post("/api/v1/analyses/", {"image": SimpleUploadedFile("a.jpg", images.jpeg())},
                    format="multipart").json()
    assert body["class"] == classroom.pk and body["model_version"]["id"] == active_model.pk


# ------------------------------------------------------------------------------------------ pages

def page_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_classes_page_joins_with_a_code_and_teachers_create_classes(classroom, make_user):
    bea = page_for(make_user("bea"))
    html = bea.get("/classes/").content.decode()
    assert "Todavía no estás en ninguna clase" in html and 'id="create-form"' not in html
    wrong = bea.post("/classes/", {"join_code": "nope"})
    assert wrong.status_code == 200 and "Ninguna clase tiene este código" in wrong.content.decode()
    joined = bea.post("/classes/", {"join_code": classroom.join_code.lower()})
    assert joined.status_code == 302 and joined["Location"] == f"/classes/{classroom.pk}/"
    teacher = page_for(make_user("olga", "teacher"))
    assert 'id="create-form"' in teacher.get("/classes/").content.decode()
    created = teacher.post("/classes/", {"name": "Robótica"})
    assert created.status_code == 302 and Classroom.objects.filter(name="Robótica").exists()
    assert bea.post("/classes/", {"name": "Pirata"}).status_code == 403


def test_a_class_page_shows_the_join_code_big_and_its_teachers_manage_it(classroom, teacher, student):
    code = classroom.join_code
    student_page = page_for(student).get(f"/classes/{classroom.pk}/").content.decode()
    assert f"{code[:4]}-{code[4:]}" in student_page and 'id="members"' not in student_page
    teacher_page = page_for(teacher).get(f"/classes/{classroom.pk}/").content.decode()
    assert 'id="members"' in teacher_page and 'data-user="ana"' in teacher_page
    assert page_for(student).post(f"/classes/{classroom.pk}/new-code/").status_code == 403
    page_for(teacher).post(f"/classes/{classroom.pk}/new-code/")
    classroom.refresh_from_db()
    assert classroom.join_code != code


def test_the_navigation_bar_chooses_the_current_class_and_the_sections_follow_it(classroom, student, make_user, join):
    second = classes.create_class(name="Club de IA", teacher=make_user("olga", "teacher"))
    join(student, second)
    client = page_for(student)
    html = client.get("/").content.decode()
    assert 'id="class-chooser"' in html and "Club de IA" in html
    assert client.get("/labeling/")["Location"] == f"/classes/{second.pk}/labeling/"
    moved = client.post("/classes/current/", {"class": classroom.pk, "section": "labeling", "next": "/"})
    assert moved["Location"] == f"/classes/{classroom.pk}/labeling/"
    assert client.get("/training/")["Location"] == f"/classes/{classroom.pk}/training/"
    assert client.post("/classes/current/", {"class": 999999}).status_code == 404


def test_someone_in_no_class_is_sent_to_join_one(make_user):
    client = page_for(make_user("bea"))
    response = client.get("/labeling/", follow=True)
    assert response.redirect_chain[-1][0] == "/classes/"
    assert "Primero únete a una clase" in response.content.decode()


def test_the_demo_accounts_are_in_a_demo_class_and_setting_up_again_changes_nothing(db):
    create_demo_accounts(password="demo-pass-123")
    create_demo_accounts(password="demo-pass-123")
    demo = Classroom.objects.get(name="Demo")
    roles = dict(Membership.objects.filter(classroom=demo).values_list("user__username", "role"))
    assert set(roles) == set(DEMO_ACCOUNTS) and roles["teacher"] == roles["admin"] == "teacher"
    assert roles["student"] == roles["student2"] == roles["student3"] == "student"
    assert Classroom.objects.count() == 1
