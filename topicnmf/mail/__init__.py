"""Mail and news messages -> their authors' own words (:mod:`.message`: the rules), with
signatures learned per author (:mod:`.signatures`) and a summary of what was removed for the
reports (:mod:`.summary`)."""

from .message import (
    ATTRIBUTION,
    PART_BREAK,
    RULES,
    Parts,
    Removed,
    assemble,
    author,
    clean_message,
    decode_words,
    header_end,
    looks_like_mail,
    message_parts,
)
from .authors import authors
from .signatures import learn_signatures, signatures_of
from .summary import MailCleaning, Tally

__all__ = ["ATTRIBUTION", "PART_BREAK", "RULES", "MailCleaning", "Parts", "Removed", "Tally", "assemble", "author", "authors",
           "clean_message", "decode_words", "header_end", "learn_signatures", "looks_like_mail", "message_parts", "signatures_of"]
