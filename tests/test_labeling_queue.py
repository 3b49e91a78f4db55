"""The labeling queue of a class: who is served what, in which order, what happens with skip, undo and
races, and how the same picture in two classes is labelled in each independently."""
import threading
from datetime import timedelta

import numpy as np
import pytest
from django.db import connection
from django.utils import timezone

from eduai import classes, jobs
from eduai.errors import AppError
from eduai.models import Job
from labeling import ordering, selectors, services
from labeling.models import Assignment, ImageScore, Label, LabelingSettings, Skip
from tests.images import jpeg


def picture_bytes(index: int) -> bytes:
    return jpeg(40 + index, 30)


@pytest.fixture
def images(classroom):
    """Six distinct pictures in the class, none labelled."""
    return [services.import_image(classroom=classroom, content=picture_bytes(i), name=f"p{i}.jpg", value=None).image
            for i in range(6)]


@pytest.fixture
def other_class(make_user):
    """Another class, taught by "olga", with nobody else in it yet."""
    return classes.create_class(name="2º Bach B", teacher=make_user("olga", "teacher"))


@pytest.fixture
def member(classroom, make_user, join):
    """member(name): a new student of the class."""
    def make(name: str, room=None):
        user = make_user(name)
        join(user, room or classroom)
        return user
    return make


def needed(classroom, count: int) -> None:
    services.update_settings(classroom=classroom, labels_per_image=count)


def label_all(classroom, user, strategy="random", value="cat") -> list[int]:
    """Label everything `user` is served in the class (all `value`); the ids in the order served."""
    served = []
    while (held := services.next_image(classroom=classroom, user=user, strategy=strategy)) is not None:
        served.append(held.image_id)
        services.label_image(classroom=classroom, user=user, image=held.image, value=value, strategy=strategy)
    return served


def ids(pictures) -> list[int]:
    return sorted(picture.pk for picture in pictures)


def test_a_student_is_served_every_image_once_and_never_again(classroom, images, student):
    served = label_all(classroom, student)
    assert sorted(served) == ids(images)
    assert services.next_image(classroom=classroom, user=student, strategy="random") is None


def test_images_that_already_have_enough_labels_are_not_served(classroom, images, student, member):
    needed(classroom, 2)
    ben, carla = member("ben"), member("carla")
    label_all(classroom, student)
    label_all(classroom, ben)
    assert services.next_image(classroom=classroom, user=carla, strategy="random") is None
    assert Label.objects.filter(classroom=classroom).count() == 12


def test_an_image_held_by_one_student_is_not_given_to_more_people_than_needed(classroom, images, student, member):
    needed(classroom, 1)
    ben = member("ben")
    held_by_ana = services.next_image(classroom=classroom, user=student, strategy="random").image_id
    others = label_all(classroom, ben)
    assert held_by_ana not in others and len(others) == 5


