"""Proposing themes for open answers: a local, explainable method, no Django, nothing
downloaded (simplemma carries its Dutch word lists; scikit-learn does the arithmetic).

1. Each answer becomes its lemmas (``simplemma``, Dutch): lower case, words of two letters or
   more, Dutch stop words left out (``STOP_WORDS``, a list of our own: scikit-learn has only
   an English one).
2. TF-IDF over words and word pairs (bigrams), sublinear term frequency, terms in at least
   two answers and in at most half of them; each answer's vector of length 1.
3. Latent semantic analysis (truncated SVD to ``DIMENSIONS`` dimensions, vectors of length
   1 again), so that answers sharing a theme's words but not their wording come closer.
4. The number of themes, from ``K_MIN`` to ``K_MAX`` (at most a tenth of the answers), is
   chosen by its *stability*: on a fixed sample of at most ``SAMPLE`` answers, two random
   subsamples of 80% are clustered with k-means, and how alike the two partitions are on
   the answers both hold is their adjusted Rand index; the mean over six such pairs is the
   number's stability (stability-based validation: Ben-Hur, Elisseeff & Guyon, *Pacific
   Symposium on Biocomputing* 2002; Lange, Roth, Braun & Buhmann, *Neural Computation* 16
   (2004)). The fewest themes whose stability is within ``TOLERANCE`` (0.04) of the highest
   are chosen, a parsimony rule like the one-standard-error rule (Breiman, Friedman, Olshen
   & Stone, *Classification and Regression Trees*, 1984): more themes than there are are
   often as stable, give or take the noise of six pairs. The mean silhouette, tried first,
   rose with every added theme on answers with several wordings per theme; the agreement
   of random starts on the same answers favoured two themes. Then k-means with the number
   chosen (ten random starts) on all answers.
5. Per theme: its top terms (the highest mean TF-IDF weight among its answers; each lemma
   shown as the word the answers most often used for it) as the suggested label, its most
   typical answers (closest to its centre), and per answer a confidence: the cosine
   similarity of the answer to its theme's centre (0 to 1).

Answers without any content word (empty, only emoji, only stop words) get no theme.
"""

from __future__ import annotations

import re
import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

__all__ = ["CODES_SUFFIX", "K_MAX", "K_MIN", "NO_ANSWER_CODE", "OTHER_CODE", "STOP_WORDS",
           "Proposal", "Theme", "lemmas", "propose", "suggest_quotes"]

#: The names of the two codes every codebook starts with; a report's quotes by theme leave
#: them out (they are no theme).
OTHER_CODE, NO_ANSWER_CODE = "overig", "geen_zinvol_antwoord"
#: The multiple-response variable of an open question's codes is ``<question>_codes``.
CODES_SUFFIX = "_codes"

K_MIN, K_MAX = 2, 12
#: Only this many characters of an answer are read (a 20,000-character answer is pasted text).
READ_CHARS = 2_000
DIMENSIONS = 20
SAMPLE = 3_000
SUBSAMPLE = 0.8
PAIRS = 6
TOLERANCE = 0.04
TOP_TERMS = 8
TYPICAL = 5
_WORD = re.compile(r"[^\W\d_]{2,}")

#: Dutch function words and words that say nothing of a theme in survey answers.
_STOP_WORDS = """
aan al alle alleen als altijd ander andere anders ben bij daar daarom dan dat de der deze die
dit doch doen door dus een eens en er erg ge geen geweest had heb hebben heeft hem het hier
hij hoe hun ieder iemand iets ik in is ja je jij jou jouw jullie kan kon kunnen maar me meer
men met mij mijn moet moeten na naar nee niet niets nog nu of om omdat ons onze ook op over
reeds te tegen toch toen tot u uit uw van veel voor want waren was wat we wel welk welke werd
wie wij wil worden wordt zal ze zei zelf zich zij zijn zo zonder zou zouden zeer heel echt
gewoon vind vinden denk denken wel beetje soms vaak nog even weer iets mogelijk graag hebben
zijn worden kunnen zullen moeten willen gaan komen maken doen zeggen staan laten krijgen
"""
STOP_WORDS = frozenset(_STOP_WORDS.split())


def lemmas(text: str, words: dict[str, Counter[str]] | None = None) -> list[str]:
    """The content words of an answer as Dutch lemmas (see the module docstring); with
    ``words``, count there which word of the answer each lemma came from."""
    import simplemma

    result = []
    for word in _WORD.findall(str(text)[:READ_CHARS].casefold()):
        if word in STOP_WORDS:
            continue
        lemma = simplemma.lemmatize(word, lang="nl").casefold()
        if lemma not in STOP_WORDS and len(lemma) >= 2:
            result.append(lemma)
            if words is not None:
                words.setdefault(lemma, Counter())[word] += 1
    return result


