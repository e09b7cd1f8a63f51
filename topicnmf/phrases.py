"""Phrase labels: the bigrams and trigrams a person would write ("interest rates", "bank of
england"), made from the corpus itself.

1. Candidates are the corpus's collocations: word pairs and triples (surface words, lower
   case, stop words kept inside but never at either end (bar a few nouns of the stop list,
   ``NOUNS``), nor a word of most documents (``MAX_FIRST_SHARE``, ``MAX_LAST_SHARE``), no
   numbers) in at least
   ``MIN_DOCUMENTS`` documents (and ``MIN_SHARE`` of them) whose Dunning log-likelihood ratio (NLTK's
   ``BigramAssocMeasures.likelihood_ratio`` / ``TrigramAssocMeasures``) says the words go
   together more than chance would (over ``MIN_LLR``, p < 0.001).
2. A topic's phrases are the candidates most representative of its documents: with s[d] the
   topic's share of document d and c[d, p] the phrase's count in it, f = sum_d s[d] c[d, p]
   is the phrase's use in the topic and f / F (F = its use in the corpus) how much of it is
   the topic's; a phrase scores f * (f / F), frequent in the topic and concentrated there,
   and is a candidate only for the topic that uses it most.

Offline; no language model.
"""

import logging
import math
import re
from collections import Counter
from dataclasses import replace

import numpy as np
from nltk.collocations import BigramCollocationFinder, TrigramCollocationFinder
from nltk.metrics import BigramAssocMeasures, TrigramAssocMeasures
from nltk.probability import FreqDist
from sklearn.feature_extraction.text import CountVectorizer

from .languages import CJK

log = logging.getLogger("topicnmf")

# a word of letters not touching digits ("bn" of "$1.13bn" is no word)
WORD = re.compile(r"(?<![\w'\u2019])[^\W\d_]+(?:['\u2019][^\W\d_]+)*(?![\w'\u2019])")
MIN_DOCUMENTS = 2
MIN_SHARE = 1e-4  # and in one document in 10,000 (5 of Debian's 57,343): rarer is no label
# a phrase starting with a word in over 30% of the documents ("contains the ...", "package
# ...") or ending with one in over half of them is boilerplate, not a subject
MAX_FIRST_SHARE, MAX_LAST_SHARE = 0.3, 0.5
# nouns in scikit-learn's English stop-word list: fine ends of a phrase ("interest rates",
# "operating system", "fire brigade"), though too common to be topic terms alone
NOUNS = frozenset("interest system fire bill computer detail call front back top bottom side "
                  "name part show move amount mill".split())
MIN_LLR = 10.83  # chi-squared, one degree of freedom, p < 0.001
MAX_CANDIDATES = 20000
PER_TOPIC = 3


def words(text):
    """Lower-case surface words of ``text``, in order (numbers and punctuation dropped)."""
    return WORD.findall(text.lower())


def candidates(token_lists, stop_words, *, min_documents=None, min_llr=MIN_LLR):
    """Collocations of the corpus: phrases (space-joined words) scored by the likelihood
    ratio, best first; none starts or ends with a stop word or a one-letter word."""
    def bad_end(word):
        return (word in stop_words and word not in NOUNS) or len(word) < 2

    df = Counter(w for tokens in token_lists for w in set(tokens))
    n = max(len(token_lists), 1)
    if min_documents is None:
        min_documents = least_documents(n)
    common_first = {w for w, c in df.items() if c > MAX_FIRST_SHARE * n}
    common_last = {w for w, c in df.items() if c > MAX_LAST_SHARE * n}
    if n < 20:  # too few documents to tell boilerplate from a subject
        common_first = common_last = set()

    # n-grams counted within documents (C-speed Counter updates), handed to NLTK's finders
    counts = [Counter() for _ in range(4)]  # a FreqDist counts in Python; a Counter in C
    for tokens in token_lists:
        for fd, grams in zip(counts, (tokens, zip(tokens, tokens[1:]), zip(tokens, tokens[2:]),
                                      zip(tokens, tokens[1:], tokens[2:]))):
            fd.update(grams)
    word_fd, bigram_fd, wildcard_fd, trigram_fd = map(FreqDist, counts)

    def kept(fd):  # often enough, and a phrase's ends
        return FreqDist({g: c for g, c in fd.items() if c >= min_documents and not (
            bad_end(g[0]) or bad_end(g[-1]) or g[0] in common_first or g[-1] in common_last)})

    found = []
    for f, measure in ((BigramCollocationFinder(word_fd, kept(bigram_fd)),
                        BigramAssocMeasures.likelihood_ratio),
                       (TrigramCollocationFinder(word_fd, bigram_fd, wildcard_fd, kept(trigram_fd)),
                        TrigramAssocMeasures.likelihood_ratio)):
        for gram, score in f.score_ngrams(measure):
            if score >= min_llr:
                found.append((" ".join(gram), score))
    found.sort(key=lambda item: -item[1])
    return [phrase for phrase, _ in found[:MAX_CANDIDATES]]


