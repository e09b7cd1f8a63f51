"""What mail cleaning did to a corpus, for the reports: :class:`Tally` adds up each
message's :class:`~topicnmf.mail.message.Removed` into a :class:`MailCleaning`."""

from collections import Counter
from dataclasses import dataclass, field

from .message import RULES, assemble


@dataclass(frozen=True)
class MailCleaning:
    """What mail cleaning did to a corpus: for the reports (topics.json ``mail_cleaning``).

    ``messages``: documents recognised as mail or news; ``cleaned``: documents any rule
    changed; ``characters``: the corpus's characters before; ``removed``: per rule, the
    documents it changed and the characters it removed.
    """

    mode: str
    documents: int
    messages: int
    cleaned: int
    characters: int
    removed: tuple = ()  # ((rule, documents, characters), ...) in RULES order
    learned_signatures: int = 0

    @property
    def removed_share(self):
        return sum(c for _, _, c in self.removed) / self.characters if self.characters else 0.0

    def to_dict(self):
        return {"mode": self.mode, "documents": self.documents, "messages": self.messages,
                "cleaned": self.cleaned, "characters": self.characters,
                "removed_share": self.removed_share, "learned_signatures": self.learned_signatures,
                "rules": [{"rule": r, "documents": d, "characters": c, "share": c / self.characters}
                          for r, d, c in self.removed]}

    def summary(self):
        """One line for people."""
        rules = ", ".join(f"{r} {c / self.characters:.1%} ({d} docs)" for r, d, c in self.removed)
        return (f"mail cleaning ({self.mode}): {self.messages} of {self.documents} documents are mail or "
                f"news, {self.cleaned} cleaned, {self.removed_share:.1%} of the text removed"
                + (f": {rules}" if rules else ""))



@dataclass
class Tally:
    """Adds up :class:`Removed` over a corpus into a :class:`MailCleaning`."""

    mode: str
    documents: int = 0
    messages: int = 0
    cleaned: int = 0
    characters: int = 0
    rule_documents: Counter = field(default_factory=Counter)
    rule_characters: Counter = field(default_factory=Counter)

    def add(self, is_message, removed):
        self.documents += 1
        self.characters += removed.total
        self.messages += is_message
        self.cleaned += removed.removed > 0
        for rule, n in removed.by_rule:
            self.rule_documents[rule] += 1
            self.rule_characters[rule] += n

    def text_of(self, text, is_message, parts, signatures=frozenset()):
        """``text`` without the apparatus its ``parts`` (None: not cleaned) found, nor the
        ``signatures``; what went is counted."""
        if parts is None:  # left as it is: add(is_message, Removed(len(text))), without making one
            self.documents += 1
            self.characters += len(text)
            self.messages += is_message
            return text
        text, removed = assemble(parts, signatures)
        self.add(is_message, removed)
        return text

    def texts_of(self, texts, parts, signatures=frozenset()):
        """:meth:`text_of` of each of ``texts`` with its (is a message, parts) of ``parts``;
        the texts left as they are (parts None) counted at once."""
        cleaned = list(texts)
        for i in [i for i, (_, p) in enumerate(parts) if p is not None]:
            self.documents -= 1  # (counted with all below)
            self.characters -= len(texts[i])
            cleaned[i] = self.text_of(texts[i], parts[i][0], parts[i][1], signatures)
        self.documents += len(texts)
        self.characters += sum(map(len, texts))
        self.messages += sum(m for m, p in parts if p is None)
        return cleaned

    def summary(self, learned=0):
        rules = tuple((r, self.rule_documents[r], self.rule_characters[r]) for r in RULES
                      if self.rule_characters[r])
        return MailCleaning(self.mode, self.documents, self.messages, self.cleaned, self.characters,
                            rules, learned)
