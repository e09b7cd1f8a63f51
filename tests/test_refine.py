"""topicnmf refine: merge, drop, exclude and rename from a saved model, refitted warm."""

import json

import numpy as np
import pytest

from topicnmf.cli import main
from topicnmf.errors import ParameterError
from topicnmf.model import load_model
from topicnmf.nmf import factorize
from topicnmf.refine import Edits, refine

from conftest import BUNDLED


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "out"
    assert main(["run", str(BUNDLED), "--topics", "6", "--tol", "1e-10", "--max-iter", "3000",
                 "--out", str(out), "-q"]) == 0
    return out


def cosine_rows(A, B):
    A = A / np.linalg.norm(A, axis=1, keepdims=True)
    B = B / np.linalg.norm(B, axis=1, keepdims=True)
    return A @ B.T


def test_a_merge_of_unlike_topics_holds_and_leaves_the_others_as_they_were(fitted):
    """Merging baking and sailing (two of the six subjects): the merged topic keeps both
    subjects' terms and documents, and the other topics stay. (Without the pull on the
    merged topic the refit split them again: the merged topic went back to baking and
    sailing joined astronomy, 21 documents moved.)"""
    model = load_model(fitted)
    labels = [label.split(", ")[0] for label in model.labels]
    a, b = labels.index("butter") + 1, labels.index("wind") + 1
    done = refine(model, BUNDLED, Edits(merge=((a, b),)))
    result = done.run.result
    assert result.n_topics == 5
    merged = next(t for t, origin in done.moved.origin.items() if origin == (a, b))
    terms = result.topics.terms
    top = set(terms[terms.topic == merged].term.head(10))
    old = {t: set(model.top_terms(t, 10)[i][0] for i in range(5)) for t in (a, b)}
    assert len(top & old[a]) >= 2 and len(top & old[b]) >= 2
    H_old = model.H / np.linalg.norm(model.H, axis=1, keepdims=True)
    for t, origin in done.moved.origin.items():
        if t != merged:  # every other topic is the one it was
            assert cosine_rows(result.topics.H[t - 1:t], H_old[origin[0] - 1:origin[0]])[0, 0] > 0.98
    W_old = factorize(result.dtm.X, 6, H=model.H, update_H=False).W
    was = np.isin(W_old.argmax(axis=1) + 1, (a, b))
    now = result.topics.doc_topics["dominant_topic"].to_numpy() == merged
    assert now[was].mean() >= 0.95 and done.moved.reassigned <= 5


def test_drop_leaves_no_document_without_a_topic_when_it_had_other_weight(fitted):
    model = load_model(fitted)
    done = refine(model, BUNDLED, Edits(drop=(1,)))
    result = done.run.result
    old = factorize(result.dtm.X, 6, H=model.H, update_H=False).W
    had_other = old[:, 1:].sum(axis=1) > 0
    dominant = result.topics.doc_topics["dominant_topic"]
    assert had_other.sum() > 0 and not dominant[had_other].isna().any()
    assert result.n_topics == 5 and done.moved.reassigned >= 1


def test_a_dropped_subject_is_not_brought_back_by_turning_another_topic_into_it(fitted):
    """Dropping baking (one of the six subjects): free, the refit turned the gardening topic
    into baking ("from old 3: gained butter, dough, flour ...; lost compost, plant ...") and
    gardening vanished; the other topics are now held, so every one stays its subject."""
    model = load_model(fitted)
    labels = [label.split(", ")[0] for label in model.labels]
    baking = labels.index("butter") + 1
    done = refine(model, BUNDLED, Edits(drop=(baking,)))
    H_new = done.run.result.topics.H
    similar = cosine_rows(H_new, model.H)
    assert similar[:, baking - 1].max() < 0.3  # no topic became baking
    for t, origin in done.moved.origin.items():
        assert similar[t - 1, origin[0] - 1] > 0.95  # each kept topic is still itself
        assert not done.moved.lost[t]


