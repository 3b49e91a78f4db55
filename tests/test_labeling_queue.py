"""The labeling queue: who is served what, in which order, and what happens with skip, undo and races."""
import threading

import numpy as np
import pytest
from django.db import connection

from eduai.errors import AppError
from labeling import ordering, services
from labeling.models import Assignment, ImageScore, Label, LabelingSettings, Skip
from tests.images import jpeg


@pytest.fixture
def images(db):
    """Six distinct stored pictures, none labelled."""
    return [services.import_image(content=jpeg(40 + i, 30), name=f"p{i}.jpg", value=None).image for i in range(6)]


def needed(count: int) -> None:
    services.update_settings(labels_per_image=count)


def label_all(user, strategy="random") -> list[int]:
    """Label everything `user` is served (all "cat"); the ids in the order served."""
    served = []
    while (held := services.next_image(user=user, strategy=strategy)) is not None:
        served.append(held.image_id)
        services.label_image(user=user, image=held.image, value="cat", strategy=strategy)
    return served


def test_a_student_is_served_every_image_once_and_never_again(images, make_user):
    ana = make_user("ana")
    served = label_all(ana)
    assert sorted(served) == sorted(image.pk for image in images)
    assert services.next_image(user=ana, strategy="random") is None


def test_images_that_already_have_enough_labels_are_not_served(images, make_user):
    needed(2)
    ana, ben, carla = make_user("ana"), make_user("ben"), make_user("carla")
    label_all(ana)
    label_all(ben)
    assert services.next_image(user=carla, strategy="random") is None
    assert Label.objects.count() == 12


def test_an_image_held_by_one_student_is_not_given_to_more_people_than_needed(images, make_user):
    needed(1)
    ana, ben = make_user("ana"), make_user("ben")
    held_by_ana = services.next_image(user=ana, strategy="random").image_id
    others = label_all(ben)
    assert held_by_ana not in others and len(others) == 5


def test_asking_again_returns_the_image_already_held(images, make_user):
    ana = make_user("ana")
    first = services.next_image(user=ana, strategy="random")
    assert services.next_image(user=ana, strategy="random").image_id == first.image_id
    assert Assignment.objects.filter(user=ana).count() == 1


def test_a_skipped_image_is_not_served_again_until_undone(images, make_user):
    ana = make_user("ana")
    skipped = services.next_image(user=ana, strategy="random").image
    services.skip_image(user=ana, image=skipped)
    served = label_all(ana)
    assert skipped.pk not in served and len(served) == 5
    assert Skip.objects.filter(user=ana, image=skipped).exists()


def test_undo_takes_back_the_last_label_and_serves_that_image_next(images, make_user):
    ana = make_user("ana")
    first = services.next_image(user=ana, strategy="random").image
    services.label_image(user=ana, image=first, value="dog", strategy="random")
    second = services.next_image(user=ana, strategy="random").image
    services.label_image(user=ana, image=second, value="cat", strategy="random")

    assert services.undo_last(user=ana, strategy="random") == second
    assert list(Label.objects.filter(user=ana).values_list("image_id", flat=True)) == [first.pk]
    assert services.next_image(user=ana, strategy="random").image_id == second.pk
    services.label_image(user=ana, image=second, value="dog", strategy="random")
    assert dict(Label.objects.filter(user=ana).values_list("image_id", "value")) == {first.pk: "dog", second.pk: "dog"}


def test_undo_with_nothing_to_undo_says_so(make_user, db):
    assert services.undo_last(user=make_user("ana"), strategy="random") is None


def test_undo_of_a_skip_serves_the_skipped_image_again(images, make_user):
    ana = make_user("ana")
    skipped = services.next_image(user=ana, strategy="random").image
    services.skip_image(user=ana, image=skipped)
    assert services.undo_last(user=ana, strategy="random") == skipped
    assert not Skip.objects.exists()
    assert services.next_image(user=ana, strategy="random").image_id == skipped.pk


def test_the_strategy_is_stored_with_each_label(images, make_user):
    ana = make_user("ana")
    image = services.next_image(user=ana, strategy="random").image
    services.label_image(user=ana, image=image, value="neither", strategy="random")
    label = Label.objects.get(user=ana)
    assert (label.strategy, label.labeler, label.value) == ("random", "ana", "neither")


