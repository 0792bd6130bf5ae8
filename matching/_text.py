"""TF-IDF similarity between a coach's goals and supporters' bios.

Fitting scikit-learn's ``TfidfVectorizer`` tokenises every bio in Python, which
takes about 1 s per 100,000 bios: twice the whole build budget. The model is
therefore fitted lazily, on the first query that has goals text (or when
:meth:`TextModel.fit` is called, e.g. right after a rebuild), and shared by
later queries.

A query's similarity is computed only for the rows that need it, from those
rows' own term weights (row-major storage), so the cost does not grow with how
common the query's words are.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

__all__ = ["QueryText", "TextModel"]


@dataclass(frozen=True, slots=True)
class QueryText:
    """A query's TF-IDF vector: its terms (ascending), weights, and a dense copy."""

    terms: np.ndarray
    weights: np.ndarray
    dense: np.ndarray


class TextModel:
    """Lazily fitted TF-IDF over supporters' bios, in index order."""

    def __init__(self, bios: Sequence[str], block_of_row: np.ndarray) -> None:
        self._bios = bios
        self._n = len(bios)
        # Rows of online supporters are ranked in blocks; -1 for other rows.
        self._block_of_row = block_of_row
        self._lock = threading.Lock()
        self._fitted = False
        self._analyzer = None
        self._vocabulary: dict[str, int] = {}
        self._terms: np.ndarray = np.empty(0, dtype=object)
        self._idf = np.empty(0)
        # Row-major weights: the terms of each bio and their TF-IDF weights.
        self._indptr = np.zeros(self._n + 1, dtype=np.int64)
        self._indices = np.empty(0, dtype=np.int32)
        self._data = np.empty(0, dtype=np.float64)
        # Per term: the blocks holding it and the term's largest weight in each.
        self._block_indptr = np.zeros(1, dtype=np.int64)
        self._block_ids = np.empty(0, dtype=np.int64)
        self._block_max = np.empty(0)

    @property
    def fitted(self) -> bool:
        """Whether the TF-IDF model has been fitted."""
        return self._fitted

    def fit(self) -> None:
        """Fit the model now if it is not fitted yet (safe from several threads)."""
        if self._fitted:
            return
        with self._lock:
            if self._fitted:
                return
            vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True,
                                         dtype=np.float64)
            self._analyzer = vectorizer.build_analyzer()
            try:
                matrix = vectorizer.fit_transform(self._bios)
            except ValueError:
                pass  # every bio empty or only stop words: nothing can be similar
            else:
                matrix.sort_indices()
                self._vocabulary = dict(vectorizer.vocabulary_)
                self._terms = vectorizer.get_feature_names_out()
                self._idf = vectorizer.idf_.astype(np.float64)
                self._indptr = matrix.indptr.astype(np.int64)
                self._indices = matrix.indices.astype(np.int32)
                self._data = matrix.data.astype(np.float64)
                self._block_maxima()
            self._bios = ()  # the texts are no longer needed
            self._fitted = True

    def query_vector(self, text: str) -> QueryText | None:
        """Return the TF-IDF vector of a text, or None when it has no known term.

        The same weighting as the fitted vectorizer (sublinear tf, smooth idf,
        L2 norm), computed directly: ``TfidfVectorizer.transform`` costs about
        0.4 ms per call, a fifth of a query's budget.
        """
        if not text.strip():
            return None
        self.fit()
        counts = Counter(self._vocabulary[token] for token in self._analyzer(text)
                         if token in self._vocabulary)
        if not counts:
            return None
        terms = np.array(sorted(counts), dtype=np.int64)
        tf = 1.0 + np.log(np.array([counts[t] for t in terms], dtype=np.float64))
        weights = tf * self._idf[terms]
        weights = weights / np.sqrt(np.sum(weights * weights))
        dense = np.zeros(len(self._idf))
        dense[terms] = weights
        return QueryText(terms, weights, dense)

    def similarities(self, query: QueryText, rows: np.ndarray) -> np.ndarray:
        """Return the cosine similarity of the query with each row's bio.

        Each row's products are summed in its own term order, so a row's value
        does not depend on which other rows are asked for.
        """
        if not len(rows):
            return np.zeros(0)
        entries, owner = self._row_entries(rows)
        products = query.dense[self._indices[entries]] * self._data[entries]
        sims = np.bincount(owner, weights=products, minlength=len(rows))
        return np.minimum(sims, 1.0)

    def block_bounds(self, query: QueryText, n_blocks: int) -> np.ndarray:
        """Return, per block, an upper bound of any of its rows' similarity.

        A row's cosine sums query weight times row weight over the query's
        terms; the block's largest weight of each term bounds the row's.
        """
        bound = np.zeros(n_blocks)
        for t, w in zip(query.terms, query.weights, strict=True):
            start, end = self._block_indptr[t], self._block_indptr[t + 1]
            bound[self._block_ids[start:end]] += w * self._block_max[start:end]
        return np.minimum(bound, 1.0)

    def shared_terms(self, query: QueryText, rows: np.ndarray,
                     *, limit: int = 3) -> list[tuple[str, ...]]:
        """Return, for each row, the query terms in its bio, largest contribution first."""
        entries, owner = self._row_entries(rows)
        terms = self._indices[entries]
        contribution = query.dense[terms] * self._data[entries]
        hit = contribution > 0
        found: list[list[tuple[float, str]]] = [[] for _ in range(len(rows))]
        for j, c, t in zip(owner[hit].tolist(), contribution[hit].tolist(),
                           terms[hit].tolist(), strict=True):
            found[j].append((-c, str(self._terms[t])))
        return [tuple(term for _, term in sorted(f)[:limit]) for f in found]

    def _row_entries(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return the positions of the rows' entries, and which row owns each."""
        starts = self._indptr[rows]
        sizes = self._indptr[rows + 1] - starts
        owner = np.repeat(np.arange(len(rows)), sizes)
        offsets = np.repeat(starts - (np.cumsum(sizes) - sizes), sizes)
        return np.arange(len(owner)) + offsets, owner

    def _block_maxima(self) -> None:
        """Compute each term's largest weight per block of online rows."""
        n_terms = len(self._idf)
        row = np.repeat(np.arange(self._n), np.diff(self._indptr))
        block = self._block_of_row[row]
        keep = block >= 0
        term, block, value = self._indices[keep], block[keep], self._data[keep]
        order = np.lexsort((block, term))
        term, block, value = term[order], block[order], value[order]
        if not len(term):
            self._block_indptr = np.zeros(n_terms + 1, dtype=np.int64)
            return
        first = np.flatnonzero(np.concatenate([[True], (term[1:] != term[:-1])
                                               | (block[1:] != block[:-1])]))
        self._block_max = np.maximum.reduceat(value, first).astype(np.float64)
        self._block_ids = block[first].astype(np.int64)
        self._block_indptr = np.searchsorted(term[first], np.arange(n_terms + 1)).astype(np.int64)
