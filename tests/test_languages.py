"""Languages: detection per corpus, stop words and stemmer of the language, word-sized
terms for Chinese and Japanese, mixed corpora reported as such; on small samples written
for these tests (tests/data/languages: three subjects a language)."""

import json
import logging
import random
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from topicnmf import pipeline
from topicnmf.corpus import from_texts
from topicnmf.errors import ParameterError
from topicnmf.languages import choose_language, language_name, stop_words
from topicnmf.preprocess import Analyzer, Preprocessing, PreprocessOptions, learn_boilerplate

DATA = Path(__file__).parent / "data" / "languages"
ROOT = Path(__file__).resolve().parents[1]
# Function words a reader would spot, beyond the stop-word lists themselves.
FUNCTION_WORDS = {
    "german": {"der", "die", "das", "und", "mit", "ein", "eine", "den", "dem", "im", "auf", "ist", "wird"},
    "french": {"le", "la", "les", "de", "des", "du", "et", "un", "une", "l'", "est", "dans", "avec"},
    "spanish": {"el", "la", "los", "las", "de", "del", "y", "un", "una", "en", "con", "se", "que"},
    "chinese": {"的", "了", "在", "是", "和", "一个", "我们", "这样", "就"},
}


def sample(code, *, per_subject=10, sentences=4, seed=0):
    """(texts, labels): documents of ``sentences`` sentences drawn from one subject each."""
    subjects, current = {}, None
    for line in (DATA / f"{code}.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            current = subjects.setdefault(line[3:], [])
        elif line.strip() and not line.startswith("#"):
            current.append(line.strip())
    rng, texts, labels = random.Random(seed), [], []
    for subject, lines in subjects.items():
        for _ in range(per_subject):
            texts.append(" ".join(rng.sample(lines, min(sentences, len(lines)))))
            labels.append(subject)
    return texts, labels


def fit(texts, labels, **settings):
    return pipeline.run(from_texts(texts, labels=labels), n_topics=3, **settings).result


@pytest.mark.parametrize("code, language", [("de", "german"), ("fr", "french"), ("es", "spanish"),
                                            ("zh", "chinese"), ("ja", "japanese")])
def test_each_sample_is_detected_and_its_topics_are_free_of_function_words(code, language):
    texts, labels = sample(code)
    result = fit(texts, labels)
    choice = result.preprocessing.language
    assert (choice.language, choice.how, choice.mixed) == (language, "detected", False)
    assert choice.describe() == f"{language} (detected in 100% of 30 sampled documents)"
    top = {t for _, terms in result.topics.terms.groupby("topic") for t in terms.term[:10]}
    assert not top & stop_words(language)
    assert not top & FUNCTION_WORDS.get(language, set())
    assert result.evaluation.labels.nmi > 0.9  # three subjects, three topics


def test_english_is_read_exactly_as_without_languages(bundled):
    texts = [p.read_text(encoding="utf-8") for p in sorted(bundled.rglob("*.txt"))]
    detected = learn_boilerplate(texts, PreprocessOptions())
    assert detected.language.languages == ("english",) and detected.language.how == "detected"
    plain = Analyzer(PreprocessOptions(stem=True))
    auto = Analyzer(Preprocessing(PreprocessOptions(stem=True), language=detected.language))
    assert all(plain(t) == auto(t) for t in texts)
    assert "language_choice" not in detected.to_dict() and "language" not in PreprocessOptions().to_dict()


def test_language_set_by_name_or_code_and_a_wrong_one_named():
    assert language_name("DE") == language_name("German") == "german"
    texts, _ = sample("de")
    choice = choose_language(texts, "fr")
    assert (choice.language, choice.how, choice.describe()) == ("french", "set", "french (set)")
    with pytest.raises(ParameterError, match=r"language must be 'auto' or one of afrikaans, arabic, .*; "
                                             r"got 'klingon'; for a language not listed, give its stop words"):
        PreprocessOptions(language="klingon")


def test_german_stemming_uses_the_german_snowball_stemmer():
    texts, _ = sample("de")
    options = PreprocessOptions(stem=True)
    analyzer = Analyzer(learn_boilerplate(texts, options))
    assert analyzer.stem("mannschaften") == "mannschaft"  # the English stemmer leaves it
    assert "und" not in analyzer("Brot und Butter")


def test_chinese_terms_are_words_with_jieba_and_bigrams_without(monkeypatch, caplog):
    pytest.importorskip("jieba")
    texts, labels = sample("zh")
    terms = set(fit(texts, labels).dtm.terms)
    assert {"望远镜", "面粉", "球员", "体育场"} <= terms
    assert max(map(len, terms)) <= 4 and "天文学家用大型望远镜观测一个遥远的星系" not in terms
    monkeypatch.setitem(sys.modules, "jieba", None)  # the cjk extra missing
    with caplog.at_level(logging.WARNING, logger="topicnmf.segment"):
        bigram_terms = set(fit(texts, labels).dtm.terms)
    assert "pip install 'topicnmf[cjk]'" in caplog.text
    assert {"面粉", "球员", "远镜"} <= bigram_terms and {len(t) for t in bigram_terms} == {2}


def test_japanese_terms_are_katakana_and_kanji_words():
    texts, labels = sample("ja")
    terms = set(fit(texts, labels).dtm.terms)
    assert {"サポーター", "フォワード", "望遠鏡", "銀河", "天文学者"} <= terms
    assert not any("\u3040" <= c <= "\u309f" for t in terms for c in t)  # no hiragana particles


def test_a_mixed_corpus_is_reported_with_its_shares_and_each_languages_stop_words(tmp_path):
    de, de_labels = sample("de", per_subject=6)
    fr, fr_labels = sample("fr", per_subject=4)
    result = fit(de + fr, de_labels + fr_labels)
    choice = result.preprocessing.language
    assert choice.mixed and choice.languages == ("german", "french")
    assert choice.describe() == "mixed (german 60%, french 40% of 30 sampled documents); main language: german"
    terms = set(result.dtm.terms)
    assert not terms & (FUNCTION_WORDS["german"] | FUNCTION_WORDS["french"])


def test_with_stemming_each_document_of_a_mixed_corpus_is_stemmed_in_its_own_language():
    de, de_labels = sample("de", per_subject=6)
    fr, fr_labels = sample("fr", per_subject=4)
    preprocessing = learn_boilerplate(de + fr, PreprocessOptions(stem=True))
    analyzer = Analyzer(preprocessing)
    german = "Die Mannschaften spielen gegen die Spielern der anderen Mannschaften im Stadion."
    french = "Les astronomes observent les planètes avec des télescopes depuis les montagnes."
    assert {"mannschaft", "spiel"} <= set(analyzer(german))  # the German stemmer
    assert "planet" in analyzer(french) and "planèt" not in analyzer(french)  # the French one
    described = preprocessing.language.describe(stem=True)
    assert described.endswith("each document is stemmed in its own language (german, french; "
                              "the main one when too short to tell)")
    result = fit(de + fr, de_labels + fr_labels, preprocess=PreprocessOptions(stem=True))
    assert not {t for t in result.topics.terms.term} & (FUNCTION_WORDS["german"] | FUNCTION_WORDS["french"])


def test_korean_terms_are_words_without_their_particles():
    texts, labels = sample("ko")
    result = fit(texts, labels)
    assert result.preprocessing.language.language == "korean"
    terms = set(result.dtm.terms)
    assert {"반죽", "버터", "선수", "경기장", "망원경", "은하", "행성", "승리", "관측"} <= terms
    assert not {"반죽을", "버터와", "선수들은", "망원경으로", "은하를", "승리했습니다"} & terms
    assert "국가" in Analyzer(learn_boilerplate(texts, PreprocessOptions()))("국가가 국가를")  # 가 ends a noun too
    assert result.evaluation.labels.nmi == 1.0


def _folder(folder, texts):
    """A folder of one .txt file per text (00.txt, 01.txt, ...)."""
    folder.mkdir()
    for i, text in enumerate(texts):
        (folder / f"{i:02d}.txt").write_text(text, encoding="utf-8")
    return folder


def test_the_cli_says_the_language_on_stderr_and_in_the_reports(tmp_path):
    folder = _folder(tmp_path / "texte", sample("de")[0])
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "topicnmf", "run", str(folder), "--topics", "3", "--out", str(out),
                           "--formats", "json,md"], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "language: german (detected in 100% of 30 sampled documents)" in done.stderr
    corpus = json.loads((out / "topics.json").read_text())["corpus"]
    assert corpus["language"]["languages"] == ["german"] and corpus["language"]["shares"] == {"german": 1.0}
    assert "Language: german (detected in 100% of 30 sampled documents)." in (out / "report.md").read_text()


