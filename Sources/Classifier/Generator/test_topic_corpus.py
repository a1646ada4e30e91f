"""Unit tests of topic_corpus.py's story relabelling (synthetic headlines, no data set needed).

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


if __name__ == "__main__":
    unittest.main()
