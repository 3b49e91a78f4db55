"""Consensus, adjudication, gold images and kappa: which labels become training data, and how much labelers agree."""
import pytest
from sklearn.metrics import cohen_kappa_score

from labeling import agreement, selectors, services
from tests.images import jpeg


@pytest.mark.parametrize("votes, needed, expected", [
    ([], 2, ("needs_labels", None)),
    (["cat"], 2, ("needs_labels", None)),
    (["cat", "cat"], 2, ("consensus", "cat")),
    (["cat", "dog"], 2, ("disputed", None)),  # a tie
    (["cat", "dog", "cat"], 3, ("consensus", "cat")),  # a majority
    (["cat", "dog", "neither"], 3, ("disputed", None)),  # a split
    (["cat", "cat", "dog", "dog"], 3, ("disputed", None)),
    (["dog"], 1, ("consensus", "dog")),
])
def test_consensus_needs_enough_votes_and_more_than_half_of_them(votes, needed, expected):
    assert agreement.consensus(votes, needed=needed) == expected


def test_cohens_kappa_per_pair_matches_scikit_learn():
    a = ["cat", "cat", "dog", "dog", "neither", "cat"]
    b = ["cat", "dog", "dog", "dog", "neither", "cat"]
    c = ["dog", "dog", "dog", "cat", "cat", "cat"]
    votes = [(i, name, value) for name, values in (("ana", a), ("ben", b), ("carla", c)) for i, value in enumerate(values)]
    pairs = {(p.labeler_a, p.labeler_b): p for p in agreement.cohen_pairs(votes)}
    assert set(pairs) == {("ana", "ben"), ("ana", "carla"), ("ben", "carla")}
    assert pairs["ana", "ben"].kappa == pytest.approx(cohen_kappa_score(a, b))
    assert pairs["ana", "carla"].kappa == pytest.approx(cohen_kappa_score(a, c))
    assert pairs["ana", "ben"].agreement == pytest.approx(5 / 6) and pairs["ana", "ben"].images == 6


def test_cohens_kappa_uses_only_images_both_labelled_and_is_undefined_without_variety():
    votes = [(1, "ana", "cat"), (2, "ana", "cat"), (1, "ben", "cat"), (3, "ben", "dog")]
    (pair,) = agreement.cohen_pairs(votes)
    assert pair.images == 1 and pair.agreement == 1.0 and pair.kappa is None