def test_a_saved_model_keeps_its_language_and_a_tampered_one_is_refused():
    texts, _ = sample("zh")
    fitted = learn_boilerplate(texts, PreprocessOptions())
    saved = json.loads(json.dumps(fitted.to_dict()))
    assert saved["language_choice"]["language"] == "chinese"
    loaded = Preprocessing.from_dict(saved)
    assert loaded == fitted and Analyzer(loaded)(texts[0]) == Analyzer(fitted)(texts[0])
    saved["language_choice"]["languages"] = ["klingon"]
    with pytest.raises(ParameterError, match="got 'klingon'"):
        Preprocessing.from_dict(saved)


def test_a_model_cuts_chinese_as_it_was_fitted(monkeypatch, tmp_path, capsys):
    """A model fitted with jieba, used where jieba is missing, scored its own documents as
    character bigrams: none matched, with only the generic install hint. It is now a one-line
    error naming the extra; a bigram model is scored with bigrams even where jieba is."""
    pytest.importorskip("jieba")
    from topicnmf.cli import main

    texts, _ = sample("zh")
    folder = tmp_path / "zh"
    folder.mkdir()
    for i, text in enumerate(texts):
        (folder / f"{i:02d}.txt").write_text(text, encoding="utf-8")
    assert main(["run", str(folder), "--topics", "3", "--out", str(tmp_path / "words"), "-q"]) == 0
    saved = json.loads((tmp_path / "words" / "model" / "model.json").read_text(encoding="utf-8"))
    assert saved["preprocess"]["language_choice"]["segmenter"] == "jieba"
    with monkeypatch.context() as m:
        m.setitem(sys.modules, "jieba", None)  # the cjk extra missing
        assert main(["transform", str(tmp_path / "words"), str(folder), "--out", str(tmp_path / "t1"), "-q"]) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "cut into words by jieba" in err and "topicnmf[cjk]" in err
        assert main(["run", str(folder), "--topics", "3", "--out", str(tmp_path / "pairs"), "-q"]) == 0
    saved = json.loads((tmp_path / "pairs" / "model" / "model.json").read_text(encoding="utf-8"))
    assert saved["preprocess"]["language_choice"]["segmenter"] == "bigrams"
    assert main(["transform", str(tmp_path / "pairs"), str(folder), "--out", str(tmp_path / "t2"), "-q"]) == 0
    scored = pd.read_csv(tmp_path / "t2" / "doc_topics.csv")
    assert scored.dominant_topic.notna().all()  # its own documents all matched (jieba is installed)


