"""Ideas compared by meaning: embeddings, and when two are close enough to be one idea.

An embeddings model maps a text to a vector; rewordings of one idea land close together
whatever words they use ("a weekly show-and-tell" / "demo what you built every Friday"),
which no word matcher can see. Vectors are kept as unit-length float32 bytes
(`pack`), so closeness is a dot product: the cosine of the angle between them. Two ideas
are the same when it reaches the threshold (`IDEALOOP_EMBEDDING_THRESHOLD`), which
depends on the embeddings model: `bench/similarity.py --embeddings` measures precision
and recall on the labelled pairs for the configured server, threshold by threshold.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

Vector = npt.NDArray[np.float32]


def pack(values: Sequence[float]) -> bytes:
    """A vector as stored: unit length, float32, little-endian."""
    vector = np.asarray(values, dtype="<f4")
    norm = float(np.linalg.norm(vector))
    return (vector / norm if norm else vector).astype("<f4").tobytes()


def unpack(data: bytes) -> Vector:
    return np.frombuffer(data, dtype="<f4")


def cosine(a: bytes, b: bytes) -> float:
    """How close two stored vectors are: 1.0 for the same direction."""
    first, second = unpack(a), unpack(b)
    return float(first @ second) if first.shape == second.shape else 0.0


class SameMeaning:
    """Held vectors that a candidate must not be the same idea as."""

    def __init__(self, vectors: Sequence[bytes], *, threshold: float) -> None:
        self.threshold = threshold
        sizes = {len(vector) for vector in vectors}
        if len(sizes) > 1:  # a server that changed its model's size: compare like with like
            raise ValueError(f"vectors of different sizes: {sorted(sizes)} bytes")
        # One copy into one matrix: a row per held vector.
        self._matrix = (unpack(b"".join(vectors)).reshape(len(vectors), -1)
                        if vectors else None)

    def closest(self, vector: bytes) -> float:
        """The cosine of the held vector closest to `vector` (0.0 when none is held)."""
        if self._matrix is None:
            return 0.0
        candidate = unpack(vector)
        if candidate.shape[0] != self._matrix.shape[1]:
            raise ValueError("a vector of another size than the held ones")
        return float(np.max(self._matrix @ candidate))

    def matches(self, vector: bytes) -> bool:
        return self.closest(vector) >= self.threshold