def test_refine_command_renames_excludes_and_reports_what_moved(fitted, tmp_path, capsys):
    model = load_model(fitted)
    word = model.top_terms(1, 1)[0][0]
    (tmp_path / "exclude.txt").write_text(f"# not a topic word\n{word}\n", encoding="utf-8")
    out = tmp_path / "refined"
    assert main(["refine", str(fitted), str(BUNDLED), "--merge", "3,4", "--rename", '2="Energy policy"',
                 "--exclude-terms", str(tmp_path / "exclude.txt"), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "documents changed topic" in err and "from old 3+4" in err
    data = json.loads((out / "refine.json").read_text())
    assert data["edits"]["merge"] == [[3, 4]] and data["edits"]["exclude_terms"] == [word]
    assert set(data["moved"]) == {"origin", "documents_reassigned", "documents_compared",
                                  "terms_gained", "terms_lost"}
    labels = [t["label"] for t in json.loads((out / "topics.json").read_text())["topics"]]
    assert "Energy policy" in labels
    refined = load_model(out)
    assert refined.n_topics == 5 and word not in refined.display_terms
    assert "Energy policy" in refined.labels


@pytest.mark.parametrize("argv, message", [
    (["--merge", "3,9"], "topic 9 does not exist: the model has topics 1 to 6."),
    (["--merge", "3"], "--merge needs two or more topics, e.g. --merge 3,7."),
    (["--merge", "3,4", "--drop", "4"], "a topic is merged or dropped twice"),
    ([], "nothing to refine: give --merge, --drop, --exclude-terms or --rename."),
    (["--exclude-terms", "/nonexistent/x.txt"], "/nonexistent/x.txt: cannot read the --exclude-terms file"),
])
def test_bad_edits_are_one_line_errors(fitted, tmp_path, capsys, argv, message):
    assert main(["refine", str(fitted), str(BUNDLED), *argv, "--out", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not (tmp_path / "o").exists()


def test_bad_rename_is_a_usage_error(fitted, tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["refine", str(fitted), str(BUNDLED), "--rename", "Energy", "--out", str(tmp_path / "o")])
    assert exc.value.code == 2
    assert 'expected TOPIC="label"' in capsys.readouterr().err


def test_refine_does_not_overwrite_the_run_it_refines(fitted, capsys):
    assert main(["refine", str(fitted), str(BUNDLED), "--drop", "6", "--out", str(fitted)]) == 1
    assert "holds the report of 'topicnmf run'" in capsys.readouterr().err
    with pytest.raises(ParameterError, match="the edits leave no topic"):
        refine(load_model(fitted), BUNDLED, Edits(drop=(1, 2, 3, 4, 5, 6)))


def test_refine_on_another_corpus_says_so_and_gains_no_zero_weight_terms(fitted, tmp_path, capsys):
    """An English model refined with French texts succeeded silently, and its 'terms gained'
    listed zero-weight words in alphabetical order (aaron, abc, ability...)."""
    french = tmp_path / "fr"
    french.mkdir()
    for i, text in enumerate([
            "Le pain se fait avec de la farine, de l'eau et du sel; la pâte lève toute la nuit.",
            "Le voilier remonte au vent; le barreur choisit son cap et règle les voiles avec soin.",
            "La comète passe près du soleil; les astronomes mesurent sa queue et son orbite.",
            "Les semis de tomates demandent une terre légère, du soleil et un arrosage régulier."] * 3):
        (french / f"{i}.txt").write_text(text, encoding="utf-8")
    out = tmp_path / "refined"
    assert main(["refine", str(fitted), str(french), "--drop", "6", "--out", str(out)]) == 0
    assert "refine expects the corpus the model was fitted on" in capsys.readouterr().err
    data = json.loads((out / "refine.json").read_text(encoding="utf-8"))
    topics = {}
    for line in (out / "topics.csv").read_text(encoding="utf-8").splitlines()[1:]:
        topic, _, term, weight = line.rsplit(",", 3)
        topics.setdefault(topic, set()).add(term)
    for topic, gained in data["moved"]["terms_gained"].items():
        assert set(gained) <= topics.get(topic, set()), (topic, gained)  # each with weight, listed
    assert main(["refine", str(fitted), str(BUNDLED), "--drop", "6", "--out", str(tmp_path / "own")]) == 0
    assert "refine expects" not in capsys.readouterr().err


def test_excluded_words_match_as_the_analyzer_sees_words_even_when_a_word_is_a_template_line(tmp_path, capsys):
    """'Sport', a site's menu line (dropped as boilerplate), was 'not in the model's
    vocabulary' although 'sport' was: the word went through the documents' line cleaning."""
    folder = tmp_path / "site"
    for i, path in enumerate(sorted(BUNDLED.rglob("*.txt"))):
        (folder / path.parent.name).mkdir(parents=True, exist_ok=True)
        menu = "Home\nSport\nWeather\n" if i % 2 else ""  # a menu on half the pages: boilerplate
        sport = " Sport on the water, sport in the garden." if path.parent.name in ("sailing", "gardening") else ""
        (folder / path.parent.name / path.name).write_text(menu + path.read_text(encoding="utf-8").rstrip() + sport,
                                                           encoding="utf-8")
    assert main(["run", str(folder), "--topics", "6", "--out", str(tmp_path / "run"), "-q"]) == 0
    assert "sport" in load_model(tmp_path / "run").display_terms
    (tmp_path / "exclude.txt").write_text("Sport\nSAILING\n", encoding="utf-8")
    assert main(["refine", str(tmp_path / "run"), str(folder), "--exclude-terms", str(tmp_path / "exclude.txt"),
                 "--out", str(tmp_path / "refined"), "-q"]) == 0
    assert "not in the model's vocabulary" not in capsys.readouterr().err
    assert not {"sport", "sailing"} & set(load_model(tmp_path / "refined").display_terms)


def test_lineage_counts_excluded_top_terms_as_lost_and_shows_no_empty_sets(fitted, tmp_path, capsys):
    """Excluding a topic's top words changed its top 10, yet stderr and refine.json said
    'gained -; lost -' (old and new were compared after the exclusion): the excluded words are
    lost, the words that took their places gained, and a topic whose top terms stayed says so."""
    model = load_model(fitted)
    words = [term for term, _ in model.top_terms(1, 3)]
    (tmp_path / "exclude.txt").write_text("\n".join(words) + "\n", encoding="utf-8")
    out = tmp_path / "refined"
    assert main(["refine", str(fitted), str(BUNDLED), "--exclude-terms", str(tmp_path / "exclude.txt"),
                 "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert " -;" not in err and "lost -" not in err and "gained -" not in err
    moved = json.loads((out / "refine.json").read_text())["moved"]
    topic = next(t for t, origin in moved["origin"].items() if origin == [1])
    assert set(words) <= set(moved["terms_lost"][topic]) and len(moved["terms_gained"][topic]) >= 3
    line = next(line for line in err.splitlines() if "from old 1:" in line)
    assert "gained " in line and all(w in line.split("lost ", 1)[1] for w in words)
    same = [t for t in moved["origin"] if not moved["terms_gained"][t] and not moved["terms_lost"][t]]
    assert all(f"topic {t} (" in err and "same top terms" in err for t in same)
