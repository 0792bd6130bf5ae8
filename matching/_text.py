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

import functools
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer

from ._pieces import gather, left_rows, source_pieces

__all__ = ["Carried", "QueryText", "TermCounts", "TextModel"]


@dataclass(frozen=True, slots=True)
class QueryText:
    """A query's TF-IDF vector: its terms (ascending), weights, and a dense copy."""

    terms: np.ndarray
    weights: np.ndarray
    dense: np.ndarray


class TextModel:
    """Lazily fitted TF-IDF over supporters' bios, in index order.

    Fitting counts each bio's terms once; the weights (sublinear tf, smooth
    idf, L2 norm, as scikit-learn's ``TfidfVectorizer`` computes them) are
    derived from the counts. A changed index (:meth:`moved`) carries the
    counts over and counts only the new bios, so its weights equal those of
    a model fitted afresh on the same bios.
    """

    def __init__(self, bios: Sequence[str], block_of_row: np.ndarray, *,
                 counts: TermCounts | None = None, carry: _Carry | None = None) -> None:
        self._bios = bios
        # What the fitted model this one was moved from lends it, until it is fitted.
        self._carry = carry
        self._n = len(bios) if counts is None else len(counts.indptr) - 1
        # Rows of online supporters are ranked in blocks; -1 for other rows.
        self._block_of_row = block_of_row
        self._lock = threading.Lock()
        self._counts = counts
        self._fitted = False
        self._vocabulary: dict[str, int] = {}
        self._terms: np.ndarray = np.empty(0, dtype=str)
        self._idf = np.empty(0)
        # Row-major weights: the terms of each bio and their TF-IDF weights.
        self._indptr = np.zeros(self._n + 1, dtype=np.int64)
        self._indices = np.empty(0, dtype=np.int32)
        self._data = np.empty(0, dtype=np.float64)
        # Per term: the blocks holding it and the term's largest weight in each.
        self._block_indptr = np.zeros(1, dtype=np.int64)
        self._block_ids = np.empty(0, dtype=np.int64)
        self._block_max = np.empty(0)

    @classmethod
    def of_bios(cls, bios: Sequence[str], block_of_row: np.ndarray) -> TextModel:
        """Return an unfitted model of these bios (one per row)."""
        return cls(bios, block_of_row)

    @property
    def fitted(self) -> bool:
        """Whether the TF-IDF model has been fitted."""
        return self._fitted

    def moved(self, source_rows: np.ndarray, new_bios: Sequence[str],
              block_of_row: np.ndarray) -> TextModel:
        """Return the model of a changed index.

        Its row ``i`` is this model's row ``source_rows[i]``, or new bio
        ``source_rows[i] - len(self)``. Counted terms are carried over (only
        the new bios are counted); an unfitted model stays unfitted.
        """
        with self._lock:
            counts, bios, fitted = self._counts, self._bios, self._fitted
        if counts is None:
            new = np.empty(len(new_bios), dtype=object)
            new[:] = list(new_bios)
            return TextModel(gather(np.asarray(bios, dtype=object), new, source_rows,
                                    source_pieces(source_rows, len(bios))), block_of_row)
        # A fitted model's weights move with its rows: only the rows whose weights
        # change are weighed again, when the moved model is fitted.
        moved, weights = counts.moved(source_rows, _term_counts(new_bios),
                                      (self._idf, self._data) if fitted else None)
        carry = None if weights is None else _Carry(
            weights, self._vocabulary if moved.terms is counts.terms else None,
            _OldMaxima(self._block_of_row, self._block_indptr, self._block_ids,
                       self._block_max, source_rows))
        return TextModel((), block_of_row, counts=moved, carry=carry)

    def __len__(self) -> int:
        return self._n

    def fit(self) -> None:
        """Fit the model now if it is not fitted yet (safe from several threads)."""
        if self._fitted:
            return
        with self._lock:
            if self._fitted:
                return
            if self._counts is None:
                self._counts = _term_counts(self._bios)
            counts = self._counts
            carry = self._carry
            if len(counts.terms):
                self._terms = counts.terms
                self._vocabulary = (carry and carry.vocabulary) or {
                    t: i for i, t in enumerate(counts.terms.tolist())}
                self._indptr, self._indices = counts.indptr, counts.indices
                if carry is None:
                    self._idf, self._data = counts.weights()
                    self._block_maxima()
                else:
                    carried = carry.weights()
                    self._idf, self._data = carried.idf, carried.data
                    if not self._moved_block_maxima(carry.maxima, carried):
                        self._block_maxima()
            self._bios = ()  # the texts are no longer needed
            self._carry = None  # nor the old model's arrays
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
        counts = Counter(self._vocabulary[token] for token in _analyzer()(text)
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
        return _entries_of(self._indptr, rows)

    def _block_maxima(self) -> None:
        """Compute each term's largest weight per block of online rows."""
        # Only the online rows' entries (a third of them, or fewer) are read.
        online = np.flatnonzero(self._block_of_row >= 0)
        entries, owner = _entries_of(self._indptr, online)
        term, value = self._indices[entries], self._data[entries]
        block = self._block_of_row[online][owner]
        n_blocks = int(block.max()) + 1 if len(block) else 1
        # One key sorts by term, then block: an argsort of it takes a fifth of the
        # time of lexsort on two keys.
        key = term.astype(np.int64) * n_blocks + block
        order = np.argsort(key)
        self._set_block_maxima(key[order], value[order], n_blocks)

    def _moved_block_maxima(self, old: _OldMaxima, carried: Carried) -> bool:
        """Carry the old model's block maxima over to this one's blocks; False when
        they must be worked out afresh.

        Rows that stayed keep their weights and stay together in one block, so
        each old block's maxima carry to that block; the rows weighed again add
        theirs. A maximum of rows that left stays until the next full build:
        still at least every row's weight, so still a bound (a little looser).
        """
        n_old = len(old.block_of_row)
        stayed = np.flatnonzero(old.source_rows < n_old)
        was = old.block_of_row[old.source_rows[stayed]]
        now = self._block_of_row[stayed]
        if ((was >= 0) != (now >= 0)).any():
            return False
        online = was >= 0
        was, now = was[online], now[online]
        to_new = np.full(int(old.block_of_row.max()) + 1 if n_old else 0, -1, np.int64)
        to_new[was] = now
        mapped = to_new[to_new >= 0]
        # Each old block is one new block, numbered in the same order (else the
        # carried maxima would need sorting again).
        if (to_new[was] != now).any() or (np.diff(mapped) <= 0).any():
            return False
        n_blocks = int(self._block_of_row.max()) + 1 if len(self._block_of_row) else 1
        term = carried.term_map[np.repeat(np.arange(len(old.block_indptr) - 1),
                                          np.diff(old.block_indptr))]
        block = to_new[old.block_ids]
        keep = (term >= 0) & (block >= 0)
        key = term[keep] * n_blocks + block[keep]  # ascending: both maps keep the order
        value = old.block_max[keep]
        rows = carried.again[self._block_of_row[carried.again] >= 0]
        entries, owner = _entries_of(self._indptr, rows)
        added = self._indices[entries].astype(np.int64) * n_blocks + self._block_of_row[rows][owner]
        key = np.concatenate([key, added])
        # Stable: the carried keys are one sorted run, so this costs little more
        # than sorting the few added ones.
        order = np.argsort(key, kind="stable")
        self._set_block_maxima(key[order], np.concatenate([value, self._data[entries]])[order],
                               n_blocks)
        return True

    def _set_block_maxima(self, key: np.ndarray, value: np.ndarray, n_blocks: int) -> None:
        """Keep the largest value of each key (term * n_blocks + block), keys ascending."""
        n_terms = len(self._idf)
        if not len(key):
            self._block_indptr = np.zeros(n_terms + 1, dtype=np.int64)
            self._block_ids, self._block_max = np.empty(0, dtype=np.int64), np.empty(0)
            return
        first = np.flatnonzero(np.concatenate([[True], key[1:] != key[:-1]]))
        self._block_max = np.maximum.reduceat(value, first).astype(np.float64)
        self._block_ids = (key[first] % n_blocks).astype(np.int64)
        self._block_indptr = np.searchsorted(key[first] // n_blocks,
                                             np.arange(n_terms + 1)).astype(np.int64)


@dataclass(frozen=True, slots=True)
class Carried:
    """A moved model's weights, worked out from the model it was moved from."""

    idf: np.ndarray
    data: np.ndarray
    again: np.ndarray     # the rows weighed again (new, or holding a term whose idf moved)
    term_map: np.ndarray  # each old term's id now; -1 when no row holds it any more


@dataclass(frozen=True, slots=True)
class _OldMaxima:
    """The block maxima of the model a moved one came from, and where its rows went."""

    block_of_row: np.ndarray
    block_indptr: np.ndarray
    block_ids: np.ndarray
    block_max: np.ndarray
    source_rows: np.ndarray


@dataclass(frozen=True, slots=True)
class _Carry:
    """What a moved model takes from the fitted model it was moved from."""

    weights: Callable[[], Carried]
    vocabulary: dict[str, int] | None  # the same terms: the same vocabulary
    maxima: _OldMaxima


@dataclass(frozen=True, slots=True)
class TermCounts:
    """How often each term occurs in each row's bio, rows in index order.

    ``terms`` is the vocabulary, ascending, each term in some row; a row's
    entries are ``indices[indptr[r]:indptr[r + 1]]`` (ascending) and ``counts``.
    """

    terms: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray
    counts: np.ndarray
    df: np.ndarray  # how many rows hold each term

    @classmethod
    def of(cls, terms: np.ndarray, indptr: np.ndarray, indices: np.ndarray,
           counts: np.ndarray) -> TermCounts:
        """Return the counts of these rows, their terms' row counts worked out."""
        return cls(terms=terms, indptr=indptr, indices=indices, counts=counts,
                   df=np.bincount(indices, minlength=len(terms)))

    def idf(self) -> np.ndarray:
        """Return each term's smooth idf, ln((1 + n) / (1 + df)) + 1 (scikit-learn's)."""
        return np.log((1.0 + (len(self.indptr) - 1)) / (1.0 + self.df)) + 1.0

    def weights(self) -> tuple[np.ndarray, np.ndarray]:
        """Return the idf of each term and the TF-IDF weight of each entry.

        Sublinear tf (1 + ln count), smooth idf and each row scaled to unit
        length: scikit-learn's formulas.
        """
        idf = self.idf()
        return idf, self._row_weights(idf, np.arange(len(self.indices)),
                                      np.repeat(np.arange(len(self.indptr) - 1),
                                                np.diff(self.indptr)))

    def _row_weights(self, idf: np.ndarray, entries: np.ndarray,
                     owner: np.ndarray) -> np.ndarray:
        """Return the weights of these entries, whole rows of them, ``owner`` numbering
        their rows 0, 1, 2...: each row summed in its own entry order, so a row's
        weights are the same whichever other rows are worked out with it."""
        data = (1.0 + np.log(self.counts[entries].astype(np.float64))) * idf[self.indices[entries]]
        norm = np.sqrt(np.bincount(owner, weights=data * data))
        return data / np.where(norm > 0, norm, 1.0)[owner]

    def moved(self, source_rows: np.ndarray, new: TermCounts,
              weights: tuple[np.ndarray, np.ndarray] | None = None
              ) -> tuple[TermCounts, Callable[[], Carried] | None]:
        """Return the rows ``source_rows`` of these rows followed by ``new``'s.

        The vocabularies merge (both ascending, so old terms keep their order)
        and terms left in no row are dropped: the counts equal those of the
        same bios counted afresh. Given these rows' ``weights``, also returns
        how to work out the moved rows' weights when they are wanted (None
        when they must all be weighed afresh; see :class:`Carried`): only new
        rows, and rows holding a term whose idf changed, are weighed again,
        and each comes out exactly as a full weighing gives it.
        """
        terms, old_ids, new_ids = _merged_terms(self.terms, new.terms)
        n_old = len(self.indptr) - 1
        # Each row's entries: a run of rows is one run of entries.
        sizes = np.concatenate([np.diff(self.indptr), np.diff(new.indptr)])[source_rows]
        old_indices = self.indices if old_ids is None else old_ids[self.indices]
        new_indices = new_ids[new.indices].astype(np.int32)
        pieces = source_pieces(source_rows, n_old)
        entries = spans = None
        if pieces is None:
            indptr = np.concatenate([self.indptr, self.indptr[-1] + new.indptr[1:]])
            starts = indptr[source_rows]
            entries = (np.arange(int(sizes.sum()), dtype=np.int64)
                       + np.repeat(starts - (np.cumsum(sizes) - sizes), sizes))
            indices = np.concatenate([old_indices, new_indices])[entries]
            counts = np.concatenate([self.counts, new.counts])[entries]
        else:
            ptrs = (self.indptr, new.indptr)
            spans = [(side, int(ptrs[side][a]), int(ptrs[side][b])) for side, a, b in pieces]
            indices = gather(old_indices, new_indices, None, spans)
            counts = gather(self.counts, new.counts, None, spans)
        # Rows holding each term: the old rows' counts, less the rows that left,
        # plus the new rows' (counting every row again would read every entry).
        df = np.zeros(len(terms), np.int64)
        old_terms = np.arange(len(self.terms)) if old_ids is None else old_ids
        df[old_terms] = self.df
        left = left_rows(source_rows, n_old)
        if len(left):
            left_entries, _ = _entries_of(self.indptr, left)
            np.subtract.at(df, old_indices[left_entries], 1)
        new_rows = source_rows[source_rows >= n_old] - n_old
        if len(new_rows):
            new_entries, _ = _entries_of(new.indptr, new_rows)
            np.add.at(df, new_indices[new_entries], 1)
        held = df > 0
        renumber = None
        if not held.all():
            renumber = np.cumsum(held) - 1
            indices = renumber[indices]
            terms, df = terms[held], df[held]
        moved = TermCounts(terms=terms,
                           indptr=np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64),
                           indices=indices.astype(np.int32, copy=False), counts=counts, df=df)
        if weights is None or len(source_rows) != n_old or not len(self.terms):
            return moved, None  # a supporter more or fewer changes every idf

        def carried() -> Carried:
            old_idf, old_data = weights
            idf = moved.idf()
            # Old terms still held, in the new numbering, and whether their idf moved.
            kept = held[old_terms]
            now = old_terms[kept] if renumber is None else renumber[old_terms[kept]]
            changed = np.ones(len(moved.terms), bool)  # new terms are only in new rows
            changed[now] = idf[now] != old_idf[kept]
            blank = np.zeros(len(new.indices))
            data = (np.concatenate([old_data, blank])[entries] if spans is None
                    else gather(old_data, blank, None, spans))
            again = source_rows >= n_old
            if changed.any():
                hit = np.concatenate([[0], np.cumsum(changed[moved.indices])])
                again |= hit[moved.indptr[1:]] > hit[moved.indptr[:-1]]
            rows = np.flatnonzero(again)
            if len(rows):
                redo, owner = _entries_of(moved.indptr, rows)
                data[redo] = moved._row_weights(idf, redo, owner)
            term_map = np.full(len(self.terms), -1, np.int64)
            term_map[kept] = now
            return Carried(idf, data, rows, term_map)

        return moved, carried


