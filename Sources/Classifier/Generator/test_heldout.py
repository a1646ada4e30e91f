"""Unit tests of heldout.py's Wikinews set and topic_corpus.py's half of it: titles from article
addresses, topics and regions from categories, the two halves, and the unpickler that reads someone
else's pickles (synthetic pickles written here, no data set needed).

    python3 -m unittest discover -s Sources/Classifier/Generator -p 'test_*.py'
"""
import os
import pickle
import tempfile
import unittest

import heldout
import topic_corpus
import wikinews

WIKI = "http://en.wikinews.org/wiki/"


def write_pickles(directory, topics, members):
    with open(os.path.join(directory, "resource_category_mappings.pickle"), "wb") as handle:
        pickle.dump({"category_names": sorted({c for cs in topics.values() for c in cs}), "mappings": topics}, handle)
    with open(os.path.join(directory, "subcategory_resource_mappings.pickle"), "wb") as handle:
        pickle.dump(members, handle)


class WikinewsTests(unittest.TestCase):
    def test_titles_topics_and_regions_come_from_the_categories(self):
        kenya = WIKI + "Kenyan_runners_sweep_Boston_Marathon"
        france = WIKI + "%22Grand_Paris%22_plan_unveiled"
        crime = WIKI + "Man_held_after_bank_raid_in_Ohio"
        draft = WIKI + "Draft_story"
        with tempfile.TemporaryDirectory() as directory:
            write_pickles(directory, {
                kenya: ["Sports"], france: ["Politics and conflicts", "Economy and business"],
                crime: ["Crime and law"], draft: ["Sports"],
            }, {
                "Published": [kenya, france, crime],
                "Kenya": [kenya], "United States": [kenya, crime], "France": [france],
                "Boston Marathon": [kenya], "June 1, 2005": [kenya, france],
            })
            examples = {e["text"]: e for e in heldout.wikinews(directory)}
        # Unpublished articles are left out; crime is not a topic of the taxonomy, so not judged.
        self.assertEqual(set(examples), {"Kenyan runners sweep Boston Marathon", '"Grand Paris" plan unveiled',
                                         "Man held after bank raid in Ohio"})
        self.assertEqual(examples["Kenyan runners sweep Boston Marathon"]["topics"], ["Sports"])
        self.assertEqual(sorted(examples["Kenyan runners sweep Boston Marathon"]["regions"]), ["Africa", "US & Canada"])
        self.assertEqual(examples['"Grand Paris" plan unveiled']["topics"], ["Politics", "Economy"])
        self.assertEqual(examples['"Grand Paris" plan unveiled']["regions"], ["Europe"])
        self.assertIsNone(examples["Man held after bank raid in Ohio"]["topics"])
        self.assertEqual(examples["Man held after bank raid in Ohio"]["regions"], ["US & Canada"])

    def test_the_training_half_and_the_held_out_half_share_no_title(self):
        titles = [f"Story number {n} of the day" for n in range(40)]
        topics = {WIKI + t.replace(" ", "_"): ["Economy and business"] for t in titles}
        # The same title again in another capitalisation: one article, on one side.
        topics[WIKI + "STORY_NUMBER_1_OF_THE_DAY"] = ["Sports"]
        with tempfile.TemporaryDirectory() as directory:
            write_pickles(directory, topics, {"Published": list(topics)})
            trained = [e["text"] for e in topic_corpus.wikinews_half(directory)]
            held_out = [e["text"] for e in heldout.wikinews(directory) if not wikinews.is_training_half(e["text"])]
        folded = lambda texts: {t.lower() for t in texts}
        self.assertEqual(folded(trained) & folded(held_out), set())
        self.assertEqual(folded(trained) | folded(held_out), folded(titles))
        # A hash, so both halves hold some of forty titles, and a title's side never changes.
        self.assertTrue(trained and held_out)
        self.assertEqual(wikinews.is_training_half("Story number 1 of the day"), wikinews.is_training_half("STORY NUMBER 1 OF THE DAY"))

    def test_a_pickle_that_names_a_function_is_refused_not_run(self):
        class Payload:
            def __reduce__(self):
                return (os.system, ("echo ran",))

        with tempfile.TemporaryDirectory() as directory:
            with open(os.path.join(directory, "resource_category_mappings.pickle"), "wb") as handle:
                pickle.dump({"mappings": {WIKI + "X": [Payload()]}}, handle)
            with open(os.path.join(directory, "subcategory_resource_mappings.pickle"), "wb") as handle:
                pickle.dump({}, handle)
            with self.assertRaises(pickle.UnpicklingError):
                heldout.wikinews(directory)


if __name__ == "__main__":
    unittest.main()
