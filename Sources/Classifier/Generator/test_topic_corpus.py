"""Unit tests of topic_corpus.py's story relabelling, its economy label for HuffPost's politics
headlines, its reading of Portal:Current events' day pages and of MasakhaNEWS' splits (synthetic
headlines, pages and splits written here, no data set needed).

    python3 -m unittest discover -s Sources/Classifier/Generator -p 'test_*.py'
"""
import os
import tempfile
import unittest

import topic_corpus as tc


def topics_of(text):
    """A stand-in for the taxonomy's keyword matcher: 'prices' is Economy, 'chip' Technology."""
    found = set()
    if "prices" in text:
        found.add("Economy")
    if "chip" in text:
        found.add("Technology")
    return found


def story(story_id, label, texts):
    return [{"text": text, "topics": [label], "story": story_id} for text in texts]


class RelabelStoriesTests(unittest.TestCase):
    def test_a_story_its_headlines_contradict_moves_and_keeps_its_label(self):
        records = story("s1", "Technology", ["Gas prices climb"] * 6 + ["Drivers react"] * 4)
        tc.relabel_stories(records, topics_of)
        self.assertEqual({r["topics"][0] for r in records}, {"Economy"})
        self.assertEqual({r["relabelledFrom"] for r in records}, {"Technology"})

    def test_a_story_with_its_own_keywords_stays(self):
        # Two of ten headlines carry the story's own topic: more than a tenth.
        records = story("s2", "Technology", ["Gas prices climb"] * 6 + ["New chip unveiled"] * 2 + ["Drivers react"] * 2)
        tc.relabel_stories(records, topics_of)
        self.assertEqual({r["topics"][0] for r in records}, {"Technology"})
        self.assertTrue(all("relabelledFrom" not in r for r in records))

    def test_fewer_than_half_with_another_topic_stays(self):
        records = story("s3", "Technology", ["Gas prices climb"] * 4 + ["Drivers react"] * 6)
        tc.relabel_stories(records, topics_of)
        self.assertEqual({r["topics"][0] for r in records}, {"Technology"})

    def test_relabelling_is_a_fixed_point(self):
        records = story("s4", "Technology", ["Gas prices climb"] * 10)
        once = [dict(r) for r in tc.relabel_stories(records, topics_of)]
        twice = tc.relabel_stories([dict(r) for r in once], topics_of)
        self.assertEqual(once, twice)


def page(date, payload, uri=None):
    return {"Date": date, "Source_URI": uri or f"Portal:Current events/{date}", "Intelligence_Payload": payload}


class CurrentEventsTests(unittest.TestCase):
    def test_an_item_becomes_its_first_sentence_without_sources_or_setting(self):
        self.assertEqual(
            tc.current_events_headline("In  snooker, Jane Doe beats John Roe 10-8 to win the final. "
                                       "It is her third title. (BBC Sport) (Reuters)"),
            "Jane Doe beats John Roe 10-8 to win the final")
        self.assertEqual(tc.current_events_headline("In rugby union, the home side retains the cup after a late try."),
                         "The home side retains the cup after a late try")

    def test_a_comma_in_a_number_is_no_setting(self):
        self.assertEqual(tc.current_events_headline("In front of a crowd of 105,491 the visitors win the derby."),
                         "In front of a crowd of 105,491 the visitors win the derby")

    def test_a_short_line_is_a_heading_not_an_item(self):
        self.assertIsNone(tc.current_events_headline("2030 Example Cup (BBC)"))

    def test_only_sport_sections_of_portal_pages_outside_held_out_months(self):
        seen = set()
        payload = {"Sport": ["A club names its new head coach after a long search. (AP)"],
                   "Business and economy": ["A carmaker recalls a million vehicles over faulty brakes. (AP)"]}
        records = list(tc.current_events_items(page("2013-05-04", payload), seen))
        self.assertEqual([(r["text"], r["topics"], r["date"]) for r in records],
                         [("A club names its new head coach after a long search", ["Sports"], "2013-05-04")])
        self.assertEqual(list(tc.current_events_items(page("2017-03-09", payload), set())), [])
        self.assertEqual(list(tc.current_events_items(page("2021-06-01", payload), set())), [])
        self.assertEqual(list(tc.current_events_items(page("2013-05-04", payload, uri="Some other page"), set())), [])
        # The same item on a later page (case aside) is a repeat.
        again = {"Sports": ["a club names its new head coach after a long search."]}
        self.assertEqual(list(tc.current_events_items(page("2013-05-05", again), seen)), [])


    def test_a_page_without_sections_gives_items_that_open_with_their_sport(self):
        payload = {"Uncategorized": [
            "In tennis, the top seed wins the final in straight sets. (BBC)",
            "A ferry sinks off the coast with forty people on board. (AP)",
        ]}
        self.assertEqual([r["text"] for r in tc.current_events_items(page("2023-07-16", payload), set())],
                         ["The top seed wins the final in straight sets"])

    def test_a_page_without_sections_gives_the_items_under_a_competition_heading(self):
        payload = {"Uncategorized": [
            "2030 French Open",
            "Jane Doe beats John Roe in the French Open final to win her first title. (AP)",
            "Heavy rain closes schools across the region for a second day. (Reuters)",
            "Floods in Example Province",
            "Jane Doe wins nothing here: the item follows another story's heading. (AP)",
            "Example Marathon bombing",
            "Two men are charged over the attack at the finish line of the race. (AP)",
            "2030 Winter Olympics, Example Country at the 2030 Winter Olympics",
            "The Example Country team wins its first medal in the men's relay. (AP)",
        ]}
        self.assertEqual(
            [r["text"] for r in tc.current_events_items(page("2030-02-10", payload), set())],
            ["Jane Doe beats John Roe in the French Open final to win her first title",
             "The Example Country team wins its first medal in the men's relay"])

    def test_a_sectioned_page_keeps_to_its_sport_section(self):
        payload = {"Arts and culture": ["In tennis, a retired champion opens a museum of the game's history. (AP)"]}
        self.assertEqual(list(tc.current_events_items(page("2013-05-04", payload), set())), [])