def _entries_of(indptr: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the positions of these rows' entries, and which of the rows owns each."""
    starts = indptr[rows]
    sizes = indptr[rows + 1] - starts
    owner = np.repeat(np.arange(len(rows)), sizes)
    return np.arange(len(owner)) + np.repeat(starts - (np.cumsum(sizes) - sizes), sizes), owner


def _merged_terms(old: np.ndarray, new: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the union of two ascending vocabularies, and each one's ids in it.

    The old ids are None when they are unchanged (no new term).
    """
    width = np.promote_types(old.dtype, new.dtype)  # inserting must not cut a term
    old, new = old.astype(width, copy=False), new.astype(width, copy=False)
    if not len(new):
        return old, None, np.empty(0, np.int64)
    if not len(old):
        return new, np.empty(0, np.int64), np.arange(len(new))
    at = np.searchsorted(old, new)
    present = (at < len(old)) & (old[np.minimum(at, len(old) - 1)] == new)
    if present.all():
        return old, None, at
    added_at = at[~present]
    terms = np.insert(old, added_at, new[~present])
    old_ids = np.arange(len(old)) + np.searchsorted(added_at, np.arange(len(old)), side="right")
    return terms, old_ids, np.searchsorted(terms, new)


def _term_counts(bios: Sequence[str]) -> TermCounts:
    """Count the terms of each bio (scikit-learn's English analyser and stop words)."""
    vectorizer = CountVectorizer(stop_words="english", dtype=np.int32)
    try:
        matrix = vectorizer.fit_transform(bios)
    except ValueError:  # every bio empty or only stop words
        return TermCounts.of(terms=np.empty(0, dtype=str),
                             indptr=np.zeros(len(bios) + 1, np.int64),
                             indices=np.empty(0, np.int32), counts=np.empty(0, np.uint16))
    matrix.sort_indices()
    return TermCounts.of(terms=np.array(vectorizer.get_feature_names_out().tolist(), dtype=str),
                         indptr=matrix.indptr.astype(np.int64),
                         indices=matrix.indices.astype(np.int32),
                         # A term's count in one bio (at most 20,000 characters) fits
                         # in 16 bits: a quarter of the memory, and of each copy.
                         counts=matrix.data.astype(np.uint16))


@functools.cache
def _analyzer():
    """Return the analyser bios are counted with (built once)."""
    return CountVectorizer(stop_words="english").build_analyzer()