def _shown(term: str, words: dict[str, Counter[str]]) -> str:
    """A term as people write it: each lemma as the word it most often was."""
    return " ".join(words[part].most_common(1)[0][0] if part in words else part
                    for part in term.split())


@dataclass
class Theme:
    """A proposed theme: its top terms (the first ones its suggested label), its answers
    (positions in the texts given) and the most typical of them."""

    terms: tuple[str, ...]
    members: tuple[int, ...]
    typical: tuple[int, ...]

    @property
    def label(self) -> str:
        """The first three terms that repeat no word of those before: "regels, vertrouwen,
        uitvoering", not "regels, regels vertrouwen, uitvoering"."""
        chosen: list[str] = []
        words: set[str] = set()
        for term in self.terms:
            if set(term.split()) & words:
                continue
            chosen.append(term)
            words |= set(term.split())
            if len(chosen) == 3:
                break
        return ", ".join(chosen)


@dataclass
class Proposal:
    """The themes proposed, the number chosen and the stability of every number tried;
    per answer its theme (-1 none) and the confidence of that."""

    themes: list[Theme]
    k: int
    stability: dict[int, float]
    theme_of: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    confidence: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))


def propose(texts: Sequence[str], *, k: int | None = None, seed: int = 0) -> Proposal:
    """Propose themes for ``texts`` (see the module docstring); ``k`` fixes the number of
    themes instead of choosing it. Raises ``ValueError`` when there are too few answers
    with content words to find two themes."""
    from sklearn.cluster import KMeans
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    words: dict[str, Counter[str]] = {}
    docs = [" ".join(lemmas(text, words)) for text in texts]
    rows = np.flatnonzero(np.array([bool(doc) for doc in docs], dtype=bool))
    if rows.size < 2 * K_MIN + 2:
        raise ValueError(f"{rows.size} answers with words to go by; at least {2 * K_MIN + 2} "
                         "are needed to propose themes")
    vectorizer = TfidfVectorizer(tokenizer=str.split, token_pattern=None, lowercase=False,
                                 ngram_range=(1, 2), min_df=2, max_df=0.5, sublinear_tf=True)
    try:
        tfidf = vectorizer.fit_transform([docs[i] for i in rows])
    except ValueError:  # no term is in two answers
        raise ValueError("the answers have no words in common to propose themes by") from None
    terms = vectorizer.get_feature_names_out()
    dims = min(DIMENSIONS, tfidf.shape[1] - 1, rows.size - 1)
    if dims >= 2:
        space = normalize(TruncatedSVD(n_components=dims, random_state=seed)
                          .fit_transform(tfidf))
    else:
        space = normalize(tfidf.toarray())
    # More themes than distinct answers cannot be told apart (k-means would warn and merge them).
    distinct = len(np.unique(space.round(9), axis=0))
    k_max = max(K_MIN, min(K_MAX, rows.size // 10, distinct))
    candidates = [k] if k is not None else list(range(K_MIN, k_max + 1))
    rng = np.random.default_rng(seed)
    sample = space[rng.choice(rows.size, SAMPLE, replace=False)] if rows.size > SAMPLE else space
    rng = np.random.default_rng(seed)
    stability: dict[int, float] = {}
    if len(candidates) > 1:
        for number in candidates:
            stability[number] = round(_stability(sample, number, rng), 4)
        best = max(stability.values())
        number = min(n for n in candidates if stability[n] >= best - TOLERANCE)
    else:
        number = candidates[0]
    if number > rows.size:
        raise ValueError(f"{number} themes for {rows.size} answers with words")
    model = KMeans(n_clusters=number, n_init=10, random_state=seed).fit(space)
    labels, centres = model.labels_, model.cluster_centers_
    centres = normalize(centres)
    similarity = np.clip((space * centres[labels]).sum(axis=1), 0.0, 1.0)
    themes = []
    order = np.argsort(-np.bincount(labels, minlength=number), kind="stable")
    theme_of = np.full(len(texts), -1, dtype=np.int64)
    confidence = np.zeros(len(texts))
    for position, cluster in enumerate(order):
        inside = np.flatnonzero(labels == cluster)
        weights = np.asarray(tfidf[inside].mean(axis=0)).ravel()
        top = [_shown(str(terms[i]), words) for i in np.argsort(-weights, kind="stable")[:TOP_TERMS]
               if weights[i] > 0]
        typical, seen = [], set()
        for i in inside[np.argsort(-similarity[inside], kind="stable")]:
            key = " ".join(str(texts[rows[i]]).casefold().split())
            if key not in seen:  # the same answer given often is shown once
                seen.add(key)
                typical.append(i)
                if len(typical) == TYPICAL:
                    break
        themes.append(Theme(tuple(top), tuple(int(rows[i]) for i in inside),
                            tuple(int(rows[i]) for i in typical)))
        theme_of[rows[inside]] = position
        confidence[rows[inside]] = similarity[inside]
    return Proposal(themes, number, stability, theme_of, confidence)


def _stability(points: NDArray[np.float64], k: int, rng: np.random.Generator) -> float:
    """How alike k-means partitions of two random subsamples (``SUBSAMPLE`` of the points
    each) are on the points both hold: the mean adjusted Rand index over ``PAIRS`` pairs."""
    from sklearn.cluster import KMeans
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.metrics import adjusted_rand_score

    size = int(SUBSAMPLE * len(points))
    scores = []
    for pair in range(PAIRS):
        one = rng.choice(len(points), size, replace=False)
        two = rng.choice(len(points), size, replace=False)
        both = np.intersect1d(one, two)
        with warnings.catch_warnings():
            # A subsample with fewer distinct answers than k: k-means merges clusters and says
            # so; the partitions then disagree, which is what the score is to measure.
            warnings.simplefilter("ignore", ConvergenceWarning)
            first = KMeans(n_clusters=k, n_init=3, random_state=pair).fit(points[one])
            second = KMeans(n_clusters=k, n_init=3, random_state=PAIRS + pair).fit(points[two])
        scores.append(adjusted_rand_score(first.predict(points[both]),
                                          second.predict(points[both])))
    return float(np.mean(scores))


#: A quote worth suggesting has this many words (shorter says little, longer is a letter),
#: when the theme has enough such answers.
QUOTE_WORDS = (5, 80)
QUOTE_MIN_WORDS = 3
#: Maximal marginal relevance: the weight of typicality against being unlike the quotes
#: chosen already (Carbonell & Goldstein, SIGIR 1998).
QUOTE_LAMBDA = 0.6


def suggest_quotes(texts: Sequence[str], n: int, *, chosen: Sequence[str] = ()) -> list[int]:
    """Return the positions of up to ``n`` answers of one theme to quote: typical and varied,
    never the same answer twice.

    Typical is close to the centre of the theme's answers (TF-IDF of their lemmas, as in
    ``propose``); varied is unlike the quotes picked before, by maximal marginal relevance
    (``QUOTE_LAMBDA``). Answers of ``QUOTE_WORDS`` words are preferred, answers of fewer
    than ``QUOTE_MIN_WORDS`` never taken; answers equal (in lower case, spaces aside) to one
    picked or to one of ``chosen`` are skipped.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    if n <= 0 or not texts:
        return []
    seen = {" ".join(str(t).casefold().split()) for t in chosen}
    candidates: list[int] = []
    for i, text in enumerate(texts):
        key = " ".join(str(text).casefold().split())
        if key and key not in seen and any(ch.isalpha() for ch in key):
            seen.add(key)
            candidates.append(i)
    low, high = QUOTE_WORDS
    # An answer of one or two words ("Prima", "asdfghjkl") is no quote.
    candidates = [i for i in candidates if len(str(texts[i]).split()) >= QUOTE_MIN_WORDS]
    fitting = [i for i in candidates if low <= len(str(texts[i]).split()) <= high]
    if len(fitting) >= n:
        candidates = fitting
    if len(candidates) <= n:
        return candidates
    docs = [" ".join(lemmas(str(texts[i]))) or "_" for i in candidates]
    vectors = normalize(TfidfVectorizer(tokenizer=str.split, token_pattern=None,
                                        lowercase=False, sublinear_tf=True)
                        .fit_transform(docs).toarray())
    centre = vectors.mean(axis=0)
    typical = vectors @ centre / (np.linalg.norm(centre) or 1.0)
    picked: list[int] = []
    closest = np.zeros(len(candidates))
    for _ in range(n):
        score = QUOTE_LAMBDA * typical - (1 - QUOTE_LAMBDA) * closest
        score[picked] = -np.inf
        best = int(np.argmax(score))
        picked.append(best)
        closest = np.maximum(closest, vectors @ vectors[best])
    return [candidates[i] for i in picked]