def topic_phrases(texts, shares, stop_words, per_topic=PER_TOPIC):
    """Per topic (a column of ``shares``, documents x topics, each row a document's topic
    shares) its ``per_topic`` most representative phrases, best first. ``texts``: any
    iterable, read once (the texts as cleaned for the fit)."""
    token_lists = [words(t) for t in texts]
    phrases = candidates(token_lists, stop_words)
    k = shares.shape[1]
    if not phrases:
        return [() for _ in range(k)]
    counter = CountVectorizer(analyzer=lambda tokens: _ngrams(tokens), vocabulary=phrases)
    C = counter.transform(token_lists).tocsc()  # documents x phrases
    in_docs = np.asarray((C > 0).sum(axis=0)).ravel()
    F = np.asarray(C.sum(axis=0)).ravel().astype(float)
    f = np.asarray((C.T @ shares).T)  # topics x phrases
    score = f * (f / np.maximum(F, 1e-12)) ** 2
    score[:, in_docs < least_documents(len(token_lists))] = 0  # within a document a phrase may repeat; across documents it must
    score[f < f.max(axis=0)] = 0  # a phrase labels the topic that uses it most, no other
    out = []
    for t in range(k):
        ranked = [j for j in np.argsort(-score[t], kind="stable") if score[t, j] > 0]
        chosen = []
        for j in ranked:
            phrase = phrases[j]
            if any(phrase in c or c in phrase for c in chosen):  # "bank of" vs "bank of england"
                continue
            chosen.append(phrase)
            if len(chosen) == per_topic:
                break
        out.append(tuple(chosen))
    return out


def least_documents(n):
    """Documents a phrase must be in, in a corpus of ``n``."""
    return max(MIN_DOCUMENTS, math.ceil(MIN_SHARE * n))


def _ngrams(tokens):
    return [" ".join(tokens[i:i + n]) for n in (2, 3) for i in range(len(tokens) - n + 1)]


def with_phrases(topics, texts, stop_words, languages=("english",)):
    """``topics`` (a TopicModel, documents in ``doc_topics`` order = ``texts`` order) with a
    ``phrases`` column in ``prevalence`` and each topic labelled by its best phrase (its top
    terms' label kept when it has none). ``stop_words``: the corpus's, in its ``languages``
    (German labels began and ended with 'ein', 'und' when only English ones were given).
    Chinese and Japanese, written without spaces, get no phrases (a whole clause is one
    'word' here): their topics keep their top terms' labels, said in the log."""
    if CJK & set(languages):
        log.info("--phrase-labels: %s text has no spaces between words to find phrases by; the topics "
                 "keep their top terms' labels", "/".join(sorted(CJK & set(languages))))
        return replace(topics, prevalence=topics.prevalence.assign(phrases=[[] for _ in range(topics.n_topics)]))
    W = topics.W  # each document's topic shares, as in doc_topics (rows summing to 1)
    totals = W.sum(axis=1, keepdims=True)
    shares = np.divide(W, totals, out=np.zeros_like(W), where=totals > 0)
    found = topic_phrases(texts, np.nan_to_num(shares), stop_words)
    labels = [p[0] if p else label for p, label in zip(found, topics.prevalence["label"])]
    prevalence = topics.prevalence.assign(label=labels, phrases=[list(p) for p in found])
    return replace(topics, prevalence=prevalence)
