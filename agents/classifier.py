"""A small linear head over sentence vectors, and the nearest labelled examples that explain it.

Pure numpy and no database: fitted from (vector, label) pairs in well under a second for a few
thousand examples, predicting in microseconds. Softmax regression with balanced class weights
(a label with 40 examples counts as much as one with 200) and L2 regularisation, so a handful
of taught examples can move a decision without one phrase overruling a whole class.
"""

from dataclasses import dataclass

import numpy as np

ITERATIONS = 300
LEARNING_RATE = 2.0
L2 = 1e-3
SCALE = 8.0  # unit vectors have small dot products; scaling lets the head reach confident logits


@dataclass(frozen=True)
class Neighbour:
    index: int
    label: str
    similarity: float


class LinearHead:
    """Softmax regression: ``fit`` once, then ``predict`` gives {label: probability}."""

    def __init__(self, labels: list[str], weights: np.ndarray, bias: np.ndarray):
        self.labels = labels
        self.weights = weights
        self.bias = bias

    @classmethod
    def fit(cls, vectors: np.ndarray, labels: list[str], *, sample_weight: np.ndarray | None = None) -> "LinearHead":
        names = sorted(set(labels))
        index = {name: i for i, name in enumerate(names)}
        y = np.array([index[label] for label in labels])
        n, dims = vectors.shape
        counts = np.bincount(y, minlength=len(names)).astype(float)
        weight = (n / (len(names) * counts))[y]
        if sample_weight is not None:
            weight = weight * sample_weight
        weight = weight / weight.sum()
        onehot = np.eye(len(names))[y]
        x = vectors * SCALE
        w = np.zeros((dims, len(names)))
        b = np.zeros(len(names))
        velocity_w, velocity_b = np.zeros_like(w), np.zeros_like(b)
        for _ in range(ITERATIONS):
            probs = _softmax(x @ w + b)
            error = (probs - onehot) * weight[:, None]
            grad_w = x.T @ error + L2 * w
            grad_b = error.sum(axis=0)
            velocity_w = 0.9 * velocity_w - LEARNING_RATE * grad_w
            velocity_b = 0.9 * velocity_b - LEARNING_RATE * grad_b
            w += velocity_w
            b += velocity_b
        return cls(names, w, b)

    def predict(self, vector: np.ndarray) -> dict[str, float]:
        probs = _softmax((vector[None, :] * SCALE) @ self.weights + self.bias)[0]
        return {label: float(p) for label, p in zip(self.labels, probs, strict=True)}


def nearest(vectors: np.ndarray, labels: list[str], vector: np.ndarray, *, k: int = 3) -> list[Neighbour]:
    """The ``k`` most similar examples (cosine: the vectors are unit length)."""
    if not len(labels):
        return []
    similarities = vectors @ vector
    top = np.argsort(-similarities)[:k]
    return [Neighbour(int(i), labels[i], float(similarities[i])) for i in top]


def neighbour_votes(
    vectors: np.ndarray, labels: list[str], vector: np.ndarray, *, k: int, sharpness: float = 10.0
) -> dict[str, float]:
    """The ``k`` nearest examples' labels as shares summing to 1, the nearer the more (softmax of
    the cosine similarities times ``sharpness``)."""
    if not len(labels):
        return {}
    similarities = vectors @ vector
    top = np.argsort(-similarities)[:k]
    weights = np.exp(sharpness * (similarities[top] - similarities[top[0]]))
    votes: dict[str, float] = {}
    for i, weight in zip(top, weights, strict=True):
        votes[labels[i]] = votes.get(labels[i], 0.0) + float(weight)
    total = sum(votes.values())
    return {label: weight / total for label, weight in votes.items()}


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)
