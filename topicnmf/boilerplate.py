"""What a corpus read in chunks teaches its preprocessing (out of core): the same
:class:`~.preprocess.Preprocessing` as :func:`~.preprocess.learn_boilerplate` learns from
the texts in memory, in passes over the chunks and in memory bounded whatever the corpus's
size for the boilerplate lines (:class:`~.clean.LineCounts`).

The signatures authors repeat without a delimiter are learned with memory that grows with
the authors, not their messages (:class:`~.mail.signatures.StreamedSignatures`).
"""

from .clean import LineCounts, count_these_lines, email_parts
from .languages import SAMPLE, choose_language, detect_document, language_name
from .mail import Tally, author
from .mail.signatures import StreamedSignatures
from .preprocess import Preprocessing
from .templates import TemplateCounts, groupings, recount as recount_templates


def learn_boilerplate_in_chunks(chunk_passes, options, ids=None, expected=None):
    """:func:`~.preprocess.learn_boilerplate` over a corpus read in chunks: ``chunk_passes()``
    gives an iterable of lists of texts, one chunk at a time. It is called once for the
    signatures, the lines and the cleaning summary; again when mail authors' signatures were
    learned (the lines are then counted on the texts without them), when a line's count is
    in doubt (counted again, exactly), and for the language's sample. ``ids()``: the
    documents' ids, known after a pass: each source's and language's template lines are then
    learned too (:mod:`.templates`), in one more pass (two when a count is in doubt).
    ``expected``: about how many texts there are (a file's lines): the language's sample is
    then taken in the first pass, and needs no pass of its own when the count was right."""
    mode, share = options.clean_email, options.repeated_line_share
    endings, tally, counts = StreamedSignatures(), Tally(mode), LineCounts(share)
    samples = {max(1, (expected - d) // SAMPLE): [] for d in (0, 1)} if expected else {}
    first = _sampling(chunk_passes, samples) if language_name(options.language) == "auto" else chunk_passes
    for cleaned in _cleaned_chunks(first, mode, tally, endings=endings):
        counts.add(cleaned)  # the lines as they are without any signature
    signatures = endings.signatures(_messages(chunk_passes, mode))
    del endings
    if signatures:  # the lines and the tally again, without the signatures
        tally, counts = Tally(mode), LineCounts(share)
        for cleaned in _cleaned_chunks(chunk_passes, mode, tally, signatures):
            counts.add(cleaned)

    def recount(lines):
        chunks = _cleaned_chunks(chunk_passes, mode, Tally(mode), signatures)
        return count_these_lines((text for cleaned in chunks for text in cleaned), lines)

    summary = tally.summary(len(signatures)) if tally.messages or mode == "always" else None
    lines = counts.repeated(recount=recount) if share else frozenset()
    language = _language(chunk_passes, counts.n_texts, options.language, samples)
    if share:
        lines |= _template_lines(lambda: _cleaned_chunks(chunk_passes, mode, Tally(mode), signatures),
                                 ids() if ids is not None else None, language, share)
    return Preprocessing(options, lines, signatures, summary, language)


def _template_lines(cleaned_chunks, ids, language, share):
    """:func:`.templates.template_lines` over the cleaned texts read in chunks."""
    levels, by_language = groupings(ids, language)
    if not (levels or by_language):
        return frozenset()
    counts, found = TemplateCounts(share, len(levels) + by_language), []

    def documents(record):
        i = 0
        for cleaned in cleaned_chunks():
            for text in cleaned:
                groups = [codes[i] for codes in levels]
                if by_language:
                    if record:
                        found.append(detect_document(text) or language.language)
                    groups.append(found[i])
                yield text, groups
                i += 1

    for text, groups in documents(record=True):
        counts.add(text, groups)
    doubt = counts.doubtful()
    return counts.repeated(recount_templates(documents(record=False), doubt) if doubt else {})


def _messages(chunk_passes, mode):
    """(author, body lines) of each message, in one more pass."""
    for texts in chunk_passes():
        for text in texts:
            is_message, p = email_parts(text, mode)
            if is_message and p is not None and (who := author(text)) is not None:
                yield who, p.body


def _cleaned_chunks(chunk_passes, mode, tally, signatures=frozenset(), endings=None):
    """Each chunk's texts with the mail apparatus (and ``signatures``) cleaned away, counted
    in ``tally``; each message's author and body added to ``endings`` (a
    StreamedSignatures) when given."""
    for texts in chunk_passes():
        cleaned = []
        for text in texts:
            is_message, p = email_parts(text, mode)
            if endings is not None and is_message and p is not None and (who := author(text)) is not None:
                endings.add(who, p.body)
            cleaned.append(tally.text_of(text, is_message, p, signatures))
        yield cleaned


def _sampling(chunk_passes, samples):
    """``chunk_passes`` whose first pass also takes, for each step of ``samples`` ({step:
    list}), the texts _language takes with that step."""
    calls = []

    def passes():
        if calls:
            yield from chunk_passes()
            return
        calls.append(True)
        i = 0
        for texts in chunk_passes():
            texts = texts if isinstance(texts, list) else list(texts)
            for step, sample in samples.items():
                if len(sample) < SAMPLE:
                    sample += texts[(-i) % step::step][:SAMPLE - len(sample)]
            i += len(texts)
            yield texts

    return passes


def _language(chunk_passes, n_texts, setting, samples=None):
    """choose_language over the corpus: the texts it samples (evenly spaced, SAMPLE at most)
    taken in one more pass, which it then takes whole; or, when the first pass took them
    with the right step (``samples``), from there."""
    if language_name(setting) != "auto":
        return choose_language([], setting)
    step, sample, i = max(1, n_texts // SAMPLE), [], 0
    if samples and step in samples:
        return choose_language(samples[step], setting)
    for texts in chunk_passes():
        sample += [t for j, t in enumerate(texts, start=i) if j % step == 0][:SAMPLE - len(sample)]
        i += len(texts)
    return choose_language(sample, setting)