def test_a_hold_that_expired_frees_the_image_for_others(classroom, images, student, member):
    needed(classroom, 1)
    ben = member("ben")
    held = services.next_image(classroom=classroom, user=student, strategy="random")
    Assignment.objects.filter(pk=held.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert held.image_id in label_all(classroom, ben)


def test_asking_again_returns_the_image_already_held(classroom, images, student):
    first = services.next_image(classroom=classroom, user=student, strategy="random")
    assert services.next_image(classroom=classroom, user=student, strategy="random").image_id == first.image_id
    assert Assignment.objects.filter(user=student).count() == 1


def test_a_skipped_image_is_not_served_again_until_undone(classroom, images, student):
    skipped = services.next_image(classroom=classroom, user=student, strategy="random").image
    services.skip_image(classroom=classroom, user=student, image=skipped)
    served = label_all(classroom, student)
    assert skipped.pk not in served and len(served) == 5
    assert Skip.objects.filter(classroom=classroom, user=student, image=skipped).exists()


def test_undo_takes_back_the_last_label_and_serves_that_image_next(classroom, images, student):
    ana = student
    first = services.next_image(classroom=classroom, user=ana, strategy="random").image
    services.label_image(classroom=classroom, user=ana, image=first, value="dog", strategy="random")
    second = services.next_image(classroom=classroom, user=ana, strategy="random").image
    services.label_image(classroom=classroom, user=ana, image=second, value="cat", strategy="random")

    assert services.undo_last(classroom=classroom, user=ana, strategy="random") == second
    assert list(Label.objects.filter(user=ana).values_list("image_id", flat=True)) == [first.pk]
    assert services.next_image(classroom=classroom, user=ana, strategy="random").image_id == second.pk
    services.label_image(classroom=classroom, user=ana, image=second, value="dog", strategy="random")
    assert dict(Label.objects.filter(user=ana).values_list("image_id", "value")) == {first.pk: "dog", second.pk: "dog"}


def test_undo_with_nothing_to_undo_says_so(classroom, student):
    assert services.undo_last(classroom=classroom, user=student, strategy="random") is None


def test_undo_of_a_skip_serves_the_skipped_image_again(classroom, images, student):
    skipped = services.next_image(classroom=classroom, user=student, strategy="random").image
    services.skip_image(classroom=classroom, user=student, image=skipped)
    assert services.undo_last(classroom=classroom, user=student, strategy="random") == skipped
    assert not Skip.objects.exists()
    assert services.next_image(classroom=classroom, user=student, strategy="random").image_id == skipped.pk


def test_the_strategy_is_stored_with_each_label(classroom, images, student):
    image = services.next_image(classroom=classroom, user=student, strategy="random").image
    services.label_image(classroom=classroom, user=student, image=image, value="neither", strategy="random")
    label = Label.objects.get(user=student)
    assert (label.strategy, label.labeler, label.value, label.classroom) == ("random", "ana", "neither", classroom)


def test_labelling_an_image_twice_is_refused_and_keeps_the_first_label(classroom, images, student):
    services.label_image(classroom=classroom, user=student, image=images[0], value="cat", strategy="random")
    with pytest.raises(AppError) as refused:
        services.label_image(classroom=classroom, user=student, image=images[0], value="dog", strategy="random")
    assert refused.value.code == "already_labeled" and refused.value.status == 409
    assert list(Label.objects.values_list("value", flat=True)) == ["cat"]


@pytest.mark.parametrize("value, strategy, code", [("horse", "random", "invalid_label"),
                                                   ("cat", "psychic", "invalid_strategy")])
def test_invalid_labels_and_strategies_are_refused(classroom, images, student, value, strategy, code):
    with pytest.raises(AppError) as refused:
        services.label_image(classroom=classroom, user=student, image=images[0], value=value, strategy=strategy)
    assert refused.value.code == code and not Label.objects.exists()


def test_a_label_for_a_picture_that_is_not_in_the_class_is_refused(classroom, images, other_class, student):
    outsider = services.import_image(classroom=other_class, content=jpeg(99, 30), name="o.jpg", value=None).image
    for act in (lambda: services.label_image(classroom=classroom, user=student, image=outsider, value="cat",
                                             strategy="random"),
                lambda: services.skip_image(classroom=classroom, user=student, image=outsider)):
        with pytest.raises(AppError) as refused:
            act()
        assert (refused.value.code, refused.value.status) == ("not_found", 404)
    assert not Label.objects.exists() and not Skip.objects.exists()
    assert not selectors.in_class(classroom, outsider.pk)  # and it was not put into the class either


def test_a_label_for_a_picture_that_no_longer_needs_it_is_refused(classroom, images, teacher, student, member):
    needed(classroom, 1)
    ben, carla = member("ben"), member("carla")
    services.label_image(classroom=classroom, user=ben, image=images[0], value="dog", strategy="random")
    services.adjudicate(classroom=classroom, image=images[1], teacher=teacher, value="cat")
    held_by_carla = services.next_image(classroom=classroom, user=carla, strategy="random").image
    for enough in (images[0], images[1], held_by_carla):  # has its one vote; settled; held for someone else
        with pytest.raises(AppError) as refused:
            services.label_image(classroom=classroom, user=student, image=enough, value="cat", strategy="random")
        assert (refused.value.code, refused.value.status) == ("not_labelable", 409)
    assert not Label.objects.filter(user=student).exists()
    assert Assignment.objects.get(user=carla).image == held_by_carla  # carla keeps her picture


def test_the_picture_held_for_a_student_may_be_labelled_even_once_it_has_enough(classroom, images, teacher, student,
                                                                                member):
    """She was already looking at it when someone else's label or the teacher's decision settled it."""
    needed(classroom, 2)
    held = services.next_image(classroom=classroom, user=student, strategy="random").image
    services.label_image(classroom=classroom, user=member("ben"), image=held, value="dog", strategy="random")
    needed(classroom, 1)
    services.adjudicate(classroom=classroom, image=held, teacher=teacher, value="dog")
    label = services.label_image(classroom=classroom, user=student, image=held, value="cat", strategy="random")
    assert label.image_id == held.pk and not Assignment.objects.filter(user=student).exists()


def test_model_orders_need_an_active_model(classroom, images, student):
    with pytest.raises(AppError) as refused:
        services.next_image(classroom=classroom, user=student, strategy="entropy")
    assert (refused.value.code, refused.value.status) == ("no_active_model", 409)


def test_gold_images_are_served_to_every_student_whatever_their_vote_count(classroom, images, teacher, student,
                                                                            member):
    needed(classroom, 1)
    ben = member("ben")
    services.mark_gold(classroom=classroom, image=images[0], teacher=teacher, value="dog")
    assert images[0].pk in label_all(classroom, student)
    assert images[0].pk in label_all(classroom, ben)


def test_adjudicated_and_dataset_images_are_not_served(classroom, images, teacher, student):
    services.adjudicate(classroom=classroom, image=images[0], teacher=teacher, value="cat")
    services.import_image(classroom=classroom, content=picture_bytes(1), name="p1.jpg",
                          value="dog")  # images[1], now with a dataset label
    served = label_all(classroom, student)
    assert images[0].pk not in served and images[1].pk not in served and len(served) == 4


# --------------------------------------------------------------- one picture, two classes

@pytest.fixture
def shared(images, other_class):
    """The same six pictures are in the other class too."""
    for index in range(len(images)):
        services.import_image(classroom=other_class, content=picture_bytes(index), name=f"q{index}.jpg", value=None)
    assert set(selectors.image_ids(other_class)) == {image.pk for image in images}
    return other_class


def test_labels_in_one_class_do_not_count_in_another(classroom, images, shared, student, member, join):
    needed(classroom, 1)
    needed(shared, 1)
    join(student, shared)  # ana is in both classes
    ben = member("ben", room=shared)
    assert sorted(label_all(classroom, student, value="dog")) == ids(images)
    assert sorted(label_all(shared, student, value="cat")) == ids(images)  # never twice: within one class
    assert label_all(shared, ben) == []  # the other class has its one label per picture: ana's there

    assert {label.value for label in Label.objects.filter(classroom=classroom)} == {"dog"}
    assert {label.value for label in Label.objects.filter(classroom=shared)} == {"cat"}
    assert set(selectors.final_labels(classroom).values()) == {"dog"}
    assert set(selectors.final_labels(shared).values()) == {"cat"}

    services.undo_last(classroom=classroom, user=student, strategy="random")  # undo in one class only
    assert Label.objects.filter(classroom=classroom).count() == 5
    assert Label.objects.filter(classroom=shared).count() == 6


def test_a_hold_or_a_skip_in_one_class_does_not_keep_the_picture_from_another(classroom, images, shared, student,
                                                                             member, join):
    needed(classroom, 1)
    needed(shared, 1)
    join(student, shared)
    ben = member("ben", room=shared)
    held = services.next_image(classroom=classroom, user=student, strategy="random")
    skipped = services.next_image(classroom=shared, user=student, strategy="random").image
    services.skip_image(classroom=shared, user=student, image=skipped)

    assert held.image_id in label_all(shared, ben)  # ana's hold is in the first class only
    assert Assignment.objects.filter(classroom=classroom, user=student, image_id=held.image_id).exists()
    served = label_all(classroom, student)
    assert served[0] == held.image_id and sorted(served) == ids(images)  # her skip was in the other class


def test_a_picture_settled_in_one_class_still_needs_labels_in_another(classroom, images, shared, teacher, student,
                                                                     join):
    services.adjudicate(classroom=classroom, image=images[0], teacher=teacher, value="cat")
    services.mark_gold(classroom=classroom, image=images[1], teacher=teacher, value="dog")
    services.import_image(classroom=classroom, content=picture_bytes(2), name="p2.jpg", value="neither")
    states = selectors.image_states(classroom=shared)
    assert {states[image.pk].status for image in images} == {"unlabeled"}
    assert selectors.final_labels(shared) == {}

    join(student, shared)
    assert sorted(label_all(shared, student)) == ids(images)  # all of them are served there
    assert images[0].pk not in label_all(classroom, student)


# ------------------------------------------------------------------------- orders using the model

@pytest.fixture
def photos(classroom, cat_photos, dog_photos, other_photos):
    """Real photos in the class: three cats, three dogs, three other things."""
    paths = cat_photos[:3] + dog_photos[:3] + other_photos[:3]
    return [services.import_image(classroom=classroom, content=path.read_bytes(), name=path.name, value=None).image
            for path in paths]


@pytest.mark.parametrize("measure", ["least_confidence", "margin", "entropy"])
def test_uncertainty_serves_the_image_the_classs_model_is_least_sure_about(classroom, photos, active_model, student,
                                                                           measure):
    from labeling.learning_curve import uncertainty

    held = services.next_image(classroom=classroom, user=student, strategy=measure)
    scores = ImageScore.objects.filter(model_version=active_model)
    assert scores.count() == len(photos)  # every candidate was scored (and cached) by the class's model
    doubt = {s.image_id: float(uncertainty(np.array([[s.probabilities[v] for v in ("cat", "dog", "neither")]]),
                                           measure)[0]) for s in scores}
    assert doubt[held.image_id] == pytest.approx(max(doubt.values()))
    assert held.strategy == measure


def test_diversity_order_serves_every_image_once_and_records_its_strategy(classroom, photos, active_model, student):
    served = label_all(classroom, student, strategy="diversity")
    assert sorted(served) == ids(photos)
    assert set(Label.objects.values_list("strategy", flat=True)) == {"diversity"}


def analysed(photo, user, classroom):
    from classifier.services import analyze_image

    with photo.file.open("rb") as handle:
        return analyze_image(content=handle.read(), original_name="cat.jpg", user=user, classroom=classroom)


def models_answer(analysis) -> str:
    return "neither" if analysis.label == "unusual" else analysis.label


def test_the_model_is_wrong_records_a_label_and_puts_the_image_first_for_the_others(classroom, photos, active_model,
                                                                                    student, member):
    ben = member("ben")
    cat_photo = photos[0]
    analysis = analysed(cat_photo, student, classroom)
    wrong = "neither" if models_answer(analysis) != "neither" else "cat"
    label = services.report_model_wrong(user=student, analysis=analysis, value=wrong, classroom=classroom)
    assert (label.strategy, label.value, label.image_id, label.classroom) == ("model_wrong", wrong, cat_photo.pk,
                                                                             classroom)
    for strategy in ("random", "entropy", "diversity"):
        held = services.next_image(classroom=classroom, user=ben, strategy=strategy)
        assert held.image_id == cat_photo.pk
        Assignment.objects.all().delete()


def test_the_model_is_wrong_with_the_models_own_answer_is_refused(classroom, photos, active_model, student):
    analysis = analysed(photos[0], student, classroom)
    with pytest.raises(AppError) as refused:
        services.report_model_wrong(user=student, analysis=analysis, value=models_answer(analysis),
                                    classroom=classroom)
    assert refused.value.code == "same_as_model" and not Label.objects.exists()


def test_pictures_the_queue_could_not_score_in_time_are_scored_by_the_worker(
    classroom, photos, active_model, student, member, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "SCORE_PER_REQUEST", 2)  # a request scores only a couple of pictures
    with django_capture_on_commit_callbacks() as queued:
        services.next_image(classroom=classroom, user=student, strategy="margin")
    assert ImageScore.objects.count() == 2
    (job,) = Job.objects.all()
    assert (job.kind, job.classroom, job.status, job.owner) == ("scoring", classroom, "queued", student)
    assert len(queued) == 1  # handed to the worker once, when the transaction commits

    finished = jobs.execute(job.pk, worker="test")  # what the worker's task does
    assert finished.status == "succeeded" and finished.result["scored"] == len(photos) - 2
    assert ImageScore.objects.filter(model_version=active_model).count() == len(photos)

    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(hours=1))  # no longer recent
    with django_capture_on_commit_callbacks() as queued_again:
        services.next_image(classroom=classroom, user=member("ben"), strategy="margin")
    assert queued_again == [] and Job.objects.count() == 1  # everything is scored now