@pytest.mark.parametrize("code, language", [("de", "german"), ("fr", "french"), ("es", "spanish")])
def test_phrase_labels_use_the_detected_languages_stop_words(code, language):
    """German phrase labels began or ended with 'ein', 'und' ('ein schwarzes loch'): only the
    English stop words were given to the phrase finder."""
    from topicnmf.languages import stop_words

    texts, labels = sample(code, per_subject=20)
    result = fit(texts, labels, phrase_labels=True)
    function_words = stop_words(language)
    phrases = [p for ps in result.topics.prevalence["phrases"] for p in ps]
    assert phrases  # (phrases were found at all)
    for phrase in phrases:
        words = phrase.split()
        assert words[0] not in function_words and words[-1] not in function_words, phrase


def test_chinese_topics_keep_their_term_labels_with_phrase_labels():
    texts, labels = sample("zh")
    plain = fit(texts, labels).topics.prevalence["label"].tolist()
    result = fit(texts, labels, phrase_labels=True)
    assert result.topics.prevalence["label"].tolist() == plain  # no whole clauses as labels
    assert all(p == [] for p in result.topics.prevalence["phrases"])


def test_the_command_line_takes_a_languages_iso_code_as_the_api_does(tmp_path, capsys):
    from topicnmf.cli import main

    from conftest import BUNDLED

    assert main(["run", str(BUNDLED), "--language", "de", "--topics", "3", "--out", str(tmp_path / "o"), "-q"]) == 0
    assert 'language = "german"' in (tmp_path / "o" / "config.toml").read_text(encoding="utf-8")
    with pytest.raises(SystemExit) as stop:
        main(["run", str(BUNDLED), "--language", "xx", "--out", str(tmp_path / "x")])
    assert stop.value.code == 2 and "(or its ISO 639-1 code), got 'xx'" in capsys.readouterr().err


