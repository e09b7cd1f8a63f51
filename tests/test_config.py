"""One run configuration: validated before any work, dependent defaults resolved once, the
same from Python, the command line and a config file."""

import json

import pytest

from topicnmf import pipeline
from topicnmf.cli import main
from topicnmf.config import RunConfig
from topicnmf.corpus import ReadOptions, from_texts, read_corpus
from topicnmf.errors import ParameterError
from topicnmf.nmf import SolverOptions
from topicnmf.config_file import config_toml, read_config_file
from topicnmf.options import COMMANDS, options_of
from topicnmf.vectorize import VectorizeOptions

from conftest import BUNDLED


def test_the_loss_chooses_the_solver_and_the_solver_the_init():
    assert (RunConfig().nmf.solver, RunConfig().nmf.init) == ("cd", "nndsvd")
    kl = RunConfig(nmf=SolverOptions(beta_loss="kullback-leibler")).nmf
    assert (kl.solver, kl.init) == ("mu", "nndsvda")
    assert RunConfig(nmf=SolverOptions(solver="mu")).nmf.init == "nndsvda"
    assert RunConfig(nmf=SolverOptions(solver="mu", init="random")).nmf.init == "random"
    with pytest.raises(ParameterError, match="'solver'"):
        SolverOptions(beta_loss="kullback-leibler", solver="cd")


@pytest.mark.parametrize("make, message", [
    (lambda: RunConfig(n_topics=0), "n_topics must be a positive integer"),
    (lambda: RunConfig(n_topics="many"), "n_topics must be a positive integer or 'auto'"),
    (lambda: RunConfig(restarts=0), "restarts must be a positive integer"),
    (lambda: RunConfig(top_terms=True), "top_terms must be a positive integer"),
    (lambda: RunConfig(topic_range="9:3"), "topic_range must look like 5:40"),
    (lambda: RunConfig(formats=("pdf",)), "formats must be some of csv, json, md, html"),
    (lambda: RunConfig(seed=-1), "seed must be an integer >= 0"),
    (lambda: RunConfig(vectorize={"min_df": 5}), "vectorize must be a VectorizeOptions"),
    (lambda: VectorizeOptions(min_df=0), "min_df must be a positive finite number"),
    (lambda: ReadOptions(max_file_mb=0), "max_file_mb must be a number > 0"),
    (lambda: SolverOptions(tol=-1), "The 'tol' parameter of NMF must be a float"),
])
def test_bad_settings_name_the_parameter_not_a_flag(make, message):
    with pytest.raises(ParameterError, match=message) as error:
        make()
    assert "--" not in str(error.value)


def test_an_impossible_configuration_is_refused_before_reading(monkeypatch, tmp_path):
    def no_reading(*args, **kwargs):
        raise AssertionError("the corpus was read before the settings were checked")

    monkeypatch.setattr(pipeline, "read_corpus", no_reading)
    with pytest.raises(ParameterError, match="n_topics"):
        pipeline.run(BUNDLED, n_topics=-3)
    with pytest.raises(ParameterError, match="unexpected keyword argument 'topics'"):
        pipeline.run(BUNDLED, topics=3)
    with pytest.raises(ParameterError, match="'solver'"):
        pipeline.run(BUNDLED, nmf=SolverOptions(beta_loss="kullback-leibler", solver="als"))


def test_kullback_leibler_from_python_without_naming_the_solver():
    corpus = read_corpus(BUNDLED, ReadOptions(folder_labels=True))
    result = pipeline.fit(corpus, n_topics=6, nmf=SolverOptions(beta_loss="kullback-leibler"))
    nmf = result.parameters["nmf"]
    assert (nmf["solver"], nmf["init"], nmf["beta_loss"]) == ("mu", "nndsvda", "kullback-leibler")
    assert result.evaluation.labels.nmi > 0.7
    assert all(loss >= 0 for loss in result.fit.loss_history)


def test_too_many_topics_names_the_parameter():
    corpus = from_texts(["apples and pears", "pears and plums", "boats with sails"] * 2)
    with pytest.raises(ParameterError, match=r"n_topics=6 is more than the corpus supports"):
        pipeline.fit(corpus, n_topics=6, vectorize=VectorizeOptions(min_df=1))


def test_every_option_sets_one_setting_of_the_run_configuration():
    defaults = RunConfig()
    for command in COMMANDS:
        options = options_of(command)
        settings = [o.setting for o in options]
        assert len(settings) == len(set(settings)), command
        assert len({o.key for o in options}) == len(options), command
        for option in options:
            defaults.get(option.setting)  # raises AttributeError for a setting that is not there


def test_flag_beats_config_file_beats_default(tmp_path):
    config = tmp_path / "settings.toml"
    config.write_text('topics = 4\nmin_df = 1\nformats = ["json"]\nstem = true\n', encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(BUNDLED), "--config", str(config), "--topics", "3", "--out", str(out), "-q"]) == 0
    data = json.loads((out / "topics.json").read_text(encoding="utf-8"))
    assert data["parameters"]["n_topics"] == 3  # the flag
    assert data["parameters"]["vectorize"]["min_df"] == 1  # the file
    assert data["parameters"]["preprocess"]["stem"] is True  # the file
    assert data["parameters"]["vectorize"]["max_df"] == 0.95  # the default
    assert {p.name for p in out.iterdir()} == {"topics.json", "config.toml", "model", "manifest.json"}


