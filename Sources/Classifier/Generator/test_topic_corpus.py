"""Unit tests of topic_corpus.py's story relabelling and its reading of Portal:Current events' day
pages (synthetic headlines and pages written here, no data set needed).

    python3 -m unittest discover -s Sources/Classifier/Generator -p 'test_*.py'
"""
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


if __name__ == "__main__":
    unittest.main()