# ---------------------------------------------------------------------------- pure orderings

def test_uncertainty_order_puts_the_most_doubtful_first():
    probabilities = np.array([[0.98, 0.01, 0.01], [0.5, 0.45, 0.05], [0.7, 0.2, 0.1]])
    assert ordering.uncertainty_order([10, 20, 30], probabilities, measure="margin") == [20, 30, 10]


def test_diversity_order_takes_each_cluster_in_turn_largest_first():
    rng = np.random.default_rng(0)
    centres = {0: 0.0, 1: 10.0, 2: 20.0}
    sizes = {0: 6, 1: 4, 2: 2}
    ids_, points, cluster_of = [], [], {}
    for cluster, size in sizes.items():
        for _ in range(size):
            ids_.append(len(ids_))
            points.append(rng.normal(centres[cluster], 0.1, size=4))
            cluster_of[ids_[-1]] = cluster
    embeddings = np.array(points, dtype=np.float32)
    firsts = [ordering.diversity_order(ids_, embeddings, turn=turn, clusters=3)[0] for turn in range(4)]
    assert [cluster_of[i] for i in firsts] == [0, 1, 2, 0]


def test_random_order_is_a_fixed_permutation_per_seed():
    numbers = list(range(20))
    assert ordering.random_order(numbers, seed=1) == ordering.random_order(numbers, seed=1)
    assert sorted(ordering.random_order(numbers, seed=2)) == numbers
    assert ordering.random_order(numbers, seed=1) != ordering.random_order(numbers, seed=2)