# Function words a reader would spot in the languages covered beyond the Snowball list.
MORE_FUNCTION_WORDS = {
    "polish": {"i", "w", "z", "na", "do", "się", "przez", "po", "je", "dla", "przy", "o"},
    "turkish": {"ve", "bir", "bu", "çok", "her", "önce", "sonra", "kadar", "için", "ile"},
    "greek": {"και", "το", "τα", "τη", "την", "της", "του", "στο", "στον", "για", "με", "από", "να", "πολύ"},
    "ukrainian": {"і", "та", "на", "до", "з", "із", "у", "в", "ми", "я", "через", "по", "за", "для"},
}


@pytest.mark.parametrize("code, language", [("pl", "polish"), ("tr", "turkish"), ("el", "greek"),
                                            ("uk", "ukrainian")])
def test_languages_beyond_snowballs_are_detected_and_their_function_words_kept_out(code, language):
    """Polish and Turkish were reported as 'english (detected in 100%...)', Greek as 'no
    document long enough', Ukrainian as Russian; their function words filled the topics."""
    texts, labels = sample(code, sentences=3)
    result = fit(texts, labels)
    choice = result.preprocessing.language
    assert (choice.language, choice.how, choice.mixed) == (language, "detected", False)
    assert choice.describe().startswith(f"{language} (detected in 100% of ")
    top = {t for _, terms in result.topics.terms.groupby("topic") for t in terms.term[:10]}
    assert not top & (stop_words(language) | MORE_FUNCTION_WORDS[language]), top
    assert result.evaluation.labels.nmi > 0.9


def test_their_snowball_stemmers_stem_and_a_language_without_one_says_so():
    for code, language, word, stem in [("pl", "polish", "pociągi", "pociąg"), ("tr", "turkish", "trenler", "tren"),
                                       ("el", "greek", "τρένα", "τρεν")]:
        texts, _ = sample(code)
        preprocessing = learn_boilerplate(texts, PreprocessOptions(stem=True))
        assert preprocessing.language.language == language
        assert Analyzer(preprocessing).stem(word) == stem, language
    texts, _ = sample("uk")
    preprocessing = learn_boilerplate(texts, PreprocessOptions(stem=True))
    assert Analyzer(preprocessing).stem("потяги") == "потяги"
    assert preprocessing.language.describe(stem=True).endswith("; no Snowball stemmer for ukrainian: words are "
                                                                 "not stemmed")


