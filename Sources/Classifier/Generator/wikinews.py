"""English Wikinews articles of 2004-2015 with their categories, for `heldout.py` (the held-out
sets) and `topic_corpus.py` (the topic model's training corpus), which split them in two halves by
title: `is_training_half`.

Wikinews' text is CC BY 2.5 (public domain before 2005-09-25). The categories are those each
article had when github.com/lbechberger/ML4NLP (MIT; branch alpha, df7041ea, `knowledgestore/`)
read them from en.wikinews.org: its `resource_category_mappings.pickle` (article -> topic
categories) and `subcategory_resource_mappings.pickle` (category -> articles), read with an
unpickler that refuses anything but plain values.
"""
import hashlib
import os
import pickle
import urllib.parse

# Wikinews' topic categories, mapped to the taxonomy's topics; crime, disasters, obituaries and the
# like name no topic of the taxonomy and are not mapped.
TOPIC = {"Sports": "Sports", "Economy and business": "Economy", "Politics and conflicts": "Politics",
         "Culture and entertainment": "Arts&Culture", "Science and technology": "Technology", "Health": "Health",
         "Environment": "Environment"}


class PlainUnpickler(pickle.Unpickler):
    """Reads a pickle of plain values only (dicts, lists, strings, numbers): a pickle from someone
    else's repository that names any class or function is refused, not run."""

    def find_class(self, module, name):
        raise pickle.UnpicklingError(f"refused {module}.{name}: only plain values are read")


def load(directory):
    """(article address -> its topic categories, category -> its articles' addresses)."""
    def read(name):
        with open(os.path.join(directory, name), "rb") as handle:
            return PlainUnpickler(handle).load()

    return read("resource_category_mappings.pickle")["mappings"], read("subcategory_resource_mappings.pickle")


def articles(topics_of, members, addresses):
    """The published articles of `addresses`, in address order, each as (address, title, taxonomy
    topics): the title from the address, folded to one space; an article whose title
    (case-insensitive) repeats one before it, or is empty, is left out."""
    published = set(members.get("Published", []))
    seen = set()
    for url in sorted(addresses):
        title = " ".join(urllib.parse.unquote(url.rsplit("/wiki/", 1)[-1]).replace("_", " ").split())
        if url not in published or not title or title.lower() in seen:
            continue
        seen.add(title.lower())
        yield url, title, list(dict.fromkeys(TOPIC[c] for c in topics_of.get(url, []) if c in TOPIC))


def is_training_half(title):
    """Whether the topic model trains on this title (`topic_corpus.py --wikinews`); the other half is
    held out (`heldout.py`'s `wikinews-heldout-half.jsonl`). By a hash of the title in lower case:
    the same title is always on the same side, whatever else the copy holds."""
    return int(hashlib.md5(title.lower().encode("utf-8")).hexdigest(), 16) % 2 == 0
