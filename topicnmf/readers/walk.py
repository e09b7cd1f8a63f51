"""A folder walked in the order of its files' relative paths, sorted as strings.

``os.walk`` gives a folder's files before its subfolders' (``b.txt`` before ``a/x.txt``),
so a corpus read whole was sorted by id afterwards, and a corpus streamed from its folder
(out of core) would have come in another order. :func:`sorted_walk` yields ``os.walk``'s triples
(with a fourth value, True for a folder's first one) (top-down, links to folders not followed) but in sorted-path order: a folder's
files and subfolders interleaved as their paths sort (``a-b.txt``, ``a/x.txt``, ``a.txt``),
a folder given in several triples when its subfolders fall between its files.

The first triple of a folder holds all its subfolders and none of its files, so that a caller
prunes ``dirnames`` in place as with ``os.walk``; the folder's files follow in later triples,
each with empty ``dirnames``.

A folder that cannot be listed (no permission, gone meanwhile) is not left out silently:
``on_error(relative path, reason)`` is told, so that it is counted as skipped.
"""

import os


def sorted_walk(root, on_error=None):
    """(dirpath, dirnames, filenames, first) for each part of each folder; see the module."""
    yield from _visit(str(root), str(root), on_error)


def _visit(dirpath, root, on_error):
    try:
        with os.scandir(dirpath) as scan:
            entries = list(scan)
    except OSError as exc:
        if on_error is not None:
            on_error(os.path.relpath(dirpath, root).replace(os.sep, "/") + "/",
                     f"unreadable folder ({exc.strerror or exc})")
        return
    dirnames = sorted(e.name for e in entries if _is_dir(e))
    links = {e.name for e in entries if e.is_symlink()}
    files = [e.name for e in entries if not _is_dir(e)]
    yield dirpath, dirnames, [], True  # the caller prunes dirnames here
    keyed = sorted([(name, False) for name in files] + [(name + "/", True) for name in dirnames
                                                       if name not in links])
    pending = []
    for key, is_dir in keyed:
        if not is_dir:
            pending.append(key)
            continue
        if pending:
            yield dirpath, [], pending, False
            pending = []
        yield from _visit(os.path.join(dirpath, key[:-1]), root, on_error)
    if pending:
        yield dirpath, [], pending, False


def _is_dir(entry):
    try:
        return entry.is_dir()
    except OSError:
        return False
