"""Legacy encodings: a sentence of each of 17 languages saved in each of 13 single-byte code
pages that can hold it, read back by topicnmf (readers.decode_bytes: charset-normalizer, then
the Western code pages told apart by readers/western.py) and by charset-normalizer alone (its
best match), side by side. A reading is right when it gives the text exactly.

    python benchmarks/bench_encodings.py            # each sentence four times (~400 bytes)
    python benchmarks/bench_encodings.py --repeat 1 # one sentence (~100 bytes): harder
"""

import argparse

import charset_normalizer

from topicnmf.readers.decode import decode_bytes

SAMPLES = {
    "French": "L'été dernier, le garçon a mangé une crème brûlée à Noël; « où est-il ? » dit-elle. Ça coûte 5 €.",
    "German": "Über die Brücke fährt ein großer Lkw; die Straße ist heiß. Müller's Café – geöffnet.",
    "Spanish": "El niño comió paella en la montaña; ¿dónde está el señor Núñez? ¡Qué año!",
    "Portuguese": "A informação não está disponível; a região é conhecida pelo pão e pelo vinho.",
    "Italian": "Perché è così difficile? Città, università, caffè: è già tardi.",
    "Dutch": "Het café in Zeeuws-Vlaanderen is geopend; ‘s avonds drinken we één biertje.",
    "Swedish": "Räksmörgås och kött på ön; Åsa går till skolan.",
    "Danish": "Søen ved Århus er smuk; jeg spiste rødgrød med fløde.",
    "Icelandic": "Þetta er íslenska; ég fór til Reykjavíkur með ömmu.",
    "English": "Prices rose 5% — “naïve” buyers paid £30 for Zoë’s café™ and the rôle of the résumé.",
    "Polish": "Zażółć gęślą jaźń; łódź płynie po jeziorze w Łodzi.",
    "Czech": "Příliš žluťoučký kůň úpěl ďábelské ódy.",
    "Turkish": "Şişli'de ağaçlar çiçek açtı; İstanbul'un güzel günleri.",
    "Russian": "Съешь же ещё этих мягких французских булок, да выпей чаю.",
    "Greek": "Ξεσκεπάζω την ψυχοφθόρα βδελυγμία.",
    "Arabic": "نص حكيم له سر قاطع وذو شأن عظيم مكتوب على ثوب أخضر",
    "Hebrew": "דג סקרן שט בים מאוכזב ולפתע מצא חברה",
}
CODE_PAGES = ("cp1252", "latin-1", "mac_roman", "cp850", "cp1250", "iso8859_15", "cp1254", "cp1251",
              "koi8_r", "cp1253", "cp1256", "cp1255", "iso8859_7")


def peer(data):
    best = charset_normalizer.from_bytes(data).best()
    return None if best is None else str(best)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=4, help="times each sentence is repeated (default 4)")
    args = parser.parse_args(argv)
    cases = ours = theirs = 0
    wrong = []
    for language, sentence in SAMPLES.items():
        text = (sentence + " ") * args.repeat
        for page in CODE_PAGES:
            try:
                data = text.encode(page)
            except UnicodeEncodeError:
                continue
            cases += 1
            got, label = decode_bytes(data)
            ours += got == text
            theirs += peer(data) == text
            if got != text:
                wrong.append(f"| {language} | {page} | {label} | {got[:30]!r} |")
    print(f"{cases} texts (17 languages x the code pages that hold them), each sentence x{args.repeat}\n")
    print("| reader | read exactly | misread |\n| --- | --- | --- |")
    print(f"| topicnmf (decode_bytes) | {ours} | {cases - ours} |")
    print(f"| charset-normalizer alone (best match) | {theirs} | {cases - theirs} |")
    print("\ntopicnmf's misreadings:\n\n| language | saved as | read as | text |\n| --- | --- | --- | --- |")
    print("\n".join(wrong) or "| none | | | |")


if __name__ == "__main__":
    main()