def test_fleiss_kappa_matches_the_textbook_example():
    """Fleiss (1971) as worked in Wikipedia's "Fleiss' kappa": 10 subjects, 14 raters, 5 categories, κ = 0.210."""
    table = [
        [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
    ]
    votes = [(subject, f"r{subject}-{category}-{k}", str(category))
             for subject, row in enumerate(table) for category, count in enumerate(row) for k in range(count)]
    assert agreement.fleiss_kappa(votes) == pytest.approx(0.2099, abs=1e-4)


def test_fleiss_kappa_is_one_for_perfect_agreement_and_ignores_single_votes():
    votes = [(1, "a", "cat"), (1, "b", "cat"), (2, "a", "dog"), (2, "b", "dog"), (3, "a", "cat")]
    assert agreement.fleiss_kappa(votes) == pytest.approx(1.0)
    assert agreement.fleiss_kappa([(1, "a", "cat")]) is None


@pytest.mark.parametrize("kappa, word", [(None, "undefined"), (-0.1, "worse_than_chance"), (-1e-9, "worse_than_chance"),
                                         (0, "chance"), (0.0, "chance"), (1e-9, "slight"), (0.1, "slight"),
                                         (0.2, "slight"), (0.3, "fair"), (0.5, "moderate"), (0.7, "substantial"),
                                         (0.8, "substantial"), (0.9, "almost_perfect")])
def test_kappa_words_follow_landis_and_koch_and_zero_is_no_better_than_chance_not_worse(kappa, word):
    assert agreement.kappa_meaning(kappa, images=agreement.MIN_SHARED_IMAGES) == word


@pytest.mark.parametrize("images, word", [(0, "too_few"), (1, "too_few"), (agreement.MIN_SHARED_IMAGES - 1, "too_few"),
                                          (agreement.MIN_SHARED_IMAGES, "moderate"), (500, "moderate")])
def test_a_kappa_on_too_few_shared_pictures_is_given_no_meaning(images, word):
    assert agreement.MIN_SHARED_IMAGES == 20  # the number docs/labeling.md and the agreement page give
    assert agreement.kappa_meaning(0.5, images=images) == word
    assert agreement.kappa_meaning(None, images=images) == "undefined"


def test_rated_images_counts_the_pictures_with_two_or_more_votes():
    votes = [(1, "a", "cat"), (1, "b", "cat"), (2, "a", "dog"), (3, "a", "cat"), (3, "b", "dog"), (3, "c", "dog")]
    assert agreement.rated_images(votes) == 2


def test_the_agreement_page_says_when_too_few_pictures_are_shared_and_that_zero_is_chance(client, labelled):
    from django.conf import settings

    client.force_login(labelled["teacher"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(f"/classes/{labelled['classroom'].pk}/labeling/agreement/")
    text = page.content.decode()
    assert page.status_code == 200
    table = text[text.index('id="pairs"'):text.index("</table>", text.index('id="pairs"'))]
    assert "too few shared pictures to judge" in table  # ana and ben share 3 pictures
    assert "worse than chance" not in table
    assert 'data-term="kappa"' in text and "Below 20 shared pictures" in text


# ------------------------------------------------------------------- which labels become training data

@pytest.fixture
def labelled(classroom, teacher, student, make_user, join):
    """Pictures of the class labelled by two students (two labels needed): agreed, disputed,
    half-done, unlabelled, and one both said "dog" that the teacher may later mark gold."""
    services.update_settings(classroom=classroom, labels_per_image=2)
    ana, ben = student, make_user("ben")
    join(ben, classroom)
    pictures = {name: services.import_image(classroom=classroom, content=jpeg(40 + i, 30), name=f"{name}.jpg",
                                            value=None).image
                for i, name in enumerate(["agreed", "disputed", "half", "unlabelled", "gold"])}
    for user, values in ((ana, {"agreed": "cat", "disputed": "cat", "half": "dog", "gold": "dog"}),
                         (ben, {"agreed": "cat", "disputed": "dog", "gold": "dog"})):
        for name, value in values.items():
            services.label_image(classroom=classroom, user=user, image=pictures[name], value=value, strategy="random")
    return {"classroom": classroom, "pictures": pictures, "ana": ana, "ben": ben, "teacher": teacher}


def content_of(image) -> bytes:
    with image.file.open("rb") as handle:
        return handle.read()


@pytest.fixture
def other_class(make_user, labelled):
    """Another class holding the same five pictures, with labels of its own."""
    from eduai import classes

    other = classes.create_class(name="2º Bach B", teacher=make_user("olga", "teacher"))
    for image in labelled["pictures"].values():
        services.import_image(classroom=other, content=content_of(image), name="x.jpg", value=None)
    return other


def test_only_consensus_adjudicated_gold_and_dataset_labels_become_training_data(labelled):
    from training.services import dataset_snapshot

    classroom, pictures = labelled["classroom"], labelled["pictures"]
    states = selectors.image_states(classroom=classroom)
    assert {name: states[image.pk].status for name, image in pictures.items()} == {
        "agreed": "consensus", "disputed": "disputed", "half": "needs_labels", "unlabelled": "unlabeled",
        "gold": "consensus"}
    assert selectors.final_labels(classroom) == {pictures["agreed"].pk: "cat", pictures["gold"].pk: "dog"}

    services.adjudicate(classroom=classroom, image=pictures["disputed"], teacher=labelled["teacher"], value="dog")
    services.mark_gold(classroom=classroom, image=pictures["gold"], teacher=labelled["teacher"],
                       value="cat")  # the teacher knows better
    dataset = services.import_image(classroom=classroom, content=jpeg(99, 30), name="d.jpg", value="dog").image
    assert selectors.final_labels(classroom) == {pictures["agreed"].pk: "cat", pictures["disputed"].pk: "dog",
                                                 pictures["gold"].pk: "cat", dataset.pk: "dog"}
    assert {item["image_id"]: item["label"] for item in dataset_snapshot(classroom, ["cat", "dog"])} == \
        selectors.final_labels(classroom)


def test_another_classs_labels_and_decisions_do_not_settle_this_classs_pictures(labelled, other_class):
    from training.services import dataset_snapshot

    classroom, pictures, teacher = labelled["classroom"], labelled["pictures"], labelled["teacher"]
    assert selectors.final_labels(other_class) == {}  # the same pictures, not labelled there yet
    assert {state.status for state in selectors.image_states(classroom=other_class).values()} == {"unlabeled"}
    assert dataset_snapshot(other_class, ["cat", "dog"]) == []

    services.adjudicate(classroom=other_class, image=pictures["half"], teacher=teacher, value="cat")
    services.mark_gold(classroom=other_class, image=pictures["unlabelled"], teacher=teacher, value="dog")
    services.import_image(classroom=other_class, content=content_of(pictures["disputed"]), name="x.jpg",
                          value="neither")
    assert selectors.final_labels(other_class) == {pictures["half"].pk: "cat", pictures["unlabelled"].pk: "dog",
                                                   pictures["disputed"].pk: "neither"}
    assert selectors.final_labels(classroom) == {pictures["agreed"].pk: "cat", pictures["gold"].pk: "dog"}
    assert list(selectors.disputes(classroom)) == [pictures["disputed"]]


def test_a_picture_outside_the_class_cannot_be_adjudicated_or_marked_gold_there(labelled, make_user):
    from eduai import classes
    from eduai.errors import AppError
    from labeling.models import Adjudication, GoldImage

    elsewhere = classes.create_class(name="2º Bach B", teacher=make_user("olga", "teacher"))
    outsider = services.import_image(classroom=elsewhere, content=jpeg(120, 30), name="o.jpg", value=None).image
    for decide in (services.adjudicate, services.mark_gold):
        with pytest.raises(AppError) as refused:
            decide(classroom=labelled["classroom"], image=outsider, teacher=labelled["teacher"], value="cat")
        assert refused.value.status == 404
    assert not Adjudication.objects.exists() and not GoldImage.objects.exists()


def test_disputed_images_wait_in_the_adjudication_queue_until_the_teacher_decides(labelled):
    classroom, disputed = labelled["classroom"], labelled["pictures"]["disputed"]
    assert list(selectors.disputes(classroom)) == [disputed]
    services.adjudicate(classroom=classroom, image=disputed, teacher=labelled["teacher"], value="neither")
    assert list(selectors.disputes(classroom)) == []
    assert selectors.image_states(classroom=classroom)[disputed.pk].status == "adjudicated"


def test_raising_the_number_of_labels_needed_reopens_agreed_images(labelled):
    classroom = labelled["classroom"]
    services.update_settings(classroom=classroom, labels_per_image=3)
    states = selectors.image_states(classroom=classroom)
    assert states[labelled["pictures"]["agreed"].pk].status == "needs_labels"
    assert selectors.final_labels(classroom) == {}


def test_students_cannot_tell_which_images_are_gold(labelled):
    classroom, gold = labelled["classroom"], labelled["pictures"]["gold"]
    services.mark_gold(classroom=classroom, image=gold, teacher=labelled["teacher"], value="cat")
    assert selectors.image_states(classroom=classroom)[gold.pk].status == "gold"
    assert selectors.image_states(classroom=classroom, reveal_gold=False)[gold.pk].status == "consensus"
    assert selectors.states_for(classroom=classroom, user=labelled["ana"])[gold.pk].status == "consensus"
    assert selectors.states_for(classroom=classroom, user=labelled["teacher"])[gold.pk].status == "gold"


def test_gold_scores_give_each_labelers_accuracy_on_the_gold_images(labelled):
    classroom, pictures, teacher = labelled["classroom"], labelled["pictures"], labelled["teacher"]
    services.mark_gold(classroom=classroom, image=pictures["gold"], teacher=teacher, value="dog")
    services.mark_gold(classroom=classroom, image=pictures["disputed"], teacher=teacher, value="cat")
    scores = {score.labeler: (score.answered, score.correct, score.accuracy)
              for score in selectors.gold_scores(classroom)}
    assert scores == {"ana": (2, 2, 1.0), "ben": (2, 1, 0.5)}


def test_agreement_stats_cover_every_pair_and_the_class(labelled):
    stats = selectors.agreement_stats(classroom=labelled["classroom"], reveal_gold=True)
    (pair,) = stats.pairs
    assert (pair.labeler_a, pair.labeler_b, pair.images) == ("ana", "ben", 3)
    assert pair.kappa == pytest.approx(cohen_kappa_score(["cat", "cat", "dog"], ["cat", "dog", "dog"]))
    assert stats.votes == 7 and stats.images_with_votes == 4 and stats.images_rated == 3
    assert stats.counts == {"consensus": 2, "disputed": 1, "needs_labels": 1, "unlabeled": 1}


def test_agreement_and_gold_scores_count_only_the_classs_own_labels(labelled, other_class, make_user, join):
    pictures, carla = labelled["pictures"], make_user("carla")
    join(carla, other_class)
    for name in ("agreed", "disputed", "half"):
        services.label_image(classroom=other_class, user=carla, image=pictures[name], value="neither",
                             strategy="random")
    services.mark_gold(classroom=other_class, image=pictures["agreed"], teacher=labelled["teacher"], value="neither")
    stats = selectors.agreement_stats(classroom=labelled["classroom"], reveal_gold=True)
    assert (stats.votes, stats.images_with_votes, len(stats.pairs)) == (7, 4, 1)
    assert selectors.gold_scores(labelled["classroom"]) == []
    elsewhere = selectors.agreement_stats(classroom=other_class, reveal_gold=True)
    assert (elsewhere.votes, elsewhere.pairs) == (3, [])
    assert [(s.labeler, s.answered, s.correct) for s in selectors.gold_scores(other_class)] == [("carla", 1, 1)]


def test_version_history_pairs_each_version_trained_from_the_class_with_its_labels_and_accuracy(classroom,
                                                                                               make_user):
    from eduai import classes
    from ml_models.models import ModelVersion

    elsewhere = classes.create_class(name="2º Bach B", teacher=make_user("olga", "teacher"))

    def version(number, kind, metrics, room=classroom):
        return ModelVersion.objects.create(name="lite0-finetune", version=number, kind=kind, artifact_dir=f"x/{number}",
                                           sha256="0" * 64, metrics=metrics, classroom=room)

    version(1, "classifier", {"test": {"accuracy": 0.91}, "labels": 120})
    version(2, "classifier", {"test": {"accuracy": 0.97}, "labels": 600})
    version(3, "classifier", {"test": {"accuracy": 0.5}})  # trained before label counts were kept: left out
    version(4, "classifier", {"test": {"accuracy": 0.8}, "labels": 90}, room=elsewhere)  # another class's
    ModelVersion.objects.create(name="lite0-imagenet", version=1, kind="imagenet_zero_shot", artifact_dir="y",
                                sha256="1" * 64)
    history = selectors.version_history(classroom)
    assert [(h["version"], h["labels"], h["accuracy"]) for h in history] == [
        ("lite0-finetune v1", 120, 0.91), ("lite0-finetune v2", 600, 0.97)]
    assert [h["labels"] for h in selectors.version_history(elsewhere)] == [90]


def test_version_history_joins_only_versions_measured_on_the_same_test_pictures(classroom, teacher):
    from eduai.models import Job
    from ml_models.models import ModelVersion
    from training.models import TrainingRun

    def snapshot(count):  # `count` cats and as many dogs, the same pictures first each time
        return [{"image_id": i, "sha256": f"{i:064x}", "label": label} for i in range(count) for label in ("cat",)] + \
               [{"image_id": 1000 + i, "sha256": f"{1000 + i:064x}", "label": "dog"} for i in range(count)]

    def trained(number, dataset, config=None):
        version = ModelVersion.objects.create(
            name="lite0-finetune", version=number, kind="classifier", artifact_dir=f"x/{number}", sha256="0" * 64,
            classroom=classroom, metrics={"test": {"accuracy": 0.9}, "labels": len(dataset), "splits": {"test": 99}})
        job = Job.objects.create(kind=Job.Kind.TRAINING, classroom=classroom, owner=teacher)
        TrainingRun.objects.create(classroom=classroom, job=job, config=config or {}, dataset=dataset,
                                   model_version=version)

    trained(1, snapshot(20))
    trained(2, snapshot(20))  # the same labels: the same test split
    trained(3, snapshot(40))  # pictures added: the split is cut again from more pictures
    trained(4, snapshot(40), config={"unknown_setting": 1})  # a configuration this code cannot read
    ModelVersion.objects.create(name="lite0-finetune", version=5, kind="classifier", artifact_dir="x/5",
                                sha256="0" * 64, classroom=classroom,
                                metrics={"test": {"accuracy": 0.8}, "labels": 10, "splits": {"test": 4}})  # no run
    history = selectors.version_history(classroom)
    sets = [h["test_set"] for h in history]
    assert sets[0] == sets[1] and sets[0] is not None
    assert sets[2] not in (None, sets[0])
    assert sets[3:] == [None, None]
    # 15 % of each class, as training.pipeline.data.split_by_hash cuts it; the stored size when unknown
    assert [h["test_size"] for h in history] == [6, 6, 12, 99, 4]