class AlsoEconomyTests(unittest.TestCase):
    @staticmethod
    def economy_words(text):
        return {word for word in ("tariffs", "jobless", "tax", "budget") if word in text.lower()}

    def test_a_politics_headline_with_two_economy_words_is_economy_too(self):
        records = [{"text": "Senate tariffs bill blamed as jobless claims rise", "topics": ["Politics"]},
                   {"text": "Senate passes budget after all-night session", "topics": ["Politics"]},
                   {"text": "Tax and budget row at the film festival", "topics": ["Arts&Culture"]}]
        self.assertEqual([r["topics"] for r in tc.also_economy(records, self.economy_words)],
                         [["Politics", "Economy"], ["Politics"], ["Arts&Culture"]])

    def test_the_rule_is_a_fixed_point(self):
        records = [{"text": "Tariffs and tax plan split the party", "topics": ["Politics"]}]
        once = list(tc.also_economy(records, self.economy_words))
        self.assertEqual(list(tc.also_economy(once, self.economy_words)), once)

    def test_the_bundled_taxonomy_gives_common_words_not_names(self):
        words = tc.topic_words(tc.os.path.join(tc.HERE, "..", "Resources", "taxonomy.json"), "Economy")
        self.assertEqual(words("Tariffs hit Barclays as the jobless rate climbs"), {"tariffs", "jobless"})


class MasakhaNewsTests(unittest.TestCase):
    HEADER = "category\theadline\ttext\turl\n"

    def split(self, directory, relative, rows):
        path = os.path.join(directory, *relative.split("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(self.HEADER)
            for category, headline in rows:
                # The text spans lines inside quotes, as the data set's articles do.
                handle.write(f'{category}\t{headline}\t"First line.\nSecond\tline."\t/news/x\n')

    def test_the_test_split_is_left_out_and_the_training_sample_stands_in_for_a_missing_train_split(self):
        with tempfile.TemporaryDirectory() as directory:
            self.split(directory, "data/eng/test.tsv", [("sports", "Keeper  saves late penalty")])
            self.split(directory, "few_shot_data/50_samples/eng/train.tsv",
                       [("business", "Shop prices rise again"), ("sports", "keeper saves late penalty")])
            self.split(directory, "data/eng/dev.tsv", [("technology", "Chip maker cuts jobs"), ("business", "Shop prices rise again")])
            records = list(tc.masakhanews(directory))
        self.assertEqual([(r["text"], r["topics"], r["category"]) for r in records],
                         [("Shop prices rise again", ["Economy"], "business"), ("Chip maker cuts jobs", ["Technology"], "technology")])

    def test_the_whole_train_split_wins_over_its_sample(self):
        with tempfile.TemporaryDirectory() as directory:
            self.split(directory, "data/eng/test.tsv", [])
            self.split(directory, "data/eng/train.tsv", [("health", "Hospital waits grow")])
            self.split(directory, "few_shot_data/50_samples/eng/train.tsv", [("politics", "Minister resigns")])
            self.split(directory, "data/eng/dev.tsv", [("entertainment", "Band tops the chart")])
            self.assertEqual([r["topics"] for r in tc.masakhanews(directory)], [["Health"], ["Arts&Culture"]])

    def test_an_unknown_category_or_a_missing_split_is_refused(self):
        with tempfile.TemporaryDirectory() as directory:
            with self.assertRaisesRegex(SystemExit, "no data/eng/test.tsv"):
                list(tc.masakhanews(directory))
            self.split(directory, "data/eng/test.tsv", [])
            with self.assertRaisesRegex(SystemExit, "none of data/eng/train.tsv"):
                list(tc.masakhanews(directory))
            self.split(directory, "data/eng/train.tsv", [("religion", "Bishop speaks")])
            self.split(directory, "data/eng/dev.tsv", [])
            with self.assertRaisesRegex(SystemExit, "unknown category 'religion'"):
                list(tc.masakhanews(directory))


if __name__ == "__main__":
    unittest.main()