def test_labelling_an_image_twice_is_refused_and_keeps_the_first_label(images, make_user):
    ana = make_user("ana")
    services.label_image(user=ana, image=images[0], value="cat", strategy="random")
    with pytest.raises(AppError) as refused:
        services.label_image(user=ana, image=images[0], value="dog", strategy="random")
    assert refused.value.code == "already_labeled" and refused.value.status == 409
    assert list(Label.objects.values_list("value", flat=True)) == ["cat"]


@pytest.mark.parametrize("value, strategy, code", [("horse", "random", "invalid_label"), ("cat", "psychic", "invalid_strategy")])
def test_invalid_labels_and_strategies_are_refused(images, make_user, value, strategy, code):
    with pytest.raises(AppError) as refused:
        services.label_image(user=make_user("ana"), image=images[0], value=value, strategy=strategy)
    assert refused.value.code == code and not Label.objects.exists()


def test_model_orders_need_an_active_model(images, make_user):
    with pytest.raises(AppError) as refused:
        services.next_image(user=make_user("ana"), strategy="entropy")
    assert refused.value.code == "no_active_model"


def test_gold_images_are_served_to_every_student_whatever_their_vote_count(images, make_user):
    needed(1)
    teacher, ana, ben = make_user("tere", "teacher"), make_user("ana"), make_user("ben")
    services.mark_gold(image=images[0], teacher=teacher, value="dog")
    assert images[0].pk in label_all(ana)
    assert images[0].pk in label_all(ben)


def test_adjudicated_and_dataset_images_are_not_served(images, make_user):
    services.adjudicate(image=images[0], teacher=make_user("tere", "teacher"), value="cat")
    services.import_image(content=jpeg(41, 30), name="p1.jpg", value="dog")  # images[1], now with a dataset label
    served = label_all(make_user("ana"))
    assert images[0].pk not in served and images[1].pk not in served and len(served) == 4


# ------------------------------------------------------------------------- orders using the model

@pytest.fixture
def photos(db, cat_photos, dog_photos, other_photos):
    """Real photos: three cats, three dogs, three other things."""
    paths = cat_photos[:3] + dog_photos[:3] + other_photos[:3]
    return [services.import_image(content=path.read_bytes(), name=path.name, value=None).image for path in paths]


@pytest.mark.parametrize("measure", ["least_confidence", "margin", "entropy"])
def test_uncertainty_serves_the_image_the_active_model_is_least_sure_about(photos, active_model, make_user, measure):
    from labeling.learning_curve import uncertainty

    held = services.next_image(user=make_user("ana"), strategy=measure)
    scores = ImageScore.objects.filter(model_version=active_model)
    assert scores.count() == len(photos)  # every candidate was scored (and cached) by the active model
    doubt = {s.image_id: float(uncertainty(np.array([[s.probabilities[v] for v in ("cat", "dog", "neither")]]),
                                           measure)[0]) for s in scores}
    assert doubt[held.image_id] == pytest.approx(max(doubt.values()))
    assert held.strategy == measure


def test_diversity_order_serves_every_image_once_and_records_its_strategy(photos, active_model, make_user):
    ana = make_user("ana")
    served = label_all(ana, strategy="diversity")
    assert sorted(served) == sorted(image.pk for image in photos)
    assert set(Label.objects.values_list("strategy", flat=True)) == {"diversity"}


def test_the_model_is_wrong_records_a_label_and_puts_the_image_first_for_the_others(photos, active_model, make_user):
    from classifier.services import analyze_image

    ana, ben = make_user("ana"), make_user("ben")
    cat_photo = photos[0]
    with cat_photo.file.open("rb") as handle:
        analysis = analyze_image(content=handle.read(), original_name="cat.jpg", user=ana)
    wrong = "neither" if analysis.label != "neither" else "cat"
    label = services.report_model_wrong(user=ana, analysis=analysis, value=wrong)
    assert (label.strategy, label.value, label.image_id) == ("model_wrong", wrong, cat_photo.pk)
    for strategy in ("random", "entropy", "diversity"):
        held = services.next_image(user=ben, strategy=strategy)
        assert held.image_id == cat_photo.pk
        Assignment.objects.all().delete()


