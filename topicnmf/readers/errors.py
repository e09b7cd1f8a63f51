"""Why a document file was not read: raised by the document readers, counted by the corpus
reader as a skipped input with this message as its reason."""


class DocumentSkipped(Exception):
    """A document file that cannot be read; the message is the reason shown to the user."""


def needs_extra(package, extra):
    """The reason for a file whose reader needs a package that is not installed."""
    return DocumentSkipped(f"needs {package}: pip install 'topicnmf[{extra}]'")