# ------------------------------------------------------------------------------------ races

def run_at_once(*targets) -> list[Exception]:
    """Run each target in its own thread (own database connection); the exceptions they raised."""
    errors = []

    def run(target):
        try:
            target()
        except Exception as error:  # noqa: BLE001 - reported to the test: it must see it
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(target,)) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.mark.django_db(transaction=True)
def test_students_labelling_at_the_same_time_never_lose_or_duplicate_a_label(classroom, member):
    """Three students label concurrently, one label needed per image: every image gets exactly one
    label, and every label a student saved is there."""
    LabelingSettings.of(classroom)
    needed(classroom, 1)
    pictures = [services.import_image(classroom=classroom, content=picture_bytes(i), name=f"p{i}.jpg",
                                      value=None).image for i in range(12)]
    students = [member(name) for name in ("bea", "ben", "carla")]
    saved: dict[str, list[int]] = {}

    def work(user):
        return lambda: saved.__setitem__(user.username, label_all(classroom, user))

    assert run_at_once(*[work(user) for user in students]) == []
    stored = sorted(Label.objects.values_list("image_id", flat=True))
    assert stored == ids(pictures)  # each image exactly once
    assert sorted(i for served in saved.values() for i in served) == stored  # nothing a student saved went missing


@pytest.mark.django_db(transaction=True)
def test_the_same_label_sent_twice_at_once_is_stored_once(classroom, student):
    image = services.import_image(classroom=classroom, content=picture_bytes(0), name="p.jpg", value=None).image
    outcomes = []

    def send():
        try:
            services.label_image(classroom=classroom, user=student, image=image, value="cat", strategy="random")
            outcomes.append("saved")
        except AppError as refused:
            outcomes.append(refused.code)

    assert run_at_once(send, send) == []
    assert sorted(outcomes) == ["already_labeled", "saved"]
    assert Label.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_classes_labelling_the_same_pictures_at_once_each_get_their_own_labels(classroom, other_class, student,
                                                                                 member, join):
    """One label needed in each class; ana labels in one class while ben labels in the other: each
    class ends with exactly one label per picture, from its own student."""
    needed(classroom, 1)
    needed(other_class, 1)
    pictures = []
    for index in range(8):
        pictures.append(services.import_image(classroom=classroom, content=picture_bytes(index), name="p.jpg",
                                              value=None).image)
        services.import_image(classroom=other_class, content=picture_bytes(index), name="p.jpg", value=None)
    ben = member("ben", room=other_class)
    saved = {}
    assert run_at_once(lambda: saved.__setitem__("ana", label_all(classroom, student)),
                       lambda: saved.__setitem__("ben", label_all(other_class, ben))) == []
    assert sorted(saved["ana"]) == sorted(saved["ben"]) == ids(pictures)
    for room, labeler in ((classroom, "ana"), (other_class, "ben")):
        labels = Label.objects.filter(classroom=room)
        assert sorted(labels.values_list("image_id", flat=True)) == ids(pictures)
        assert set(labels.values_list("labeler", flat=True)) == {labeler}
