"""Settings in a TOML file: read as ``--config FILE`` (flag > file > default), written as a
run's ``config.toml`` (which ``--config`` reads back to the same run)."""

import argparse
import logging
import sys

import tomli_w

from .errors import ParameterError
from .options import COMMANDS, options_of

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

log = logging.getLogger("topicnmf")


def read_config_file(path, command, given=()):
    """{setting: value} from a TOML file whose keys are ``command``'s long option names
    (``min-df = 5``; ``min_df`` works too). The settings in ``given`` (flags on the command
    line, which win) are not read; the options of topicnmf's other commands (a ``run``'s
    config.toml given to ``sweep``) are left out, said in the log."""
    try:
        with open(path, "rb") as f:
            table = tomllib.load(f)
    except OSError as exc:
        raise ParameterError(f"{path}: cannot read the config file ({exc.strerror or exc}).") from None
    except tomllib.TOMLDecodeError as exc:
        raise ParameterError(f"{path}: not a valid TOML config file ({exc}).") from None
    by_key = {o.key: o for o in options_of(command)}
    others = {o.key for name in COMMANDS for o in options_of(name)} - set(by_key)
    settings, ignored = {}, []
    for key, value in table.items():
        option = by_key.get(key.replace("_", "-").removeprefix("--"))
        if option is not None and option.setting in given:
            continue  # the flag wins, whatever the file says
        if option is None and key.replace("_", "-").removeprefix("--") in others:
            ignored.append(key)
            continue
        if option is None:
            raise ParameterError(
                f"{path}: unknown setting {key!r}; a config file uses the long option names "
                f"of 'topicnmf {command}' (see --help), e.g. min-df = 5.")
        if option.kind != "value":
            if not isinstance(value, bool):
                raise ParameterError(f"{path}: {key} must be true or false; got {value!r}.")
            settings[option.setting] = value if option.kind != "off" else not value
            continue
        text = ",".join(map(str, value)) if isinstance(value, list) else str(value)
        try:
            settings[option.setting] = option.parse(text)
        except argparse.ArgumentTypeError as exc:
            raise ParameterError(f"{path}: {key}: {exc}.") from None
        if option.choices and settings[option.setting] not in option.choices:
            raise ParameterError(f"{path}: {key} must be one of {', '.join(option.choices)}; got {value!r}.")
    if ignored:
        log.info("%s: settings of other commands left out for %s: %s", path, command, ", ".join(ignored))
    return settings


def config_toml(config, command="run"):
    """The resolved settings of ``config`` as a TOML config file for ``command``: rerunning
    with ``--config`` on the same input reproduces the run's outputs."""
    table = {}
    for option in options_of(command):
        value = config.get(option.setting)
        if value is None:
            continue
        if option.kind == "off":
            value = not value
        table[option.key] = list(value) if isinstance(value, tuple) else value
    return (f"# topicnmf {command} settings, resolved. Rerun with:\n"
            f"#   topicnmf {command} INPUT --config config.toml --out DIR\n" + tomli_w.dumps(table))
