"""The linear head and nearest examples, on vectors whose right answer is known."""

import numpy as np

from agents.classifier import LinearHead, nearest, neighbour_votes


def _cluster(rng, centre, n):
    points = centre + 0.25 * rng.standard_normal((n, centre.size))
    return points / np.linalg.norm(points, axis=1, keepdims=True)


def _data(sizes):
    rng = np.random.default_rng(7)
    centres = np.eye(8)[: len(sizes)]
    vectors = np.vstack([_cluster(rng, c, n) for c, n in zip(centres, sizes, strict=True)])
    labels = [f"l{i}" for i, n in enumerate(sizes) for _ in range(n)]
    return rng, centres, vectors, labels


def test_head_separates_clusters_and_is_confident_near_a_centre():
    rng, centres, vectors, labels = _data([30, 30, 30])
    head = LinearHead.fit(vectors, labels)
    for i, centre in enumerate(centres):
        probs = head.predict(_cluster(rng, centre, 1)[0])
        assert max(probs, key=probs.get) == f"l{i}"
    assert head.predict(centres[0])["l0"] > 0.8
    assert abs(sum(head.predict(centres[1]).values()) - 1) < 1e-6


def test_a_small_class_is_not_drowned_by_a_big_one():
    rng, centres, vectors, labels = _data([300, 12])
    head = LinearHead.fit(vectors, labels)
    hits = sum(max(p := head.predict(v), key=p.get) == "l1" for v in _cluster(rng, centres[1], 40))
    assert hits >= 36


def test_between_two_classes_the_head_is_unsure():
    _, centres, vectors, labels = _data([40, 40])
    middle = (centres[0] + centres[1]) / np.sqrt(2)
    probs = LinearHead.fit(vectors, labels).predict(middle)
    assert 0.2 < probs["l0"] < 0.8


def test_nearest_returns_the_most_similar_examples_first():
    vectors = np.eye(4)
    found = nearest(vectors, ["a", "b", "c", "d"], np.array([0.1, 0.9, 0.0, 0.4]), k=2)
    assert [n.label for n in found] == ["b", "d"]
    assert found[0].similarity > found[1].similarity
    assert nearest(np.zeros((0, 4)), [], np.ones(4)) == []


def test_neighbour_votes_share_one_among_the_nearest_labels_nearer_counting_more():
    vectors = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0], [-1.0, 0.0]])
    votes = neighbour_votes(vectors, ["a", "b", "b", "c"], np.array([1.0, 0.0]), k=3)
    assert set(votes) == {"a", "b"}  # the farthest example ("c") is not among the 3 nearest
    assert abs(sum(votes.values()) - 1) < 1e-9
    assert votes["a"] > votes["b"]  # one example at similarity 1 outweighs two at 0.8 and 0
    assert neighbour_votes(np.zeros((0, 2)), [], np.array([1.0, 0.0]), k=3) == {}