def test_a_language_we_have_no_stop_words_for_is_reported_as_not_recognised(tmp_path):
    rng = random.Random(1)
    syllables = ["ka", "lo", "mu", "ren", "tal", "vi", "zo", "qua", "shen", "dru", "fel", "nob", "yar", "ix", "pel"]
    words = ["".join(rng.sample(syllables, 3)) for _ in range(60)] + ["vek", "doro", "ilsa"] * 5
    texts = [" ".join(rng.choice(words) for _ in range(30)) + "." for _ in range(30)]
    choice = choose_language(texts)
    assert (choice.how, choice.unrecognised) == ("unknown", 30)
    assert choice.describe() == ("not recognised: 30 of 30 sampled documents fit no language we have stop words "
                                 "for; English stop words only, no stemming (give --language NAME, or your stop "
                                 "words with --stop-words FILE)")
    preprocessing = learn_boilerplate(texts, PreprocessOptions(stem=True))
    assert Analyzer(preprocessing).stem("running") == "running"  # not the English stemmer
    assert Preprocessing.from_dict(json.loads(json.dumps(preprocessing.to_dict()))) == preprocessing


def test_the_command_line_takes_every_language_with_stop_words(tmp_path):
    folder = _folder(tmp_path / "teksty", sample("pl")[0])
    for given in ("polish", "pl"):
        done = subprocess.run([sys.executable, "-m", "topicnmf", "run", str(folder), "--topics", "3", "--language",
                               given, "--stem", "--out", str(tmp_path / given), "--formats", "json"],
                              capture_output=True, text=True, cwd=ROOT)
        assert done.returncode == 0, done.stderr
        assert "language: polish (set)" in done.stderr


THAI_FUNCTION_WORDS = {"ที่", "และ", "ใน", "ของ", "ด้วย", "ให้", "แล้ว", "ได้", "เป็น", "จน", "แก่", "กับ", "มายัง"}


def test_thai_terms_are_words_with_pythainlp_and_cluster_pairs_without(monkeypatch, caplog, tmp_path, capsys):
    """Thai is written without spaces between words: its tokens were whole phrases (one
    sentence a term, every topic flagged low_coherence). Cut by pythainlp's dictionary they are
    words, the function words among them stop words; without the extra, pairs of character
    clusters (as Chinese gets bigrams), said with the extra to install. A model cut by
    pythainlp is refused where it is missing, as jieba's is."""
    pytest.importorskip("pythainlp")
    from topicnmf.cli import main

    texts, labels = sample("th")
    result = fit(texts, labels)
    choice = result.preprocessing.language
    assert choice.describe() == "thai (detected in 100% of 30 sampled documents)" and choice.segmenter == "newmm"
    terms = set(result.dtm.terms)
    assert {"กล้องโทรทรรศน์", "ดาวเคราะห์", "กระเทียม", "กองหน้า", "ผู้รักษาประตู", "น\u0e49\u0e4d\u0e32ปลา"} <= terms
    assert max(map(len, terms)) <= 15  # no sentence ("นักดาราศาสตร์สังเกตดาวเคราะห์...") is a term
    top = {t for _, terms in result.topics.terms.groupby("topic") for t in terms.term[:10]}
    assert not top & (stop_words("thai") | THAI_FUNCTION_WORDS)
    assert result.evaluation.labels.nmi > 0.9
    _folder(tmp_path / "th", texts)
    assert main(["run", str(tmp_path / "th"), "--topics", "3", "--out", str(tmp_path / "run"), "-q"]) == 0
    monkeypatch.setitem(sys.modules, "pythainlp", None)  # the thai extra missing
    monkeypatch.setitem(sys.modules, "pythainlp.tokenize", None)
    with caplog.at_level(logging.WARNING, logger="topicnmf.segment"):
        pairs = fit(texts, labels)
    assert "pip install 'topicnmf[thai]'" in caplog.text and pairs.preprocessing.language.segmenter == "clusters"
    assert "ดา" in pairs.dtm.terms and max(map(len, pairs.dtm.terms)) <= 6 and pairs.evaluation.labels.nmi > 0.9
    assert main(["transform", str(tmp_path / "run"), str(tmp_path / "th"), "--out", str(tmp_path / "t"), "-q"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cut into words by pythainlp" in err and "topicnmf[thai]" in err