def test_the_model_is_wrong_with_the_models_own_answer_is_refused(photos, active_model, make_user):
    from classifier.services import analyze_image

    ana = make_user("ana")
    with photos[0].file.open("rb") as handle:
        analysis = analyze_image(content=handle.read(), original_name="cat.jpg", user=ana)
    with pytest.raises(AppError) as refused:
        services.report_model_wrong(user=ana, analysis=analysis, value=analysis.label)
    assert refused.value.code == "same_as_model" and not Label.objects.exists()


# ---------------------------------------------------------------------------- pure orderings

def test_uncertainty_order_puts_the_most_doubtful_first():
    probabilities = np.array([[0.98, 0.01, 0.01], [0.5, 0.45, 0.05], [0.7, 0.2, 0.1]])
    assert ordering.uncertainty_order([10, 20, 30], probabilities, measure="margin") == [20, 30, 10]


def test_diversity_order_takes_each_cluster_in_turn_largest_first():
    rng = np.random.default_rng(0)
    centres = {0: 0.0, 1: 10.0, 2: 20.0}
    sizes = {0: 6, 1: 4, 2: 2}
    ids, points, cluster_of = [], [], {}
    for cluster, size in sizes.items():
        for _ in range(size):
            ids.append(len(ids))
            points.append(rng.normal(centres[cluster], 0.1, size=4))
            cluster_of[ids[-1]] = cluster
    embeddings = np.array(points, dtype=np.float32)
    firsts = [ordering.diversity_order(ids, embeddings, turn=turn, clusters=3)[0] for turn in range(4)]
    assert [cluster_of[i] for i in firsts] == [0, 1, 2, 0]


def test_random_order_is_a_fixed_permutation_per_seed():
    ids = list(range(20))
    assert ordering.random_order(ids, seed=1) == ordering.random_order(ids, seed=1)
    assert sorted(ordering.random_order(ids, seed=2)) == ids
    assert ordering.random_order(ids, seed=1) != ordering.random_order(ids, seed=2)


# ------------------------------------------------------------------------------------ races

@pytest.mark.django_db(transaction=True)
def test_students_labelling_at_the_same_time_never_lose_or_duplicate_a_label(make_user):
    """Three students label concurrently, one label needed per image: every image gets exactly one
    label, and every label a student saved is there."""
    LabelingSettings.current()
    needed(1)
    pictures = [services.import_image(content=jpeg(40 + i, 30), name=f"p{i}.jpg", value=None).image for i in range(12)]
    students = [make_user(name) for name in ("ana", "ben", "carla")]
    saved: dict[str, list[int]] = {}
    errors = []

    def work(user):
        try:
            saved[user.username] = label_all(user)
        except Exception as error:  # reported below: the test must see it
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(user,)) for user in students]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    stored = sorted(Label.objects.values_list("image_id", flat=True))
    assert stored == sorted(image.pk for image in pictures)  # each image exactly once
    assert sorted(sum(saved.values(), [])) == stored  # nothing a student saved went missing


@pytest.mark.django_db(transaction=True)
def test_the_same_label_sent_twice_at_once_is_stored_once(make_user):
    image = services.import_image(content=jpeg(40, 30), name="p.jpg", value=None).image
    ana = make_user("ana")
    outcomes = []

    def send():
        try:
            services.label_image(user=ana, image=image, value="cat", strategy="random")
            outcomes.append("saved")
        except AppError as refused:
            outcomes.append(refused.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["already_labeled", "saved"]
    assert Label.objects.count() == 1


def test_pictures_the_queue_could_not_score_in_time_are_scored_by_the_worker(
    photos, active_model, make_user, monkeypatch, settings, django_capture_on_commit_callbacks
):
    from django.core.cache import cache

    from labeling.tasks import score_missing_images

    cache.clear()
    monkeypatch.setattr(services, "SCORE_PER_REQUEST", 2)  # a request scores only a couple of pictures
    with django_capture_on_commit_callbacks() as queued:
        services.next_image(user=make_user("ana"), strategy="margin")
    assert ImageScore.objects.count() == 2
    assert [callback.__self__.name for callback in queued] == [score_missing_images.name]  # task.delay, once
    assert score_missing_images() == len(photos) - 2
    assert ImageScore.objects.filter(model_version=active_model).count() == len(photos)
    with django_capture_on_commit_callbacks() as queued_again:
        services.next_image(user=make_user("ben"), strategy="margin")
    assert queued_again == []  # everything is scored now