def test_written_config_reruns_the_report_byte_for_byte(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    args = ["--topics", "5", "--stem", "--ngrams", "2", "--min-df", "3", "--extra-stop-words",
            "water,light", "--no-sublinear-tf", "--alpha-W", "0.00001", "--formats", "csv,json"]
    assert main(["run", str(BUNDLED), *args, "--out", str(first), "-q"]) == 0
    written = (first / "config.toml").read_text(encoding="utf-8")
    assert 'extra-stop-words = [\n    "water",\n    "light",\n]' in written or "water" in written
    assert main(["run", str(BUNDLED), "--config", str(first / "config.toml"), "--out", str(second), "-q"]) == 0
    for name in ("topics.json", "topics.csv", "doc_topics.csv", "config.toml"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_config_toml_round_trips_every_setting(tmp_path):
    config = RunConfig(n_topics="auto", topic_range="4:9", seed=3, restarts=2, top_terms=7,
                       extra_stop_words=("alpha", "beta"), default_stop_words=False,
                       read=ReadOptions(text_column="body", extensions=("txt", "md")),
                       vectorize=VectorizeOptions(min_df=0.01, max_features=500, sublinear_tf=False),
                       nmf=SolverOptions(beta_loss="kullback-leibler", tol=1e-6, alpha_H=0.5))
    path = tmp_path / "config.toml"
    path.write_text(config_toml(config), encoding="utf-8")
    assert RunConfig.from_settings(read_config_file(path, "run")) == config


@pytest.mark.parametrize("content, message", [
    ("topcs = 4\n", "unknown setting 'topcs'"),
    ("topics = 0\n", "topics: expected a positive integer"),
    ("stem = 1\n", "stem must be true or false"),
    ("loss = 'poisson'\n", "loss must be one of frobenius, kullback-leibler"),
    ("topics = [4\n", "not a valid TOML config file"),
])
def test_a_bad_config_file_gives_one_line_naming_it(tmp_path, capsys, content, message):
    config = tmp_path / "bad.toml"
    config.write_text(content, encoding="utf-8")
    assert main(["run", str(BUNDLED), "--config", str(config), "--out", str(tmp_path / "out"), "-q"]) == 1
    err = capsys.readouterr().err
    assert message in err and str(config) in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_a_runs_config_file_serves_sweep_and_a_flag_wins_over_a_bad_file_value(tmp_path, capsys):
    """`sweep --config run/config.toml --topics 3:6` failed on the file's `topics = 5` (the
    flag did not win) and then on run-only keys; `--min-df 2` did not win over `min-df = nan`."""
    from topicnmf.cli import main
    from conftest import BUNDLED

    run = tmp_path / "run"
    assert main(["run", str(BUNDLED), "--topics", "5", "--min-df", "3", "--out", str(run), "-q"]) == 0
    assert main(["sweep", str(BUNDLED), "--config", str(run / "config.toml"), "--topics", "3:4",
                 "--out", str(tmp_path / "sweep")]) == 0
    err = capsys.readouterr().err
    assert "settings of other commands left out for sweep: " in err and "representative" in err
    swept = json.loads((tmp_path / "sweep" / "sweep.json").read_text(encoding="utf-8"))
    assert swept["parameters"]["vectorize"]["min_df"] == 3  # the file's preprocessing
    assert [row["k"] for row in swept["scores"]] == [3, 4]  # the flag's range
    bad = tmp_path / "bad.toml"
    bad.write_text("min-df = nan\ntopics = 4\n", encoding="utf-8")
    assert main(["run", str(BUNDLED), "--config", str(bad), "--min-df", "2", "--out", str(tmp_path / "r2"), "-q"]) == 0
    assert main(["run", str(BUNDLED), "--config", str(bad), "--out", str(tmp_path / "r3"), "-q"]) == 1
    assert "min-df" in capsys.readouterr().err


def test_config_toml_records_the_dtype_the_run_chose(tmp_path):
    """--dtype auto depends on the memory free when the run ran (out of core is float32): the
    written config.toml names the one chosen, so a rerun elsewhere takes the same."""
    from topicnmf.cli import main

    small, tight = tmp_path / "small", tmp_path / "tight"
    assert main(["run", str(BUNDLED), "-k", "3", "--out", str(small), "-q", "--formats", "csv"]) == 0
    assert main(["run", str(BUNDLED), "-k", "3", "--out", str(tight), "-q", "--formats", "csv",
                 "--max-memory", "100KB"]) == 0
    assert 'dtype = "float64"' in (small / "config.toml").read_text()
    assert 'dtype = "float32"' in (tight / "config.toml").read_text()


def test_a_format_named_twice_is_written_once():
    assert RunConfig(formats=("csv", "json", "csv")).formats == ("csv", "json")
